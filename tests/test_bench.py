"""`make bench` keeps working: its tiny size runs every goal line in a database of its own."""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

BASE = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^(?P<name>\S.*?)\s+\|\s+(?P<measured>\S+)\s+\|\s+(?P<goal>.+?)\s+\|\s+(?P<result>ok|MISS|info)$")
GOAL_LINES = {
    "KPI set, Benchum 2024Q4": "<= 1000ms",
    "KPI set from scratch (as a report)": "<= 1000ms",
    "bare count(DISTINCT participant), same rows": "-",
    "Dashboard page": "<= 300ms",
    "Dashboard, first load after a save": "<= 300ms",
    "Quarterly PDF (worker)": "<= 5000ms",
    "KPI set / bare aggregate": "<= 3.00x",
    "KPI set from scratch / bare aggregate": "-",
    "KPI set, municipality alone in its database": "-",
    "KPI set / same municipality alone": "<= 1.50x",
    "Dashboard after a save, municipality alone": "-",
    "Dashboard after a save / municipality alone": "<= 1.50x",
}


@pytest.mark.slow
def test_the_tiny_benchmark_prints_every_goal_line_measured_against_its_goal():
    suffix = os.environ.get("TEST_DB_SUFFIX", "")
    dev = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/collectief"))
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DEBUG": "true",  # as `make bench`
        "BENCH_DATABASE_URL": urlunsplit(dev._replace(path=f"/collectief_bench_tiny{suffix}")),
    }
    run = subprocess.run(
        [sys.executable, str(BASE / "scripts" / "bench.py"), "--size", "tiny", "--regenerate"],
        env=env, capture_output=True, text=True, timeout=170, cwd=BASE,
    )
    assert "Traceback" not in run.stderr, run.stderr
    lines = {m["name"]: m for m in map(LINE.match, run.stdout.splitlines()) if m}
    assert {name: lines[name]["goal"] for name in GOAL_LINES if name in lines} == GOAL_LINES, run.stdout
    # Every measurement is a number (ms or a ratio), and the exit status says whether one missed.
    for line in lines.values():
        assert re.fullmatch(r"\d+ms|\d+\.\d\dx", line["measured"]), line.group(0)
    missed = [line.group(0) for line in lines.values() if line["result"] == "MISS"]
    assert run.returncode == (1 if missed else 0), run.stdout + run.stderr
    assert "50,000 attendance rows, 2 municipalities" in run.stdout
    # The alone twin holds the same municipality's rows: the same figures, nothing printed about it.
    assert "not the same municipality" not in run.stdout
