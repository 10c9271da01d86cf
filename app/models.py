"""Every table, imported once so Alembic and the tests see the whole metadata."""

from app.accounts.models import User, UserRole
from app.activities.models import Activity, ActivityParticipant
from app.investors.models import Investor, InvestorContact
from app.lookups.models import Category, Chain, ChainLink, County, Method, Region, Zone
from app.projects.models import (
    CodeSequence,
    LeaderAssignment,
    PlanMilestone,
    Project,
    StageEvent,
    StatusChange,
    TeamMember,
)

__all__ = [
    "Activity",
    "ActivityParticipant",
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
    "StageEvent",
    "StatusChange",
    "TeamMember",
    "User",
    "UserRole",
    "Zone",
]
