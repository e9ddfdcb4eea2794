"""Company data on disk is its owner's: the warehouse, the bonus state, their write-ahead logs, the refresh
journal and exports are 0600, the published reports file 0640 (a BI user of its group may read it).

Under the usual umask (022) every one of them used to be created 0644: any local user could read every
manager's sales. Each test sets that umask itself, so the result does not depend on the shell's.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from salesglass import cli
from salesglass.bonus.store import BonusStore
from salesglass.reports.publish import building
from salesglass.runs import Journal
from salesglass.warehouse import connect, open_published


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_a_new_warehouse_and_bonus_state_are_owner_only(tmp_path, usual_umask):
    con = connect(tmp_path / "salesglass.duckdb")
    con.execute("CREATE TABLE sales AS SELECT 1 AS amount")
    con.close()
    BonusStore(tmp_path / "salesglass-bonus.duckdb").init()
    assert mode(tmp_path / "salesglass.duckdb") == 0o600
    assert mode(tmp_path / "salesglass-bonus.duckdb") == 0o600


def test_an_old_world_readable_warehouse_is_made_private_on_first_use_and_said(tmp_path, usual_umask, caplog):
    path = tmp_path / "salesglass.duckdb"
    duckdb.connect(str(path)).close()  # written by an older version: 0644
    assert mode(path) == 0o644
    with caplog.at_level("WARNING"):
        connect(path).close()
    assert mode(path) == 0o600
    assert f"the data file {path} was readable by others (mode 644): made it owner-only (0600)" in caplog.text
    caplog.clear()
    connect(path).close()  # already private: nothing to say
    assert caplog.text == ""


@pytest.mark.parametrize("seeded", [False, True])
def test_the_published_file_is_readable_by_owner_and_group_only(tmp_path, usual_umask, seeded):
    seed = tmp_path / "salesglass.duckdb"
    con = duckdb.connect(str(seed))
    con.execute("CREATE TABLE deals AS SELECT 1 AS deal_id")
    con.close()
    published = tmp_path / "salesglass-reports.duckdb"
    with building(published, seed=seed if seeded else None) as (_tmp, build, was_seeded):
        assert was_seeded == seeded
        build.raw_sql("CREATE TABLE report_x AS SELECT 1 AS n")
    assert mode(published) == 0o640


def test_an_old_world_readable_published_file_is_narrowed_when_opened(tmp_path, usual_umask, caplog):
    published = tmp_path / "salesglass-reports.duckdb"
    duckdb.connect(str(published)).close()
    with caplog.at_level("WARNING"):
        open_published(published).close()
    assert mode(published) == 0o640
    assert f"the published reports file {published} was readable by others (mode 644)" in caplog.text


def test_the_refresh_journal_is_owner_only_and_an_old_one_is_narrowed(tmp_path, usual_umask, caplog):
    new = tmp_path / "new.refresh-runs.jsonl"
    Journal(new).append("run_started", "r1")
    assert mode(new) == 0o600
    old = tmp_path / "old.refresh-runs.jsonl"
    old.write_text("")
    with caplog.at_level("WARNING"):
        Journal(old).append("run_started", "r1")
    assert mode(old) == 0o600
    assert f"the refresh journal {old} was readable by others" in caplog.text


def test_every_file_a_command_writes_is_owner_only(tmp_path, usual_umask, monkeypatch):
    """DuckDB makes its write-ahead log itself, and an export is written by openpyxl or csv: only the
    process umask reaches them, and the `salesglass` command sets it before running any command."""
    seen: dict[str, int] = {}

    def a_command() -> None:
        con = duckdb.connect(str(tmp_path / "w.duckdb"))
        con.execute("CREATE TABLE sales AS SELECT 1 AS amount")
        con.execute("INSERT INTO sales VALUES (2)")
        seen["wal"] = mode(tmp_path / "w.duckdb.wal")
        con.close()
        (tmp_path / "export.csv").write_text("partner,amount\n")
        seen["export"] = mode(tmp_path / "export.csv")

    monkeypatch.setattr(cli, "app", a_command)
    cli.main()
    assert seen == {"wal": 0o600, "export": 0o600}


def test_an_old_world_readable_sessions_file_is_narrowed_and_said(tmp_path, usual_umask, caplog):
    """The dashboard's sessions file used to be made 0600 silently: a copy restored from a backup as 0644
    was readable by all until then, and nobody was told."""
    from salesglass.serve.sessions import SessionStore

    path = tmp_path / "users.json.sessions.sqlite"
    sqlite3.connect(path).close()
    assert mode(path) == 0o644
    with caplog.at_level("WARNING"):
        SessionStore(path, lifetime_seconds=3600, idle_seconds=600).create("anna@example.ru", 1)
    assert mode(path) == 0o600
    assert f"the sessions file {path} was readable by others (mode 644): made it owner-only (0600)" in caplog.text


KILLED_MID_WRITE = """
import os, sys
from pathlib import Path
os.umask(0o022)
os.replace = lambda *a, **k: os.kill(os.getpid(), 9)  # killed after writing the new version, before the rename
if sys.argv[1] == "token":
    from salesglass.sources.amocrm.auth import write_secret
    write_secret(Path(sys.argv[2]), {"access_token": "new"})
