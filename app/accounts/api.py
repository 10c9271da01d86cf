"""JSON door of accounts: a user's API token (OAuth2 password grant), and who a token
belongs to."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.accounts.permissions import Actor, Permission
from app.accounts.schemas import MeOut, TokenOut
from app.accounts.service import issue_user_token
from app.config import get_settings
from app.i18n import translate
from app.web.api_deps import answer, problems, requires_scope
from app.web.deps import DbSession, client_ip, request_locale
from app.web.problems import problem

router = APIRouter(prefix="/api/v1")


@router.post("/auth/token", response_model=TokenOut, tags=["auth"], operation_id="createToken",
             summary="Get a user token (OAuth2 password form)",
             responses=problems(400, 422))
async def token(
    request: Request, db: DbSession,
    username: Annotated[str, Form(min_length=1, max_length=64)],
    password: Annotated[str, Form(min_length=1, max_length=256)],
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
) -> Response:
    """OAuth2 password grant: a user's short-lived token (`expires_in` seconds)."""
    issued = issue_user_token(db, username, password, ip=client_ip(request),
                              user_agent=request.headers.get("user-agent"))
    if not issued.ok:
        settings = get_settings()
        return problem(401, translate(issued.message or "", request_locale(request),
                                      limit=settings.login_max_failures,
                                      minutes=settings.lockout_minutes),
                       "invalid-grant", headers={"WWW-Authenticate": "Bearer"})
    return answer(TokenOut(access_token=issued.access_token or "", expires_in=issued.expires_in))


def _me(actor: Actor) -> MeOut:
    return MeOut(kind="client" if actor.client_id is not None else "user", name=actor.name,
                 roles=sorted(actor.roles), scopes=sorted(actor.scopes),
                 county=actor.county_code)


@router.get("/auth/me", response_model=MeOut, tags=["auth"], operation_id="whoAmI",
            summary="Who this token belongs to",
            responses=problems())
async def me(actor: Annotated[Actor, requires_scope(None, Permission.project_read)]
             ) -> Response:
    """The caller of this token: roles, scopes and county."""
    return answer(_me(actor))
