"""Python lists into DuckDB tables quickly and without pandas.

Bound parameters (`executemany`) and pyarrow tables both make the process import pandas, 1–4 CPU-s on
this machine, and a literal per value is parsed one by one (~10 µs each: 200,000 suggestions took
seconds). Here each column travels as ONE string literal, its values joined by a character none of them
contains, and DuckDB splits it: ~0.4 s for 200,000 names.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from salesglass.sql import quote_lit

# characters to join values with, or to stand for NULL: control characters, then the private use area
_SPARE = [*range(31, 0, -1), *range(0xE000, 0xF900)]
BATCH = 100_000  # rows per statement
Value = str | int | float | None


def _text(kind: str, v: Value) -> str:
    if isinstance(v, str):
        raise TypeError(f"{kind} column: {v!r} is text")
    return "" if v is None else repr(float(v)) if kind == "DOUBLE" else str(int(v))


def _column(name: str, kind: str, values: Sequence[Value]) -> tuple[str, str]:
    """(the column as an unnest of its split literal, the expression restoring its type and NULLs)."""
    if kind == "VARCHAR":
        texts = [v for v in values if isinstance(v, str)]
        if len(texts) != sum(v is not None for v in values):
            raise TypeError(f"column {name}: VARCHAR values must be str or None")
        joined = "".join(texts)
        free = (chr(c) for c in _SPARE if chr(c) not in joined)
        sep, null = next(free), next(free)
        text = sep.join(v if isinstance(v, str) else null for v in values)
        restore = f"NULLIF({name}, chr({ord(null)}))"
    else:
        sep = ","
        if kind == "BIGINT" and all(type(v) is int for v in values):
            text = sep.join(map(str, values))  # the common case, without a call per value
        else:
            text = sep.join(_text(kind, v) for v in values)
        restore = f"NULLIF({name}, '')::{kind}"
    return f"unnest(string_split({quote_lit(text)}, chr({ord(sep)}))) AS {name}", f"{restore} AS {name}"


def select_rows(columns: Sequence[tuple[str, str, Sequence[Value]]]) -> str:
    """A `SELECT` giving the rows of (name, SQL type, values) columns of one length ≥ 1."""
    parts = [_column(name, kind, values) for name, kind, values in columns]
    return f"SELECT {', '.join(p[1] for p in parts)} FROM (SELECT {', '.join(p[0] for p in parts)})"


def create_table(
    con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[tuple[str, str, Sequence[Value]]]
) -> None:
    """`CREATE TABLE table` holding the columns (name, SQL type: BIGINT, DOUBLE or VARCHAR, values)."""
    con.execute(f"CREATE TABLE {table} ({', '.join(f'{name} {kind}' for name, kind, _ in columns)})")
    insert_columns(con, table, columns)


def insert_columns(
    con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[tuple[str, str, Sequence[Value]]]
) -> None:
    """Append the columns (name, SQL type, values; all of one length) to an existing table."""
    names = ", ".join(name for name, _, _ in columns)
    for start in range(0, len(columns[0][2]), BATCH):
        batch = [(name, kind, values[start : start + BATCH]) for name, kind, values in columns]
        con.execute(f"INSERT INTO {table} ({names}) {select_rows(batch)}")


def insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, kinds: Sequence[tuple[str, str]], rows: Sequence[Sequence[Value]]
) -> None:
    """Append rows (tuples in the order of `kinds`: (column name, SQL type)) to an existing table."""
    if rows:
        insert_columns(con, table, [(name, kind, [row[k] for row in rows]) for k, (name, kind) in enumerate(kinds)])