else:
    from salesglass.serve.users import UserStore
    UserStore(Path(sys.argv[2]))._save([])
"""


@pytest.mark.parametrize("which", ["token", "users"])
def test_a_write_killed_midway_leaves_a_private_file_the_next_write_deletes(tmp_path, usual_umask, which):
    """A token or logins write killed between writing and renaming leaves its temporary file: it holds
    secrets, so it is owner-only from creation, and the next write deletes it (it used to stay for ever)."""
    import subprocess
    import sys

    from salesglass.serve.users import UserStore
    from salesglass.sources.amocrm.auth import write_secret

    path = tmp_path / ("amocrm-token.json" if which == "token" else "users.json")
    killed = subprocess.run([sys.executable, "-c", KILLED_MID_WRITE, which, str(path)], check=False)
    assert killed.returncode == -9
    (left,) = tmp_path.iterdir()
    assert left != path and mode(left) == 0o600
    if which == "token":
        write_secret(path, {"access_token": "newer"})
    else:
        UserStore(path)._save([])
    assert list(tmp_path.iterdir()) == [path]
    assert mode(path) == 0o600


def test_an_export_over_last_weeks_world_readable_file_is_owner_only(tmp_path, usual_umask):
    """Opening an existing file for writing keeps its mode: an export (every manager's figures), a payroll or a
    link review written over an older 0644 file stayed readable by every local user."""
    from salesglass.outputs.export import export_reports
    from salesglass.reports.doctor import export_suggestions

    published = tmp_path / "reports.duckdb"
    con = duckdb.connect(str(published))
    con.execute("CREATE TABLE build_info AS SELECT DATE '2026-11-30' AS as_of, 'Europe/Moscow' AS timezone")
    con.execute("CREATE TABLE report_new_partners AS SELECT 7 AS sales_manager_id, 2 AS first_sales")
    con.execute(
        "CREATE TABLE link_suggestions AS SELECT 1 AS deal_id, 'p1' AS partner_id, 0.9 AS score, "
        "'Театр' AS deal_name, 'ООО Театр' AS partner_name"
    )
    con.close()
    old = [tmp_path / "out.xlsx", tmp_path / "csv" / "report_new_partners.csv"]
    old += [tmp_path / "parquet" / "report_new_partners.parquet", tmp_path / "review.csv"]
    for path in old:
        path.parent.mkdir(exist_ok=True)
        path.write_text("last week's")
        assert mode(path) == 0o644
    export_reports(published, "xlsx", tmp_path / "out.xlsx")
    export_reports(published, "csv", tmp_path / "csv")
    export_reports(published, "parquet", tmp_path / "parquet")
    con = duckdb.connect(str(published), read_only=True)
    assert export_suggestions(con, tmp_path / "review.csv") == 1
    con.close()
    assert {path.name: oct(mode(path)) for path in old} == {path.name: "0o600" for path in old}
    assert (tmp_path / "csv" / "report_new_partners.csv").read_text().splitlines()[1] == "7,2"  # rewritten


def test_an_export_stopped_midway_leaves_last_weeks_workbook_as_it_was(tmp_path, usual_umask, monkeypatch):
    """A full disk (or a Ctrl-C) while the workbook is being written: the export was emptied first and then
    written in place, so last week's workbook was lost and a half-written one left under its name."""
    from openpyxl.workbook.workbook import Workbook

    from salesglass.outputs.export import export_reports

    published = tmp_path / "reports.duckdb"
    con = duckdb.connect(str(published))
    con.execute("CREATE TABLE build_info AS SELECT DATE '2026-11-30' AS as_of, 'Europe/Moscow' AS timezone")
    con.execute("CREATE TABLE report_new_partners AS SELECT 7 AS sales_manager_id, 2 AS first_sales")
    con.close()
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"last week's workbook")

    real_save = Workbook.save

    def half_then_disk_full(self, target):  # openpyxl's save, cut short when the disk fills up
        whole = io.BytesIO()
        real_save(self, whole)  # the workbook is made in full (openpyxl's writers closed) …
        with open(target, "wb") if isinstance(target, (str, Path)) else contextlib.nullcontext(target) as f:
            f.write(whole.getvalue()[:100])  # … and only its first bytes reach the target
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Workbook, "save", half_then_disk_full)
    with pytest.raises(OSError, match="No space left"):
        export_reports(published, "xlsx", out)
    assert out.read_bytes() == b"last week's workbook"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left either


