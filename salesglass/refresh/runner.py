"""One refresh: the ordered steps (sync, load, link, build), under the lock, in a worker process.

A step is a name plus a callable taking the config (given as `"module:function"` so it is imported
lazily, in the worker, and pickles trivially). Steps run in order and the run stops at the first
failure: the report builder publishes by swapping a finished file in, so a refresh that fails, or a
worker killed mid-way, leaves the last good reports published. Every step's start, end and error go
to the journal (`salesglass/runs.py`) for the data-quality page.

Why a worker process: DuckDB allows one writing process per file, and sync/load/build are heavy;
the web process stays responsive and only ever opens the published file read-only.
"""

from __future__ import annotations

import importlib
import multiprocessing
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from salesglass.refresh.lock import LockBusy, RefreshLock, lock_path_for
from salesglass.runs import Journal, describe_error, read_runs, runs_path_for

EXIT_OK, EXIT_FAILED, EXIT_BUSY = 0, 1, 3


@dataclass
class Step:
    """One named step; `target` is `"package.module:function"` or a picklable callable `f(cfg, **kwargs)`."""

    name: str
    target: str | Callable[..., Any]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    full_kwargs: Mapping[str, Any] | None = None  # arguments for the nightly full run (default: kwargs)

    def resolve(self) -> Callable[..., Any]:
        if callable(self.target):
            return self.target
        module_name, _, attr = self.target.partition(":")
        try:
            module = importlib.import_module(module_name)
            return getattr(module, attr)
        except (ImportError, AttributeError) as exc:
            raise RuntimeError(
                f"step {self.name!r}: cannot import {self.target} ({exc}); is that part of salesglass installed?"
            ) from exc

    def run(self, cfg: Any, *, full: bool = False) -> Any:
        args = self.full_kwargs if full and self.full_kwargs is not None else self.kwargs
        return self.resolve()(cfg, **dict(args))


def default_steps(cfg: Any) -> list[Step]:
    """The production refresh: incremental (or, nightly, full) sync, platform load, link, build, write-back."""
    quiet = {"progress": False}  # the worker has no terminal to draw progress bars on
    steps: list[Step] = []
    if getattr(cfg, "names_amocrm", True):  # a back-office set up first (no [amocrm] yet) skips amoCRM
        steps.append(
            Step(
                "amocrm_sync",
                "salesglass.sources.amocrm.sync:run_sync",
                {"full": False, **quiet},
                {"full": True, **quiet},
            )
        )
    steps += [
        Step(
            "platform_load",
            "salesglass.refresh.compaction:load_platform",
            {"full": False, **quiet},
            {"full": True, **quiet},
        ),
        # incremental (only deals whose evidence changed); the nightly full run relinks every deal
        Step("link", "salesglass.link.run:run_link", {}, {"full": True}),
        # skipped (and said so) when nothing the reports are built from changed since the last build
        # only the steps whose inputs changed; the nightly full run rebuilds every step
        Step(
            "build",
            "salesglass.refresh.build_step:build_if_changed",
            _build_kwargs(cfg),
            {**_build_kwargs(cfg), "full": True},
        ),
    ]
    writeback = getattr(cfg, "writeback", None)
    if writeback is not None and writeback.enabled:
        # after the build: a failed write-back must not keep fresh reports from being published
        steps.append(Step("writeback", "salesglass.refresh.writeback:run_writeback"))
    return steps


def _build_kwargs(cfg: Any) -> dict[str, Any]:
    """The report build without progress bars, as of `[refresh] reports_as_of` when that is set (else today)."""
    as_of = getattr(getattr(cfg, "refresh", None), "reports_as_of", None)
    return {"progress": False, **({"as_of": as_of} if as_of is not None else {})}


def targeted_steps(lead_ids: Sequence[int], cfg: Any = None) -> list[Step]:
    """A webhook's refresh: re-fetch just these leads from the API, then re-link and rebuild."""
    return [
        Step("amocrm_refetch", "salesglass.sources.amocrm.sync:refetch_leads", {"lead_ids": list(lead_ids)}),
        Step("link", "salesglass.link.run:run_link"),
        Step("build", "salesglass.refresh.build_step:build_if_changed", _build_kwargs(cfg)),
    ]


