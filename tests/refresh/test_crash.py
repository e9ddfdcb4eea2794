"""A refresh killed outright (kill -9, out of memory, a reboot): the next run recovers by itself, and the run
log and the disk show no trace of the crash but an honest line.

The kills are real: the process SIGKILLs itself at a named point of a real step.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

from salesglass.refresh.runner import Step, run_refresh
from salesglass.reports.publish import building
from salesglass.runs import read_runs, runs_path_for
from tests.refresh.steps import published_label


def _killed_build(cfg) -> None:
    """A report build that gets SIGKILLed half-way through writing its new file."""
    with building(Path(cfg.published_path)) as (_tmp, out, _seeded):
        out.raw_sql("CREATE TABLE build_info AS SELECT 'never' AS label")
        os.kill(os.getpid(), signal.SIGKILL)


def _synced(cfg) -> None:
    """A sync step that finds nothing new."""


def _refresh_once(cfg) -> None:
    """`salesglass refresh --once`: the steps run in this very process (no worker parent to see it die)."""
    run_refresh(cfg, [Step("amocrm_sync", _synced), Step("build", _killed_build)])


def _in_a_process_killed_during_build(cfg) -> int:
    process = multiprocessing.get_context("fork").Process(target=_refresh_once, args=(cfg,))
    process.start()
    process.join(30)
    assert process.exitcode == -signal.SIGKILL
    return process.pid


def test_a_refresh_once_killed_during_the_build_is_closed_in_the_run_log_and_leaves_no_file_behind(cfg):
    published = Path(cfg.published_path)
    assert run_refresh(cfg, [Step("build", _real_build, {"label": "good"})]).ok
    pid = _in_a_process_killed_during_build(cfg)
    leftovers = sorted(p.name for p in published.parent.glob(".reports.duckdb.building-*"))
    assert leftovers and all(str(pid) in name for name in leftovers)  # the crash left its half-built file
    assert published_label(published) == "good"  # the dashboard keeps the last good file

    again = run_refresh(cfg, [Step("build", _real_build, {"label": "after the crash"})])

    assert again.ok and published_label(published) == "after the crash"
    assert list(published.parent.glob(".reports.duckdb.building-*")) == []  # no file left per crash
    runs = read_runs(runs_path_for(cfg.warehouse_path))
    assert [r.ok for r in runs] == [True, False, True]  # not "running" for ever
    assert runs[1].error == (
        f"the refresh process (pid {pid}) ended without finishing during step build: "
        "killed or crashed; the next refresh took its lock over"
    )


def _killed_build_that_spilled(cfg) -> None:
    """A build that outgrew its memory (DuckDB spilled to `<its file>.tmp/`) and was then SIGKILLed."""
    with building(Path(cfg.published_path)) as (tmp, out, _seeded):
        out.raw_sql("SET memory_limit = '30MB'; SET threads = 1; SET preserve_insertion_order = false")
        # a sorted result read row by row: DuckDB holds it, spilled, until it is read to the end
        out.raw_sql("SELECT md5(range::VARCHAR) AS h FROM range(1500000) ORDER BY h").fetchone()
        assert any(tmp.with_name(tmp.name + ".tmp").iterdir())
        os.kill(os.getpid(), signal.SIGKILL)


def test_the_spill_folder_of_a_killed_build_goes_at_the_next_build(cfg):
    """DuckDB spills a build too big for its memory to a folder beside the new file; a build killed then left
    the folder (as big as the spilled data) for good: the next build deletes it, as it deletes the file."""
    published = Path(cfg.published_path)
    process = multiprocessing.get_context("fork").Process(
        target=run_refresh, args=(cfg, [Step("build", _killed_build_that_spilled)])
    )
    process.start()
    process.join(60)
    assert process.exitcode == -signal.SIGKILL
    (left,) = published.parent.glob(".reports.duckdb.building-*")  # the build's own folder, the spill inside
    assert left.name.endswith(f"-{process.pid}") and any((left / "reports.duckdb.tmp").iterdir())

    _real_build(cfg, "after the crash")

    assert list(published.parent.glob(".reports.duckdb.building-*")) == []


def _real_build(cfg, label: str) -> None:
    with building(Path(cfg.published_path)) as (_tmp, out, _seeded):
        out.raw_sql(f"CREATE TABLE build_info AS SELECT '{label}' AS label")


def test_a_build_of_a_live_process_or_of_another_host_is_not_touched(cfg):
    published = Path(cfg.published_path)
    here = os.uname().nodename
    live = published.with_name(f".reports.duckdb.building-{here}-{os.getppid()}")  # a live process's build
    elsewhere = published.with_name(".reports.duckdb.building-another-host-999999")  # its pid means nothing here
    for other in (live, elsewhere):
        other.write_bytes(b"half a build")
    _real_build(cfg, "mine")
    assert live.read_bytes() == b"half a build" and elsewhere.read_bytes() == b"half a build"
    assert published_label(published) == "mine"


def _build_with_a_full_disk(cfg, errors) -> None:
    """A build seeded with a copy of the published file, on a disk with room for only part of the copy
    (a file-size limit: the kernel answers the write with EFBIG as it answers a full disk with ENOSPC)."""
    import resource

    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, resource.RLIM_INFINITY))
    published = Path(cfg.published_path)
    try:
        with building(published, seed=published) as (_tmp, out, _seeded):
            out.raw_sql("CREATE TABLE build_info AS SELECT 'never' AS label")
    except OSError as exc:
        errors.put(str(exc))


def test_a_build_that_fills_the_disk_leaves_the_published_file_and_no_half_copy(cfg):
    published = Path(cfg.published_path)
    with building(published) as (_tmp, out, _seeded):
        out.raw_sql("CREATE TABLE build_info AS SELECT 'good' AS label, range AS n FROM range(200000)")
    before = published.read_bytes()
    assert len(before) > 400_000
    ctx = multiprocessing.get_context("fork")
    errors = ctx.Queue()
    process = ctx.Process(target=_build_with_a_full_disk, args=(cfg, errors))
    process.start()
    process.join(30)
    assert "File too large" in errors.get(timeout=5)
    assert published.read_bytes() == before
    assert list(published.parent.glob(".reports.duckdb.building-*")) == []  # no half copy eating the disk


def test_the_copy_of_a_killed_compaction_goes_at_the_next_full_load_even_when_none_is_needed(tmp_path):
    """A compaction killed mid-copy leaves `<warehouse>.compacting` (as big as the live data); the next
    full load's check deletes it, also when the warehouse no longer needs compacting."""
    from salesglass.warehouse import compact_if_worthwhile, connect

    warehouse = tmp_path / "wh.duckdb"
    con = connect(warehouse)
    con.execute("CREATE TABLE deals AS SELECT range AS deal_id FROM range(1000)")
    con.close()
    killed = [tmp_path / "wh.duckdb.compacting", tmp_path / "wh.duckdb.compacting.wal"]
    for path in killed:
        path.write_bytes(b"half a copy")
    assert compact_if_worthwhile(warehouse, min_bytes=0) is None  # nothing free to compact
    assert [p for p in killed if p.exists()] == []


