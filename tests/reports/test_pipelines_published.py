"""The canonical `pipelines` table on its way out: into the published file of an account without amoCRM whose
warehouse an older version wrote (no such table yet: empty, not an error), and through ClickHouse's DDL and
the expression a ClickHouse build publishes it with (chdb)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from salesglass.reports.build import run_build
from salesglass.warehouse import connect

HOSTILE = ("<script>alert(1)</script> Партнёры 🤝 «Юг» " + "очень длинное название " * 7)[:150]


def _published(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_an_account_without_amocrm_from_an_older_version_builds_an_empty_pipelines_table(tmp_path: Path) -> None:
    """A back-office only (no [amocrm] account), its warehouse written by the version before `pipelines`
    existed: the build adds the table to the warehouse and publishes it empty, no error (one build)."""
    from salesglass.config import load_config
    from salesglass.link.run import run_link
    from salesglass.sources.platform.load import run_load
    from tests.onboarding.test_back_office_first_zone import _setup

    cfg = load_config(_setup(tmp_path, "Europe/Moscow"))
    run_load(cfg, full=True, progress=False)
    run_link(cfg)
    con = connect(cfg.warehouse_path)
    con.execute("DROP TABLE pipelines")  # as the previous version left it
    con.close()
    summary = run_build(cfg, as_of=date(2026, 11, 30), progress=False)
    assert summary.rows["pipelines"] == 0
    assert _published(cfg.published_path, "SELECT count(*) FROM pipelines") == [(0,)]
    # the build's mark of the development pipelines (docs/reports.md), there even when there are none
    assert _published(cfg.published_path, "SELECT count(*) FROM pipelines WHERE is_development") == [(0,)]
    assert _published(cfg.published_path, "SELECT count(*) FROM sales") == [(4,)]  # the four orders
    assert _published(cfg.warehouse_path, "SELECT count(*) FROM pipelines") == [(0,)]  # added to it, empty


@pytest.mark.clickhouse
def test_pipelines_reach_clickhouse_as_typed() -> None:
    from tests.reports.canon_io import chdb_session, run_chdb, unbound_canon

    rows = [
        {"pipeline_id": 7004411, "name": "Продажи", "sort": 1, "is_main": True, "is_archive": False},
        {"pipeline_id": 7004412, "name": HOSTILE, "sort": 2, "is_main": False, "is_archive": True},
        {"pipeline_id": 7004413, "name": None, "sort": None, "is_deleted": True},
    ]
    session = chdb_session({"pipelines": rows})
    out = run_chdb(session, unbound_canon().pipelines).to_pylist()  # what a ClickHouse build publishes
    assert sorted((r["pipeline_id"], r["name"], r["sort"], r["is_archive"], r["is_deleted"]) for r in out) == [
        (7004411, "Продажи", 1, False, None),
        (7004412, HOSTILE, 2, True, None),
        (7004413, None, None, None, True),
    ]