SPILL_AND_DIE = """
import os, sys
os.umask(0o022)
from salesglass.warehouse import connect
con = connect(sys.argv[1])
con.execute("SET memory_limit = '30MB'; SET threads = 1; SET preserve_insertion_order = false")
# a sorted result read row by row: DuckDB holds it, spilled, until it is read to the end
con.execute("SELECT md5(range::VARCHAR) AS h FROM range(1500000) ORDER BY h").fetchone()
os.kill(os.getpid(), 9)
"""


def test_a_killed_process_spill_folder_goes_at_the_next_open(tmp_path, usual_umask):
    """DuckDB spilled what outgrew its memory to `<file>.tmp/`, shared by every process, and a killed load left
    it there for good: gigabytes of the company's rows. Each process spills to its own folder named by host and
    pid now (DuckDB removes it on closing), and a dead process's goes at the next open."""
    import socket
    import subprocess
    import sys

    warehouse = tmp_path / "salesglass.duckdb"
    killed = subprocess.Popen([sys.executable, "-c", SPILL_AND_DIE, str(warehouse)])
    assert killed.wait() == -9
    spill = tmp_path / f".salesglass.duckdb.{socket.gethostname()}-{killed.pid}.tmp"
    assert any(spill.iterdir())
    assert not (tmp_path / "salesglass.duckdb.tmp").exists()  # DuckDB's shared default is not used

    connect(warehouse).close()

    assert sorted(p.name for p in tmp_path.iterdir()) == ["salesglass.duckdb"]


def test_an_older_versions_shared_spill_folder_goes_when_no_process_has_the_file_open(tmp_path, usual_umask):
    """Before each process got its own spill folder, every one spilled to `<file>.tmp/`, and a killed one left
    it there with its rows. A process opening the file for writing holds DuckDB's lock (no other process has the
    file open, so none spills there): it deletes the folder. A reader may share the file with an older version's
    process still spilling there: it leaves the folder alone."""
    warehouse = tmp_path / "salesglass.duckdb"
    connect(warehouse).close()
    shared = tmp_path / "salesglass.duckdb.tmp"
    shared.mkdir()
    (shared / "duckdb_temp_storage_S32K-0.tmp").write_text("Театр Сатиры, +7 999 123-45-67")

    connect(warehouse, read_only=True).close()
    assert shared.exists()

    connect(warehouse).close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["salesglass.duckdb"]


@pytest.fixture
def no_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_under_a_umask_of_000_every_state_file_and_export_is_owner_only(tmp_path, no_umask, caplog):
    """A process that did not start through the `salesglass` command (a library call, a service started by
    hand) keeps its own umask. Under 000 the refresh lock was made 0644, the build's SQL cache (which a build
    runs) and other state files 0666 — anyone's to rewrite —, a new export folder 0777 with each file 0666
    while DuckDB wrote it; an old login-lockouts file readable by all was narrowed without a word."""
    from salesglass.outputs.export import export_reports
    from salesglass.processes import replace_whole
    from salesglass.refresh.lock import RefreshLock
    from salesglass.serve.web.throttle import SharedCounters

    lock = RefreshLock(tmp_path / "salesglass.duckdb.refresh.lock").acquire()
    try:
        assert mode(tmp_path / "salesglass.duckdb.refresh.lock") == 0o600
    finally:
        lock.release()
    replace_whole(tmp_path / ".salesglass-reports.duckdb.sql-cache", "SELECT 1")
    assert mode(tmp_path / ".salesglass-reports.duckdb.sql-cache") == 0o600

    lockouts = tmp_path / "users.json.lockouts.sqlite"
    sqlite3.connect(lockouts).close()
    lockouts.chmod(0o644)
    with caplog.at_level("WARNING"), SharedCounters(lockouts).transaction():
        pass
    assert mode(lockouts) == 0o600
    assert f"the login lockouts file {lockouts} was readable by others (mode 644)" in caplog.text

    published = tmp_path / "reports.duckdb"
    con = duckdb.connect(str(published))
    con.execute("CREATE TABLE build_info AS SELECT DATE '2026-11-30' AS as_of, 'Europe/Moscow' AS timezone")
    con.execute("CREATE TABLE report_new_partners AS SELECT 7 AS sales_manager_id, 2 AS first_sales")
    con.close()
    out = tmp_path / "exports" / "november"
    export_reports(published, "csv", out)
    assert (mode(out), [(p.name, mode(p)) for p in out.iterdir()]) == (0o700, [("report_new_partners.csv", 0o600)])