@dataclass
class RunResult:
    run_id: str
    ok: bool
    skipped: bool = False
    error: str | None = None
    failed_step: str | None = None
    steps_done: list[str] = field(default_factory=list)
    changed: bool | None = None  # False: no step found anything new (and nothing was rebuilt)
    notes: list[str] = field(default_factory=list)  # what the steps said, e.g. "nothing rebuilt"


def step_outcome(value: Any) -> dict[str, Any]:
    """What a step's return value says for the run log: `changed` (did it change any data or publish
    anything?) and a `note`, when the value has them (summaries of sync, load, link, the build step)."""
    out: dict[str, Any] = {}
    changed = getattr(value, "changed", None)
    if isinstance(changed, bool):
        out["changed"] = changed
    note = getattr(value, "note", None)
    if isinstance(note, str) and note:
        out["note"] = note
    return out


def _lock_for(cfg: Any) -> RefreshLock:
    return RefreshLock(lock_path_for(cfg.warehouse_path), stale_after=cfg.refresh.stale_lock_minutes * 60.0)


def run_refresh(
    cfg: Any, steps: Sequence[Step], *, full: bool = False, trigger: str = "manual", run_id: str | None = None
) -> RunResult:
    """Run the steps here, in this process, under the lock; raises LockBusy when another refresh runs."""
    run_id = run_id or new_run_id()
    journal = Journal(runs_path_for(cfg.warehouse_path))
    try:
        lock = _lock_for(cfg).acquire()
    except LockBusy as busy:
        journal.append("run_skipped", run_id, ok=False, trigger=trigger, error=str(busy))
        raise
    watchdog = _watchdog(cfg, journal, run_id, trigger)
    try:
        if lock.took_over is not None:
            _close_dead_runs(journal, lock.took_over)
        journal.remove_dead_temps()
        journal.append(
            "run_started", run_id, trigger=trigger, full=full, took_over_stale_lock=lock.took_over is not None
        )
        done: list[str] = []
        outcomes: list[dict[str, Any]] = []
        preloading = False
        for step in steps:
            journal.append("step_started", run_id, step=step.name)
            started, cpu = time.time(), time.process_time()
            try:
                value = step.run(cfg, full=full)
            except Exception as exc:
                error = describe_error(exc)
                journal.append(
                    "step_finished", run_id, step=step.name, started=started, cpu=_since(cpu), ok=False, error=error
                )
                journal.append(
                    "run_finished", run_id, ok=False, trigger=trigger, error=f"step {step.name} failed: {error}"
                )
                return RunResult(run_id, ok=False, error=error, failed_step=step.name, steps_done=done)
            except KeyboardInterrupt:  # Ctrl-C: closed in the run log, not "running" for ever (the lock is released)
                error = "interrupted (Ctrl-C)"
                journal.append(
                    "step_finished", run_id, step=step.name, started=started, cpu=_since(cpu), ok=False, error=error
                )
                journal.append("run_finished", run_id, ok=False, trigger=trigger, error=f"{error} during {step.name}")
                raise
            outcome = step_outcome(value)
            outcomes.append(outcome)
            if outcome.get("changed") and not preloading:
                preloading = _preload(steps[len(done) + 1 :])
            journal.append(
                "step_finished", run_id, step=step.name, started=started, cpu=_since(cpu), ok=True, **outcome
            )
            done.append(step.name)
        said = [o["changed"] for o in outcomes if "changed" in o]
        changed = any(said) if said else None
        notes = [o["note"] for o in outcomes if "note" in o]
        if changed is False:
            notes.append("no change found anywhere")
        journal.append("run_finished", run_id, ok=True, trigger=trigger, changed=changed, notes=notes)
        return RunResult(run_id, ok=True, steps_done=done, changed=changed, notes=notes)
    finally:
        if watchdog is not None:
            watchdog.cancel()
        lock.release()


