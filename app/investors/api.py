"""JSON door for a project's investor and its contacts (docs/api.md): edit the investor
(every project of that company sees it), list, add, change and remove contacts. Rules live
in app.projects.service (the investor) and app.investors.service (contacts)."""

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from app.accounts.permissions import Actor, Permission
from app.clients.models import Scope
from app.investors.api_schemas import ContactOut, ContactPage
from app.investors.service import add_contact, delete_contact, project_contacts, update_contact
from app.projects.api_schemas import ProjectOut
from app.projects.queries import project_detail
from app.projects.schemas import ContactIn, ContactUpdate, InvestorUpdate
from app.projects.service import update_investor
from app.web.api_deps import IfMatch, answer, etag, expected_version, problems, requires_scope
from app.web.deps import DbSession, PathId

router = APIRouter(prefix="/api/v1/projects", tags=["investors"])

Reader = Annotated[Actor, requires_scope(Scope.projects_read.value, Permission.project_read)]
Editor = Annotated[Actor, requires_scope(Scope.projects_write.value, Permission.project_update)]
ProjectId = Annotated[PathId, Path(description="The project's id.")]
ContactId = Annotated[PathId, Path(description="The contact's id.")]
ETAG_HEADER = {"ETag": {"description": 'The project\'s version, e.g. "3".',
                        "schema": {"type": "string"}, "required": True}}
# Personal information: not to be kept in any cache.
NO_STORE = {"Cache-Control": "no-store"}


@router.patch("/{project_id}/investor", response_model=ProjectOut,
              operation_id="updateProjectInvestor",
              summary="Change the project's investor (for all its projects)",
              responses={200: {"headers": ETAG_HEADER}, **problems(403, 404, 409, 412, 422, 428)})
async def investor_update(db: DbSession, actor: Editor, project_id: ProjectId,
                          data: InvestorUpdate, if_match: IfMatch = None) -> Response:
    """Change the fields sent (`name`, `credit_code`, `hq_province`, `hq_city`,
    `ownership`) of the company behind the project, and so of every project it has. Needs
    If-Match with the project's ETag; a credit code or name another investor has is a 409
    naming the field."""
    update_investor(db, project_id, data, actor=actor,
                    expected_version=expected_version(if_match, required=True))
    out = ProjectOut.of(project_detail(db, actor, project_id))
    return answer(out, headers={"ETag": etag(out.version)})


@router.get("/{project_id}/contacts", response_model=ContactPage,
            operation_id="listProjectContacts", summary="The investor's contacts",
            responses=problems(404, 422))
async def contacts(db: DbSession, actor: Reader, project_id: ProjectId) -> Response:
    """Masked (phone and e-mail partly hidden) unless the caller works on the project."""
    views = project_contacts(db, actor, project_id)
    return answer(ContactPage(items=[ContactOut.of(v) for v in views]), headers=NO_STORE)


@router.post("/{project_id}/contacts", status_code=201, response_model=ContactOut,
             operation_id="addProjectContact", summary="Add a contact to the investor",
             responses=problems(403, 404, 409, 422))
async def contact_add(db: DbSession, actor: Editor, project_id: ProjectId,
                      data: ContactIn) -> Response:
    """A contact already there (same name and phone, or without a phone the same e-mail)
    is a 409."""
    view = add_contact(db, project_id, data, actor=actor)
    return answer(ContactOut.of(view), 201, headers=NO_STORE)


@router.patch("/{project_id}/contacts/{contact_id}", response_model=ContactOut,
              operation_id="updateProjectContact", summary="Change a contact",
              responses=problems(403, 404, 409, 422))
async def contact_update(db: DbSession, actor: Editor, project_id: ProjectId,
                         contact_id: ContactId, data: ContactUpdate) -> Response:
    """Only the fields sent change (null clears them, but not the name)."""
    view = update_contact(db, project_id, contact_id, data, actor=actor)
    return answer(ContactOut.of(view), headers=NO_STORE)


@router.delete("/{project_id}/contacts/{contact_id}", status_code=204,
               operation_id="deleteProjectContact", summary="Remove a contact",
               responses=problems(403, 404, 409, 422))
async def contact_delete(db: DbSession, actor: Editor, project_id: ProjectId,
                         contact_id: ContactId) -> Response:
    delete_contact(db, project_id, contact_id, actor=actor)
    return Response(status_code=204)
