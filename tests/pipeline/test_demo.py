"""`salesglass demo --no-serve` as a user runs it: a subprocess, on a fresh folder, then again on the same one."""

from __future__ import annotations

import shlex
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

# the whole demo in subprocesses, twice (~25 s): handed out with the long modules (tests/conftest.py)
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
XS_DEMO = ("--scale", "xs", "--end", "2026-11-27")  # the tests' company: scale xs, history to their last day


def _demo(folder: Path, *options: str) -> subprocess.CompletedProcess:
    """`salesglass demo --no-serve` at scale xs to the tests' last day, in a subprocess, into `folder`."""
    return subprocess.run(
        [sys.executable, "-m", "salesglass", "demo", "--no-serve", *options, *XS_DEMO, "--dir", str(folder)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _rounded(value):
    """Floats (fractional days) are sums in whatever order the engine's threads add them: compare to 1e-6."""
    return round(value, 6) if isinstance(value, float) else value


def _published(path: Path) -> tuple[set, dict[str, list]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        info = set(con.execute("SELECT as_of, timezone, engine FROM build_info").fetchall())
        tables = [
            t
            for (t,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'report_%' ORDER BY 1"
            ).fetchall()
        ]
        return info, {
            t: sorted(repr(tuple(_rounded(v) for v in row)) for row in con.execute(f'SELECT * FROM "{t}"').fetchall())
            for t in tables
        }
    finally:
        con.close()


def _next_commands(stdout: str) -> list[list[str]]:
    """The commands printed under "Next:", split as a shell would split them."""
    lines = stdout.split("Next:", 1)[1].splitlines()
    return [shlex.split(line) for line in lines if line.startswith("  ")]


def test_demo_builds_the_reports_and_runs_again(tmp_path: Path, simulated_xs):
    # a folder name a shell must be told about: a space, an apostrophe, double quotes
    folder = tmp_path / """my demo's "first" run"""
    first = _demo(folder)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "Traceback" not in first.stdout + first.stderr
    # the printed next steps paste into a shell as they are: each names the demo's config as one word
    commands = _next_commands(first.stdout)
    assert [c[:2] for c in commands] == [["salesglass", "export"], ["salesglass", "doctor"], ["salesglass", "serve"]]
    assert all(c[c.index("-c") + 1] == str(folder / "salesglass.toml") for c in commands)
    doctor = subprocess.run([sys.executable, "-m", *commands[1]], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert doctor.returncode == 0 and "time zone" in doctor.stdout, doctor.stdout[-2000:] + doctor.stderr[-2000:]
    info, reports = _published(folder / "salesglass-reports.duckdb")
    assert info == {(date(2026, 11, 27), "Europe/Moscow", "duckdb")}
    assert {
        "report_weekly",
        "report_funnel",
        "report_plan_fact",
        "report_sales_share",
        "report_cohorts",
        "report_bonus_lines",
        "report_bonus_summary",
        "report_data_quality",
    } <= reports.keys()
    # (no bonus month is approved in the demo, so there is nothing to reconcile)
    assert all(r for t, r in reports.items() if t != "report_bonus_reconciliation"), {
        t: len(r) for t, r in reports.items()
    }
    assert (folder / "secrets" / "amocrm-token.json").stat().st_mode & 0o077 == 0
    # the in-process pipeline the other tests use (tests/simulated.py) is the demo's, to the last row
    assert _published(simulated_xs.cfg.published_path) == (info, reports)
    manifest = (folder / "company" / "manifest.json").stat().st_mtime_ns

    second = _demo(folder)  # same scale, seed and end: the company is reused, everything else rebuilt
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert (folder / "company" / "manifest.json").stat().st_mtime_ns == manifest
    info2, reports2 = _published(folder / "salesglass-reports.duckdb")
    assert info2 == info and reports2 == reports  # the same company gives the same reports
