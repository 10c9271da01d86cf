"""Province scale (issue 13): every page of the real server at N projects and at 1,000,
beside a ceiling (the bare stack) and a floor (the raw driver), on SQLite and PostgreSQL.

For each database and each size it builds the data set (bench/dataset.py: fixed seed, bulk
inserts, migrated with Alembic) in a throw-away database, starts the real server
(`uvicorn --workers W`, production settings) in a child process, and drives it from another
process over loopback (bench/load_client.py) at each number of connections: a warm-up, then
a fixed duration per page. It reports requests/s, p50 and p99, the ratios the issue sets
goals for, and the largest resident memory of a server process, prints the tables and
writes them, with the machine and how to re-run, to docs/performance.md (only the section
between this benchmark's markers). Nothing here is a test; numbers taken while other work
runs on the machine are noisy.

    .venv/bin/python bench/province_bench.py [--projects 100000] [--small 1000]
        [--followups-per-project 10] [--duration 5] [--warmup 1] [--min-requests 5]
        [--connections 1,16] [--workers 1,2] [--postgres postgresql://postgres@127.0.0.1:5432/test]
        [--skip-sqlite] [--pages list,kanban,...] [--quick] [--doc docs/performance.md]
"""

import argparse
import json
import os
import platform
import random
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import sqlalchemy as sa

from bench import dataset

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
BEGIN = "<!-- province-bench:begin (written by bench/province_bench.py) -->"
END = "<!-- province-bench:end -->"
KEYWORD = "齿轮箱"  # a product word: about one project in twenty has it in its name
DEEP_PAGE = 500
PER_PAGE = 20  # the list's default page size

# (name, how the load client sends it, credentials, path). Writes run after every read of a
# size, so that the reads of each worker count see the same data.
PAGES: list[tuple[str, str, str, str]] = [
    ("list", "get", "session", "/projects"),
    ("list, county+chain", "get", "session", "/projects?county=houma&chain=pv"),
    ("list, keyword", "get", "session", f"/projects?q={KEYWORD}"),
    ("list, by amount", "get", "session", "/projects?sort=-total_investment"),
    ("list, deep page", "get", "session", "/projects?page={deep}"),
    ("kanban", "get", "session", "/projects/kanban"),
    ("project page", "project", "session", "/projects/{id}"),
    ("workbench", "get", "session", "/"),
    ("cockpit, cold", "cockpit_cold", "session", "/cockpit"),
    ("cockpit, warm", "get", "session", "/cockpit"),
    ("API list", "get", "bearer", "/api/v1/projects"),
    ("API create+transition", "create_transition", "bearer", "/api/v1/projects"),
    ("follow-up write (API)", "followup", "bearer", "/api/v1/projects/{id}/activities"),
    ("ceiling", "get", "none", "/__bench/ceiling"),
    ("floor", "get", "none", "/__bench/floor"),
]
WRITES = {"create_transition", "followup"}
PAGE_NAMES = [name for name, *_rest in PAGES]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(url: str) -> dict[str, str]:
    """Production settings with fresh secrets; the bench's own API client is not throttled."""
    from app.crypto import new_key_entry

    return {**os.environ, "DATABASE_URL": url, "ENVIRONMENT": "production",
            "SECRET_KEY": secrets.token_urlsafe(48), "AUDIT_KEY": secrets.token_urlsafe(48),
            "DATA_KEYS": new_key_entry("k1"), "API_RATE_LIMIT_PER_MINUTE": "100000000"}


def start_server(url: str, workers: int, log: Any) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "bench.floor_app:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=server_env(url), stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                wait_for_workers(base, workers, deadline)
                return server, base
        except httpx.HTTPError:
            time.sleep(0.2)
    stop(server)
    log.seek(0)
    raise SystemExit("the server did not start:\n" + log.read()[-3000:])


