"""Lookup lists for forms, filters and the API; a fixed handful of small queries."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import Session

from app.accounts.permissions import Actor
from app.lookups.models import Category, Chain, ChainLink, County, Method, Region, Zone


@dataclass
class Option:
    code: str
    name: str
    name_en: str
    parent: str | None = None

    def label(self, locale: str) -> str:
        return self.name if locale == "zh_CN" else self.name_en


@dataclass
class LookupOptions:
    regions: list[Option] = field(default_factory=list)
    chains: list[Option] = field(default_factory=list)
    chain_links: list[Option] = field(default_factory=list)
    counties: list[Option] = field(default_factory=list)
    zones: list[Option] = field(default_factory=list)
    methods: list[Option] = field(default_factory=list)
    categories: list[Option] = field(default_factory=list)

    def name_of(self, kind: str, code: str | None, locale: str) -> str:
        for option in getattr(self, kind):
            if option.code == code:
                return option.label(locale)
        return code or "--"


def _options(session: Session, table: type, parent: str | None = None) -> list[Option]:
    rows = session.scalars(select(table).where(table.is_active)
                           .order_by(table.sort_order, table.code))
    return [Option(row.code, row.name, row.name_en, getattr(row, parent) if parent else None)
            for row in rows]


def lookup_options(session: Session, actor: Actor | None = None) -> LookupOptions:
    """Everything a project form or filter offers; a county user sees only their county."""
    options = LookupOptions(
        regions=_options(session, Region),
        chains=_options(session, Chain),
        chain_links=_options(session, ChainLink, "chain_code"),
        counties=_options(session, County),
        zones=_options(session, Zone, "county_code"),
        methods=_options(session, Method),
        categories=_options(session, Category),
    )
    if actor is not None and actor.county_code is not None:
        options.counties = [c for c in options.counties if c.code == actor.county_code]
        options.zones = [z for z in options.zones if z.parent == actor.county_code]
    return options
