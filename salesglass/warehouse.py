"""The warehouse: DuckDB files by default.

Two files, so that readers never wait on writers (DuckDB allows one writing process per file):
- the working warehouse (`[warehouse].path`): raw_* layers, the canonical model, sync state —
  written by sync, load and link;
- the published file (`[warehouse].published_path`): report tables plus a copy of the canonical
  model, built under a temporary name and swapped in with one rename, opened read-only by the
  dashboard, exports and publishing.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb

from salesglass.model.ddl import create_all_sql
from salesglass.private_files import GROUP_READ, OWNER_ONLY, keep_private, private_by_default
from salesglass.sql import quote_ident, quote_lit

# The file format of new warehouse files: DuckDB 1.3's, whose DICT_FSST string compression writes strings
# to the same size as the 1.0 format's separate dictionary/FSST analysis at ~half the CPU (a large share
# of loading 10 M sales; see docs/scale.md). Readers of the files (BI tools) need DuckDB ≥ 1.3.
STORAGE_VERSION = "v1.3.0"


def connect(path: str | Path, *, read_only: bool = False, retries: int = 50) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file with UTC session time; waits a little if another process holds the lock.

    Opened for writing (the warehouse, the bonus state), the file and its write-ahead log are owner-only
    (salesglass/private_files.py): one found readable by others is narrowed, and said.

    The process gets the owner-only umask the `salesglass` command sets at its start (`private_by_default`,
    added to its own umask; it stays so), also when it did not start through the command (a library call, a
    service started by hand): DuckDB makes the write-ahead log anew at the first write after each checkpoint,
    and its spill files, itself, with the umask's mode — 0644 under the usual 022, for as long as they live —
    and it refuses a file made empty beforehand with the right mode, so the umask is the one thing that
    reaches them."""
    private_by_default()
    path = Path(path)
    existed = path.exists()
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(retries):
        try:
            con = duckdb.connect(
                str(path), read_only=read_only, config={"storage_compatibility_version": STORAGE_VERSION}
            )
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or attempt == retries - 1:
                raise
            time.sleep(0.1)
    con.execute("SET TimeZone = 'UTC'")
    if not read_only:
        keep_private(path, OWNER_ONLY, what="data file", created=not existed)
        keep_private(_wal(path), OWNER_ONLY, what="write-ahead log")
    _spill_beside(con, path)
    if not read_only:
        _remove_shared_spill(con, path)
    return con


def _spill_beside(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """What outgrows DuckDB's memory is spilled to a folder beside the file: by default `<file>.tmp/`, shared
    by every process and left behind, gigabytes of the company's rows, by one that was killed. Instead each
    process spills to its own folder named by host and pid (`processes.temp_beside`; DuckDB makes it when it
    first spills, with the process umask, and removes it on closing), and the folders of this host's dead
    processes are deleted at the next open (`processes.remove_dead_temps`)."""
    from salesglass.processes import remove_dead_temps, temp_beside

    folder = temp_beside(path)
    try:
        if con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0] == str(folder):
            return  # this process has the file open already
        remove_dead_temps(path)
        con.execute(f"SET temp_directory = {quote_lit(str(folder))}")
    except (OSError, duckdb.Error):
        pass  # this process's instance of the file already spilled elsewhere: it keeps that folder


