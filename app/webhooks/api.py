"""JSON door of webhooks: an agency client's subscriptions and their deliveries."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.accounts.permissions import Actor, Permission
from app.clients.models import Scope
from app.web.api_deps import (
    IdempotentDep,
    IfMatch,
    answer,
    etag,
    expected_version,
    problems,
    requires_scope,
)
from app.web.api_types import Limit
from app.web.cursors import decode_cursor, encode_cursor
from app.web.deps import DbSession, PathId
from app.webhooks.schemas import (
    DeliveryOut,
    DeliveryPage,
    WebhookCreated,
    WebhookIn,
    WebhookList,
    WebhookOut,
)
from app.webhooks.service import (
    create_subscription,
    delete_subscription,
    get_subscription,
    list_deliveries,
    list_subscriptions,
)

router = APIRouter(prefix="/api/v1")

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
