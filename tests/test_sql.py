"""salesglass/sql.py on a real DuckDB: quoted names and literals survive their own quote characters,
and a transaction is rolled back on any exception, Ctrl+C included."""

from __future__ import annotations

import duckdb
import pytest

from salesglass.sql import one_of_sql, quote_ident, quote_lit, quote_lits, quote_qualified, transaction


@pytest.fixture
def con():
    c = duckdb.connect()
    c.execute("CREATE TABLE t (v INTEGER)")
    yield c
    c.close()


def test_a_name_with_quotes_and_a_dot_is_one_identifier(con):
    name = 'O"Neil.sales'
    con.execute(f"CREATE TABLE {quote_ident(name)} (x INTEGER)")
    con.execute(f"INSERT INTO {quote_ident(name)} VALUES (1)")
    assert con.execute("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'O%'").fetchall() == [(name,)]


def test_a_qualified_name_is_split_at_its_dots(con):
    con.execute("CREATE SCHEMA s")
    con.execute(f"CREATE TABLE {quote_qualified('s.orders')} (x INTEGER)")
    assert con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name = 's'").fetchall() == [
        ("s", "orders")
    ]


def test_a_literal_keeps_its_quote_and_cannot_end_early(con):
    text = "it's'); DROP TABLE t; --"
    assert con.execute(f"SELECT {quote_lit(text)}").fetchone() == (text,)
    assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)  # t is still there


def test_a_list_of_literals_and_the_empty_list(con):
    assert con.execute(f"SELECT 'b' IN ({quote_lits(['a', 'b'])})").fetchone() == (True,)
    assert con.execute(f"SELECT 'b' IN ({quote_lits([])})").fetchone() == (None,)  # IN (NULL): never true


def test_one_of_matches_as_in_does_and_keeps_the_rows_order(con):
    """A load keeps the first copy of a repeated key by the file's order; `x IN` six NULL spellings became a
    join in DuckDB's plan, the table was filled out of order, and a later copy won (CI, 2026-12-07)."""
    words = ("null", "none", "nan", "n/a", "#n/a", "\\n", "it's")
    got = con.execute(
        f"SELECT x, {one_of_sql('x', words)} FROM (VALUES ('nan'), ('it''s'), ('nul'), (NULL)) v(x) ORDER BY ALL"
    ).fetchall()
    assert got == [("it's", True), ("nan", True), ("nul", False), (None, None)]
    plan = con.execute(f"EXPLAIN SELECT v FROM range(100) r(v) WHERE {one_of_sql('CAST(v AS VARCHAR)', words)}")
    assert "JOIN" not in plan.fetchall()[0][1]


def test_a_transaction_commits_when_the_block_ends(con):
    with transaction(con):
        con.execute("INSERT INTO t VALUES (1)")
    assert con.execute("SELECT count(*) FROM t").fetchone() == (1,)


@pytest.mark.parametrize("interruption", [ValueError("bad row"), KeyboardInterrupt()])
def test_an_error_or_ctrl_c_rolls_back_and_the_connection_is_usable(con, interruption):
    with pytest.raises(type(interruption)), transaction(con):
        con.execute("INSERT INTO t VALUES (1)")
        raise interruption
    assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)
    with transaction(con):  # no transaction left open: BEGIN works again
        con.execute("INSERT INTO t VALUES (2)")
    assert con.execute("SELECT v FROM t").fetchall() == [(2,)]


def test_a_failing_rollback_does_not_hide_the_error(con):
    with pytest.raises(ValueError, match="the cause"), transaction(con):
        con.execute("ROLLBACK")  # the transaction is gone: the helper's own ROLLBACK will fail
        raise ValueError("the cause")


def test_disabled_runs_inside_the_callers_transaction(con):
    con.execute("BEGIN TRANSACTION")
    with transaction(con, enabled=False):
        con.execute("INSERT INTO t VALUES (1)")
    con.execute("ROLLBACK")
    assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)


def test_immediate_takes_sqlites_write_lock_at_begin(tmp_path):
    """Two workers that read, then write (the shared login counters): the second waits at BEGIN, so neither
    fails at its write with the first one's read lock held."""
    import sqlite3

    first = sqlite3.connect(tmp_path / "x.sqlite", isolation_level=None, timeout=0)
    second = sqlite3.connect(tmp_path / "x.sqlite", isolation_level=None, timeout=0)
    first.execute("CREATE TABLE t (v INTEGER)")
    with transaction(first, immediate=True):
        first.execute("SELECT count(*) FROM t").fetchall()
        with pytest.raises(sqlite3.OperationalError, match="locked"), transaction(second, immediate=True):
            pass
    with transaction(second, immediate=True):  # the lock is free once the first commits
        second.execute("INSERT INTO t VALUES (1)")
    assert first.execute("SELECT v FROM t").fetchall() == [(1,)]
    first.close()
    second.close()
