"""The audit trail: the hash chain, its verification, the database's refusals, the queries."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from app.accounts.permissions import Actor
from app.audit.models import ACTION_LABELS, GENESIS_HASH, AuditAction, AuditEvent
from app.audit.service import compute_hash, diff, record, verify_chain
from app.audit_trail.service import object_history, search
from app.errors import PermissionDenied
from tests.conftest import make_actor

T0 = datetime(2026, 6, 30, 2, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def auditor(session: Session) -> Actor:
    return make_actor(session, "shen.jie", "沈洁", ["auditor"])


def three_events(session: Session, staff: Actor) -> list[AuditEvent]:
    return [
        record(session, staff, AuditAction.project_create, object_type="project", object_id=1,
               now=T0),
        record(session, staff, AuditAction.project_update, object_type="project", object_id=1,
               changes={"name": ["旧名", "新名"]}, now=T0 + timedelta(minutes=1)),
        record(session, staff, AuditAction.project_stage, object_type="project", object_id=1,
               changes={"stage": ["contact", "intent"]}, now=T0 + timedelta(minutes=2)),
    ]


def tamper(session: Session, statement: str, **params: object) -> None:
    """Run an UPDATE or DELETE past the append-only triggers, inside the test's transaction
    (which the fixture rolls back, triggers included)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
    else:
        session.execute(sa.text("DROP TRIGGER audit_event_no_update"))
        session.execute(sa.text("DROP TRIGGER audit_event_no_delete"))
    session.execute(sa.text(statement), params)
    session.expire_all()


def test_every_row_links_to_the_one_before(session, staff):
    events = three_events(session, staff)

    assert events[1].prev_hash == events[0].row_hash
    assert events[2].prev_hash == events[1].row_hash
    first = session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id).limit(1))
    assert first.prev_hash == GENESIS_HASH
    assert len({e.row_hash for e in events}) == 3


def test_a_row_carries_who_from_where_and_what_changed(session):
    user = make_actor(session, "liu.min", "刘敏", ["staff", "leader"])
    actor = Actor(user_id=user.user_id, name=user.name, roles=user.roles, county_code=None,
                  ip="203.0.113.7", user_agent="Mozilla/5.0 " + "x" * 400)

    event = record(session, actor, AuditAction.project_update, object_type="project",
                   object_id=42, changes={"total_investment": ["1.00", "2.00"]}, now=T0)

    session.expire_all()
    stored = session.get(AuditEvent, event.id)
    assert (stored.user_id, stored.username, stored.roles) == (user.user_id, "liu.min",
                                                               "leader,staff")
    assert stored.ip == "203.0.113.7" and len(stored.user_agent) == 300
    assert (stored.object_type, stored.object_id, stored.outcome) == ("project", "42", "success")
    assert stored.occurred_at == T0
    assert stored.changed_fields() == {"total_investment": ["1.00", "2.00"]}
    assert compute_hash(stored.model_dump()) == stored.row_hash


def test_a_failed_login_for_an_unknown_user_records_the_attempted_name(session):
    event = record(session, None, AuditAction.login_failed, username="nobody\x00",
                   ip="198.51.100.1", outcome="failure", detail="unknown user")

    assert (event.user_id, event.username, event.roles) == (None, "nobody\ufffd", "")
    assert (event.ip, event.outcome) == ("198.51.100.1", "failure")
    assert verify_chain(session).ok


def test_an_unknown_outcome_is_refused(session, staff):
    with pytest.raises(ValueError):
        record(session, staff, AuditAction.export, outcome="maybe")


def test_diff_keeps_only_changed_fields_made_json_safe():
    before = {"name": "甲", "amount": Decimal("10.00"), "on": date(2026, 1, 1), "same": 1}
    after = {"name": "乙", "amount": Decimal("10.0"), "on": date(2026, 2, 1), "same": 1,
             "at": datetime(2026, 1, 1, tzinfo=UTC)}

    assert diff(before, after) == {
        "name": ["甲", "乙"],
        "on": ["2026-01-01", "2026-02-01"],
        "at": [None, "2026-01-01T00:00:00+00:00"],
    }
    assert diff({"amount": Decimal("1")}, {"amount": Decimal("2.50")}) == {
        "amount": ["1", "2.50"]}


def test_verify_passes_on_an_intact_chain(session, staff):
    three_events(session, staff)

    result = verify_chain(session)

    assert result.ok and result.first_broken_id is None and result.reason is None
    assert result.checked >= 3