def _remove_shared_spill(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Delete `<file>.tmp/`, the spill folder every process shared before each got its own: one a killed
    process of an older version left holds gigabytes of the company's rows, and no process spills there any
    more. Called with the file open for writing: DuckDB's lock then keeps every other process off the file,
    so none is spilling its queries there; this process's own instance spills elsewhere (`_spill_beside`),
    unless it opened the file before, without it (then the folder is its own and stays)."""
    folder = path.with_name(path.name + ".tmp")
    if not folder.is_dir() or folder.is_symlink():
        return
    try:
        if con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0] == str(folder):
            return
    except duckdb.Error:
        return
    shutil.rmtree(folder, ignore_errors=True)


def open_published(path: str | Path) -> duckdb.DuckDBPyConnection:
    """The published reports file, read-only with UTC session time: what every output reads.

    A build swaps the file whole; a connection opened before keeps reading the old one to the end.
    """
    path = Path(path)
    if not path.exists():
        from salesglass.errors import SalesglassError

        raise SalesglassError(
            f"no published reports at {path}: run `salesglass build` (or `salesglass refresh --once`) first"
        )
    if path.stat().st_uid == os.getuid():  # a BI user of the file's group reads it as it is
        keep_private(path, GROUP_READ, what="published reports file")
    return connect(path, read_only=True)


def init_canonical(con: duckdb.DuckDBPyConnection) -> None:
    """Create every canonical table that does not exist yet (idempotent)."""
    for sql in create_all_sql("duckdb"):
        con.execute(sql)


def add_missing_canonical(path: str | Path) -> list[str]:
    """A warehouse an older version wrote lacks the canonical tables added to the model since
    (`schema.ADDED_LATER`, e.g. `pipelines`): create them empty, so a build right after an upgrade needs
    no sync first. Any other missing table (or a file without `deals`) is left for the caller to report.
    Returns the tables created."""
    from salesglass.model.ddl import create_table_sql
    from salesglass.model.schema import ADDED_LATER, TABLES

    path = Path(path)
    if not path.exists():
        return []
    con = connect(path, read_only=True)
    try:
        have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    finally:
        con.close()
    missing = [name for name in ADDED_LATER if name not in have]
    if not missing or "deals" not in have:  # not a warehouse of the model: the caller says what to run
        return []
    con = connect(path)
    try:
        for name in missing:
            con.execute(create_table_sql(TABLES[name], "duckdb"))
    finally:
        con.close()
    return missing


@contextmanager
def open_warehouse(path: str | Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path, read_only=read_only)
    try:
        if not read_only:
            init_canonical(con)
        yield con
    finally:
        con.close()


@contextmanager
def none_left_if_failed(path: str | Path) -> Iterator[None]:
    """Around a command that makes the warehouse as it starts (`sync`, `load` on a fresh project): when it fails
    before a row is stored (an input file missing, amoCRM not answering), the empty warehouse it made is removed.
    It was left behind, and the next `build` published empty reports instead of saying nothing was loaded yet."""
    path = Path(path)
    fresh = not path.exists()
    try:
        yield
    except BaseException:
        if fresh:
            _remove_if_empty(path)
        raise


def _remove_if_empty(path: Path) -> None:
    try:  # no waiting: a file another process holds is its own, not an empty leftover of this one
        con = duckdb.connect(str(path))
    except duckdb.Error:
        return
    try:
        empty = not any(table_counts(con).values())
    finally:
        con.close()
    if empty:
        for leftover in (path, _wal(path)):
            leftover.unlink(missing_ok=True)


# Which data changed since a reader last looked: every step that changes what the reports are built from
# (the sync's canonical amoCRM tables, the platform load, linking) stamps its source here with a fresh
# random token. The refresh compares the stamps with those of the last build and skips a build that would
# publish the same thing (refresh/build_step.py). Random, not a counter: a recreated warehouse never
# repeats an old stamp.
CHANGES_TABLE = "warehouse_changes"


def note_change(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Say that `source` ("amocrm", "platform", "link", …) changed the warehouse's data just now."""
    import secrets

    con.execute(f"""CREATE TABLE IF NOT EXISTS {CHANGES_TABLE} (
        source VARCHAR PRIMARY KEY, stamp VARCHAR NOT NULL, changed_at TIMESTAMPTZ NOT NULL)""")
    con.execute(
        f"INSERT OR REPLACE INTO {CHANGES_TABLE} VALUES ({quote_lit(source)}, {quote_lit(secrets.token_hex(8))}, now())"
    )


def change_stamps(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every source's latest change stamp ({} for a warehouse no step has stamped yet)."""
    try:
        return dict(con.execute(f"SELECT source, stamp FROM {CHANGES_TABLE} ORDER BY source").fetchall())
    except duckdb.CatalogException:
        return {}


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1"
        ).fetchall()
    ]
    return {n: con.execute(f"SELECT count(*) FROM {quote_ident(n)}").fetchall()[0][0] for n in names}


