"""How long a first `zhaoshang serve --demo` spends before it serves: importing the app,
migrating an empty database and loading the demo (issue 12: serving within 30 s of the
install finishing).

Each run is a fresh interpreter on a fresh throw-away database (SQLite, or a new database
beside --postgres), doing what the CLI does: `upgrade_database`, then `load_demo` in one
unit of work. It prints the seconds of each part per run, then the medians; the load's CPU
seconds too, which vary less than the wall clock on a shared machine. --checkout DIR runs
another checkout (with its own .venv, or this interpreter), e.g. main before a change:
compare the two in the same go. Nothing here is a test.

    .venv/bin/python bench/demo_load.py [--runs 3] [--postgres URL] [--checkout DIR]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(os.environ.get("DEMO_BENCH_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))

PARTS = ("import", "migrate", "load", "load_cpu")


def one_run(url: str) -> dict[str, float]:
    """In this interpreter: import, migrate `url`, load the demo; seconds of each part."""
    started = time.perf_counter()
    from app.cli import upgrade_database
    from app.db import create_db_engine, session_scope
    from app.demo import load_demo

    imported = time.perf_counter()
    upgrade_database(url)
    migrated = time.perf_counter()
    cpu = time.process_time()
    engine = create_db_engine(url)
    with session_scope(engine=engine) as session:
        summary = load_demo(session)
    engine.dispose()
    return {"import": imported - started, "migrate": migrated - imported,
            "load": time.perf_counter() - migrated, "load_cpu": time.process_time() - cpu,
            "projects": summary.projects}


def run_in_child(python: str, root: Path, url: str) -> dict[str, float]:
    env = {**os.environ, "DEMO_BENCH_ROOT": str(root), "DATABASE_URL": url}
    done = subprocess.run([python, str(Path(__file__).resolve()), "--one", url], cwd=root,
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the run in {root} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL URL; runs use new databases beside it")
    parser.add_argument("--checkout", type=Path, help="another checkout to measure")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child's single run
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_run(args.one)))
        return

    from bench.dataset import throwaway

    root = (args.checkout or ROOT).resolve()
    venv_python = root / ".venv" / "bin" / "python"
    python = str(venv_python) if venv_python.exists() else sys.executable
    results = []
    print(f"{root} on {'PostgreSQL' if args.postgres else 'SQLite'}:")
    for number in range(1, args.runs + 1):
        with throwaway(args.postgres) as url:
            result = run_in_child(python, root, url)
        results.append(result)
        print(f"  run {number}: " + ", ".join(f"{part} {result[part]:.2f} s" for part in PARTS)
              + f" ({int(result['projects'])} projects)")
    print("  median: " + ", ".join(
        f"{part} {statistics.median(r[part] for r in results):.2f} s" for part in PARTS))


if __name__ == "__main__":
    main()
