"""Every table, imported once so Alembic and the tests see the whole metadata."""

from app.accounts.models import User, UserRole, UserSession
from app.activities.models import Activity, ActivityParticipant
from app.audit.models import AuditEvent
from app.investors.models import Investor, InvestorContact
from app.lookups.models import Category, Chain, ChainLink, County, Method, Region, Zone
from app.projects.models import (
    CodeSequence,
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
    "AuditEvent",
    "Category",
    "Chain",
    "ChainLink",
    "CodeSequence",
    "County",
    "Investor",
    "InvestorContact",
    "LeaderAssignment",
    "Method",
    "PlanMilestone",
    "Project",
    "Region",
    "SavedView",
    "StageEvent",
    "StatusChange",
    "TeamMember",
    "User",
    "UserRole",
    "UserSession",
    "Zone",
]
