"""The JSON shapes of webhook subscriptions and their deliveries."""

from datetime import datetime
from typing import Annotated

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from app.webhooks.models import DeliveryStatus, EventType


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: Annotated[AnyHttpUrl, Field(max_length=2000)]
    events: Annotated[list[EventType], Field(min_length=1, max_length=4)]


class WebhookOut(BaseModel):
    id: int
    url: str
    events: list[EventType]
    created_at: datetime
    version: int


class WebhookCreated(WebhookOut):
    secret: str = Field(description="The HMAC-SHA256 key; shown only in this answer.")


class WebhookList(BaseModel):
    items: list[WebhookOut]


class DeliveryOut(BaseModel):
    id: int
    event_id: str
    event_type: EventType
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None
