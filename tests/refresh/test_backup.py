"""`salesglass backup`: a consistent copy of the installation while the dashboard writes the bonus state."""

from __future__ import annotations

import multiprocessing
import os
import stat
import time
from pathlib import Path

import pytest

from salesglass.warehouse import connect
from tests.refresh.conftest import make_config


def _approve_for_ever(path: Path, started) -> None:
    """Stands in for an admin on the dashboard: short write transactions on the bonus state, as its store
    makes them (open, write an action and its audit row in one transaction, close), one after another."""
    n = 0
    while True:
        con = connect(path)
        try:
            con.execute("BEGIN")
            con.execute(f"INSERT INTO actions VALUES ({n})")  # no parameters: binding them imports numpy
            con.execute(f"INSERT INTO audit VALUES ({n})")
            con.execute("COMMIT")
        finally:
            con.close()
        n += 1
        if n == 5:
            started.set()
        time.sleep(0.02)  # an admin clicking very fast


def test_a_backup_taken_while_the_bonus_state_is_written_is_whole_and_runs_restored(tmp_path):
    site = tmp_path / "srv"
    cfg = make_config(site)
    site.mkdir()
    (site / "salesglass.toml").write_text("[warehouse]\n")
    (site / "secrets").mkdir()
    (site / "secrets" / "amocrm-token.json").write_text('{"access_token": "t"}')
    os.chmod(site / "secrets" / "amocrm-token.json", 0o600)
    (site / ".reports.duckdb.steps.json.host-1.tmp").write_text("a killed writer's")
    for live in ("salesglass-users.json.sessions.sqlite", "salesglass-users.json.sessions.sqlite-journal"):
        (site / live).write_text("session ids: bearer tokens, some revoked after the backup")
    wh = connect(cfg.warehouse_path)
    wh.execute("CREATE TABLE deals AS SELECT range AS deal_id FROM range(1000)")
    wh.close()
    bonus = connect(cfg.bonus_state_path)
    bonus.execute("CREATE TABLE actions (n INTEGER); CREATE TABLE audit (n INTEGER)")
    bonus.close()
    ctx = multiprocessing.get_context("fork")
    started = ctx.Event()
    writer = ctx.Process(target=_approve_for_ever, args=(cfg.bonus_state_path, started), daemon=True)
    writer.start()
    try:
        assert started.wait(30)
        from salesglass.refresh.backup import backup

        summary = backup(cfg, tmp_path / "backup", progress=lambda _line: None)
        time.sleep(0.2)
        assert writer.is_alive()  # the writer went on after the backup (it waited, never failed)
    finally:
        writer.kill()
        writer.join()

    restored = tmp_path / "restored"
    (tmp_path / "backup").rename(restored)  # restoring is putting the folder in place
    names = {str(p.relative_to(restored)) for p in restored.rglob("*") if p.is_file()}
    # no sessions: restoring must not bring back one ended since (everyone logs in again)
    assert names == {"salesglass.toml", "secrets/amocrm-token.json", "wh.duckdb", "salesglass-bonus.duckdb"}
    assert summary.databases == ["salesglass-bonus.duckdb", "wh.duckdb"]
    assert stat.S_IMODE((restored / "secrets" / "amocrm-token.json").stat().st_mode) == 0o600
    again = make_config(restored)
    con = connect(again.bonus_state_path)
    try:  # every action with its audit row: no transaction half in the copy; and the copy takes writes
        actions, audit = (
            sorted(r[0] for r in con.execute(f"SELECT n FROM {t}").fetchall()) for t in ("actions", "audit")
        )
        assert actions == audit == list(range(len(actions))) and len(actions) >= 5
        con.execute("INSERT INTO actions VALUES (-1)")
    finally:
        con.close()
    con = connect(again.warehouse_path, read_only=True)
    assert con.execute("SELECT count(*) FROM deals").fetchone() == (1000,)
    con.close()


def test_a_refresh_during_a_backup_is_skipped_saying_a_backup_runs(tmp_path):
    from salesglass.refresh.lock import LockBusy, RefreshLock, lock_path_for
    from salesglass.refresh.runner import run_refresh

    cfg = make_config(tmp_path)
    holder = RefreshLock(lock_path_for(cfg.warehouse_path), label="backup").acquire()  # what `backup` holds
    try:
        with pytest.raises(LockBusy, match=r"^a backup is running \(pid \d+"):
            run_refresh(cfg, [])
    finally:
        holder.release()
