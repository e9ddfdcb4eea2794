"""`salesglass load --full` ends by compacting the warehouse when the replaced tables left it half empty,
and only then: under the refresh lock, never while another refresh runs, and never failing the load."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import duckdb
import pytest

from salesglass import warehouse as wh
from salesglass.refresh.compaction import load_platform
from salesglass.refresh.lock import RefreshLock, lock_path_for
from salesglass.sources.platform.cli import print_summary
from salesglass.sources.platform.load import run_load
from tests.platform.conftest import demo_config, make_sqlite

ORDERS = 160_000
# done orders of the hand-written events and partners, enough that a full reload frees many blocks (the
# sales table must hold well over 30 % of the file once the refresh's bookkeeping tables sit beside it)
MANY_ORDERS = f"""
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ORDERS})
INSERT INTO orders (order_id, number, origin, status, event_id, org_id, vendor_id, created_at, done_at, is_invitation,
                    tickets_quantity, nominal_kop, extra_org_kop, full_kop, acquiring_cost_kop, agent_commission_kop,
                    profit_core_kop, currency, updated_at)
SELECT 'bulk' || i, 1000 + i, 'widget', 'done', 'e1', 'p1', 'p1', '2024-03-01 01:55:00',
       datetime('2024-03-01 02:00:00', '+' || i || ' seconds'), 0, 1 + i % 4, 100000 + i, 5000, 105000 + i, 2100,
       0, 7000 + i % 100, 'RUB', '2024-03-02 00:00:00'
FROM n;
"""


@pytest.fixture
def big_backoffice(tmp_path: Path) -> Path:
    return make_sqlite(tmp_path / "backoffice.sqlite", MANY_ORDERS)


@pytest.fixture
def cfg(big_backoffice: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(wh, "COMPACT_MIN_BYTES", 0)  # the test's warehouse is a few MB
    cfg = demo_config(f"sqlite:///{big_backoffice}", tmp_path)
    run_load(cfg, progress=False)
    return cfg


def _sales(path: Path) -> tuple[int, object, object]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT count(*), sum(turnover), max(sold_at) FROM sales").fetchone()
    finally:
        con.close()


def _watermarks(path: Path) -> dict[str, tuple[str, object]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {r[0]: (r[1], r[2]) for r in con.execute("SELECT * FROM platform_watermarks").fetchall()}
    finally:
        con.close()


def test_full_load_compacts_the_warehouse_and_says_so(cfg, capsys):
    path = Path(cfg.warehouse_path)
    loaded = _sales(path)
    assert loaded[0] > ORDERS

    summary = load_platform(cfg, full=True, progress=False)

    assert summary.compaction is not None and summary.compaction_error is None
    assert summary.compaction.after_bytes == path.stat().st_size < summary.compaction.before_bytes
    assert _sales(path) == loaded
    print_summary(summary)
    assert "compacted the warehouse: " in capsys.readouterr().out
    # the next incremental load still moves its watermarks (INSERT OR REPLACE needs the primary key)
    marks = _watermarks(path)
    again = run_load(cfg, progress=False)
    assert again.compaction is None and _sales(path) == loaded
    moved = _watermarks(path)
    assert moved.keys() == marks.keys() == {"partners", "orders", "refunds"}
    assert all(moved[k][0] == marks[k][0] and moved[k][1] > marks[k][1] for k in marks)


def test_incremental_load_never_compacts(cfg):
    stat = Path(cfg.warehouse_path).stat()
    summary = load_platform(cfg, progress=False)
    assert summary.compaction is None
    assert Path(cfg.warehouse_path).stat().st_ino == stat.st_ino


def test_a_running_refresh_keeps_its_warehouse(cfg, monkeypatch):
    """Another process's refresh holds the lock: the full load loads but does not compact."""
    lock_path = lock_path_for(Path(cfg.warehouse_path))
    lock_path.write_text(
        f'{{"pid": 1, "host": "{socket.gethostname()}", "token": "other", '
        f'"started": {time.time()}, "heartbeat": {time.time()}}}',
        encoding="utf-8",
    )
    inode = Path(cfg.warehouse_path).stat().st_ino

    summary = load_platform(cfg, full=True, progress=False)

    assert summary.compaction is None and summary.compaction_error is None
    assert Path(cfg.warehouse_path).stat().st_ino == inode and lock_path.exists()


def test_the_refresh_running_this_load_compacts_under_its_own_lock(cfg):
    lock = RefreshLock(lock_path_for(Path(cfg.warehouse_path))).acquire()
    try:
        assert load_platform(cfg, full=True, progress=False).compaction is not None
        assert lock.path.exists() and f'"pid": {os.getpid()}' in lock.path.read_text(encoding="utf-8")
    finally:
        lock.release()
    assert not lock.path.exists()


def test_a_failed_compaction_does_not_fail_the_load(cfg, monkeypatch, capsys):
    def broken(con, source, target):
        raise duckdb.IOException("IO Error: No space left on device")

    monkeypatch.setattr(wh, "_copy_database", broken)
    summary = load_platform(cfg, full=True, progress=False)
    assert summary.compaction is None and "No space left on device" in summary.compaction_error
    left = Path(cfg.warehouse_path).parent.glob("salesglass.duckdb*")
    assert sorted(p.name for p in left if ".refresh.lock" not in p.name) == ["salesglass.duckdb"]
    print_summary(summary)
    assert "the warehouse was not compacted (it is unchanged)" in capsys.readouterr().out
