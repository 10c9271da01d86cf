"""Cockpit tables: targets (目标) and the warning rules (红黄绿灯). Funds in place (资金到位)
are a project's own rows (app.projects.models.FundsEntry)."""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.db import Money, UTCDateTime, utcnow

# app.analytics.schemas.Metric, as the database checks it (a new one needs a migration).
TARGET_METRICS = ("new_projects", "signed_projects", "signed_amount", "contracts",
                  "groundbreakings", "start_rate", "production", "achieved", "funds_in_place")


class Target(SQLModel, table=True):
    """A yearly (quarter 0) or quarterly number for a county, or the city (no county)."""

    __table_args__ = (
        sa.CheckConstraint(f"metric IN {TARGET_METRICS!r}", name="known_metric"),
        sa.CheckConstraint("quarter BETWEEN 0 AND 4", name="known_quarter"),
        sa.CheckConstraint("value >= 0", name="value_not_negative"),
        # One number per year, quarter, metric and county; the city's row has no county.
        sa.Index("uq_target_county", "year", "quarter", "metric", "county_code", unique=True,
                 sqlite_where=sa.text("county_code IS NOT NULL"),
                 postgresql_where=sa.text("county_code IS NOT NULL")),
        sa.Index("uq_target_city", "year", "quarter", "metric", unique=True,
                 sqlite_where=sa.text("county_code IS NULL"),
                 postgresql_where=sa.text("county_code IS NULL")),
    )
    id: int | None = Field(default=None, primary_key=True)
    year: int
    quarter: int = Field(default=0)
    county_code: str | None = Field(default=None, foreign_key="county.code", max_length=32)
    metric: str = Field(max_length=32)
    # Counts are whole numbers; amounts are 万元. Stored alike, exact.
    value: Decimal = Field(sa_type=Money)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class WarningRule(SQLModel, table=True):
    """One light rule: past `yellow` the project turns yellow, past `red` red.

    Keys: `idle` (days without follow-up), `stage_<code>` (days in that stage),
    `groundbreaking` (months past the planned groundbreaking without a start)."""

    __tablename__ = "warning_rule"
    __table_args__ = (sa.CheckConstraint("red >= yellow AND yellow >= 0", name="ordered"),)
    key: str = Field(primary_key=True, max_length=32)
    yellow: int
    red: int
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by_id: int | None = Field(default=None, foreign_key="app_user.id")


# Seeded by the migration; `stage_achieved` has no limit (the end of the pipeline).
DEFAULT_RULES: dict[str, tuple[int, int]] = {
    "idle": (14, 30),
    "groundbreaking": (0, 3),
    "stage_contact": (60, 90),
    "stage_intent": (90, 180),
    "stage_signed": (60, 120),
    "stage_contract": (90, 180),
    "stage_groundbreaking": (365, 540),
    "stage_production": (365, 730),
}



class DataVersion(SQLModel, table=True):
    """One row whose number database triggers raise, in the writing transaction, whenever
    something the cockpit reads changes (see FIGURE_SOURCES). A cockpit computed at one
    number stays exact until the number moves (app.analytics.cache)."""

    __tablename__ = "data_version"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)
    id: int = Field(default=1, primary_key=True)
    n: int = Field(default=0)


# Every table a cockpit figure, name or row comes from; the migration puts a trigger on each.
FIGURE_SOURCES = ("project", "funds_entry", "target", "warning_rule", "app_user", "team_member",
                  "investor", "county", "zone", "region", "chain", "chain_link", "method",
                  "category")
