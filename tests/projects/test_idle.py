"""How long since the last follow-up: whole local days (Asia/Shanghai), since the first
report when never followed up; the same count for the workbench card, the list's
`idle_days` filter and the cockpit's lights, whatever the hour."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from app.projects.idle import FOLLOW_UP_DUE_DAYS, idle_days
from app.projects.models import Project
from app.projects.queries import list_projects
from app.projects.schemas import ProjectFilters
from app.workbench.queries import idle_projects

BEIJING = ZoneInfo("Asia/Shanghai")


def local(day: int, hour: int) -> datetime:
    """An instant in June 2026, Beijing time."""
    return datetime(2026, 6, day, hour, tzinfo=BEIJING)


# 07:00 on 30 June, before anyone follows up (still the 29th in UTC).
MORNING = local(30, 7)


def project(session, make_project, name: str, *, last: datetime | None,
            reported: datetime | None = None) -> Project:
    made = make_project(name=name)
    made.last_activity_at = last
    made.first_reported_at = reported or local(1, 9)
    session.flush()
    return made


def filtered(session, staff, days: int) -> set[str]:
    page = list_projects(session, staff, ProjectFilters(idle_days=days), now=MORNING)
    return {row.name for row in page.rows}


def test_last_evening_is_one_day_ago_in_the_morning(session, make_project, staff):
    yesterday = project(session, make_project, "昨晚跟进的项目", last=local(29, 20))
    project(session, make_project, "今晨跟进的项目", last=local(30, 6))

    assert idle_days(yesterday.last_activity_at, yesterday.first_reported_at,
                     date(2026, 6, 30)) == 1
    assert filtered(session, staff, 1) == {"昨晚跟进的项目"}


def test_the_idle_card_and_its_filter_count_local_days(session, make_project, staff):
    project(session, make_project, "十四天前晚上跟进的项目", last=local(16, 20))
    project(session, make_project, "十三天前跟进的项目", last=local(17, 8))
    project(session, make_project, "十四天前报送从未跟进的项目", last=None,
            reported=local(16, 21))
    project(session, make_project, "昨天报送从未跟进的项目", last=None, reported=local(29, 10))

    card = idle_projects(session, staff, now=MORNING)
    notes = {item.row.name: [(n.message, n.params) for n in item.notes] for item in card.items}
    assert notes == {
        "十四天前晚上跟进的项目": [("{n} day without follow-up", {"n": 14})],
        "十四天前报送从未跟进的项目": [("Never followed up", {})],
    }
    assert card.total == 2
    assert filtered(session, staff, FOLLOW_UP_DUE_DAYS) == set(notes)