def _watchdog(cfg: Any, journal: Journal, run_id: str, trigger: str) -> Any:
    """Stop this process when the run outlives `[refresh] max_run_minutes`.

    A step that hangs (a database or network read that never returns) would otherwise hold the lock for
    ever: its heartbeat thread keeps beating, so no later refresh may take it over and the reports stop
    being refreshed until someone kills it. The run's end is written first, then the process kills itself
    (SIGKILL: the state a killed refresh leaves is one the next refresh recovers from by itself)."""
    import os
    import signal
    import threading

    minutes = getattr(getattr(cfg, "refresh", None), "max_run_minutes", 0) or 0
    if minutes <= 0:
        return None

    def stop() -> None:
        record = next((r for r in read_runs(journal.path, limit=5) if r.run_id == run_id), None)
        step = next((s.step for s in (record.steps if record else []) if s.ok is None), None)
        journal.append(
            "run_finished",
            run_id,
            ok=False,
            trigger=trigger,
            error=f"stopped after {minutes:g} minutes ([refresh] max_run_minutes)"
            + (f": step {step} never finished (hung?)" if step else ""),
        )
        os.kill(os.getpid(), signal.SIGKILL)

    timer = threading.Timer(minutes * 60.0, stop)
    timer.daemon = True
    timer.name = "salesglass-refresh-watchdog"
    timer.start()
    return timer


def _close_dead_runs(journal: Journal, holder: Mapping[str, Any]) -> None:
    """End, in the journal, the run of a stale lock's holder: a `refresh --once` killed (kill -9, out of
    memory, a reboot) wrote no end, and would otherwise show as "running" on the data-quality page for
    ever. A worker's parent writes that end itself (`WorkerRun.wait`) when it is still there to see it."""
    pid = holder.get("pid")
    if not isinstance(pid, int):
        return
    for run in read_runs(journal.path, limit=20):
        if run.ok is not None or run.pid != pid:
            continue
        running = next((s.step for s in run.steps if s.ok is None), None)
        journal.append(
            "run_finished",
            run.run_id,
            ok=False,
            trigger=run.trigger,
            error=f"the refresh process (pid {pid}) ended without finishing"
            + (f" during step {running}" if running else "")
            + ": killed or crashed; the next refresh took its lock over",
        )


def _since(cpu: float) -> float:
    """CPU seconds of this process (every thread: DuckDB's too) since `cpu` (time.process_time())."""
    return round(time.process_time() - cpu, 3)


def _preload(steps: Sequence[Step]) -> bool:
    """Import the modules of the steps still to come in a background thread, once a step changed data.

    The report build's imports (Ibis, the reports) take over a second of CPU; imported while the load
    and link run (DuckDB, which leaves Python's lock free most of the time), the build starts at once.
    A run that finds nothing new never gets here, so it never pays for them. Python's import lock makes
    a step that needs a module meanwhile wait for the thread instead of importing it twice.
    """
    import threading

    modules = [s.target.partition(":")[0] for s in steps if isinstance(s.target, str)]
    if "salesglass.refresh.build_step" in modules:
        modules.append("salesglass.reports.build")  # what the build step imports once it builds

    def load() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # the step itself reports a module that does not import
                return

    threading.Thread(target=load, name="salesglass-preload", daemon=True).start()
    return True


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)


def _worker_main(cfg: Any, steps: Sequence[Step], full: bool, trigger: str, run_id: str) -> None:
    """Entry point of the worker process (module level, so the spawn start method can import it)."""
    import sys

    try:
        result = run_refresh(cfg, steps, full=full, trigger=trigger, run_id=run_id)
    except LockBusy:
        sys.exit(EXIT_BUSY)
    sys.exit(EXIT_OK if result.ok else EXIT_FAILED)


# what every worker imports anyway: the fork server imports them once, so a worker starts with them loaded
WORKER_MODULES = (
    "salesglass.config",
    "salesglass.refresh.runner",
    "salesglass.refresh.build_step",
    "salesglass.sources.amocrm.sync",
    "salesglass.link.run",
    "salesglass.reports.build",
)


