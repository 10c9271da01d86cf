"""JSON door for the figures: GET /api/v1/stats/funnel (docs/api.md, "The funnel")."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.accounts.permissions import Actor, Permission
from app.analytics.funnel import funnel
from app.clients.models import Scope
from app.projects.api_schemas import FunnelOut, FunnelQuery, FunnelRowOut
from app.web.api_deps import answer, problems, requires_scope
from app.web.deps import DbSession

router = APIRouter(prefix="/api/v1/stats", tags=["stats"])


@router.get("/funnel", response_model=FunnelOut, operation_id="getFunnel",
            summary="The pipeline funnel",
            responses=problems(422))
async def stats_funnel(
    db: DbSession,
    actor: Annotated[Actor, requires_scope(Scope.stats_read.value, Permission.stats_read)],
    query: Annotated[FunnelQuery, Query()],
) -> Response:
    """Seven rows in stage order. The list filters apply; `from` and `to` pick the cohort by
    first contact (inclusive). Decimals are strings."""
    rows = funnel(db, actor, query.filters(), cohort_from=query.from_, cohort_to=query.to)
    return answer(FunnelOut(stages=[
        FunnelRowOut(stage=row.stage, count=row.count, terminated=row.terminated,
                     reached=row.reached, total_investment=row.total_investment,
                     conversion_from_previous=None if row.conversion_from_previous is None
                     else f"{row.conversion_from_previous:.4f}")
        for row in rows]))
