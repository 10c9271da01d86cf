"""The API's own resources: tokens, who am I, webhook subscriptions, the audit trail, and the
human docs (Swagger UI from static/, no internet needed)."""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from app.accounts.permissions import Actor, Permission
from app.api.auth import issue_user_token
from app.api.deps import (
    IdempotentDep,
    IfMatch,
    answer,
    etag,
    expected_version,
    problems,
    requires_scope,
)
from app.api.models import Scope
from app.api.schemas import (
    AuditOut,
    AuditPage,
    DeliveryOut,
    DeliveryPage,
    Id,
    Limit,
    MeOut,
    TokenOut,
    WebhookCreated,
    WebhookIn,
    WebhookList,
    WebhookOut,
    decode_cursor,
    encode_cursor,
)
from app.api.webhooks import (
    create_subscription,
    delete_subscription,
    get_subscription,
    list_deliveries,
    list_subscriptions,
)
from app.audit.service import search
from app.config import get_settings
from app.i18n import translate
from app.web.deps import DbSession, PathId, client_ip, request_locale
from app.web.templating import render

router = APIRouter(prefix="/api/v1")
docs_router = APIRouter(include_in_schema=False)

SWAGGER_UI = "swagger-ui-dist-5.35.0"


@docs_router.get("/api/docs")
async def api_docs(request: Request) -> Response:
    return render(request, "api/docs.html", swagger=f"/static/vendor/{SWAGGER_UI}")


# --- tokens --------------------------------------------------------------------------------

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
        from app.main import problem  # the app's renderer; imported late (main imports us)

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


# --- webhooks ------------------------------------------------------------------------------

WebhookManager = Annotated[Actor, requires_scope(Scope.webhooks_manage.value,
                                                 Permission.project_read)]


def _subscription(subscription: object) -> WebhookOut:
    return WebhookOut(id=subscription.id, url=subscription.url,  # type: ignore[attr-defined]
                      events=sorted(subscription.event_set),  # type: ignore[attr-defined]
                      created_at=subscription.created_at,  # type: ignore[attr-defined]
                      version=subscription.version)  # type: ignore[attr-defined]


@router.get("/webhooks", response_model=WebhookList, tags=["webhooks"],
            operation_id="listWebhooks",
            summary="List webhook subscriptions", responses=problems())
async def webhooks(db: DbSession, actor: WebhookManager) -> Response:
    return answer(WebhookList(items=[_subscription(s) for s in list_subscriptions(db, actor)]))


@router.post("/webhooks", status_code=201, response_model=WebhookCreated, tags=["webhooks"],
             operation_id="createWebhook",
             summary="Subscribe a URL to events", responses=problems(409, 422))
async def webhook_create(db: DbSession, actor: WebhookManager, data: WebhookIn,
                         idem: IdempotentDep) -> Response:
    """Subscribe a URL to events; the signing secret is in this answer only."""
    if idem.replay is not None:
        return idem.replay
    created = create_subscription(db, actor, url=str(data.url),
                                  events=[e.value for e in data.events])
    out = WebhookCreated(**_subscription(created.subscription).model_dump(),
                         secret=created.secret)
    return idem.keep(answer(out, 201, headers={
        "Location": f"/api/v1/webhooks/{created.subscription.id}",
        "ETag": etag(created.subscription.version)}))


@router.get("/webhooks/{subscription_id}", response_model=WebhookOut, tags=["webhooks"],
            operation_id="getWebhook",
            summary="One webhook subscription", responses=problems(404, 422))
async def webhook(db: DbSession, actor: WebhookManager,
                  subscription_id: PathId) -> Response:
    subscription = get_subscription(db, actor, subscription_id)
    return answer(_subscription(subscription), headers={"ETag": etag(subscription.version)})


@router.delete("/webhooks/{subscription_id}", status_code=204, tags=["webhooks"],
               operation_id="deleteWebhook",
               summary="Unsubscribe", responses=problems(404, 412, 422, 428))
async def webhook_delete(db: DbSession, actor: WebhookManager,
                         subscription_id: PathId,
                         if_match: IfMatch = None) -> Response:
    """Unsubscribe; pending deliveries to it are dropped."""
    delete_subscription(db, actor, subscription_id,
                        expected_version=expected_version(if_match, required=True))
    return Response(status_code=204)


@router.get("/webhooks/{subscription_id}/deliveries", response_model=DeliveryPage,
            tags=["webhooks"], operation_id="listWebhookDeliveries",
            summary="Deliveries of a subscription",
            responses=problems(404, 422))
async def webhook_deliveries(
    db: DbSession, actor: WebhookManager,
    subscription_id: PathId,
    limit: Annotated[Limit, Query()] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Newest first: each delivery's status, attempts and last error."""
    after = decode_cursor(cursor, ("before",))
    rows = list_deliveries(db, actor, subscription_id, limit=limit + 1,
                           before_id=int(after["before"]) if after else None)
    items = [DeliveryOut.model_validate(row._mapping) for row in rows[:limit]]
    next_cursor = encode_cursor({"before": rows[limit - 1].id}) if len(rows) > limit else None
    return answer(DeliveryPage(items=items, next_cursor=next_cursor))


# --- the audit trail -----------------------------------------------------------------------

@router.get("/audit", response_model=AuditPage, tags=["audit"], operation_id="listAuditEvents",
            summary="The audit trail",
            responses=problems(422))
async def audit_events(
    db: DbSession,
    actor: Annotated[Actor, requires_scope(Scope.audit_read.value, Permission.audit_read)],
    action: Annotated[str | None, Query(max_length=64)] = None,
    object_type: Annotated[str | None, Query(max_length=32)] = None,
    object_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[Limit, Query()] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Newest first."""
    after = decode_cursor(cursor, ("before",))
    rows = search(db, actor, action=action, object_type=object_type, object_id=object_id,
                  limit=limit + 1, before_id=int(after["before"]) if after else None)
    items = [AuditOut(id=e.id, occurred_at=e.occurred_at, user_id=e.user_id,
                      username=e.username, roles=e.roles, client_id=e.client_id, ip=e.ip,
                      action=e.action, object_type=e.object_type, object_id=e.object_id,
                      changes=e.changes, outcome=e.outcome, detail=e.detail)
             for e in rows[:limit]]
    next_cursor = encode_cursor({"before": rows[limit - 1].id}) if len(rows) > limit else None
    return answer(AuditPage(items=items, next_cursor=next_cursor))


__all__ = ["Id", "docs_router", "router"]