def wait_for_workers(base: str, workers: int, deadline: float) -> None:
    """Until each worker has answered once (one still importing the app would leave the
    first page to the others); each try is a new connection, taken by whichever accepts."""
    seen: set[str] = set()
    while len(seen) < workers and time.monotonic() < deadline:
        seen.add(httpx.get(f"{base}/__bench/pid", timeout=10).text)
        time.sleep(0.05)


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def prepare(url: str, projects: int, followups: int) -> dict[str, Any]:
    """The data set, an agency client's token (all scopes, unthrottled) and the projects the
    project page and the follow-up write rotate over."""
    from app.accounts.permissions import Actor
    from app.clients.service import SCOPES, create_client
    from app.db import create_db_engine, session_scope
    from app.projects.models import Project

    started = time.perf_counter()
    built = dataset.build(url, projects, followups)
    engine = create_db_engine(url)
    with session_scope(engine=engine) as session:
        token = create_client(session, Actor.system("bench"), name="省级压测",
                              scopes=list(SCOPES), rate_limit_per_minute=100_000_000).token
        # Active ones: a follow-up on a terminated project is refused, rightly.
        active = session.scalars(sa.select(Project.id).where(Project.status == "active")
                                 .order_by(Project.id)).all()
    engine.dispose()
    rng = random.Random(dataset.SEED)
    return {"token": token, "leader_id": built.leader_ids[0],
            "project_ids": rng.sample(active, min(200, len(active))),
            "load": {**built.timings, "total": time.perf_counter() - started},
            "stage_events": built.stage_events}