def _make_keys(make, folder: Path, rounds: int, barrier, results) -> None:
    for i in range(rounds):
        barrier.wait()  # every process asks for the same missing key at once
        try:
            results.put((i, make(folder / f"key-{i}")))
        except Exception as exc:  # the parent says what went wrong
            results.put((i, f"{type(exc).__name__}: {exc}"))


@pytest.mark.parametrize("which", ["session-signing key", "webhook secret"])
def test_processes_starting_together_with_no_key_all_use_one(tmp_path, which):
    """Dashboard workers started together with no key file each made their own key (all saw it missing, all
    wrote one): a session signed by one worker was refused by the others. The webhook secret's loser read the
    winner's file before anything was written in it. Now one process makes the key, whole, and the others read
    that one. Four real processes race for each of a few keys, released together by a barrier."""
    import multiprocessing

    from salesglass.refresh import webhooks
    from salesglass.serve.web import auth

    make = auth.load_or_create_secret if which == "session-signing key" else webhooks.load_or_create_secret
    ctx = multiprocessing.get_context("fork")
    processes, rounds = 4, 12
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    started = [
        ctx.Process(target=_make_keys, args=(make, tmp_path, rounds, barrier, results)) for _ in range(processes)
    ]
    for p in started:
        p.start()
    got: dict[int, set[str]] = {}
    for _ in range(processes * rounds):
        i, key = results.get(timeout=120)
        got.setdefault(i, set()).add(key)
    for p in started:
        p.join(60)
    assert {i: len(keys) for i, keys in got.items()} == {i: 1 for i in range(rounds)}, got
    for i in range(rounds):
        assert got[i] == {(tmp_path / f"key-{i}").read_text().strip()}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"key-{i}" for i in range(rounds))  # no temp left
    assert {mode(p) for p in tmp_path.iterdir()} == {0o600}


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_a_build_is_made_where_nobody_else_can_reach_it_and_published_0640_whatever_the_umask(tmp_path, umask):
    """DuckDB makes the new published file and its write-ahead log itself, with the process umask: under 000
    (a process not started through the `salesglass` command) both were 0666 beside the published file while
    rows went in, the log for its whole life, and a reader that opened one then kept it. Under the command's
    own umask (077) the published file ended 0600, locking out the BI group it is made 0640 for."""
    published = tmp_path / "salesglass-reports.duckdb"
    old = os.umask(umask)
    try:
        with building(published) as (_tmp, build, _seeded):
            build.raw_sql("CREATE TABLE report_x AS SELECT 'ООО Театр' AS partner_name")
            build.raw_sql("INSERT INTO report_x VALUES ('ИП Иванов')")  # written to the write-ahead log
            beside = sorted(p for p in tmp_path.iterdir() if p != published)
            assert [(p.is_dir(), mode(p)) for p in beside] == [(True, 0o700)]  # one folder: the build's own
    finally:
        os.umask(old)
    assert mode(published) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == [published.name]


def test_a_library_call_under_a_wide_umask_makes_every_write_ahead_log_owner_only(tmp_path, no_umask):
    """The warehouse's write-ahead log is made anew at the first write after each checkpoint, by DuckDB, with
    the process umask: opened through `connect` by a process that did not start through the `salesglass`
    command, it was 0666 for as long as it lived, holding the rows just written."""
    warehouse = tmp_path / "salesglass.duckdb"
    con = connect(warehouse)
    try:
        con.execute("CREATE TABLE sales AS SELECT 1 AS amount")
        con.execute("CHECKPOINT")  # the log goes; the next write makes a new one
        con.execute("INSERT INTO sales VALUES (2)")
        assert mode(tmp_path / "salesglass.duckdb.wal") == 0o600
    finally:
        con.close()
    assert mode(warehouse) == 0o600
