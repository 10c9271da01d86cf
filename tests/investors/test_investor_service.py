"""The investor and contact services below both doors: what counts as another company,
what a no-op changes, and who may change what."""

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.investors.service import add_contact, delete_contact, update_contact
from app.projects.investors import credit_code_check_char
from app.projects.models import Investor, InvestorContact
from app.projects.schemas import (
    ContactIn,
    ContactUpdate,
    InvestorIn,
    InvestorUpdate,
    TerminateIn,
)
from app.projects.service import terminate_project, update_investor
from tests.conftest import count


def code(n: int) -> str:
    first17 = f"9114030{n:010d}"
    return first17 + credit_code_check_char(first17)


def test_a_same_name_company_with_another_credit_code_is_another_company(
        session, staff, make_project):
    make_project(investor=InvestorIn(name="宏达科技有限公司", credit_code=code(1)))
    mine = make_project(name="另一个", investor=InvestorIn(name="宏达新材料有限公司",
                                                         credit_code=code(2)))
    investor = update_investor(session, mine.id, InvestorUpdate(name="宏达科技股份有限公司"),
                               expected_version=1, actor=staff)
    assert investor.normalized_name == "宏达科技"


def test_a_same_name_company_without_a_credit_code_is_the_same_company(
        session, staff, make_project):
    make_project(investor=InvestorIn(name="宏达科技有限公司"))
    mine = make_project(name="另一个", investor=InvestorIn(name="宏达新材料有限公司",
                                                         credit_code=code(3)))
    with pytest.raises(Conflict) as refused:
        update_investor(session, mine.id, InvestorUpdate(name="宏达科技公司"),
                        expected_version=1, actor=staff)
    assert refused.value.errors[0].field == "name"


def test_an_edit_that_changes_nothing_records_nothing_and_keeps_the_version(
        session, staff, make_project):
    mine = make_project(investor=InvestorIn(name="宏达科技有限公司", credit_code=code(4)))
    update_investor(session, mine.id, InvestorUpdate(credit_code=code(4).lower()),
                    expected_version=1, actor=staff)
    session.refresh(mine)
    assert mine.version == 1
    assert count(session, AuditEvent, AuditEvent.action == "investor.update") == 0


def test_a_terminated_projects_investor_is_not_changed_by_staff(session, staff, make_project):
    mine = make_project()
    terminate_project(session, mine.id, TerminateIn(reason_code="investor_withdrew"),
                      expected_version=None, actor=staff)
    with pytest.raises(Conflict):
        update_investor(session, mine.id, InvestorUpdate(hq_city="太原"),
                        expected_version=None, actor=staff)
    with pytest.raises(Conflict):
        add_contact(session, mine.id, ContactIn(name="王总"), actor=staff)


def test_another_countys_staff_finds_no_project(session, county_staff, make_project):
    mine = make_project()  # in yaodu; county_staff is houma's
    with pytest.raises(NotFound):
        update_investor(session, mine.id, InvestorUpdate(hq_city="太原"),
                        expected_version=None, actor=county_staff)
    with pytest.raises(NotFound):
        add_contact(session, mine.id, ContactIn(name="王总"), actor=county_staff)


def test_a_leader_changes_only_the_investor_of_a_project_they_lead(session, leader,
                                                                   make_project):
    mine = make_project()
    with pytest.raises(PermissionDenied):
        update_investor(session, mine.id, InvestorUpdate(hq_city="太原"),
                        expected_version=None, actor=leader)


def test_a_contact_changed_into_another_one_is_refused(session, staff, make_project):
    mine = make_project(investor=InvestorIn(name="宏达科技有限公司", contacts=[
        ContactIn(name="陈经理", phone="13812341234"), ContactIn(name="王总")]))
    wang = session.scalar(sa.select(InvestorContact).where(InvestorContact.name == "王总"))
    with pytest.raises(Conflict):
        update_contact(session, mine.id, wang.id,
                       ContactUpdate(name="陈经理", phone="138-1234-1234"), actor=staff)
    with pytest.raises(ValidationFailed):
        update_contact(session, mine.id, wang.id, ContactUpdate(name=None), actor=staff)
    session.refresh(wang)
    assert wang.name == "王总" and wang.phone is None


def test_a_contact_of_another_investor_is_not_found(session, staff, make_project):
    mine = make_project()
    other = make_project(name="别家", investor=InvestorIn(name="别家公司", contacts=[
        ContactIn(name="王总")]))
    theirs = session.scalar(sa.select(InvestorContact).where(
        InvestorContact.investor_id == other.investor_id))
    with pytest.raises(NotFound):
        delete_contact(session, mine.id, theirs.id, actor=staff)
    assert count(session, InvestorContact) == 1
    assert session.get(Investor, other.investor_id) is not None
