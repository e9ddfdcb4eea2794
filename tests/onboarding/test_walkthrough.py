"""The README's "Use it with your own account" walk-through on back-office 2 (PostgreSQL), no file edited
by hand: init → platform inspect --write → check → load → link → build → users add."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from salesglass.config import load_config

# a dozen commands in subprocesses against PostgreSQL (~20 s): handed out with the long modules (tests/conftest.py)
pytestmark = pytest.mark.slow


def _sg(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "salesglass", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=stdin if stdin is not None else "",
        env=env,
    )


@pytest.mark.postgres
def test_from_init_to_a_build_on_a_postgres_back_office(ru_postgres: str, tmp_path: Path):
    steps = [
        ("init", "--platform-url", ru_postgres),
        ("platform", "inspect", "--write"),
        ("check",),
        ("load",),
        ("link",),
        ("build",),
    ]
    outputs = {}
    for step in steps:
        res = _sg(*step, cwd=tmp_path)
        assert res.returncode == 0, (step, res.stdout[-3000:], res.stderr[-3000:])
        outputs[step[0] if step[0] != "platform" else "inspect"] = " ".join(res.stdout.split())
    assert "check passed: everything would load" in outputs["check"]
    assert "2026-09 │ 4,500.00 │ 3 │ 2" in outputs["check"]  # Z-1 + Z-2 (Moscow months)
    assert "2026-10 │ 6,500.50 │ 3 │ 1" in outputs["check"]  # Z-3 (00:30 on 1 October) − the refund Z-4

    cfg = load_config(tmp_path / "salesglass.toml")
    assert [(i.name, i.target, i.table) for i in cfg.platform.inputs] == [
        ("partners", "partners", "kontragenty"),
        ("orders", "sales", "zakazy"),
        ("widgets", "widget_installs", "vidzhety"),
    ]
    assert cfg.plans.table == "plan_prodazh"
    text = (tmp_path / "salesglass.toml").read_text()
    assert "# sales ← zakazy (8 rows); confidence high" in text  # the reasons stay in the file as comments
    tomllib.loads(text)

    with duckdb.connect(str(tmp_path / "salesglass.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*), sum(turnover), sum(tickets) FROM sales").fetchone() == (
            5,
            Decimal("11700.50"),
            7,
        )  # 3000 + 1500 + 8000.50 − 1500 + 700; 2 + 1 + 4 − 1 + 1
        assert con.execute("SELECT count(*), sum(realistic) FROM plans").fetchone() == (3, Decimal("230000.00"))
    assert (tmp_path / "salesglass-reports.duckdb").exists()

    res = _sg(
        "users",
        "add",
        "boss@firma.ru",
        "--role",
        "admin",
        "--password-stdin",
        cwd=tmp_path,
        stdin="Very-long-passw0rd!\n",
    )
    assert res.returncode == 0, res.stderr
