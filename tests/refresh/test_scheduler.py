"""The background scheduler runs refreshes in worker processes without blocking its caller."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from salesglass.refresh.runner import Step
from salesglass.refresh.scheduler import next_at, start_background_refresh
from salesglass.runs import read_runs, runs_path_for
from tests.refresh.conftest import make_config
from tests.refresh.steps import build_step, published_label


def _wait(predicate, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_nightly_time_is_taken_in_the_account_time_zone():
    # 03:00 Moscow = 00:00 UTC
    after = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
    assert next_at("03:00", "Europe/Moscow", after) == datetime(2026, 3, 11, 0, 0, tzinfo=UTC)
    assert next_at("03:00", "Europe/Moscow", datetime(2026, 3, 9, 23, 59, tzinfo=UTC)) == datetime(
        2026, 3, 10, 0, 0, tzinfo=UTC
    )
    # weekly: the next Monday 08:00 Moscow after Tuesday 2026-03-10
    assert next_at("08:00", "Europe/Moscow", after, weekday=0) == datetime(2026, 3, 16, 5, 0, tzinfo=UTC)


def test_a_nightly_run_on_the_night_the_clocks_go_back_runs_once():
    """Berlin, 25 October 2026: 02:00–03:00 happens twice. The nightly at 02:30 (CEST, 00:30 UTC) ran for
    40 minutes and ended at 02:10 CET, in the repeated hour: the next one is tomorrow, not 02:30 CET again.
    (Compared as UTC instants: Python never calls a time of the repeated hour equal to one in another zone.)"""

    def utc(hhmm: str, after: datetime) -> datetime:
        return next_at(hhmm, "Europe/Berlin", after).astimezone(UTC)

    assert utc("02:30", datetime(2026, 10, 25, 1, 10, tzinfo=UTC)) == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)
    # planned before that night: the first 02:30
    assert utc("02:30", datetime(2026, 10, 24, 12, tzinfo=UTC)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    # the night the clocks go forward has no 02:30: the run is at 03:30 CEST, once
    assert utc("02:30", datetime(2026, 3, 28, 12, tzinfo=UTC)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # crossing midnight at a year's end: from 23:59 on 31 December, 00:05 is the next day's
    assert utc("00:05", datetime(2026, 12, 31, 22, 59, tzinfo=UTC)) == datetime(2026, 12, 31, 23, 5, tzinfo=UTC)


def test_background_refresh_runs_at_start_and_on_trigger_then_stops(tmp_path):
    cfg = make_config(tmp_path, refresh={"interval_minutes": 60, "nightly_at": ""})
    steps = [Step("build", build_step, {"label": "scheduled"})]
    started = time.monotonic()
    handle = start_background_refresh(cfg, steps)
    assert time.monotonic() - started < 1  # the caller (the web server) is not blocked
    try:
        assert _wait(lambda: handle.runs == 1)
        assert handle.last_result.ok and published_label(cfg.published_path) == "scheduled"
        handle.trigger(full=True)
        assert _wait(lambda: handle.runs == 2)
        runs = read_runs(runs_path_for(cfg.warehouse_path))
        assert [(r.trigger, r.full, r.ok) for r in runs] == [("manual", True, True), ("schedule", False, True)]
        # the next one is an interval after the last (or the account's midnight, when that comes sooner)
        assert handle.next_refresh > min(time.time() + 50 * 60, handle._plan_refresh(time.time()) - 60)
    finally:
        handle.stop()
    assert not handle.alive


def test_stopping_the_scheduler_ends_a_running_worker_and_keeps_the_published_reports(tmp_path):
    from pathlib import Path

    cfg = make_config(tmp_path, refresh={"interval_minutes": 60, "nightly_at": ""})
    handle = start_background_refresh(cfg, [Step("build", build_step, {"label": "slow", "sleep_before_swap": 60})])
    marker = Path(str(cfg.published_path) + ".build-started")
    assert _wait(lambda: marker.exists())
    handle.stop()
    assert not handle.alive and handle.last_result is not None
    assert handle.last_result.error == "worker process killed by signal 15 during step build"
    assert not cfg.published_path.exists()  # the unfinished build was never swapped in


def test_nightly_run_and_digest_are_planned_in_the_accounts_own_zone(tmp_path):
    """No zone key: the nightly 03:00 and the Monday digest at 08:00 are the amoCRM account's (Novosibirsk,
    UTC+7) wall time, i.e. 20:00 and Monday 01:00 UTC; with `[account] timezone` set, that zone's."""
    from salesglass.refresh.scheduler import BackgroundRefresh
    from salesglass.sources.amocrm import store
    from salesglass.warehouse import connect

    cfg = make_config(
        tmp_path,
        refresh={"nightly_at": "03:00"},
        digest={"enabled": True, "smtp_host": "localhost", "from": "reports@example.ru", "at": "08:00"},
    )
    con = connect(cfg.warehouse_path)
    store.init_raw(con)
    store.replace_all(
        con, "raw_amocrm_account", [{"id": 1, "_embedded": {"datetime_settings": {"timezone": "Asia/Novosibirsk"}}}]
    )
    con.close()
    planner = BackgroundRefresh(cfg, [], run_at_start=False, digest=lambda _cfg: None)
    assert (planner.zone.name, planner.zone.source) == ("Asia/Novosibirsk", "amocrm")
    nightly = datetime.fromtimestamp(planner.next_nightly, UTC)
    assert (nightly.hour, nightly.minute) == (20, 0)  # 03:00 in Novosibirsk
    digest = datetime.fromtimestamp(planner.next_digest, UTC)
    assert (digest.weekday(), digest.hour) == (0, 1)  # Monday 08:00 in Novosibirsk = Monday 01:00 UTC
    explicit = make_config(tmp_path, refresh={"nightly_at": "03:00"}, account={"timezone": "Europe/Moscow"})
    nightly = datetime.fromtimestamp(BackgroundRefresh(explicit, [], run_at_start=False).next_nightly, UTC)
    assert (nightly.hour, nightly.minute) == (0, 0)  # 03:00 in Moscow


