"""One refresh at a time; a lock left by a dead or hung holder is taken over, a live one blocks."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from salesglass.refresh.lock import LockBusy, RefreshLock, read_holder
from salesglass.refresh.runner import Step, run_refresh
from salesglass.runs import read_runs, runs_path_for
from tests.refresh.live_stack import wait_for
from tests.refresh.steps import build_step, published_label


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _write_lock(path, pid, heartbeat, host=None):
    path.write_text(
        json.dumps(
            {
                "pid": pid,
                "host": host or socket.gethostname(),
                "token": "old",
                "started": heartbeat,
                "heartbeat": heartbeat,
            }
        )
    )


def test_lock_of_a_dead_process_is_taken_over(tmp_path):
    path = tmp_path / "wh.duckdb.refresh.lock"
    _write_lock(path, _dead_pid(), time.time())
    with RefreshLock(path) as lock:
        assert lock.took_over["token"] == "old"
        assert read_holder(path)["pid"] == os.getpid()
    assert not path.exists()


def test_lock_with_an_old_heartbeat_is_taken_over_even_from_another_host(tmp_path):
    path = tmp_path / "x.lock"
    _write_lock(path, 1, time.time() - 3600, host="other-host")
    with RefreshLock(path, stale_after=600) as lock:
        assert lock.took_over["host"] == "other-host"


def test_a_live_lock_on_another_host_blocks(tmp_path):
    path = tmp_path / "x.lock"
    _write_lock(path, 1, time.time(), host="other-host")
    with pytest.raises(LockBusy, match="pid 1 on other-host"):
        RefreshLock(path).acquire()
    assert read_holder(path)["token"] == "old"


def test_heartbeat_keeps_a_long_refresh_fresh(tmp_path):
    path = tmp_path / "x.lock"
    lock = RefreshLock(path, heartbeat_seconds=0.05).acquire()
    first = read_holder(path)["heartbeat"]
    # a heartbeat every 50 ms: wait until one came (at most 30 s), not a fixed 0.3 s a busy machine may overrun
    assert wait_for(lambda: read_holder(path)["heartbeat"] > first, 30, every=0.02)
    lock.release()
    assert not path.exists()


def test_a_live_refresh_blocks_a_second_one(cfg):
    code = (
        "import sys, time; from pathlib import Path; from salesglass.refresh.lock import RefreshLock\n"
        "lock = RefreshLock(Path(sys.argv[1])).acquire(); print('held', flush=True); time.sleep(60)"
    )
    lock_path = cfg.warehouse_path.with_name("wh.duckdb.refresh.lock")
    holder = subprocess.Popen([sys.executable, "-c", code, str(lock_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockBusy, match=f"pid {holder.pid}"):
            run_refresh(cfg, [Step("build", build_step)])
        assert not cfg.published_path.exists()  # nothing ran
        [run] = read_runs(runs_path_for(cfg.warehouse_path))
        assert run.skipped and "another refresh is running" in run.error
    finally:
        holder.kill()
        holder.wait()
    # the holder died without releasing: the next refresh takes the stale lock over and runs
    result = run_refresh(cfg, [Step("build", build_step, {"label": "after"})])
    assert result.ok
    assert published_label(cfg.published_path) == "after"


def test_lock_whose_pid_was_reused_by_a_newer_process_is_taken_over(tmp_path):
    """The holder was killed (or the machine rebooted) and its pid now belongs to a process started
    after the lock was taken: the lock is stale at once, not after stale_lock_minutes."""
    path = tmp_path / "x.lock"
    newcomer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        time.sleep(0.1)
        _write_lock(path, newcomer.pid, time.time())
        data = json.loads(path.read_text())
        data["started"] = time.time() - 120  # the lock was taken two minutes ago, before the newcomer started
        path.write_text(json.dumps(data))
        with RefreshLock(path, stale_after=600) as lock:
            assert lock.took_over["pid"] == newcomer.pid
    finally:
        newcomer.kill()
        newcomer.wait()
