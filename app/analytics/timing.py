"""Time in stage: how long projects take from one stage to the next (median and 75th
percentile, in SQL), by when a cohort reaches each stage, and the longest waiting."""

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlmodel import Session

from app.accounts.permissions import Actor
from app.analytics.schemas import StageTiming
from app.analytics.sql import days_between, scoped
from app.projects.models import Project, reached_on
from app.projects.queries import select_rows
from app.projects.schemas import ProjectFilters
from app.projects.stages import STAGE_ORDER, Stage, Status

SLOWEST_PER_STAGE = 5


def _percentiles(session: Session, samples: Any) -> dict[str, tuple[int, Decimal | None,
                                                                     Decimal | None]]:
    """Median and 75th percentile of `samples` (key, days) per key, interpolated between the
    two nearest ranks like PostgreSQL's percentile_cont. Days are whole numbers, so the
    samples are counted per value first; a running total over that short histogram finds
    the value at each rank, all in SQL."""
    hist = (select(samples.c.key, samples.c.days, func.count().label("n"))
            .group_by(samples.c.key, samples.c.days).subquery("hist"))
    running = sa.cast(func.sum(hist.c.n).over(partition_by=hist.c.key, order_by=hist.c.days),
                      sa.Integer).label("upto")
    total = sa.cast(func.sum(hist.c.n).over(partition_by=hist.c.key), sa.Integer).label("total")
    ranked = select(hist.c.key, hist.c.days, hist.c.n, running, total).subquery("ranked")

    def at_rank(rank: Any) -> Any:
        # The value whose ranks (upto - n, upto] hold `rank`: exactly one row per key.
        held = sa.and_(ranked.c.upto - ranked.c.n < rank, rank <= ranked.c.upto)
        return func.sum(sa.case((held, ranked.c.days)))

    columns: list[Any] = [ranked.c.key, func.max(ranked.c.total)]
    for a, b in ((1, 2), (3, 4)):
        position = b + a * (ranked.c.total - 1)  # the 1-based rank, times b
        low = position // b
        high = low + sa.case((position % b == 0, 0), else_=1)
        columns += [at_rank(low), at_rank(high)]
    result: dict[str, tuple[int, Decimal | None, Decimal | None]] = {}
    for key, count, m_low, m_high, q_low, q_high in session.execute(
            select(*columns).group_by(ranked.c.key)):
        count = int(count)

        def pick(low: Any, high: Any, a: int, b: int, count: int = count) -> Decimal | None:
            if low is None or high is None:
                return None
            fraction = Decimal((b + a * (count - 1)) % b) / b
            return (Decimal(low) + fraction * (Decimal(high) - Decimal(low))).quantize(
                Decimal("0.01"))

        result[key] = (count, pick(m_low, m_high, 1, 2), pick(q_low, q_high, 3, 4))
    return result


def _milestone_samples(where: list[Any], spans: list[tuple[Stage, Any, Any]]) -> Any:
    """(key, days) for each project in scope and each span (key, later, earlier milestone)
    both of whose days are set: one select per span, joined with UNION ALL."""
    return sa.union_all(*(
        select(sa.literal(key.value).label("key"), days_between(later, earlier).label("days"))
        .where(*where, later.is_not(None), earlier.is_not(None))
        for key, later, earlier in spans)).subquery("sample")


def time_in_stage(session: Session, actor: Actor, filters: ProjectFilters, *,
                  now: datetime | None = None) -> list[StageTiming]:
    """For each stage and the next: how many projects went on, and the median and 75th
    percentile of the days from first reaching the stage to first reaching the next (a
    move back and forth again counts once: the milestones are first days)."""
    where = scoped(actor, filters, now=now)
    found = _percentiles(session, _milestone_samples(
        where, [(stage, reached_on(STAGE_ORDER[stage.rank]), reached_on(stage))
                for stage in STAGE_ORDER[:-1]]))
    return [
        StageTiming(stage.value, STAGE_ORDER[stage.rank].value, *found.get(stage.value,
                                                                          (0, None, None)))
        for stage in STAGE_ORDER[:-1]
    ]


def cohort_timing(session: Session, actor: Actor, filters: ProjectFilters, *,
                  now: datetime | None = None) -> dict[str, tuple[int, Decimal | None,
                                                                  Decimal | None]]:
    """By when: days from first contact to first reaching each stage (median, p75)."""
    where = scoped(actor, filters, now=now)
    contact = reached_on(Stage.contact)
    return _percentiles(session, _milestone_samples(
        where, [(stage, reached_on(stage), contact) for stage in STAGE_ORDER[1:]]))


def slowest(session: Session, actor: Actor, filters: ProjectFilters, *,
            per_stage: int = SLOWEST_PER_STAGE, now: datetime | None = None
            ) -> dict[str, list[Any]]:
    """The active projects longest in their stage, a few per stage. Each stage's few are
    picked along ix_project_cockpit (no sort of the whole stage), the picks joined
    with UNION ALL, and only those rows joined for display: one statement."""
    where = [*scoped(actor, filters, now=now), Project.status == Status.active.value]
    picks = [select(Project.id.label("picked_id"), Project.stage_entered_on.label("since"))
             .where(*where, Project.stage == stage.value)
             .order_by(Project.stage_entered_on, Project.id).limit(per_stage)
             .subquery(f"oldest_{stage.value}")
             for stage in STAGE_ORDER]
    picked = sa.union_all(*(select(pick) for pick in picks)).subquery("picked")
    rows = session.execute(
        select_rows(actor).join(picked, picked.c.picked_id == Project.id)
        .order_by(Project.stage_entered_on, Project.id)).all()
    result: dict[str, list[Any]] = {stage.value: [] for stage in STAGE_ORDER}
    for row in rows:
        result[row.stage].append(row)
    return result
