"""The warehouse: DuckDB files by default.

Two files, so that readers never wait on writers (DuckDB allows one writing process per file):
- the working warehouse (`[warehouse].path`): raw_* layers, the canonical model, sync state —
  written by sync, load and link;
- the published file (`[warehouse].published_path`): report tables plus a copy of the canonical
  model, built under a temporary name and swapped in with one rename, opened read-only by the
  dashboard, exports and publishing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from salesglass.model.ddl import create_all_sql

# The file format of new warehouse files: DuckDB 1.3's, whose DICT_FSST string compression writes strings
# to the same size as the 1.0 format's separate dictionary/FSST analysis at ~half the CPU (a large share
# of loading 10 M sales; see docs/scale.md). Readers of the files (BI tools) need DuckDB ≥ 1.3.
STORAGE_VERSION = "v1.3.0"


def connect(path: str | Path, *, read_only: bool = False, retries: int = 50) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file with UTC session time; waits a little if another process holds the lock."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(retries):
        try:
            con = duckdb.connect(str(path), read_only=read_only,
                                 config={"storage_compatibility_version": STORAGE_VERSION})
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or attempt == retries - 1:
                raise
            time.sleep(0.1)
    con.execute("SET TimeZone = 'UTC'")
    return con


def init_canonical(con: duckdb.DuckDBPyConnection) -> None:
    """Create every canonical table that does not exist yet (idempotent)."""
    for sql in create_all_sql("duckdb"):
        con.execute(sql)


@contextmanager
def open_warehouse(path: str | Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path, read_only=read_only)
    try:
        if not read_only:
            init_canonical(con)
        yield con
    finally:
        con.close()


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1").fetchall()]
    return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
