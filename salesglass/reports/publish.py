"""Atomic publish: the new report file is built under a temporary name and swapped in with one rename.

Readers (dashboard, exports, BI publishing) open the published file read-only; they see either the
old file or the new one, never half a build. A failed build deletes its temporary file and leaves the
previous published file untouched.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from salesglass.errors import SalesglassError
from salesglass.private_files import GROUP_READ, create_private, give_mode, private_folder

if TYPE_CHECKING:
    import duckdb
    import ibis

    from salesglass.account_zone import AccountZone


WITHHELD_COLUMNS: dict[str, tuple[str, ...]] = {"quarantine": ("raw",)}
"""Columns no published copy holds: neither the published DuckDB file (group-readable, for BI tools:
docs/bi-tools.md) nor PostgreSQL (`salesglass publish`), and a ClickHouse server computing the reports is
not sent them (no report reads them: reports/clickhouse.py `push_canonical`). `quarantine.raw` is the whole
text of a rejected source row: a contact's name, phone or e-mail, a comment, anything the source carried;
whoever may read the reports would read it. The reasons, keys and times stay (what to fix, and where);
admins read the raw rows on the dashboard's Data quality page, which takes them from the working warehouse
(owner-only)."""


def withheld(table: str) -> tuple[str, ...]:
    """The columns of the canonical `table` that a published copy leaves out (`WITHHELD_COLUMNS`)."""
    return WITHHELD_COLUMNS.get(table, ())


def published_select(table: str, source: str) -> str:
    """`SELECT` of every column of `source` (the canonical `table`, e.g. `wh."quarantine"`) a published copy
    holds, in DuckDB SQL."""
    from salesglass.sql import quote_ident

    left_out = ", ".join(quote_ident(c) for c in withheld(table))
    return f"SELECT * EXCLUDE ({left_out}) FROM {source}" if left_out else f"SELECT * FROM {source}"


def file_state(path: Path) -> list[int] | None:
    """A published file's size and modification time: a record kept beside it is trusted only while they match."""
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def temp_path(published: Path) -> Path:
    """The owner-only folder the new file of a build in this process is made in (`building`); its name says
    which host and process write it."""
    import socket

    return published.with_name(f".{published.name}.building-{socket.gethostname()}-{os.getpid()}")


def seed_copy(source: Path, target: Path) -> bool:
    """Start `target` as a byte copy of the DuckDB file `source`; False when that cannot be done safely.

    Copying the file runs at disk speed, where re-writing 10 M sales rows table by table costs more than
    a whole pass over them. It is safe only while no process writes `source`: a read-only DuckDB handle
    is held during the copy (a writer cannot open the file meanwhile), and a pending write-ahead log
    (a writer that crashed) means the file alone is not the whole truth — then the caller copies the
    tables instead.
    """
    import shutil

    from salesglass.warehouse import connect

    if not source.exists() or source.with_name(source.name + ".wal").exists():
        return False
    try:
        guard = connect(source, read_only=True)
    except Exception:
        return False
    try:
        if source.with_name(source.name + ".wal").exists():
            return False
        create_private(target, GROUP_READ)  # the copy lands in a file nobody else may open meanwhile
        shutil.copyfile(source, target)
    finally:
        guard.close()
    return True


def remove_dead_builds(published: Path) -> list[Path]:
    """Delete the temporary files of builds whose process is gone (killed mid-build: kill -9, out of
    memory, a reboot). Each is as big as the published file, and its folder's name carries the builder's
    pid, so without this every crash would leave one behind for good, with its write-ahead log and the folder
    DuckDB spills to when a build outgrows its memory (`<file>.tmp/`, gigabytes). Older versions left the
    file, its log and spill folder beside the published file, under the same name: they go too. A build of
    a live process is left alone."""
    import shutil
    import socket

    from salesglass.processes import pid_alive

    prefix = f".{published.name}.building-"
    here = f"{socket.gethostname()}-"
    removed = []
    for path in published.parent.glob(f"{prefix}*"):
        # this host's builds (another host's pids mean nothing here, on a shared folder), or a bare pid
        # (the name before the host was added)
        pid = path.name[len(prefix) :].removesuffix(".wal").removesuffix(".tmp").removeprefix(here)
        if pid.isdigit() and (int(pid) == os.getpid() or not pid_alive(int(pid))):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


