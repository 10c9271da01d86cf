"""JSON door for projects (docs/api.md): list and sync, create, read, edit, delete, stage moves,
status, the one responsible leader, history. Each route parses, calls one service or query
function, and shapes the answer; the rules live in app.projects.service."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from app.accounts.permissions import Actor, Permission
from app.clients.models import Scope
from app.projects.api_schemas import (
    HistoryOut,
    LeaderEntry,
    LeaderOut,
    ProjectOut,
    ProjectPage,
    ProjectQuery,
    StageEntry,
    StatusEntry,
)
from app.projects.queries import api_project_rows, project_detail, project_history
from app.projects.schemas import (
    LeaderAssignIn,
    MoveBackIn,
    PauseIn,
    ProjectCreate,
    ProjectUpdate,
    ResumeIn,
    TerminateIn,
    TransitionIn,
)
from app.projects.service import (
    advance_stage,
    assign_leader,
    create_project,
    move_back,
    pause_project,
    resume_project,
    soft_delete_project,
    terminate_project,
    update_project,
)
from app.web.api_deps import (
    IdempotentDep,
    IfMatch,
    answer,
    etag,
    expected_version,
    problems,
    requires_scope,
)
from app.web.cursors import decode_cursor, encode_cursor
from app.web.deps import DbSession, PathId

router = APIRouter(prefix="/api/v1/projects", tags=["projects"])

Reader = Annotated[Actor, requires_scope(Scope.projects_read.value, Permission.project_read)]
Creator = Annotated[Actor, requires_scope(Scope.projects_write.value, Permission.project_create)]
Editor = Annotated[Actor, requires_scope(Scope.projects_write.value, Permission.project_update)]
Deleter = Annotated[Actor, requires_scope(Scope.projects_write.value, Permission.project_delete)]
Assigner = Annotated[Actor, requires_scope(Scope.projects_write.value,
                                           Permission.project_assign_leader)]
ProjectId = Annotated[PathId, Path(description="The project's id.")]

ETAG_HEADER = {"ETag": {"description": 'The version, e.g. "3"; send it back in If-Match.',
                        "schema": {"type": "string"}, "required": True}}
LOCATION_HEADER = {"Location": {"description": "The new project's URL.",
                                "schema": {"type": "string"}, "required": True}}
# OpenAPI links: a client (and Schemathesis' stateful run) can follow
# create -> get -> edit / transition -> history with the id and ETag they got.
BY_ID = {"project_id": "$response.body#/id"}
LINKS_FROM_PROJECT = {
    "GetProject": {"operationId": "getProject", "parameters": BY_ID},
    "TransitionProject": {"operationId": "transitionProject", "parameters": BY_ID},
    "GetProjectHistory": {"operationId": "getProjectHistory", "parameters": BY_ID},
    "ListProjectActivities": {"operationId": "listProjectActivities", "parameters": BY_ID},
}
LINKS_FROM_GET = {
    **LINKS_FROM_PROJECT,
    "UpdateProject": {"operationId": "updateProject",
                      "parameters": {**BY_ID, "header.If-Match": "$response.header.ETag"}},
}


def _project(db: Any, actor: Actor, project_id: int, status: int = 200,
             headers: dict[str, str] | None = None) -> Response:
    """The project as the caller may see it now, with its ETag."""
    out = ProjectOut.of(project_detail(db, actor, project_id))
    return answer(out, status, headers={"ETag": etag(out.version), **(headers or {})})


@router.get("", response_model=ProjectPage, operation_id="listProjects",
            summary="List projects (filters, cursor, sync)",
            responses=problems(422))
async def projects(db: DbSession, actor: Reader,
                   query: Annotated[ProjectQuery, Query()]) -> Response:
    """Every status unless `status` is given; never deleted projects. With `updated_since`
    the order is (updated_at, id) so a client can sync by following `next_cursor`."""
    filters = query.filters()
    keys = ("updated_at", "id") if filters.updated_since is not None else ("id",)
    after = decode_cursor(query.cursor, keys)
    rows = api_project_rows(db, actor, filters, after=after, limit=query.limit + 1)
    items = [ProjectOut.of(row) for row in rows[:query.limit]]
    next_cursor = None
    if len(rows) > query.limit:
        last = items[-1]
        next_cursor = encode_cursor({"id": last.id, "updated_at": last.updated_at.isoformat()}
                                    if len(keys) == 2 else {"id": last.id})
    return answer(ProjectPage(items=items, next_cursor=next_cursor))


@router.post("", status_code=201, response_model=ProjectOut, operation_id="createProject",
             summary="Create a project",
             responses={201: {"headers": {**ETAG_HEADER, **LOCATION_HEADER},
                              "links": LINKS_FROM_PROJECT},
                        **problems(409, 422)})
async def project_create(db: DbSession, actor: Creator, data: ProjectCreate,
                         idem: IdempotentDep) -> Response:
    """Create a project at the contact stage; 201 with Location and ETag. A live project of
    the same investor is a 409 unless `same_investor_as` names it."""
    if idem.replay is not None:
        return idem.replay
    project = create_project(db, data, actor=actor)
    return idem.keep(_project(db, actor, project.id, 201,
                              headers={"Location": f"/api/v1/projects/{project.id}"}))


@router.get("/{project_id}", response_model=ProjectOut, operation_id="getProject",
            summary="One project",
            responses={200: {"headers": ETAG_HEADER, "links": LINKS_FROM_GET},
                       **problems(404, 422)})
async def project(db: DbSession, actor: Reader, project_id: ProjectId) -> Response:
    return _project(db, actor, project_id)


@router.patch("/{project_id}", response_model=ProjectOut, operation_id="updateProject",
              summary="Change a project's fields",
              responses={200: {"headers": ETAG_HEADER, "links": LINKS_FROM_PROJECT},
                         **problems(404, 409, 412, 422, 428)})
async def project_update(db: DbSession, actor: Editor, project_id: ProjectId,
                         data: ProjectUpdate, if_match: IfMatch = None) -> Response:
    """Change the fields sent (not the stage, not the leader). Needs If-Match."""
    update_project(db, project_id, data, actor=actor,
                   expected_version=expected_version(if_match, required=True))
    return _project(db, actor, project_id)


@router.delete("/{project_id}", status_code=204, operation_id="deleteProject",
               summary="Delete a project (soft)",
               responses=problems(404, 409, 412, 422, 428))
async def project_delete(db: DbSession, actor: Deleter, project_id: ProjectId,
                         if_match: IfMatch = None) -> Response:
    """Soft delete: the project disappears from every list and read. Needs If-Match."""
    soft_delete_project(db, project_id, actor=actor,
                        expected_version=expected_version(if_match, required=True))
    return Response(status_code=204)


@router.post("/{project_id}/transitions", response_model=ProjectOut,
             operation_id="transitionProject",
             summary="Move a project forward",
             responses={200: {"headers": ETAG_HEADER,
                              "links": {"GetProjectHistory": LINKS_FROM_PROJECT[
                                  "GetProjectHistory"]}},
                        **problems(404, 409, 412, 422)})
async def project_transition(db: DbSession, actor: Editor, project_id: ProjectId,
                             data: TransitionIn, idem: IdempotentDep,
                             if_match: IfMatch = None) -> Response:
    """Move forward to `to_stage`; every stage passed needs its evidence (signed: agreement
    number and amount; contract: number, date, amount; groundbreaking: `started_on` ...)
    and from intent on the project needs its leader. If-Match is optional here."""
    if idem.replay is not None:
        return idem.replay
    advance_stage(db, project_id, data, actor=actor,
                  expected_version=expected_version(if_match, required=False))
    return idem.keep(_project(db, actor, project_id))


@router.post("/{project_id}/move-back", response_model=ProjectOut,
             operation_id="moveProjectBack",
             summary="Move a project back",
             responses={200: {"headers": ETAG_HEADER}, **problems(404, 409, 412, 422)})
async def project_move_back(db: DbSession, actor: Editor, project_id: ProjectId,
                            data: MoveBackIn, idem: IdempotentDep,
                            if_match: IfMatch = None) -> Response:
    """Move back to an earlier stage, with a reason."""
    if idem.replay is not None:
        return idem.replay
    move_back(db, project_id, data, actor=actor,
              expected_version=expected_version(if_match, required=False))
    return idem.keep(_project(db, actor, project_id))


@router.post("/{project_id}/pause", response_model=ProjectOut, operation_id="pauseProject",
             summary="Pause a project",
             responses={200: {"headers": ETAG_HEADER}, **problems(404, 409, 412, 422)})
async def project_pause(db: DbSession, actor: Editor, project_id: ProjectId, data: PauseIn,
                        idem: IdempotentDep, if_match: IfMatch = None) -> Response:
    if idem.replay is not None:
        return idem.replay
    pause_project(db, project_id, data, actor=actor,
                  expected_version=expected_version(if_match, required=False))
    return idem.keep(_project(db, actor, project_id))


@router.post("/{project_id}/resume", response_model=ProjectOut, operation_id="resumeProject",
             summary="Resume a paused project",
             responses={200: {"headers": ETAG_HEADER}, **problems(404, 409, 412, 422)})
async def project_resume(db: DbSession, actor: Editor, project_id: ProjectId, data: ResumeIn,
                         idem: IdempotentDep, if_match: IfMatch = None) -> Response:
    if idem.replay is not None:
        return idem.replay
    resume_project(db, project_id, data, actor=actor,
                   expected_version=expected_version(if_match, required=False))
    return idem.keep(_project(db, actor, project_id))


@router.post("/{project_id}/terminate", response_model=ProjectOut,
             operation_id="terminateProject",
             summary="Terminate a project",
             responses={200: {"headers": ETAG_HEADER}, **problems(404, 409, 412, 422)})
async def project_terminate(db: DbSession, actor: Editor, project_id: ProjectId,
                            data: TerminateIn, idem: IdempotentDep,
                            if_match: IfMatch = None) -> Response:
    """Terminate, with a reason code; afterwards only an administrator changes it."""
    if idem.replay is not None:
        return idem.replay
    terminate_project(db, project_id, data, actor=actor,
                      expected_version=expected_version(if_match, required=False))
    return idem.keep(_project(db, actor, project_id))


@router.put("/{project_id}/leader", response_model=ProjectOut, operation_id="assignLeader",
            summary="Reassign the responsible leader",
            responses={200: {"headers": ETAG_HEADER}, **problems(404, 409, 412, 422)})
async def project_leader(db: DbSession, actor: Assigner, project_id: ProjectId,
                         data: LeaderAssignIn, if_match: IfMatch = None) -> Response:
    """Reassign the one responsible leader (a reason is needed when one is replaced)."""
    assign_leader(db, project_id, data, actor=actor,
                  expected_version=expected_version(if_match, required=False))
    return _project(db, actor, project_id)


@router.get("/{project_id}/history", response_model=HistoryOut,
            operation_id="getProjectHistory",
            summary="Stage, leader and status history", responses=problems(404, 422))
async def history(db: DbSession, actor: Reader, project_id: ProjectId) -> Response:
    """Stage events, leader assignments and status changes, oldest first."""
    found = project_history(db, actor, project_id)
    entries: list[Any] = [
        StageEntry(id=e.id, at=e.recorded_at, happened_on=e.happened_on,
                   from_stage=e.from_stage, to_stage=e.to_stage, is_backward=e.is_backward,
                   note=e.note, agreement_no=e.agreement_no, agreed_amount=e.agreed_amount,
                   contract_no=e.contract_no, contract_on=e.contract_on,
                   contract_amount=e.contract_amount, started_on=e.started_on,
                   production_on=e.production_on, achieved_on=e.achieved_on)
        for e in found.stages
    ]
    entries += [LeaderEntry(id=a.id, at=a.started_at, ended_at=a.ended_at, reason=a.reason,
                            leader=LeaderOut(id=a.leader_id, name=a.leader_name))
                for a in found.leaders]
    entries += [StatusEntry(id=c.id, at=c.recorded_at, happened_on=c.happened_on,
                            stage=c.stage, from_status=c.from_status, to_status=c.to_status,
                            reason_code=c.reason_code, reason=c.reason)
                for c in found.statuses]
    order = {"stage": 0, "leader": 1, "status": 2}
    entries.sort(key=lambda entry: (entry.at, order[entry.kind], entry.id))
    return answer(HistoryOut(items=entries))
