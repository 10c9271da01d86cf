"""项目看板: one column per stage with its count and Σ总投资, the most recently updated cards,
and moves by drag-and-drop or the keyboard's 移动到… menu, offering the moves
app.projects.service.available_moves allows. Moves post to the project's stage forms
(app.projects.pages.detail); this page only reads."""

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.accounts.people import leaders
from app.accounts.permissions import Actor, Permission
from app.clock import local_date
from app.lookups.service import lookup_options
from app.projects.idle import STALLED_DAYS, idle_days
from app.projects.pages.common import LABELS, parse_filters, query_dict, url_with
from app.projects.queries import kanban_columns
from app.projects.service import Move, available_moves
from app.projects.stages import Stage
from app.web.deps import DbSession, requires
from app.web.templating import render

router = APIRouter()
PER_COLUMN = 30


@dataclass(frozen=True)
class Card:
    row: Any
    days_in_stage: int
    idle_days: int  # app.projects.idle: since the first report if never followed up
    forward: list[Stage]  # where `available_moves` lets it go, nearest first
    back: list[Stage]

    @property
    def movable(self) -> bool:
        return bool(self.forward or self.back)


def _card(actor: Actor, row: Any, today: date) -> Card:
    moves = available_moves(actor, row)
    return Card(row=row, days_in_stage=max(0, (today - row.stage_entered_on).days),
                idle_days=idle_days(row.last_activity_at, row.first_reported_at, today),
                forward=moves.targets(Move.advance), back=moves.targets(Move.back))


@router.get("/projects/kanban")
async def project_kanban(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.project_read)],
) -> Response:
    locale = request.state.locale
    filters, filter_errors = parse_filters(request, locale)
    columns = kanban_columns(db, actor, filters, per_column=PER_COLUMN)
    today = local_date()
    return render(
        request, "projects/kanban.html", block="board", active_nav="kanban",
        headers={"Vary": "HX-Request"},
        columns=columns,
        cards={c.stage: [_card(actor, r, today) for r in c.cards] for c in columns},
        query=query_dict(request),
        filter_errors=filter_errors, options=lookup_options(db, actor), leaders=leaders(db),
        url_with=url_with, can_move=actor.can(Permission.project_update),
        list_url=url_with(request, "/projects"), here=url_with(request),
        stalled_days=STALLED_DAYS, **LABELS,
    )
