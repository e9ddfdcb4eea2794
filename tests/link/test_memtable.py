"""Python lists into DuckDB tables (link/memtable.py): every value back as it went in, NULLs included."""

from __future__ import annotations

import sys

import duckdb

from salesglass.link.memtable import create_table, insert_rows

TEXTS = ["ромашка", "", None, 'it\'s, "quoted"', "a\x1fb\x1ec", "😀 emoji", "\ue000private", "x" * 300]
INTS = [1, -2, None, 0, 2**62, 7, 8, 9]
FLOATS = [93.3, 100.0, None, 0.1 + 0.2, -1.5, 1e-12, 90.0, 96.8]


def test_values_and_nulls_come_back_unchanged():
    con = duckdb.connect()
    create_table(con, "t", [("n", "BIGINT", INTS), ("s", "VARCHAR", TEXTS), ("f", "DOUBLE", FLOATS)])
    assert con.execute("SELECT n, s, f FROM t ORDER BY rowid").fetchall() == list(zip(INTS, TEXTS, FLOATS, strict=True))
    assert [r[0] for r in con.execute("DESCRIBE t").fetchall()] == ["n", "s", "f"]


def test_insert_in_batches_and_empty(monkeypatch):
    from salesglass.link import memtable

    monkeypatch.setattr(memtable, "BATCH", 3)
    con = duckdb.connect()
    create_table(con, "t", [("n", "BIGINT", []), ("s", "VARCHAR", [])])
    assert con.execute("SELECT count(*) FROM t").fetchall() == [(0,)]
    rows = [(i, f"name {i}" if i % 4 else None) for i in range(10)]
    insert_rows(con, "t", [("n", "BIGINT"), ("s", "VARCHAR")], rows)
    insert_rows(con, "t", [("n", "BIGINT"), ("s", "VARCHAR")], [])
    assert con.execute("SELECT n, s FROM t ORDER BY n").fetchall() == rows


def test_one_empty_string_is_one_row():
    con = duckdb.connect()
    create_table(con, "t", [("s", "VARCHAR", [""])])
    assert con.execute("SELECT s FROM t").fetchall() == [("",)]


def test_no_pandas_import():
    """The reason for the module: pandas costs 1–4 CPU-s per link run (run in a fresh interpreter)."""
    import subprocess

    code = (
        "import sys, duckdb; from salesglass.link.memtable import create_table; c = duckdb.connect(); "
        "create_table(c, 't', [('s', 'VARCHAR', ['a', None])]); c.execute('SELECT * FROM t').fetchall(); "
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