def test_a_long_interval_still_refreshes_just_after_the_accounts_midnight(tmp_path):
    """With a refresh once a day and no nightly run, Monday's first refresh would come whenever the interval
    ends; the new day's reports (days elapsed, forecast, "as of") come just after midnight in the account's
    zone instead: Novosibirsk (UTC+7, no summer time), so 17:00 UTC."""
    from datetime import timedelta

    from salesglass.refresh.scheduler import BackgroundRefresh

    cfg = make_config(
        tmp_path, refresh={"interval_minutes": 24 * 60, "nightly_at": ""}, account={"timezone": "Asia/Novosibirsk"}
    )
    now = datetime.now(UTC)
    midnight = now.replace(hour=17, minute=0, second=0, microsecond=0)
    midnight += timedelta(days=1) if midnight <= now else timedelta()
    planner = BackgroundRefresh(cfg, [], run_at_start=False)
    assert abs(planner.next_refresh - (midnight.timestamp() + 1)) < 1
    short = make_config(tmp_path, refresh={"interval_minutes": 15, "nightly_at": ""})
    later = time.time() + 15 * 60
    assert BackgroundRefresh(short, [], run_at_start=False).next_refresh <= later + 1  # the interval, when sooner


def test_the_digest_state_survives_a_kill_in_the_middle_of_its_write(tmp_path):
    """The state file says which week's digest went out. A process killed while writing it (here: by the
    kernel, SIGXFSZ at its 10th byte) left it cut short, read as "never sent": the digest went out again."""
    import json
    import signal
    import subprocess
    import sys

    warehouse = tmp_path / "wh.duckdb"
    state = tmp_path / "wh.duckdb.digest-state.json"
    state.write_text(json.dumps({"week": "2026-W49", "at": 0}))
    child = f"""
import resource, signal
from pathlib import Path
from salesglass.refresh.scheduler import _DigestState
signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # Python ignores it: a write past the limit kills, as a kill -9 would
resource.setrlimit(resource.RLIMIT_FSIZE, (10, 10))
_DigestState(Path({str(warehouse)!r})).mark("2026-W50")
"""
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, timeout=60)
    assert done.returncode == -signal.SIGXFSZ, done.stderr
    from salesglass.refresh.scheduler import _DigestState

    assert _DigestState(warehouse).sent_for() == "2026-W49"  # the file before the write, whole
    _DigestState(warehouse).mark("2026-W50")  # the next write: in place, the dead writer's leftover gone
    assert _DigestState(warehouse).sent_for() == "2026-W50"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wh.duckdb.digest-state.json"]
