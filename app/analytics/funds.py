"""Funds in place (资金到位): money that actually arrived for a project, dated; the
funds-in-place rate and the targets sum these entries."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from app.accounts.permissions import Actor, Permission
from app.analytics.schemas import FundsEntryIn
from app.analytics.sql import money
from app.audit.service import record
from app.clock import local_date
from app.db import utcnow
from app.errors import ValidationFailed
from app.i18n import _
from app.projects.models import FundsEntry
from app.projects.service import ensure_can_change, get_project


def add_funds_entry(session: Session, actor: Actor, project_id: int, data: FundsEntryIn, *,
                    now: datetime | None = None) -> FundsEntry:
    """Record money in place for a project the actor may change; never in the future."""
    now = now or utcnow()
    project = get_project(session, project_id, actor)
    ensure_can_change(actor, project, Permission.project_update)
    if data.on_date > local_date(now):
        raise ValidationFailed(_("The date {day} is in the future."), field="on_date",
                               day=data.on_date.isoformat())
    entry = FundsEntry(project_id=project.id, amount=data.amount, on_date=data.on_date,
                       note=data.note, created_at=now, created_by_id=actor.user_id)
    session.add(entry)
    session.flush()
    record(session, actor, "project.funds", object_type="project", object_id=project.id,
           changes={"amount": [None, data.amount], "on_date": [None, data.on_date]}, now=now)
    return entry


def funds_of_project(session: Session, actor: Actor, project_id: int) -> tuple[list[Any],
                                                                               Decimal]:
    """A project's funds entries, newest first, and their sum."""
    project = get_project(session, project_id, actor)
    rows = session.execute(select(FundsEntry.id, FundsEntry.amount, FundsEntry.on_date,
                                  FundsEntry.note)
                           .where(FundsEntry.project_id == project.id)
                           .order_by(FundsEntry.on_date.desc(), FundsEntry.id.desc())).all()
    total = session.scalar(select(func.sum(FundsEntry.amount))
                           .where(FundsEntry.project_id == project.id))
    return list(rows), money(total)
