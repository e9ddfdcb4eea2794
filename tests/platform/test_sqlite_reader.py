"""The SQLite reader (ADBC): every column lands as text, whatever SQLite stored in it."""

from __future__ import annotations

import sqlite3

import duckdb

from salesglass.sources.platform.sql_reader import land_sql


def test_sqlite_values_land_as_text_even_after_a_long_run_of_nulls(tmp_path):
    db = tmp_path / "bo.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE orders (id INTEGER, note, amount, data BLOB)")
        # 3000 rows without a note: a reader that guesses types from the first rows would take it for a number
        con.executemany("INSERT INTO orders VALUES (?, NULL, ?, NULL)", [(i, i * 10) for i in range(3000)])
        con.execute("INSERT INTO orders VALUES (3000, 'late text', 'twelve', x'00ff')")
        con.execute("INSERT INTO orders VALUES (3001, 7, 1.5, NULL)")
    con.close()
    duck = duckdb.connect()
    n = land_sql(duck, f"sqlite:///{db}", "SELECT * FROM orders", "landed", batch_rows=1000, label="test")
    assert n == 3002
    assert duck.execute("SELECT count(*) FROM landed").fetchone()[0] == 3002  # the type-priming row is gone
    types = {r[0]: r[1] for r in duck.execute("DESCRIBE landed").fetchall()}
    assert set(types.values()) == {"VARCHAR"}
    rows = duck.execute("SELECT id, note, amount, data FROM landed WHERE id IN ('0', '3000', '3001') ORDER BY id")
    assert rows.fetchall() == [
        ("0", None, "0", None),
        ("3000", "late text", "twelve", "00ff"),
        ("3001", "7", "1.5", None),
    ]
