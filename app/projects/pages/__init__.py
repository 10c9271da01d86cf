"""HTML door for projects, one module per page; each calls app.projects.service/queries."""

from fastapi import APIRouter

from app.projects.pages import detail, kanban, list_page, new, recycle_bin

router = APIRouter(include_in_schema=False)
router.include_router(list_page.router)
# Fixed paths (/projects/new, /projects/kanban) before /projects/{project_id}.
router.include_router(new.router)
router.include_router(kanban.router)
router.include_router(detail.router)
router.include_router(recycle_bin.router)
