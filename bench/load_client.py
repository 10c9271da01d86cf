"""The load side of bench/province_bench.py, run in a process of its own so that the client's
CPU is not the server's: reads a plan (JSON) on stdin, drives each page at each number of
connections over loopback, prints the results (JSON) on stdout.

Each connection is its own httpx client with one keep-alive connection; requests follow one
another on it with no pause (closed loop). Each page is warmed up, then timed for a fixed
duration. After each, the resident memory of the server's processes is read.
"""

import asyncio
import itertools
import json
import re
import sqlite3
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx


def rss_bytes(pid: int) -> dict[int, int]:
    """Resident memory of `pid` and its descendants (uvicorn's workers are its children)."""
    try:
        import psutil
    except ImportError:
        psutil = None
    if psutil is not None:
        try:
            parent = psutil.Process(pid)
            return {p.pid: p.memory_info().rss
                    for p in [parent, *parent.children(recursive=True)]}
        except psutil.Error:
            return {}
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    family, frontier = {pid}, [pid]
    while frontier:
        current = frontier.pop()
        for child, parent in parents.items():
            if parent == current and child not in family:
                family.add(child)
                frontier.append(child)
    sizes = {}
    for member in family:
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        if found:
            sizes[member] = int(found.group(1)) * 1024
    return sizes


class DataVersionBump:
    """What any write does to the cockpit: the data version moves, so the figures are
    computed again. Done on the database directly so that only the page is timed."""

    def __init__(self, url: str) -> None:
        self.lock = threading.Lock()
        if url.startswith("sqlite"):
            self.connection: Any = sqlite3.connect(url.split("///", 1)[1], timeout=30,
                                                   check_same_thread=False)
        else:
            import psycopg

            self.connection = psycopg.connect(url.replace("+psycopg", ""), autocommit=True)

    def __call__(self) -> None:
        with self.lock:
            self.connection.execute("UPDATE data_version SET n = n + 1 WHERE id = 1")
            if isinstance(self.connection, sqlite3.Connection):
                self.connection.commit()


def sign_in(base: str, username: str, password: str) -> dict[str, str]:
    """Through the real login form: the session cookie and the CSRF token of that session."""
    with httpx.Client(base_url=base, timeout=60) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        answer = client.post("/login", data={"username": username, "password": password,
                                             "csrf_token": token, "next": "/"})
        if "zs_session" not in client.cookies:
            raise SystemExit(f"sign-in as {username} failed: {answer.status_code}")
        home = client.get("/")
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', home.text)
        return {"cookie": client.cookies["zs_session"], "csrf": csrf.group(1) if csrf else ""}


class Page:
    """One kind of request; `once` sends it (or its pair) and returns the statuses."""

    def __init__(self, spec: dict[str, Any], plan: dict[str, Any],
                 bump: DataVersionBump | None) -> None:
        self.name = spec["name"]
        self.kind = spec["kind"]
        self.paths = itertools.cycle(spec.get("paths") or [spec.get("path", "/")])
        self.project_ids = itertools.cycle(plan["project_ids"])
        self.leader_id = plan["leader_id"]
        self.bump = bump
        self.refusal: str | None = None  # the first answer that was not a success

    def note(self, answer: httpx.Response) -> httpx.Response:
        if answer.status_code >= 300 and self.refusal is None:
            self.refusal = f"{answer.request.method} {answer.request.url.path} → " \
                           f"{answer.status_code} {answer.text[:300]}"
        return answer

    async def once(self, client: httpx.AsyncClient) -> tuple[float, list[int]]:
        """The time of what is measured (the cockpit's write before it is not) and the
        statuses."""
        if self.kind == "cockpit_cold":
            await asyncio.to_thread(self.bump)
        started = time.perf_counter()
        if self.kind == "create_transition":
            created = self.note(await client.post("/api/v1/projects", json={
                "name": "基准压测新建项目", "investor": {"name": f"基准压测{uuid.uuid4().hex}公司"},
                "category": "industrial", "chain": "wind", "region": "csj",
                "method": "by_chain", "county": "yaodu", "total_investment": "42000.00",
                "leader_id": self.leader_id}))
            statuses = [created.status_code]
            if created.status_code == 201:
                moved = self.note(await client.post(
                    f"/api/v1/projects/{created.json()['id']}/transitions",
                    json={"to_stage": "intent"}))
                statuses.append(moved.status_code)
        elif self.kind == "followup":
            happened = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
            answer = self.note(await client.post(
                f"/api/v1/projects/{next(self.project_ids)}/activities",
                json={"kind": "call", "happened_at": happened, "summary": "基准压测电话跟进"}))
            statuses = [answer.status_code]
        elif self.kind == "project":
            answer = self.note(await client.get(f"/projects/{next(self.project_ids)}"))
            statuses = [answer.status_code]
        else:
            answer = self.note(await client.get(next(self.paths)))
            statuses = [answer.status_code]
        return time.perf_counter() - started, statuses