def test_verify_walks_more_rows_than_one_batch(session, staff, monkeypatch):
    monkeypatch.setattr("app.audit.service.VERIFY_BATCH", 2)
    events = three_events(session, staff) + three_events(session, staff)

    result = verify_chain(session)

    assert result.ok and result.head_hash == events[-1].row_hash


def test_verify_names_a_row_whose_content_was_changed(session, staff):
    events = three_events(session, staff)

    tamper(session, "UPDATE audit_event SET username = 'someone.else' WHERE id = :id",
           id=events[1].id)

    result = verify_chain(session)
    assert not result.ok
    assert result.first_broken_id == events[1].id
    assert "hash" in result.reason


def test_verify_names_the_row_after_one_rewritten_with_a_fresh_hash(session, staff):
    events = three_events(session, staff)
    forged = events[1].model_dump() | {"detail": "forged"}

    tamper(session, "UPDATE audit_event SET detail = 'forged', row_hash = :h WHERE id = :id",
           h=compute_hash(forged), id=events[1].id)

    assert verify_chain(session).first_broken_id == events[2].id


def test_verify_finds_a_deleted_middle_row(session, staff):
    events = three_events(session, staff)

    tamper(session, "DELETE FROM audit_event WHERE id = :id", id=events[1].id)

    result = verify_chain(session)
    assert not result.ok
    assert result.first_broken_id == events[2].id
    assert "missing" in result.reason


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET detail = 'edited' WHERE id = :id",
    "DELETE FROM audit_event WHERE id = :id",
])
def test_the_database_refuses_to_update_or_delete_audit_rows(session, staff, statement):
    event = record(session, staff, AuditAction.export, detail="projects.xlsx")

    with pytest.raises(sa.exc.DatabaseError, match="append-only"), session.begin_nested():
        session.execute(sa.text(statement), {"id": event.id})

    assert verify_chain(session).ok


def test_a_forked_chain_is_refused(session, staff):
    first = record(session, staff, AuditAction.export)
    record(session, staff, AuditAction.export)
    content = first.model_dump(exclude={"id", "row_hash"}) | {"detail": "fork"}

    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        session.add(AuditEvent(**content, row_hash=compute_hash(content)))
        session.flush()


def test_search_filters_by_user_action_object_and_time(session, staff, auditor):
    other = make_actor(session, "zhou.qiang", "周强", ["staff"])
    create, update, stage = three_events(session, staff)
    export = record(session, other, AuditAction.export, now=T0 + timedelta(minutes=3))
    elsewhere = record(session, other, AuditAction.project_update, object_type="project",
                       object_id=2, now=T0 + timedelta(minutes=4))

    def ids(**filters):
        return [e.id for e in search(session, auditor, **filters)]

    assert ids(user_id=staff.user_id) == [stage.id, update.id, create.id]
    assert ids(username="zhou.qiang") == [elsewhere.id, export.id]
    assert ids(action=AuditAction.project_update) == [elsewhere.id, update.id]
    assert ids(object_type="project", object_id=1) == [stage.id, update.id, create.id]
    assert ids(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=3)) == [
        stage.id, update.id]
    assert ids(user_id=other.user_id, action=AuditAction.export) == [export.id]


def test_search_pages_newest_first_by_id(session, staff, auditor):
    events = three_events(session, staff)

    page = search(session, auditor, user_id=staff.user_id, limit=2)
    rest = search(session, auditor, user_id=staff.user_id, limit=2, before_id=page[-1].id)

    assert [e.id for e in page + rest] == [e.id for e in reversed(events)]


def test_only_auditors_search_the_audit_trail(session, staff, admin):
    for actor in (staff, admin):
        with pytest.raises(PermissionDenied):
            search(session, actor)


def test_object_history_is_oldest_first_for_one_object(session, staff):
    events = three_events(session, staff)
    record(session, staff, AuditAction.project_update, object_type="project", object_id=2)

    history = object_history(session, staff, "project", 1)

    assert [e.id for e in history] == [e.id for e in events]
    assert [e.id for e in object_history(session, staff, "project", 1, after_id=events[0].id,
                                         limit=1)] == [events[1].id]


def test_object_history_of_anything_but_a_project_is_for_auditors(session, staff, auditor):
    event = record(session, staff, AuditAction.user_create, object_type="user", object_id=7)

    with pytest.raises(PermissionDenied):
        object_history(session, staff, "user", 7)
    assert [e.id for e in object_history(session, auditor, "user", 7)] == [event.id]


def test_every_action_has_a_label():
    assert set(ACTION_LABELS) == set(AuditAction)
