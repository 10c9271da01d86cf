"""HTML door for investor contacts: the project page's contacts (its investor tab loads
them from here; without JavaScript they are a page of their own), masked unless one works
on the project, and the deliberate, audited "show in full". Rules live in
app.investors.service."""

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.accounts.permissions import Actor, Permission
from app.investors.service import ContactView, project_contacts
from app.projects.queries import project_detail
from app.web.deps import DbSession, PathId, requires
from app.web.templating import render

router = APIRouter(include_in_schema=False)


def _contacts(request: Request, db: DbSession, actor: Actor, project_id: int,
              contacts: list[ContactView]) -> Response:
    """The contacts block for HTMX, else the page around it. Personal information: not
    to be kept in any cache."""
    return render(request, "investors/contacts.html", block="contacts",
                  project=project_detail(db, actor, project_id), project_id=project_id,
                  contacts=contacts, can_unmask=actor.can(Permission.contact_unmask),
                  headers={"Cache-Control": "no-store"})


@router.get("/projects/{project_id}/contacts")
async def contacts(
    request: Request, db: DbSession, project_id: PathId,
    actor: Annotated[Actor, requires(Permission.project_read)],
) -> Response:
    return _contacts(request, db, actor, project_id, project_contacts(db, actor, project_id))


@router.post("/projects/{project_id}/contacts/unmask")
async def contacts_unmask(
    request: Request, db: DbSession, project_id: PathId,
    actor: Annotated[Actor, requires(Permission.contact_unmask)],
) -> Response:
    return _contacts(request, db, actor, project_id,
                     project_contacts(db, actor, project_id, unmask=True))
