"""HTML door for projects, one module per page; each calls app.projects.service/queries."""

from fastapi import APIRouter

from app.projects.pages import list_page

router = APIRouter(include_in_schema=False)
router.include_router(list_page.router)
