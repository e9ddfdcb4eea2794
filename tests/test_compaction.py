"""`compact_if_worthwhile`: a warehouse left with free blocks by a full reload is rewritten smaller, with
every row, constraint and catalog object intact; a compact one is left alone; a failed copy changes nothing."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from salesglass import warehouse as wh
from salesglass.sources.amocrm.store import init_raw
from salesglass.sources.platform.load import ensure_tables
from salesglass.warehouse import STORAGE_VERSION, compact_if_worthwhile, connect, init_canonical

SALES_ROWS = 200_000


def _insert_sales(con: duckdb.DuckDBPyConnection, shift: int) -> None:
    con.execute(f"""INSERT INTO sales
        SELECT 's' || (i + {shift}), 'p' || (i % 997), 'e' || (i % 5003),
               TIMESTAMPTZ '2026-01-01 00:00:00+00' + INTERVAL (i) SECOND, 1 + i % 7,
               CAST((i * 37 + {shift}) % 100000 AS DECIMAL(18,2)) / 100, CAST(i % 1000 AS DECIMAL(18,2)) / 100,
               CAST(i % 300 AS DECIMAL(18,2)) / 100, CASE WHEN i % 3 = 0 THEN 'widget' END
        FROM range({SALES_ROWS}) t(i)""")


@pytest.fixture
def reloaded(warehouse: duckdb.DuckDBPyConnection, tmp_path: Path) -> Path:
    """A warehouse whose 200k sales were replaced whole (drop + recreate, as `load --full` does): the old
    sales' blocks are free. It has the platform and amoCRM tables with their keys, and a view, a sequence
    and a macro (none is used today; they must survive too)."""
    con = warehouse
    ensure_tables(con)
    init_raw(con)
    _insert_sales(con, 0)
    con.execute(
        "INSERT INTO platform_watermarks VALUES ('orders', '2026-11-27 10:00:00', now()), "
        "('partners', '2026-11-26 09:00:00', now())"
    )
    con.execute('INSERT INTO raw_amocrm_users VALUES (1, \'{"name": "Анна"}\', now())')
    con.execute("CREATE SEQUENCE run_no START 10")
    con.execute("SELECT nextval('run_no')")
    con.execute("CREATE VIEW big_sales AS SELECT sale_id FROM sales WHERE turnover > 900")
    con.execute("CREATE MACRO kopecks(x) AS CAST(x * 100 AS BIGINT)")
    con.execute("CHECKPOINT")
    con.execute("DROP TABLE sales")
    init_canonical(con)
    _insert_sales(con, 1)
    con.close()
    return tmp_path / "wh.duckdb"


def _catalog(path: Path) -> dict[str, object]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            "tables": con.execute("SELECT table_name, sql FROM duckdb_tables() ORDER BY 1").fetchall(),
            "constraints": con.execute(
                "SELECT table_name, constraint_type, constraint_text FROM duckdb_constraints() ORDER BY ALL"
            ).fetchall(),
            "views": con.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal").fetchall(),
            "macros": con.execute("SELECT function_name FROM duckdb_functions() WHERE NOT internal").fetchall(),
            "rows": dict(con.execute("SELECT table_name, estimated_size FROM duckdb_tables()").fetchall()),
        }
    finally:
        con.close()


def _differing_rows(path: Path, original: Path) -> dict[str, int]:
    """Per table, the rows in one file but not the other (as multisets: EXCEPT ALL both ways)."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{path}' AS now (READ_ONLY)")
        con.execute(f"ATTACH '{original}' AS was (READ_ONLY)")
        tables = [
            r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'was'").fetchall()
        ]
        return {
            t: con.execute(
                f'SELECT (SELECT count(*) FROM (FROM was."{t}" EXCEPT ALL FROM now."{t}")) '
                f'+ (SELECT count(*) FROM (FROM now."{t}" EXCEPT ALL FROM was."{t}"))'
            ).fetchone()[0]
            for t in tables
        }
    finally:
        con.close()


def _free_share(path: Path) -> float:
    con = duckdb.connect(str(path), read_only=True)
    try:
        free, total = con.execute(
            "SELECT free_blocks, total_blocks FROM pragma_database_size() WHERE database_name = current_database()"
        ).fetchone()
        return free / total
    finally:
        con.close()


