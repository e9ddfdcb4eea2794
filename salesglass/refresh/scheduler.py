"""When refreshes happen: every N minutes, a full reconciliation nightly, the digest weekly.

`start_background_refresh(cfg, steps)` is what `salesglass serve` calls: a daemon thread that sleeps
until the next thing is due and then runs it — refreshes in a worker process (runner.WorkerRun), so
the web process never holds DuckDB's write lock. The next incremental refresh is planned from the end
of the previous one, so a slow refresh never piles up runs behind it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from salesglass.account_zone import AccountZone, resolve_zone
from salesglass.processes import replace_whole
from salesglass.refresh.config import parse_hhmm
from salesglass.refresh.runner import RunResult, Step, WorkerRun, default_steps

log = logging.getLogger("salesglass.refresh")


def next_at(hhmm: str, tz: str, after: datetime, weekday: int | None = None) -> datetime:
    """The first moment strictly after `after` that is `hhmm` (on `weekday`, 0 = Monday) in time zone `tz`."""
    zone = ZoneInfo(tz)
    local = after.astimezone(zone)
    t = parse_hhmm(hhmm)
    # fold=0: on the night the clocks go back, a time of the repeated hour means its first occurrence (a
    # nightly run ending in the second pass must not run again); compared as instants, not wall times
    candidate = local.replace(hour=t.hour, minute=t.minute, second=0, microsecond=0, fold=0)
    for _ in range(8):
        if candidate.timestamp() > after.timestamp() and (weekday is None or candidate.weekday() == weekday):
            return candidate
        candidate = (candidate + timedelta(days=1)).replace(hour=t.hour, minute=t.minute, fold=0)
    raise AssertionError("unreachable: a matching day exists within a week")


def _week_key(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


class BackgroundRefresh:
    """The handle `start_background_refresh` returns: stop it, trigger a run, read the last result."""

    def __init__(
        self,
        cfg: Any,
        steps: Sequence[Step] | None = None,
        *,
        run_at_start: bool = True,
        digest: Callable[[Any], Any] | None = None,
        interval_seconds: float | None = None,
    ) -> None:
        self.cfg = cfg
        self.interval_seconds = interval_seconds  # overrides [refresh] interval_minutes (benchmarks)
        self.steps = list(steps) if steps is not None else default_steps(cfg)
        if digest is None and getattr(getattr(cfg, "digest", None), "enabled", False):
            from salesglass.outputs.digest import send_digests

            digest = send_digests
        self.digest = digest
        self.last_result: RunResult | None = None
        self.runs = 0
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._requested: bool | None = None  # None: nothing requested; else: full?
        self._worker: WorkerRun | None = None
        self._lock = threading.Lock()
        now = time.time()
        self.next_refresh = now if run_at_start else self._plan_refresh(now)
        self.next_nightly = self._plan_nightly(now)
        self.next_digest = self._plan_digest(now)
        self._thread = threading.Thread(target=self._loop, name="salesglass-scheduler", daemon=True)

    @property
    def _interval(self) -> float:
        return self.interval_seconds or self.cfg.refresh.interval_minutes * 60.0

    @property
    def zone(self) -> AccountZone:
        """The account zone the nightly run and the digest are planned in (resolved afresh each time:
        the first sync may only now have told us the account's own setting)."""
        return resolve_zone(self.cfg)

    def _tz(self) -> str:
        return self.zone.name

    def _plan_refresh(self, now: float) -> float:
        """An interval after `now`, or just after the account's next midnight when that comes first: a new day
        changes the reports with no new data (days elapsed, run-rate, forecast, "as of"), and the first refresh
        of the day rebuilds them (build_step.py), so a long interval never leaves yesterday's on the screen."""
        midnight = next_at("00:00", self._tz(), datetime.fromtimestamp(now).astimezone()).timestamp()
        return min(now + self._interval, midnight + 1.0)

    def _plan_nightly(self, now: float) -> float | None:
        at = self.cfg.refresh.nightly_at
        return next_at(at, self._tz(), datetime.fromtimestamp(now).astimezone()).timestamp() if at else None

    def _plan_digest(self, now: float) -> float | None:
        d = getattr(self.cfg, "digest", None)
        if self.digest is None or d is None or not d.enabled:
            return None
        return next_at(d.at, self._tz(), datetime.fromtimestamp(now).astimezone(), d.weekday_index).timestamp()

    def start(self) -> BackgroundRefresh:
        self._thread.start()
        return self

    def trigger(self, *, full: bool = False) -> None:
        """Run a refresh as soon as the current one (if any) ends."""
        with self._lock:
            self._requested = full or bool(self._requested)
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop scheduling; a running worker is terminated (its unfinished build is never published)."""
        self._stopping.set()
        self._wake.set()
        with self._lock:
            worker = self._worker
        if worker is not None:
            worker.terminate()
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _due(self) -> float:
        times = [t for t in (self.next_refresh, self.next_nightly, self.next_digest) if t is not None]
        return min(times)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                requested = self._requested
            wait = 0.0 if requested is not None else max(0.0, self._due() - time.time())
            if wait > 0 and self._wake.wait(wait):
                self._wake.clear()
                continue  # woken: re-evaluate (stop or trigger)
            if self._stopping.is_set():
                break
            now = time.time()
            if self.next_digest is not None and now >= self.next_digest:
                self._run_digest(now)
                continue
            nightly = self.next_nightly is not None and now >= self.next_nightly
            with self._lock:
                full = nightly or bool(self._requested)
                self._requested = None
            if nightly or requested is not None or now >= self.next_refresh:
                self._run_refresh(
                    full=full, trigger="nightly" if nightly else ("manual" if requested is not None else "schedule")
                )

    def _run_refresh(self, *, full: bool, trigger: str) -> None:
        try:
            worker = WorkerRun(self.cfg, self.steps, full=full, trigger=trigger)
            with self._lock:
                self._worker = worker
            result = worker.wait()
        except Exception as exc:  # the scheduler must outlive any one refresh
            log.exception("refresh could not start")
            result = RunResult(run_id="-", ok=False, error=str(exc))
        finally:
            with self._lock:
                self._worker = None
        self.last_result = result
        self.runs += 1
        if result is not None and not result.ok and not result.skipped:
            log.warning("refresh %s failed: %s", result.run_id, result.error)
        now = time.time()
        self.next_refresh = self._plan_refresh(now)
        if full and trigger == "nightly":
            self.next_nightly = self._plan_nightly(now)

    def _run_digest(self, now: float) -> None:
        state = _DigestState(self.cfg.warehouse_path)
        key = _week_key(datetime.fromtimestamp(now, ZoneInfo(self._tz())))
        try:
            if state.sent_for() != key:  # once a week, even across restarts
                assert self.digest is not None
                self.digest(self.cfg)
                state.mark(key)
        except Exception:
            log.exception("weekly digest failed")
        self.next_digest = self._plan_digest(now + 60)


class _DigestState:
    def __init__(self, warehouse_path: Path) -> None:
        self.path = warehouse_path.with_name(warehouse_path.name + ".digest-state.json")

    def sent_for(self) -> str | None:
        try:
            return json.loads(self.path.read_text()).get("week")
        except (OSError, ValueError):
            return None

    def mark(self, week: str) -> None:
        # whole or not at all: a half-written file reads as "never sent", and the week's digest would go again
        replace_whole(self.path, json.dumps({"week": week, "at": time.time()}))


def start_background_refresh(
    cfg: Any,
    steps: Sequence[Step] | None = None,
    *,
    run_at_start: bool = True,
    digest: Callable[[Any], Any] | None = None,
    interval_seconds: float | None = None,
) -> BackgroundRefresh:
    """Start the scheduler thread (refreshes in worker processes); `steps` default to `default_steps(cfg)`.

    The weekly digest (`digest`, default `salesglass.outputs.digest.send_digests`) runs at `[digest]
    weekday`/`at` when `[digest] enabled`, once per ISO week even across restarts.
    """
    return BackgroundRefresh(
        cfg, steps, run_at_start=run_at_start, digest=digest, interval_seconds=interval_seconds
    ).start()
