"""The province benchmark's harness (bench/province_bench.py) still runs: a smoke run at tiny
sizes, not a measurement. It starts servers on ports, so it shares the live-server worker."""

import os
import re
import subprocess
import sys

import pytest

from app.config import PROJECT_ROOT
from bench.province_bench import BEGIN, END, PAGE_NAMES, write_doc
from tests.conftest import SERVES_ON_A_PORT


@SERVES_ON_A_PORT
def test_a_quick_run_answers_every_page_and_rewrites_only_its_section(tmp_path):
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("a smoke run of the harness: once, on SQLite, is enough")
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\nWritten by hand, kept.\n")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}

    run = subprocess.run([sys.executable, "bench/province_bench.py", "--quick",
                          "--doc", str(doc)], cwd=PROJECT_ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    output = run.stdout
    summary = output.split("### SQLite", 1)[1].split("### Every measurement", 1)[0]
    rows = {line.split("|")[1].strip(): line.split("|")
            for line in summary.splitlines() if line.startswith("| ") and "---" not in line}
    # Every page measured, each answered only with successes (the last cell: non-2xx).
    assert set(PAGE_NAMES) <= set(rows), set(PAGE_NAMES) - set(rows)
    for page in PAGE_NAMES:
        cells = [cell.strip() for cell in rows[page][2:-1]]
        assert cells[-1] == "0", (page, cells)
        assert float(cells[0]) > 0 and float(cells[3]) > 0, (page, cells)
    assert "Machine:" in output and "SQLite: 3." in output
    assert re.search(r"bench/province_bench\.py --projects \d+", output)

    text = doc.read_text()
    assert text.startswith("# Performance\n\nWritten by hand, kept.\n")
    assert "## Province scale benchmark" in text and "| list, deep page |" in text
    write_doc(doc, "## Province scale benchmark\n\nagain\n")  # a re-run replaces it
    text = doc.read_text()
    assert text.startswith("# Performance\n\nWritten by hand, kept.\n")
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    assert "again" in text and "| list, deep page |" not in text
