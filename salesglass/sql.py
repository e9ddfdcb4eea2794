"""SQL text we build ourselves: quoted identifiers and literals, and one transaction block.

Values are bound as parameters where an engine allows it; these are for what cannot be bound (table
and column names, DDL, `COPY … TO '<path>'`, `SET x = '<value>'`) and for DuckDB statements where a
bound parameter would make it import pandas. Quoting doubles the quote character; it never strips it
(stripping turns `O"Neil` into another name, and a literal into SQL).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any


def quote_ident(name: str) -> str:
    """One identifier, quoted, its double quotes doubled. A dot stays part of the name."""
    return '"' + name.replace('"', '""') + '"'


def quote_qualified(name: str) -> str:
    """A dotted name (`schema.table`), each part quoted: for names a user writes in the config."""
    return ".".join(quote_ident(part) for part in name.split("."))


def quote_lit(value: str) -> str:
    """A string literal: `it's` → `'it''s'`."""
    return "'" + value.replace("'", "''") + "'"


def quote_lits(values: Iterable[str]) -> str:
    """A list of literals for `IN (…)`; `NULL` when empty (so `x IN (NULL)` matches nothing)."""
    return ", ".join(quote_lit(v) for v in values) or "NULL"


def one_of_sql(expr: str, values: Iterable[str]) -> str:
    """DuckDB SQL: whether `expr` is one of the text `values` (NULL when `expr` is NULL, as `IN`).

    Not `expr IN (…)`: DuckDB turns an IN list of five or more constants into a join, and a join does not
    keep the rows' order. A load fills its table in the file's order so that the first copy of a repeated
    key wins; an `IN` of six NULL spellings once made a later copy win."""
    return f"list_contains([{quote_lits(values)}], {expr})"


@contextmanager
def transaction(con: Any, *, enabled: bool = True, immediate: bool = False) -> Iterator[None]:
    """`BEGIN` … `COMMIT`, or `ROLLBACK` and re-raise when the block raises anything.

    Anything means BaseException, on purpose: a Ctrl+C or a worker's SystemExit in the middle of a
    load must roll the transaction back as surely as an error does, or the connection stays inside
    an open transaction and the next statement on it (a `finally` writing a journal, a test's
    check) runs there, to be committed later or lost. A failing ROLLBACK (the connection is gone)
    does not hide the error that caused it. `enabled=False` runs the block inside the caller's
    transaction (a step that is part of a larger one). `immediate=True` (SQLite) takes the write lock
    at BEGIN, so two processes that read, then write, take turns instead of one failing at its write.
    """
    if not enabled:
        yield
        return
    con.execute("BEGIN IMMEDIATE" if immediate else "BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        with suppress(Exception):
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
