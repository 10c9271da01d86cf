"""回收站: deleted projects, for administrators, each with a restore button."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.accounts.permissions import Actor, Permission
from app.projects.confidential import shown_names
from app.projects.service import deleted_projects, restore_project
from app.web.deps import DbSession, PathId, requires
from app.web.forms import form_version
from app.web.redirects import see_other
from app.web.templating import render

router = APIRouter()


@router.get("/recycle-bin")
async def recycle_bin(
    request: Request, db: DbSession,
    actor: Annotated[Actor, requires(Permission.project_restore)],
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    projects, more = deleted_projects(db, actor, page=page)
    return render(request, "projects/recycle_bin.html", active_nav="recycle_bin",
                  projects=projects, page=page, more=more,
                  names=shown_names(db, actor, [p.id for p in projects]))


@router.post("/recycle-bin/{project_id}/restore")
async def recycle_bin_restore(
    request: Request, db: DbSession, project_id: PathId,
    actor: Annotated[Actor, requires(Permission.project_restore)],
) -> Response:
    form = await request.form()
    restore_project(db, project_id, actor=actor, expected_version=form_version(form.get("version")))
    return see_other(request, f"/projects/{project_id}")
