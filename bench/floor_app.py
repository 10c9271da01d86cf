"""The product app with two bench-only endpoints in front, served by the same uvicorn:

  /__bench/ceiling  fixed bytes from a bare FastAPI route: what the stack costs with no work
  /__bench/floor    the list's first 50 rows through the raw driver (sqlite3 or psycopg)
                    and orjson, no ORM, no templates: what the data costs at the least

They live here, not in app/, so they never ship; everything else goes to the real app.

    DATABASE_URL=... uvicorn --factory bench.floor_app:create_app
"""

import os
import sqlite3
from typing import Any

import orjson
from fastapi import FastAPI, Response
from sqlalchemy.engine import make_url

CEILING_BODY = b'{"ok":true}'
# The list's default order (-updated_at), the columns a row shows, live projects only; a
# confidential project shows its code name.
FLOOR_SQL = """
SELECT p.id, p.code, CASE WHEN p.is_confidential THEN p.code_name ELSE p.name END AS name,
       i.name AS investor, p.stage, p.status, p.total_investment, c.name AS county,
       ch.name AS chain, u.display_name AS leader, p.updated_at
FROM project p
JOIN investor i ON i.id = p.investor_id
JOIN county c ON c.code = p.county_code
JOIN chain ch ON ch.code = p.chain_code
LEFT JOIN app_user u ON u.id = p.leader_id
WHERE p.deleted_at IS NULL
ORDER BY p.updated_at DESC, p.id DESC
LIMIT 50
"""
COLUMNS = ("id", "code", "name", "investor", "stage", "status", "total_investment", "county",
           "chain", "leader", "updated_at")


class RawList:
    """One driver connection per worker process, opened at first use (after the fork)."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.connection: Any = None

    def connect(self) -> Any:
        if self.url.get_backend_name() == "sqlite":
            return sqlite3.connect(self.url.database, check_same_thread=False)
        import psycopg

        plain = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        return psycopg.connect(plain, autocommit=True)

    def rows(self) -> bytes:
        if self.connection is None:
            self.connection = self.connect()
        cursor = self.connection.execute(FLOOR_SQL)
        items = [dict(zip(COLUMNS, row, strict=True)) for row in cursor.fetchall()]
        if self.url.get_backend_name() == "sqlite":
            for item in items:  # app.db.Money keeps whole hundredths there
                whole, cents = divmod(item["total_investment"], 100)
                item["total_investment"] = f"{whole}.{cents:02d}"
        return orjson.dumps({"items": items}, default=str)


def bench_endpoints(url: str) -> FastAPI:
    bench = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    raw = RawList(url)

    @bench.get("/__bench/ceiling")
    async def ceiling() -> Response:
        return Response(CEILING_BODY, media_type="application/json")

    # Which worker answered: the bench waits until it has heard from each.
    @bench.get("/__bench/pid")
    async def pid() -> Response:
        return Response(str(os.getpid()), media_type="text/plain")

    # async like the product's routes: the query runs inline on the event loop.
    @bench.get("/__bench/floor")
    async def floor() -> Response:
        return Response(raw.rows(), media_type="application/json")

    return bench


def create_app() -> Any:
    from app.config import get_settings
    from app.main import create_app as create_product

    product = create_product()
    bench = bench_endpoints(os.environ.get("DATABASE_URL") or get_settings().database_url)

    async def dispatch(scope: dict, receive: Any, send: Any) -> None:
        # Lifespan and every other path go to the product, so it starts as it would alone.
        if scope["type"] == "http" and scope["path"].startswith("/__bench/"):
            await bench(scope, receive, send)
        else:
            await product(scope, receive, send)

    return dispatch