def test_refresh_status_does_not_call_a_killed_refresh_running(tmp_path):
    import json
    import subprocess
    import sys

    from typer.testing import CliRunner

    from salesglass.cli import app
    from salesglass.refresh.lock import lock_path_for

    (tmp_path / "salesglass.toml").write_text('[warehouse]\npath = "wh.duckdb"\n')
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock = lock_path_for(tmp_path / "wh.duckdb")
    lock.write_text(json.dumps({"pid": dead.pid, "host": os.uname().nodename, "started": 1.0, "heartbeat": 9e9}))
    out = CliRunner().invoke(app, ["refresh-status", "-c", str(tmp_path / "salesglass.toml")], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert "running now" not in out.output
    assert f"not running: the lock of pid {dead.pid}" in out.output


def test_the_csv_folder_of_a_killed_postgresql_publish_goes_at_the_next_publish(tmp_path):
    """`salesglass publish` writes every table as CSV into a temporary folder; killed mid-copy, the folder
    (all the published rows) stayed until a reboot. The next publish deletes those of dead processes."""
    import subprocess
    import sys

    from salesglass.outputs.publish import remove_dead_workdirs

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    killed = tmp_path / f"salesglass-publish-{dead.pid}-k3j2"
    running = tmp_path / f"salesglass-publish-{os.getppid()}-a8f1"  # a publish running in a live process
    for folder in (killed, running):
        folder.mkdir()
        (folder / "sales.csv").write_text("1,2026-12-01,100.00\n")
    assert remove_dead_workdirs(tmp_path) == [killed]
    assert not killed.exists() and (running / "sales.csv").exists()


def _hung(cfg) -> None:
    """A step waiting on a database that stopped answering."""
    import time

    time.sleep(60)


def _refresh_that_hangs(cfg) -> None:
    run_refresh(cfg, [Step("platform_load", _hung)])


def test_a_hung_refresh_stops_itself_after_max_run_minutes_and_the_next_one_runs(tmp_path):
    """Its lock's heartbeat kept beating, so without a limit no refresh ever ran again until someone killed it."""
    from tests.refresh.conftest import make_config

    cfg = make_config(tmp_path, refresh={"max_run_minutes": 0.01})  # 0.6 s
    process = multiprocessing.get_context("fork").Process(target=_refresh_that_hangs, args=(cfg,))
    process.start()
    process.join(30)
    assert process.exitcode == -signal.SIGKILL  # stopped by its watchdog, not after 60 s

    assert run_refresh(cfg, [Step("build", _real_build, {"label": "fresh"})]).ok
    assert published_label(Path(cfg.published_path)) == "fresh"
    runs = read_runs(runs_path_for(cfg.warehouse_path))
    assert [r.ok for r in runs] == [True, False]
    assert (
        runs[1].error
        == "stopped after 0.01 minutes ([refresh] max_run_minutes): step platform_load never finished (hung?)"
    )


def _killed_at_the_rename(write) -> None:
    """`write()` in a process that SIGKILLs itself where a small state file's new version would be renamed into
    place: what a kill between writing the temporary file and the rename leaves behind."""

    def killed(*_args, **_kwargs) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    os.replace = killed  # this forked process only
    write()
    time.sleep(10)  # the lock's heartbeat thread writes; killed before this ends


def _small_state_files(cfg) -> None:
    """The small files a refresh writes beside the warehouse and the published file."""
    from salesglass.refresh.build_step import remember
    from salesglass.reports import compiled, incremental

    published = Path(cfg.published_path)
    remember(cfg, "fingerprint")
    incremental.save(published, incremental.Record(key="k"))
    compiled.keep("k", [], compiled.store_path(published))


def test_the_small_files_of_a_killed_refresh_are_cleaned_up_by_the_next_one(cfg, monkeypatch):
    """A kill between writing a temporary file and renaming it over the lock (its heartbeat), the build's
    fingerprint, step record and SQL cache, or the trimmed run log used to leave it there for good."""
    from salesglass import runs
    from salesglass.refresh.build_step import remember
    from salesglass.refresh.lock import RefreshLock, lock_path_for
    from salesglass.reports import compiled, incremental

    published = Path(cfg.published_path)
    published.write_bytes(b"reports")
    journal = runs.Journal(runs_path_for(cfg.warehouse_path))
    journal.append("run_started", "earlier")
    limit = runs.MAX_BYTES
    monkeypatch.setattr(runs, "MAX_BYTES", 10)  # the next line trims (the forked writer sees it too)
    published_record = incremental.Record(key="k")
    writes = [
        lambda: RefreshLock(lock_path_for(cfg.warehouse_path), heartbeat_seconds=0.01).acquire(),
        lambda: remember(cfg, "fingerprint"),
        lambda: incremental.save(published, published_record),
        lambda: compiled.keep("k", [], compiled.store_path(published)),
        lambda: journal.append("run_finished", "earlier", ok=True),
    ]
    before = set(published.parent.iterdir())
    for write in writes:
        process = multiprocessing.get_context("fork").Process(target=_killed_at_the_rename, args=(write,))
        process.start()
        process.join(30)
        assert process.exitcode == -signal.SIGKILL
    left = {p.name for p in set(published.parent.iterdir()) - before}
    # a temporary file per kill, and the lock of the killed holder with the guard its takeover is judged under
    assert len(left - {"wh.duckdb.refresh.lock", "wh.duckdb.refresh.lock.guard"}) == 5, left
    monkeypatch.setattr(runs, "MAX_BYTES", limit)

    assert run_refresh(cfg, [Step("build", _small_state_files)]).ok  # the next refresh

    now = {p.name for p in published.parent.iterdir()}
    assert now - {p.name for p in before} == {  # the state files themselves; no temporary file
        "wh.duckdb.refresh.lock.guard",
        "reports.duckdb.inputs.json",
        ".reports.duckdb.steps.json",
        ".reports.duckdb.sql-cache.json",
    }
