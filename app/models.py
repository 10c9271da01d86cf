"""Every table, imported once so Alembic and the tests see the whole metadata."""

from app.accounts.models import ApiToken, User, UserRole, UserSession
from app.activities.models import Activity, ActivityParticipant
from app.analytics.models import Target, WarningRule
from app.audit.models import AuditEvent
from app.clients.models import ApiClient
from app.lookups.models import Category, Chain, ChainLink, County, Method, Region, Zone
from app.projects.models import (
    CodeSequence,
    FundsEntry,
    Investor,
    InvestorContact,
    LeaderAssignment,
    PlanMilestone,
    Project,
    SavedView,
    StageEvent,
    StatusChange,
    TeamMember,
)
from app.web.models import IdempotencyKey, RateLimitWindow
from app.webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription

__all__ = [
    "Activity",
    "ActivityParticipant",
    "ApiClient",
    "ApiToken",
    "AuditEvent",
    "Category",
    "Chain",
    "ChainLink",
    "CodeSequence",
    "County",
    "FundsEntry",
    "IdempotencyKey",
    "Investor",
    "InvestorContact",
    "LeaderAssignment",
    "Method",
    "PlanMilestone",
    "Project",
    "RateLimitWindow",
    "Region",
    "SavedView",
    "StageEvent",
    "StatusChange",
    "Target",
    "TeamMember",
    "User",
    "UserRole",
    "UserSession",
    "WarningRule",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
    "Zone",
]
