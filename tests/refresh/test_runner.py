"""A refresh runs its steps in a worker process; failures are recorded and never unpublish good reports."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from salesglass.refresh.lock import lock_path_for, read_holder
from salesglass.refresh.runner import Step, WorkerRun, run_in_worker, run_refresh
from salesglass.runs import read_runs, runs_path_for
from salesglass.warehouse import connect
from tests.refresh.steps import build_step, failing_step, published_label, sync_step


def _steps(label: str, **build_kwargs) -> list[Step]:
    return [
        Step("amocrm_sync", sync_step, {"full": False}, {"full": True}),
        Step("build", build_step, {"label": label, **build_kwargs}),
    ]


def test_steps_run_in_order_in_a_worker_process(cfg):
    result = run_in_worker(cfg, _steps("first"), full=True, trigger="nightly")
    assert result.ok and result.steps_done == ["amocrm_sync", "build"]
    assert published_label(cfg.published_path) == "first"
    con = connect(cfg.warehouse_path, read_only=True)
    assert con.execute("SELECT label, full_run FROM sync_log").fetchall() == [("incremental", True)]
    con.close()
    [run] = read_runs(runs_path_for(cfg.warehouse_path))
    assert (run.ok, run.full, run.trigger) == (True, True, "nightly")
    assert [(s.step, s.ok) for s in run.steps] == [("amocrm_sync", True), ("build", True)]
    assert not lock_path_for(cfg.warehouse_path).exists()


def test_a_failing_step_is_recorded_and_the_published_reports_stay(cfg):
    assert run_refresh(cfg, _steps("good")).ok
    before = Path(cfg.published_path).read_bytes()
    steps = [Step("amocrm_sync", failing_step), Step("build", build_step, {"label": "bad"})]
    result = run_in_worker(cfg, steps)
    assert not result.ok and result.failed_step == "amocrm_sync"
    assert Path(cfg.published_path).read_bytes() == before
    assert published_label(cfg.published_path) == "good"
    last = read_runs(runs_path_for(cfg.warehouse_path))[0]
    assert last.ok is False
    assert [(s.step, s.ok) for s in last.steps] == [("amocrm_sync", False)]  # build never started
    assert last.steps[0].error == "ValueError: amoCRM answered 403 Forbidden (account blocked)"
    assert "step amocrm_sync failed" in last.error


def test_a_worker_killed_mid_way_leaves_the_published_file_and_the_next_refresh_completes(cfg):
    assert run_refresh(cfg, _steps("good")).ok
    before = Path(cfg.published_path).read_bytes()
    worker = WorkerRun(cfg, _steps("never", sleep_before_swap=60))
    marker = Path(str(cfg.published_path) + ".build-started")
    deadline = time.time() + 30
    while not marker.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the slow build never started"
    assert read_holder(lock_path_for(cfg.warehouse_path))["pid"] == worker.pid  # the worker holds the lock
    os.kill(worker.pid, signal.SIGKILL)
    result = worker.wait(timeout=30)
    assert not result.ok and result.error == "worker process killed by signal 9 during step build"
    assert Path(cfg.published_path).read_bytes() == before
    assert lock_path_for(cfg.warehouse_path).exists()  # left behind by the killed worker

    again = run_in_worker(cfg, _steps("after the crash"))
    assert again.ok
    assert published_label(cfg.published_path) == "after the crash"
    runs = read_runs(runs_path_for(cfg.warehouse_path))
    assert [r.ok for r in runs] == [True, False, True]
    assert runs[1].error == "worker process killed by signal 9 during step build"
