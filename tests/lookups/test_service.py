"""The lookup lists (app.lookups.service): what the seeded codes offer, in which order, to
whom, and what a code taken out of use means for the lists and for new projects."""

import pytest
import sqlalchemy as sa

from app.errors import ValidationFailed
from app.lookups.models import ChainLink, County, Region
from app.lookups.service import Option, lookup_options
from app.projects.service import create_project
from tests.conftest import project_input


def test_the_lists_hold_the_seeded_codes_in_their_sort_order(session):
    options = lookup_options(session)
    regions = [(o.code, o.name) for o in options.regions]
    assert regions[:2] == [("jjj", "京津冀"), ("csj", "长三角")]
    assert [o.code for o in options.counties] == list(session.scalars(
        sa.select(County.code).order_by(County.sort_order, County.code)))
    assert len(options.counties) == 17
    # A link names its chain; every chain's links are there.
    pitch = next(o for o in options.chain_links if o.code == "carbon.pitch")
    assert (pitch.name, pitch.parent) == ("针状焦与碳纤维", "carbon")
    assert {o.parent for o in options.chain_links} == {o.code for o in options.chains}
    assert all(z.parent in {c.code for c in options.counties} for z in options.zones)


def test_a_county_user_is_offered_only_their_county_and_its_zones(session, county_staff):
    city = lookup_options(session)
    county = lookup_options(session, county_staff)
    assert [c.code for c in county.counties] == ["houma"]
    assert county.zones == [z for z in city.zones if z.parent == "houma"]
    assert county.zones  # a county without zones would prove nothing
    assert county.chains == city.chains and county.regions == city.regions


def test_names_follow_the_language_and_a_missing_code_reads_as_a_dash(session):
    options = lookup_options(session)
    assert options.name_of("regions", "jjj", "zh_CN") == "京津冀"
    assert options.name_of("regions", "jjj", "en") == "Beijing-Tianjin-Hebei"
    assert options.name_of("regions", None, "zh_CN") == "--"
    assert options.name_of("regions", "atlantis", "zh_CN") == "atlantis"
    assert Option("x", "中文", "English").label("en") == "English"


def test_a_code_taken_out_of_use_leaves_the_lists_and_is_refused_for_new_projects(
        session, staff):
    session.get(Region, "csj").is_active = False
    session.get(ChainLink, "carbon.coke").is_active = False
    session.flush()

    options = lookup_options(session)
    assert "csj" not in {o.code for o in options.regions}
    assert "carbon.coke" not in {o.code for o in options.chain_links}
    for field, code in (("region", "csj"), ("chain_link", "carbon.coke")):
        with pytest.raises(ValidationFailed) as refused:
            create_project(session, project_input(**{field: code}), actor=staff)
        assert [p.field for p in refused.value.errors] == [field]
    create_project(session, project_input(), actor=staff)  # codes still in use still work
