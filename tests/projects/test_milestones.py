"""Milestones: the first day a project reached each stage, kept with its stage events.

The funnel, the cockpit and the list's drill-downs read these columns, so they must say
exactly what the event history says, whatever moves back and forth happen."""

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import command

from app.cli import alembic_config
from app.db import create_db_engine
from app.projects.models import Project
from app.projects.queries import list_projects
from app.projects.schemas import LeaderAssignIn, MoveBackIn, ProjectFilters, TransitionIn
from app.projects.service import advance_stage, assign_leader, create_project, move_back
from app.projects.stages import STAGE_ORDER
from tests.conftest import project_input, throwaway_database

SHANGHAI = ZoneInfo("Asia/Shanghai")
SIGNING = {"agreement_no": "LFXY-2026-009", "agreed_amount": Decimal("900.00")}


def at(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(10), tzinfo=SHANGHAI)


def milestones(project: Project) -> list[str | None]:
    return [getattr(project, f"reached_{s.value}_on") and
            getattr(project, f"reached_{s.value}_on").isoformat() for s in STAGE_ORDER]


def test_milestones_keep_the_first_day_of_each_stage_through_moves_back(session, staff, leader):
    project = create_project(session, project_input(), actor=staff, now=at("2026-03-02"))
    assign_leader(session, project.id, LeaderAssignIn(leader_id=leader.user_id),
                  expected_version=None, actor=staff, now=at("2026-03-02"))

    def advance(day: str, to: str, **evidence: object) -> None:
        advance_stage(session, project.id, TransitionIn(to_stage=to, happened_on=day,
                                                        **evidence),
                      expected_version=None, actor=staff, now=at(day))

    advance("2026-03-10", "signed", **SIGNING)  # a jump: intent and signed the same day
    assert milestones(project) == ["2026-03-02", "2026-03-10", "2026-03-10", None, None, None,
                                   None]
    move_back(session, project.id, MoveBackIn(to_stage="intent", happened_on="2026-04-01",
                                              reason="协议解除"),
              expected_version=None, actor=staff, now=at("2026-04-01"))
    advance("2026-05-06", "signed", **SIGNING)
    # Signed again later: the first signing still counts, and nothing is forgotten.
    assert milestones(project)[:4] == ["2026-03-02", "2026-03-10", "2026-03-10", None]

    def listed(**filters: object) -> list[int]:
        page = list_projects(session, staff, ProjectFilters(**filters))
        return [row.id for row in page.rows]

    assert listed(reached="signed", reached_from="2026-03-01", reached_to="2026-03-31") == [
        project.id]
    assert listed(reached="signed", reached_from="2026-05-01", reached_to="2026-05-31") == []
    assert listed(reached="contract") == []
    # A conversion is a first arrival: the re-signing in May is not one.
    assert listed(advanced_from="2026-03-01", advanced_to="2026-03-31") == [project.id]
    assert listed(advanced_from="2026-04-01", advanced_to="2026-05-31") == []


def test_the_migration_fills_milestones_from_the_event_history(tmp_path):
    with throwaway_database(tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, "e5a0c9d3b812")  # the revision before milestones
        engine = create_db_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(sa.text(
                    "INSERT INTO investor (id, name, normalized_name, created_at) "
                    "VALUES (1, '甲', '甲', '2026-01-01 00:00:00')"))
                conn.execute(sa.text(
                    "INSERT INTO app_user (id, username, display_name, password_hash, "
                    "is_active, language, created_at, failed_login_count, "
                    "must_change_password) VALUES (1, 'l', '领导', 'x', true, 'zh_CN', "
                    "'2026-01-01 00:00:00', 0, false)"))
                for pid, stage in ((1, "intent"), (2, "signed")):
                    conn.execute(sa.text(
                        "INSERT INTO project (id, code, name, investor_id, category_code, "
                        "chain_code, region_code, method_code, county_code, total_investment, "
                        "stage, status, is_confidential, first_reported_at, "
                        "first_report_county_code, leader_id, search_text, stage_entered_on, "
                        "created_at, updated_at, version) VALUES (:id, :code, '项目', 1, "
                        "'industrial', 'pv', 'csj', 'by_chain', 'yaodu', 100, :stage, "
                        "'active', false, '2026-01-05 02:00:00', 'yaodu', 1, '', "
                        "'2026-04-01', '2026-01-05 02:00:00', '2026-01-05 02:00:00', 1)"),
                        {"id": pid, "code": f"ZS-T-{pid}", "stage": stage})
                events = [(1, None, "contact", False, "2026-01-05"),
                          (1, "contact", "intent", False, "2026-02-01"),
                          (1, "intent", "signed", False, "2026-03-01"),
                          (1, "signed", "intent", True, "2026-04-01")]
                for pid, before, after, backward, day in events:
                    conn.execute(sa.text(
                        "INSERT INTO stage_event (project_id, from_stage, to_stage, "
                        "is_backward, happened_on, recorded_at) VALUES (:pid, :before, "
                        ":after, :backward, :day, '2026-04-01 02:00:00')"),
                        {"pid": pid, "before": before, "after": after, "backward": backward,
                         "day": day})
            command.upgrade(config, "head")
            with engine.connect() as conn:
                rows = conn.execute(sa.text(
                    "SELECT id, reached_contact_on, reached_intent_on, reached_signed_on, "
                    "reached_contract_on FROM project ORDER BY id")).all()
        finally:
            engine.dispose()
    as_text = [tuple(str(v) if v is not None else None for v in row) for row in rows]
    # P1 from its events (the move back keeps its signing); P2 has none: its current stage.
    assert as_text == [("1", "2026-01-05", "2026-02-01", "2026-03-01", None),
                       ("2", "2026-04-01", "2026-04-01", "2026-04-01", None)]
