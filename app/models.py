"""Every table, imported once so Alembic and the tests see the whole metadata."""

from app.accounts.models import User, UserRole, UserSession
from app.activities.models import Activity, ActivityParticipant
from app.analytics.models import FundsEntry, Target, WarningRule
from app.api.models import (
    ApiClient,
    ApiToken,
    IdempotencyKey,
    RateLimitWindow,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from app.audit.models import AuditEvent
from app.lookups.models import Category, Chain, ChainLink, County, Method, Region, Zone
from app.projects.models import (
    CodeSequence,
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
