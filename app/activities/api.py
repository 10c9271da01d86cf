"""JSON door for follow-ups: GET and POST /api/v1/projects/{id}/activities."""

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel

from app.accounts.permissions import Actor, Permission
from app.activities.schemas import ActivityCreate, ActivityRead
from app.activities.service import activity_page, add_activity, participants_of
from app.clients.models import Scope
from app.web.api_deps import IdempotentDep, answer, problems, requires_scope
from app.web.api_types import Limit
from app.web.cursors import decode_cursor, encode_cursor
from app.web.deps import DbSession, PathId

router = APIRouter(prefix="/api/v1/projects", tags=["activities"])
ProjectId = Annotated[PathId, Path(description="The project's id.")]


class ActivityPage(BaseModel):
    items: list[ActivityRead]
    next_cursor: str | None


def _read(activity: object, participants: dict[int, list[int]]) -> ActivityRead:
    a = activity
    return ActivityRead(id=a.id, project_id=a.project_id, kind=a.kind,  # type: ignore[attr-defined]
                        happened_at=a.happened_at, summary=a.summary,  # type: ignore[attr-defined]
                        next_step=a.next_step, next_due_on=a.next_due_on,  # type: ignore[attr-defined]
                        participant_ids=participants.get(a.id, []),  # type: ignore[attr-defined]
                        other_participants=a.other_participants,  # type: ignore[attr-defined]
                        created_at=a.created_at)  # type: ignore[attr-defined]


@router.get("/{project_id}/activities", response_model=ActivityPage,
            operation_id="listProjectActivities",
            summary="List follow-ups", responses=problems(404, 422))
async def activities(
    db: DbSession,
    actor: Annotated[Actor, requires_scope(Scope.projects_read.value, Permission.project_read)],
    project_id: ProjectId,
    limit: Annotated[Limit, Query()] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Follow-ups, newest recorded first."""
    after = decode_cursor(cursor, ("before",))
    rows = activity_page(db, project_id, actor, limit=limit + 1,
                         before_id=int(after["before"]) if after else None)
    page = rows[:limit]
    participants = participants_of(db, [a.id for a in page]) if page else {}
    next_cursor = encode_cursor({"before": page[-1].id}) if len(rows) > limit else None
    return answer(ActivityPage(items=[_read(a, participants) for a in page],
                               next_cursor=next_cursor))


@router.post("/{project_id}/activities", status_code=201, response_model=ActivityRead,
             operation_id="createProjectActivity",
             summary="Record a follow-up", responses=problems(404, 409, 422))
async def activity_create(
    db: DbSession,
    actor: Annotated[Actor, requires_scope(Scope.activities_write.value,
                                           Permission.activity_create)],
    project_id: ProjectId, data: ActivityCreate, idem: IdempotentDep,
) -> Response:
    """Record a follow-up (visit, call, meeting ...); the project's last-activity date and
    next follow-up move with it."""
    if idem.replay is not None:
        return idem.replay
    activity = add_activity(db, project_id, data, actor=actor)
    return idem.keep(answer(_read(activity, {activity.id: sorted(set(data.participant_ids))}),
                            201))
