"""The small city most cockpit tests read (tests/analytics/fixture.py)."""

import pytest

from tests.analytics.fixture import build_city


@pytest.fixture
def city(session):
    return build_city(session)