def _worker_context() -> Any:
    """Workers are forked from multiprocessing's fork server: a clean, single-threaded process started once
    (never a fork of the web process and its threads) that has imported the steps' modules, so a webhook's
    worker starts in milliseconds instead of paying a new interpreter and ~1–2 s of imports. Where there
    is no fork server (not Linux/macOS), a fresh interpreter per worker (spawn)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(WORKER_MODULES))
    return ctx


def warm_workers() -> None:
    """Start the fork server now, in the background (the web process calls it when webhooks are on), so
    that the first webhook's worker does not wait for it."""
    import threading

    def start() -> None:
        ctx = _worker_context()
        if ctx.get_start_method() == "forkserver":
            from multiprocessing import forkserver

            try:
                forkserver.ensure_running()
            except Exception:  # the first worker starts it (and says why it cannot)
                return

    threading.Thread(target=start, name="salesglass-worker-server", daemon=True).start()


class WorkerRun:
    """A refresh running in its own process (forked from the fork server, not from the web process: the
    parent may run threads)."""

    def __init__(self, cfg: Any, steps: Sequence[Step], *, full: bool = False, trigger: str = "schedule") -> None:
        self.cfg, self.run_id, self.trigger = cfg, new_run_id(), trigger
        ctx = _worker_context()
        self.process = ctx.Process(
            target=_worker_main,
            args=(cfg, list(steps), full, trigger, self.run_id),
            name=f"salesglass-refresh-{self.run_id}",
            daemon=False,
        )
        self.process.start()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def terminate(self) -> None:
        if self.process.is_alive():
            self.process.terminate()

    def wait(self, timeout: float | None = None) -> RunResult | None:
        """The run's result once the worker ended (None if still running after `timeout`)."""
        self.process.join(timeout)
        if self.process.exitcode is None:
            return None
        journal_path = runs_path_for(self.cfg.warehouse_path)
        record = next((r for r in read_runs(journal_path, limit=10_000) if r.run_id == self.run_id), None)
        if self.process.exitcode == EXIT_BUSY:
            return RunResult(self.run_id, ok=False, skipped=True, error=record.error if record else "lock busy")
        if record is not None and record.ok is not None:
            failed = next((s.step for s in record.steps if s.ok is False), None)
            done = [s.step for s in record.steps if s.ok]
            return RunResult(
                self.run_id,
                ok=record.ok,
                error=record.error,
                failed_step=failed,
                steps_done=done,
                changed=record.changed,
                notes=list(record.notes),
            )
        # the worker died without writing its end (killed, out of memory, crashed interpreter)
        code = self.process.exitcode
        how = f"killed by signal {-code}" if code < 0 else f"exited with code {code}"
        running = next((s.step for s in (record.steps if record else []) if s.ok is None), None)
        error = f"worker process {how}" + (f" during step {running}" if running else "")
        Journal(journal_path).append("run_finished", self.run_id, ok=False, trigger=self.trigger, error=error)
        return RunResult(
            self.run_id,
            ok=False,
            error=error,
            failed_step=running,
            steps_done=[s.step for s in (record.steps if record else []) if s.ok],
        )


def run_in_worker(cfg: Any, steps: Sequence[Step], *, full: bool = False, trigger: str = "schedule") -> RunResult:
    """Run one refresh in a worker process and wait for it."""
    result = WorkerRun(cfg, steps, full=full, trigger=trigger).wait()
    assert result is not None
    return result


def refetch_in_worker(cfg: Any, lead_ids: Sequence[int]) -> None:
    """The webhook queue's `refetch` for production: targeted steps in a worker; LockBusy → try later."""
    result = run_in_worker(cfg, targeted_steps(lead_ids, cfg), trigger="webhook")
    if result.skipped:
        raise LockBusy({"pid": None, "host": None})
    if not result.ok:
        raise RuntimeError(f"targeted refresh failed: {result.error}")