async def run(page: Page, base: str, headers: dict[str, str], cookies: dict[str, str],
              connections: int, warmup: float, seconds: float, min_requests: int
              ) -> tuple[list[float], dict[str, int], float]:
    """Warm up, then time for `seconds` and at least `min_requests` requests (a page of
    several seconds would give one sample otherwise): the latencies, the count of each
    status and the time taken."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    # Clients first (making one takes a while): the clock starts when all can send.
    clients = [httpx.AsyncClient(base_url=base, headers=headers, cookies=cookies,
                                 limits=limits, timeout=120) for _ in range(connections)]
    latencies: list[float] = []
    statuses: dict[str, int] = {}

    async def loop(client: httpx.AsyncClient, deadline: float, record: bool) -> None:
        while time.perf_counter() < deadline or (record and len(latencies) < min_requests):
            spent, answers = await page.once(client)
            if record:
                latencies.append(spent)
                for status in answers:
                    statuses[str(status)] = statuses.get(str(status), 0) + 1

    try:
        deadline = time.perf_counter() + warmup
        await asyncio.gather(*(loop(c, deadline, False) for c in clients))
        started = time.perf_counter()
        await asyncio.gather(*(loop(c, started + seconds, True) for c in clients))
        elapsed = time.perf_counter() - started
    finally:
        for client in clients:
            await client.aclose()
    return latencies, statuses, elapsed


def percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main() -> None:
    plan = json.load(sys.stdin)
    base = plan["base"]
    session = sign_in(base, plan["username"], plan["password"])
    bump = DataVersionBump(plan["database_url"])
    results = []
    for spec in plan["pages"]:
        page = Page(spec, plan, bump)
        if spec["auth"] == "bearer":
            headers, cookies = {"Authorization": f"Bearer {plan['api_token']}"}, {}
        else:
            headers, cookies = {"X-CSRF-Token": session["csrf"]}, {"zs_session": session["cookie"]}
        for connections in plan["connections"]:
            latencies, statuses, elapsed = asyncio.run(
                run(page, base, headers, cookies, connections, plan["warmup"],
                    plan["duration"], plan.get("min_requests", 1)))
            memory = rss_bytes(plan["server_pid"])
            ordered = sorted(latencies)
            results.append({
                "page": page.name, "connections": connections, "requests": len(ordered),
                "rps": len(ordered) / elapsed,
                "p50_ms": percentile(ordered, 0.50) * 1000,
                "p99_ms": percentile(ordered, 0.99) * 1000,
                "statuses": statuses,
                "rss_mb": max(memory.values(), default=0) / 2**20,
                "refusal": page.refusal,
            })
            print(f"  {page.name:<22}{connections:>3} conn {results[-1]['rps']:>8.1f} req/s "
                  f"p50 {results[-1]['p50_ms']:>8.1f} ms p99 {results[-1]['p99_ms']:>8.1f} ms "
                  f"{statuses}", file=sys.stderr, flush=True)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