def test_a_reloaded_warehouse_is_compacted_with_everything_intact(reloaded, tmp_path):
    assert _free_share(reloaded) > 0.3
    before_bytes, before = reloaded.stat().st_size, _catalog(reloaded)
    original = shutil.copy(reloaded, tmp_path.parent / f"{tmp_path.name}-original.duckdb")

    done = compact_if_worthwhile(reloaded, min_bytes=0)

    assert done is not None and done.before_bytes == before_bytes
    after_bytes = reloaded.stat().st_size
    assert done.after_bytes == after_bytes and after_bytes < before_bytes * 0.7
    assert done.line().startswith("compacted the warehouse: ") and " → " in done.line()
    assert sorted(p.name for p in reloaded.parent.iterdir()) == ["wh.duckdb"]  # no temp file, no log
    assert _catalog(reloaded) == before
    assert before["rows"]["sales"] == SALES_ROWS and before["views"] and len(before["macros"]) == 1
    differing = _differing_rows(reloaded, Path(original))
    assert len(differing) == len(before["tables"]) and not any(differing.values())

    con = connect(reloaded)
    try:
        assert (
            con.execute(
                "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = current_database()"
            ).fetchone()[0]
            == STORAGE_VERSION + "+"
        )
        # the load's watermark upsert needs the primary key
        con.execute("INSERT OR REPLACE INTO platform_watermarks VALUES ('orders', '2026-11-28 11:00:00', now())")
        assert con.execute("SELECT input, value FROM platform_watermarks ORDER BY 1").fetchall() == [
            ("orders", "2026-11-28 11:00:00"),
            ("partners", "2026-11-26 09:00:00"),
        ]
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO raw_amocrm_users VALUES (1, '{}', now())")
        with pytest.raises(duckdb.ConstraintException):
            con.execute(
                "INSERT INTO sales (sale_id, sold_at, tickets, turnover, revenue, cost) "
                "VALUES ('x', now(), 1, NULL, 0, 0)"
            )
        assert con.execute("SELECT nextval('run_no')").fetchone()[0] == 11
        assert con.execute("SELECT kopecks(1.25)").fetchone()[0] == 125
        assert (
            con.execute("SELECT count(*) FROM big_sales").fetchone()[0]
            == con.execute("SELECT count(*) FROM sales WHERE turnover > 900").fetchone()[0]
            > 0
        )
    finally:
        con.close()


def test_a_compact_warehouse_is_left_untouched(reloaded):
    assert compact_if_worthwhile(reloaded, min_bytes=0) is not None
    stat = reloaded.stat()

    assert compact_if_worthwhile(reloaded, min_bytes=0) is None

    again = reloaded.stat()
    assert (again.st_ino, again.st_mtime_ns, again.st_size) == (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def test_a_small_file_is_not_even_opened(reloaded):
    stat = reloaded.stat()
    assert compact_if_worthwhile(reloaded) is None  # below COMPACT_MIN_BYTES (64 MiB)
    assert reloaded.stat().st_mtime_ns == stat.st_mtime_ns


def test_a_failed_copy_leaves_the_original_and_no_temp_file(reloaded, monkeypatch):
    digest = hashlib.sha256(reloaded.read_bytes()).hexdigest()
    inode = reloaded.stat().st_ino
    real_copy = wh._copy_database

    def copy_then_fail(con, source, target):
        real_copy(con, source, target)  # the new file is complete on disk …
        raise OSError("No space left on device")  # … when the disk fills up

    monkeypatch.setattr(wh, "_copy_database", copy_then_fail)
    with pytest.raises(OSError, match="No space left"):
        compact_if_worthwhile(reloaded, min_bytes=0)

    assert sorted(p.name for p in reloaded.parent.iterdir()) == ["wh.duckdb"]
    assert reloaded.stat().st_ino == inode
    assert hashlib.sha256(reloaded.read_bytes()).hexdigest() == digest
    monkeypatch.undo()
    assert compact_if_worthwhile(reloaded, min_bytes=0) is not None  # and a later run can still compact


def test_a_warehouse_open_in_another_process_is_skipped(reloaded, monkeypatch):
    """Someone else's lock on the file (here a reader in another process) means the file is in use:
    compaction skips rather than waits long or fails."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
            "print('open', flush=True); sys.stdin.read()",
            str(reloaded),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        monkeypatch.setattr(wh, "connect", lambda path: connect(path, retries=2))
        assert compact_if_worthwhile(reloaded, min_bytes=0) is None
    finally:
        holder.communicate("", timeout=30)
    assert _free_share(reloaded) > 0.3