class BuildFile:
    """The new report file, open in DuckDB. `raw_sql` runs SQL (as Ibis's backend does); `ibis` is an Ibis
    backend on the same connection, made (and Ibis imported) only when an expression must be built: a
    build that runs SQL it kept from a former build (reports/compiled.py) never pays for Ibis."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._ibis: ibis.BaseBackend | None = None

    def raw_sql(self, query: str) -> Any:
        return self.con.execute(query)

    @property
    def ibis(self) -> Any:
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self.con)
        return self._ibis


@contextmanager
def building(
    published: Path, *, seed: Path | None = None, state_into: dict[str, list[int] | None] | None = None
) -> Iterator[tuple[Path, BuildFile, bool]]:
    """A fresh DuckDB file, swapped in for `published` if the block succeeds, deleted if not.

    It is made in a folder beside `published` that only its owner may enter (`temp_path`): DuckDB creates
    the file, its write-ahead log and its spill folder itself, with the process umask (0666 under a umask of
    000, from a process not started through the `salesglass` command), and a reader that opened one in that
    moment would keep reading what follows. Once complete it is made readable by owner and group (0640) and
    renamed into place: the mode is exact, whatever the umask (the published file is the one BI tools of the
    file's group read: docs/bi-tools.md).

    With `seed`, the new file starts as a copy of that DuckDB file when it can (see `seed_copy`); the
    third value says whether it did. `state_into["published"]` gets the new file's [size, mtime_ns] as it
    was swapped in (taken before the swap: a build swapping in after this one cannot be mistaken for it)."""
    import shutil

    published.parent.mkdir(parents=True, exist_ok=True)
    remove_dead_builds(published)
    staging = temp_path(published)
    private_folder(staging)
    tmp = staging / published.name
    try:
        seeded = seed is not None and seed_copy(seed, tmp)
        import duckdb

        from salesglass.warehouse import STORAGE_VERSION

        con = duckdb.connect(str(tmp), config={"storage_compatibility_version": STORAGE_VERSION})
        # what an Ibis backend sets on connecting (the kept SQL was compiled for, and runs in, that session)
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET python_enable_replacements = false")
        try:
            yield tmp, BuildFile(con), seeded
            con.execute("CHECKPOINT")
        finally:
            con.close()
        give_mode(tmp, GROUP_READ)
        if state_into is not None:
            state_into["published"] = file_state(tmp)
        try:
            os.replace(tmp, published)
        except OSError as exc:
            raise SalesglassError(f"could not replace {published}: {exc}") from exc
    finally:  # a failed build, a full disk mid-copy, Ctrl-C: no half-built file stays to fill the disk
        shutil.rmtree(staging, ignore_errors=True)


def write_build_info(
    con: Any, *, as_of: date, built_at: datetime, zone: AccountZone, engine: str, rows: dict[str, int]
) -> None:
    """One row per published table: when and how it was built, and how many rows it has."""
    from salesglass.code_hash import code_fingerprint
    from salesglass.sql import quote_lit as sql_literal

    # SQL, not a pyarrow table: pyarrow imports pandas to convert Python lists (a second of every build)
    values = ", ".join(f"({sql_literal(name)}, {int(rows[name])})" for name in sorted(rows)) or "(NULL, NULL)"
    con.raw_sql(f"""CREATE TABLE build_info AS
        SELECT DATE {sql_literal(as_of.isoformat())} AS as_of,
               TIMESTAMPTZ {sql_literal(built_at.isoformat())} AS built_at,
               {sql_literal(zone.name)} AS timezone, {sql_literal(zone.source)} AS timezone_source,
               {sql_literal(engine)} AS engine, {sql_literal(code_fingerprint())} AS code,
               CAST(table_name AS VARCHAR) AS table_name, CAST(row_count AS BIGINT) AS row_count
        FROM (VALUES {values}) v(table_name, row_count) WHERE table_name IS NOT NULL ORDER BY table_name""")