# A full reload leaves the replaced tables' blocks free inside the file (DuckDB never shrinks a file): they
# cost disk and backup time. Compacting pays when a good share of
# the file is free; tiny files are not worth a rewrite.
COMPACT_MIN_FREE_SHARE = 0.3
COMPACT_MIN_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Compaction:
    """What `compact_if_worthwhile` did: the file's size before and after, and how long it took."""

    before_bytes: int
    after_bytes: int
    free_share: float  # of the blocks before
    seconds: float

    def line(self) -> str:
        return f"compacted the warehouse: {_mb(self.before_bytes)} → {_mb(self.after_bytes)} ({self.seconds:.1f} s)"


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 10e6 else f"{n / 1e6:.1f} MB"


def compact_if_worthwhile(
    path: str | Path, *, min_free_share: float = COMPACT_MIN_FREE_SHARE, min_bytes: int | None = None
) -> Compaction | None:
    """Rewrite the DuckDB file at `path` without its free blocks when more than `min_free_share` of its
    blocks are free and it is at least `min_bytes` big; None when skipped (also when another process
    has the file open, or the disk lacks room for the copy).

    The live data is copied (`COPY FROM DATABASE`: tables with their NOT NULL / PRIMARY KEY / UNIQUE
    constraints, views, sequences, macros) into `<name>.compacting` next to the file, which then
    replaces it with one `os.replace`. Why this is safe against other processes: the old file stays
    open read-write — DuckDB's exclusive lock on it — from before the copy until after the rename, so
    no process can write (or even read) it meanwhile, and a writer that was waiting for the lock opens
    the new file once it is in place. There is no window between releasing the old file and the swap.
    A failure anywhere before the rename deletes the temporary file and leaves the original untouched.
    """
    path = Path(path)
    min_bytes = COMPACT_MIN_BYTES if min_bytes is None else min_bytes
    if not path.exists() or path.stat().st_size < min_bytes:
        return None
    started = time.monotonic()
    try:
        con = connect(path)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            return None  # another process has the warehouse open: the next full reload compacts it
        raise
    try:
        for leftover in _compacting(path):  # of a compaction that was killed: as big as the live data
            leftover.unlink(missing_ok=True)
        con.execute("CHECKPOINT")  # a pending write-ahead log goes into the file first
        name, block_size, total, used, free = con.execute(
            "SELECT database_name, block_size, total_blocks, used_blocks, free_blocks "
            "FROM pragma_database_size() WHERE database_name = current_database()"
        ).fetchall()[0]
        share = free / total if total else 0.0
        if share <= min_free_share or shutil.disk_usage(path.parent).free < used * block_size * 1.2:
            return None
        before = path.stat().st_size
        _rewrite(con, path, quote_ident(name))
    finally:
        con.close()
    _fsync_dir(path.parent)
    return Compaction(before, path.stat().st_size, share, time.monotonic() - started)


def _rewrite(con: duckdb.DuckDBPyConnection, path: Path, source: str) -> None:
    """Copy the open database `source` into a fresh file and rename that over `path` (the caller holds
    `path` open, so the rename happens under its lock)."""
    leftovers = _compacting(path)
    tmp = leftovers[0]
    attached = False
    try:
        con.execute(f"ATTACH {quote_lit(str(tmp))} AS __compacted (STORAGE_VERSION {quote_lit(STORAGE_VERSION)})")
        attached = True
        keep_private(tmp, OWNER_ONLY, what="compacted warehouse", created=True)  # before any row is written
        _copy_database(con, source, "__compacted")
        con.execute("DETACH __compacted")  # checkpoints the new file and closes it
        attached = False
        if _wal(tmp).exists():
            raise RuntimeError(f"{tmp} kept a write-ahead log after closing")
        # (no write went to the old file since the CHECKPOINT; a log left next to it would be replayed
        # against the new file)
        _wal(path).unlink(missing_ok=True)
        os.replace(tmp, path)
    except BaseException:
        if attached:
            with suppress(duckdb.Error):
                con.execute("DETACH __compacted")
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
        raise


def _copy_database(con: duckdb.DuckDBPyConnection, source: str, target: str) -> None:
    """Schema (tables with constraints, views, sequences, macros, types) first, then the rows."""
    con.execute(f"COPY FROM DATABASE {source} TO {target}")


def _compacting(path: Path) -> tuple[Path, Path]:
    """The new file a compaction writes (and its log); the caller holds `path` open, so no other runs."""
    tmp = path.with_name(path.name + ".compacting")
    return tmp, _wal(tmp)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable (a crash right after it must not bring the old file back half-way)."""
    with suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
