"""Dependencies of the JSON door: the bearer-token actor with its rate limit, scope checks
(which are permission checks, so the route walk in the tests sees them), If-Match,
Idempotency-Key, and the problem responses every operation documents. Input hygiene is
app-wide: app.web.text_guard."""

import re
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.accounts.permissions import Actor, Permission
from app.errors import AppError, PermissionDenied
from app.i18n import _
from app.web import idempotency
from app.web.bearer import TokenRefused, resolve_bearer
from app.web.deps import (
    DbSession,
    PasswordChangeRequired,
    PermissionCheck,
    client_ip,
    unit_of_work,
)
from app.web.problems import PROBLEM_JSON
from app.web.ratelimit import TooManyRequests, hit

bearer = HTTPBearer(auto_error=False, scheme_name="bearer",
                    description="A user token from POST /api/v1/auth/token, or an agency "
                                "client's token.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI answers in problem+json for these statuses, plus those any operation can
    give: 400 (a body that cannot be read), 401, 403, 413 (too large) and 429."""
    wanted = sorted({400, 401, 403, 413, 429, *statuses})
    answers: dict[int | str, dict[str, Any]] = {}
    for status in wanted:
        answer: dict[str, Any] = {"content": {PROBLEM_JSON: {"schema": PROBLEM_REF}}}
        if status == 429:
            answer["headers"] = {"Retry-After": {"description": "Seconds to wait.",
                                                 "schema": {"type": "integer"}}}
        answers[status] = answer
    return answers


class PreconditionRequired(AppError):
    status = 428
    kind = "precondition-required"


# --- who is calling ------------------------------------------------------------------------

async def api_actor(request: Request, credentials: Credentials) -> Actor:
    """The caller of a bearer token, counted against its rate limit. Both happen in a short
    transaction of their own, before the request's unit of work touches the database (on
    SQLite a second writer would otherwise wait on the first)."""
    cached = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise TokenRefused(_("Send an API token: Authorization: Bearer <token>."))
    with unit_of_work(request, write=True) as session:
        caller = resolve_bearer(session, credentials.credentials, ip=client_ip(request),
                                user_agent=request.headers.get("user-agent"))
        counted = hit(session, caller.owner, caller.rate_limit) if caller else None
    if caller is None or counted is None:
        raise TokenRefused(_("The API token is unknown, expired or revoked."))
    request.state.actor = caller.actor
    request.state.api_owner = caller.owner
    if not counted.allowed:
        raise TooManyRequests(_("Too many requests: at most {limit} a minute. Try again in "
                                "{seconds} seconds."), retry_after=counted.retry_after,
                              limit=counted.limit, seconds=counted.retry_after)
    if caller.password_expired:
        raise PasswordChangeRequired(_("Please set a new password first."))
    return caller.actor


class ScopeCheck(PermissionCheck):
    """`Depends(ScopeCheck(scope, permission))`: an agency client needs the scope, a user
    the permission (a client's role grants the permission; its scopes narrow it)."""

    def __init__(self, scope: str | None, permission: Permission) -> None:
        super().__init__(permission)
        self.scope = scope

    async def __call__(self, request: Request,  # type: ignore[override]
                       actor: Annotated[Actor, Depends(api_actor)]) -> Actor:
        if actor.client_id is not None and self.scope and self.scope not in actor.scopes:
            raise PermissionDenied(_("This token lacks the {scope} scope."), scope=self.scope,
                                   action=self.scope)
        if not actor.can(self.permission):
            raise PermissionDenied(_("You may not do this."), action=self.permission.value)
        return actor


def requires_scope(scope: str | None, permission: Permission) -> Any:
    return Depends(ScopeCheck(scope, permission))


# --- versions: ETag and If-Match -----------------------------------------------------------

def etag(version: int) -> str:
    return f'"{version}"'


_TAG = re.compile(r'(?:W/)?"?(\d{1,9})"?')


def expected_version(if_match: str | None, *, required: bool) -> int | None:
    """The version the caller read: None for `*` (any) or, where allowed, no header.
    A tag that cannot be ours matches nothing (412 from the service)."""
    if if_match is None or not if_match.strip():
        if required:
            raise PreconditionRequired(_("Send If-Match with the ETag you read (for example "
                                         "If-Match: \"3\")."), field="If-Match")
        return None
    value = if_match.split(",")[0].strip()
    if value == "*":
        return None
    match = _TAG.fullmatch(value)
    return int(match.group(1)) if match else 0


IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=200,
                                       description='The ETag you read, e.g. "3".')]

# --- Idempotency-Key -----------------------------------------------------------------------

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$",
           description="Retrying with the same key and body replays the first answer."),
]


class Idempotent:
    """Per request: `replay` is the stored answer to return as is, else call `keep` on the
    answer. Without a key both do nothing."""

    def __init__(self, claim: idempotency.Claim | None, db: Any) -> None:
        self.claim = claim
        self.db = db

    @property
    def replay(self) -> Response | None:
        if self.claim is None or self.claim.replay is None:
            return None
        stored = self.claim.replay
        return Response(stored.body, status_code=stored.status_code,
                        headers={**stored.headers, "Idempotent-Replayed": "true"})

    def keep(self, response: Response) -> Response:
        if self.claim is not None and self.claim.row_id is not None:
            kept = {k: v for k, v in response.headers.items()
                    if k.lower() in ("content-type", "location", "etag")}
            idempotency.remember(self.db, self.claim.row_id, response.status_code,
                                 bytes(response.body), kept)
        return response


async def idempotent(request: Request, db: DbSession,
                     actor: Annotated[Actor, Depends(api_actor)],
                     key: IdempotencyKeyHeader = None) -> Idempotent:
    if key is None:
        return Idempotent(None, db)
    owner = request.state.api_owner
    fingerprint = idempotency.request_hash(request.method, request.url.path,
                                           await request.body())
    return Idempotent(idempotency.claim(db, owner, key, fingerprint), db)


IdempotentDep = Annotated[Idempotent, Depends(idempotent)]

# --- answers -------------------------------------------------------------------------------

def answer(model: Any, status: int = 200, headers: dict[str, str] | None = None, *,
           exclude_none: bool = False) -> Response:
    """A pydantic model as JSON (its serializers applied: money as strings)."""
    return JSONResponse(model.model_dump(mode="json", exclude_none=exclude_none),
                        status_code=status, headers=headers)
