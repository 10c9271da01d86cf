"""JSON door for lookup codes: GET /api/v1/lookups/{kind}. Codes never change once
published; a county-scoped caller sees its own county (and its zones) only."""

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel

from app.accounts.permissions import Actor, Permission
from app.i18n import translate
from app.lookups.service import Option, lookup_options
from app.projects.service import assignable_leaders
from app.projects.stages import STAGE_ORDER
from app.web.api_deps import answer, problems, requires_scope
from app.web.deps import DbSession

router = APIRouter(prefix="/api/v1", tags=["lookups"])


class LookupKind(StrEnum):
    regions = "regions"
    chains = "chains"
    counties = "counties"
    zones = "zones"
    stages = "stages"
    methods = "methods"
    categories = "categories"


class LinkOut(BaseModel):
    code: str
    name: str
    name_en: str


class LookupOut(BaseModel):
    code: str
    name: str
    name_en: str
    # chains: their links (环节); zones: the county they are in.
    links: list[LinkOut] | None = None
    county: str | None = None


class LookupList(BaseModel):
    items: list[LookupOut]


def _items(kind: LookupKind, db: DbSession, actor: Actor) -> list[LookupOut]:
    if kind is LookupKind.stages:
        return [LookupOut(code=s.value, name=translate(s.label, "zh_CN"),
                          name_en=translate(s.label, "en")) for s in STAGE_ORDER]
    options = lookup_options(db, actor)
    if kind is LookupKind.chains:
        links: dict[str | None, list[Option]] = {}
        for link in options.chain_links:
            links.setdefault(link.parent, []).append(link)
        return [LookupOut(code=c.code, name=c.name, name_en=c.name_en,
                          links=[LinkOut(code=k.code, name=k.name, name_en=k.name_en)
                                 for k in links.get(c.code, [])])
                for c in options.chains]
    if kind is LookupKind.zones:
        return [LookupOut(code=z.code, name=z.name, name_en=z.name_en, county=z.parent)
                for z in options.zones]
    return [LookupOut(code=o.code, name=o.name, name_en=o.name_en)
            for o in getattr(options, kind.value)]


@router.get("/lookups/{kind}", response_model=LookupList,
            operation_id="listLookups",
            summary="Lookup codes", responses=problems(422))
async def lookups(
    db: DbSession,
    actor: Annotated[Actor, requires_scope(None, Permission.project_read)],
    kind: Annotated[LookupKind, Path(description="Which list.")],
) -> Response:
    """Codes with Chinese and English names; chains come with their links."""
    return answer(LookupList(items=_items(kind, db, actor)), exclude_none=True)


class Leader(BaseModel):
    id: int
    name: str
    title: str | None
    county: str | None


class LeaderList(BaseModel):
    items: list[Leader]


@router.get("/leaders", response_model=LeaderList, operation_id="listLeaders",
            summary="Leaders (ids for leader_id)",
            responses=problems(422))
async def leader_list(
    db: DbSession,
    actor: Annotated[Actor, requires_scope(None, Permission.project_read)],
    county: Annotated[str | None, Query(
        max_length=32, description="Only those who may lead a project of this county.")] = None,
) -> Response:
    """Active leaders whose ids `leader_id` takes: a project is led by a leader of its own
    county or of the city. A county-scoped caller gets its county's and the city's, its
    own first; `county` narrows a city-wide caller's list the same way."""
    return answer(LeaderList(items=[
        Leader(id=p.id, name=p.name, title=p.title, county=p.county_code)
        for p in assignable_leaders(db, actor, county)]))