def page_specs(names: list[str], projects: int) -> list[dict[str, Any]]:
    deep = min(DEEP_PAGE, max(1, -(-projects // PER_PAGE)))
    return [{"name": name, "kind": kind, "auth": auth, "path": path.format(deep=deep, id="")}
            for name, kind, auth, path in PAGES if name in names]


def drive(base: str, server: subprocess.Popen, url: str, prepared: dict[str, Any],
          pages: list[dict[str, Any]], args: argparse.Namespace) -> list[dict[str, Any]]:
    plan = {"base": base, "server_pid": server.pid, "database_url": url,
            "username": "bench.staff", "password": dataset.PASSWORD,
            "api_token": prepared["token"], "leader_id": prepared["leader_id"],
            "project_ids": prepared["project_ids"], "pages": pages,
            "connections": args.connections, "duration": args.duration,
            "warmup": args.warmup, "min_requests": args.min_requests}
    # Its progress goes to stderr (shown as it runs), its results to stdout.
    answer = subprocess.run([sys.executable, str(ROOT / "bench" / "load_client.py")],
                            input=json.dumps(plan), stdout=subprocess.PIPE, text=True,
                            cwd=ROOT)
    if answer.returncode != 0:
        raise SystemExit(f"the load client failed ({answer.returncode})")
    return json.loads(answer.stdout)


def measure(label: str, server_url: str | None, projects: int, args: argparse.Namespace
            ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every selected page at every worker count and number of connections, one size."""
    followups = projects * args.followups_per_project
    results: list[dict[str, Any]] = []
    with dataset.throwaway(server_url) as url, tempfile.TemporaryFile("w+") as log:
        print(f"\n== {label}, {projects:,} projects, {followups:,} follow-ups ==", flush=True)
        prepared = prepare(url, projects, followups)
        print("loaded: " + ", ".join(f"{k} {v:.1f} s" for k, v in prepared["load"].items()),
              flush=True)
        specs = page_specs(args.pages, projects)
        # Reads at every worker count first, then the writes: the reads see the same data.
        # (With one worker count the server's pages already run reads first: one start.)
        reads = [s for s in specs if s["kind"] not in WRITES]
        writes = [s for s in specs if s["kind"] in WRITES]
        for phase in ([reads, writes] if len(args.workers) > 1 else [reads + writes]):
            if not phase:
                continue
            for workers in args.workers:
                print(f"-- {workers} worker(s)", flush=True)
                server, base = start_server(url, workers, log)
                try:
                    for row in drive(base, server, url, prepared, phase, args):
                        results.append({"db": label, "projects": projects,
                                        "workers": workers, **row})
                finally:
                    stop(server)
    return results, prepared


# --- reporting -------------------------------------------------------------------------------

def machine_facts(postgres: str | None, use_sqlite: bool) -> dict[str, str]:
    import fastapi
    import sqlalchemy
    import uvicorn

    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    memory = next((line.split(":", 1)[1].strip() for line in
                   Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "?")
    facts = {"date (UTC)": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
             "cores": f"{os.cpu_count()} ({cpu})", "memory": memory,
             "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
             "Python": platform.python_version(),
             "uvicorn / FastAPI / SQLAlchemy / httpx": f"{uvicorn.__version__} / "
             f"{fastapi.__version__} / {sqlalchemy.__version__} / {httpx.__version__}"}
    if use_sqlite:
        facts["SQLite"] = sqlite3.sqlite_version
    if postgres:
        from app.db import create_db_engine

        engine = create_db_engine(postgres)
        with engine.connect() as conn:
            facts["PostgreSQL"] = conn.exec_driver_sql("SHOW server_version").scalar()
        engine.dispose()
    return facts


def pick(results: list[dict[str, Any]], **match: Any) -> dict[str, Any] | None:
    return next((r for r in results if all(r[k] == v for k, v in match.items())), None)


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a and b else "–"


def errors_of(rows: list[dict[str, Any]]) -> int:
    return sum(n for r in rows for status, n in r["statuses"].items()
               if not status.startswith("2"))


def summary_table(results: list[dict[str, Any]], db: str, args: argparse.Namespace
                  ) -> list[str]:
    """One row per page at the large size and the fewest workers, with the issue's ratios."""
    mine = [r for r in results if r["db"] == db]
    big, small = args.projects, args.small
    one, many = min(args.connections), max(args.connections)
    w1, w2 = min(args.workers), max(args.workers)
    lines = [
        f"| page | {one} conn req/s | p50 ms | p99 ms | {many} conn req/s | p50 ms | p99 ms "
        f"| p99/p50 at {many} | ÷ ceiling req/s ({many}) | ÷ floor req/s ({many}) "
        f"| {big:,} / {small:,} p50 ({one} conn) | {w2} / {w1} workers req/s ({many}) "
        f"| max RSS MB | non-2xx |",
        "|---|" + "---:|" * 13,
    ]
    base = {"db": db, "projects": big, "workers": w1}
    ceiling = pick(mine, **base, page="ceiling", connections=many)
    floor = pick(mine, **base, page="floor", connections=many)
    for name in args.pages:
        low = pick(mine, **base, page=name, connections=one)
        high = pick(mine, **base, page=name, connections=many)
        if not low and not high:
            continue
        at_small = pick(mine, db=db, projects=small, workers=w1, page=name, connections=one)
        doubled = pick(mine, db=db, projects=big, workers=w2, page=name, connections=many)
        rows = [r for r in mine if r["page"] == name]

        def cells(row: dict[str, Any] | None) -> str:
            if not row:
                return "– | – | –"
            return f"{row['rps']:.1f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f}"

        lines.append(
            f"| {name} | {cells(low)} | {cells(high)} "
            f"| {ratio(high and high['p99_ms'], high and high['p50_ms'])} "
            f"| {ratio(high and high['rps'], ceiling and ceiling['rps'])} "
            f"| {ratio(high and high['rps'], floor and floor['rps'])} "
            f"| {ratio(low and low['p50_ms'], at_small and at_small['p50_ms'])} "
            f"| {ratio(doubled and doubled['rps'], high and high['rps']) if w2 != w1 else '–'} "
            f"| {max(r['rss_mb'] for r in rows):.0f} | {errors_of(rows)} |")
    return lines


def full_table(results: list[dict[str, Any]]) -> list[str]:
    lines = ["| database | projects | workers | page | conn | requests | req/s | p50 ms "
             "| p99 ms | max RSS MB | statuses |", "|---|---:|---:|---|---:|---:|---:|---:|---:|"
             "---:|---|"]
    for r in results:
        statuses = " ".join(f"{k}×{v}" for k, v in sorted(r["statuses"].items()))
        lines.append(f"| {r['db']} | {r['projects']:,} | {r['workers']} | {r['page']} "
                     f"| {r['connections']} | {r['requests']} | {r['rps']:.1f} "
                     f"| {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['rss_mb']:.0f} | {statuses} |")
    return lines


def command_line(args: argparse.Namespace) -> str:
    parts = [".venv/bin/python bench/province_bench.py", f"--projects {args.projects}",
             f"--small {args.small}", f"--followups-per-project {args.followups_per_project}",
             f"--duration {args.duration:g}", f"--warmup {args.warmup:g}",
             f"--min-requests {args.min_requests}",
             "--connections " + ",".join(map(str, args.connections)),
             "--workers " + ",".join(map(str, args.workers))]
    if args.postgres:
        parts.append(f"--postgres {args.postgres}")
    if args.skip_sqlite:
        parts.append("--skip-sqlite")
    if args.pages != PAGE_NAMES:
        parts.append("--pages '" + ",".join(args.pages) + "'")
    return " ".join(parts)


def report(results: list[dict[str, Any]], loads: dict[str, dict[str, Any]],
           facts: dict[str, str], args: argparse.Namespace) -> str:
    lines = [
        "## Province scale benchmark", "",
        "Issue 13's benchmark: the real server (uvicorn, production settings) driven over "
        "loopback by a separate Python process (httpx, one keep-alive connection per "
        "simulated user, closed loop), each page warmed up and then timed for a fixed "
        "duration. *Ceiling*: a bare route of the same stack returning fixed bytes; "
        "*floor*: the list's first 50 rows through the raw driver and orjson "
        "(bench/floor_app.py, never part of the product). The cockpit *cold* is timed right "
        "after the data version moves (what any write does); *warm* with nothing changed. "
        "The 2-core machine runs the server, the database and the load client at once, and "
        "was shared with other work: read the ratios, not the absolute numbers, and expect "
        "noise.", "",
        "Re-run (rewrites only this section):", "", "```", command_line(args), "```", "",
        "Machine:", "",
        *(f"- {k}: {v}" for k, v in facts.items()), "",
        "Data sets (load time in seconds):", "",
    ]
    for label, info in loads.items():
        lines.append(f"- {label}: {info['stage_events']:,} stage events; "
                     + ", ".join(f"{k} {v:.1f}" for k, v in info["load"].items()))
    for db in dict.fromkeys(r["db"] for r in results):
        lines += ["", f"### {db}: {args.projects:,} projects, {min(args.workers)} worker(s)",
                  "", *summary_table(results, db, args)]
    refusals = {(r["db"], r["page"]): r["refusal"] for r in results if r.get("refusal")}
    if refusals:
        lines += ["", "Answers other than success (the first of each page):", ""]
        lines += [f"- {db}, {page}: `{' '.join(text.split())[:200]}`"
                  for (db, page), text in refusals.items()]
    lines += ["", "### Every measurement", "", "<details><summary>table</summary>", "",
              *full_table(results), "", "</details>"]
    return "\n".join(lines) + "\n"


def write_doc(path: Path, section: str) -> None:
    """Replaces this benchmark's section between its markers; the rest of the file stays."""
    block = f"{BEGIN}\n{section}{END}\n"
    text = path.read_text() if path.exists() else "# Performance\n\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--followups-per-project", type=int, default=10)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per page")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds per page")
    parser.add_argument("--min-requests", type=int, default=5,
                        help="timed requests per page at least, however long they take")
    parser.add_argument("--connections", default="1,16")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--postgres", help="server URL; throw-away databases are made there")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--pages", help="a subset, comma-separated: " + ", ".join(PAGE_NAMES))
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: tiny data sets and durations (over the options above), "
                        "one worker, 1 and 4 connections; no doc unless --doc")
    parser.add_argument("--doc", type=Path, help=f"where to write the section ({DOC})")
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.projects, args.small, args.followups_per_project = 120, 40, 2
        args.duration, args.warmup, args.min_requests = 0.25, 0.05, 1
        args.connections, args.workers = "1,4", "1"
    args.connections = sorted({int(n) for n in args.connections.split(",")})
    args.workers = sorted({int(n) for n in args.workers.split(",")})
    args.pages = ([p.strip() for p in args.pages.split(",")] if args.pages else PAGE_NAMES)
    unknown = set(args.pages) - set(PAGE_NAMES)
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    targets = ([] if args.skip_sqlite else [("SQLite", None)]) + (
        [("PostgreSQL", args.postgres)] if args.postgres else [])
    if not targets:
        parser.error("nothing to run: --skip-sqlite without --postgres")
    facts = machine_facts(args.postgres, not args.skip_sqlite)
    results: list[dict[str, Any]] = []
    loads: dict[str, dict[str, Any]] = {}
    doc = None if args.no_doc else args.doc or (None if args.quick else DOC)
    for label, server_url in targets:
        for size in dict.fromkeys([args.projects, args.small]):
            rows, prepared = measure(label, server_url, size, args)
            results += rows
            loads[f"{label}, {size:,} projects"] = prepared
            if doc:  # after each part, so that a run cut short leaves what it measured
                write_doc(doc, report(results, loads, facts, args))
    print("\n" + report(results, loads, facts, args))
    if doc:
        print(f"written to {doc}")


if __name__ == "__main__":
    main()
