"""ClickHouse specifics of the build, kept in one place.

- Outer joins must yield NULL, not 0 / '' (ClickHouse's default): every query runs with
  `join_use_nulls = 1` (the backend is connected with it; chdb queries append it).
- Derived helpers are materialised as tables with Nullable columns: ClickHouse expands CTEs inline, so
  without it big reports (plan-fact) exceed the query-tree limit, and non-Nullable columns would turn
  a window `lag()` past the edge into 0 instead of NULL.
- The bonus state (approvals, locked lines, adjustments: small tables) is read from the published DuckDB
  file, where the build copies it as on DuckDB, and put next to the canonical tables (`state_on`), so an
  approved month stays as approved whatever engine computes the reports.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa

from salesglass.sql import quote_ident, quote_lit

BUILD_PREFIX = "salesglass_build_"
SETTINGS = "SETTINGS join_use_nulls = 1"


def column_type(dtype: dt.DataType) -> str:
    if dtype.is_decimal():
        base = f"Decimal({dtype.precision or 38}, {dtype.scale or 0})"
    elif dtype.is_timestamp():
        base = "DateTime64(6, 'UTC')"
    else:
        base = {
            "int8": "Int8",
            "int16": "Int16",
            "int32": "Int32",
            "int64": "Int64",
            "float64": "Float64",
            "float32": "Float32",
            "string": "String",
            "date": "Date",
            "boolean": "Bool",
        }[type(dtype).__name__.lower()]
    return f"Nullable({base})"


def create_sql(name: str, schema: ibis.Schema) -> str:
    cols = ", ".join(f"{quote_ident(n)} {column_type(t)}" for n, t in schema.items())
    return f"CREATE TABLE {quote_ident(name)} ({cols}) ENGINE = MergeTree ORDER BY tuple()"


def materialize_on_server(con: ibis.BaseBackend, name: str, expr: ibis.Table) -> ibis.Table:
    """Production path (Ibis ClickHouse backend): a helper table on the server, refilled each build."""
    table = BUILD_PREFIX + name
    con.drop_table(table, force=True)
    con.raw_sql(create_sql(table, expr.schema()))
    con.raw_sql(f"INSERT INTO {quote_ident(table)} {ibis.to_sql(expr, dialect='clickhouse')} {SETTINGS}")
    return con.table(table)


def materialize_in_chdb(session, name: str, expr: ibis.Table) -> ibis.Table:
    """Test path (chdb has no Ibis backend): the same DDL and INSERT … SELECT, compiled by Ibis."""
    table = BUILD_PREFIX + name
    session.query(f"DROP TABLE IF EXISTS {quote_ident(table)}")
    session.query(create_sql(table, expr.schema()))
    session.query(f"INSERT INTO {quote_ident(table)} {ibis.to_sql(expr, dialect='clickhouse')} {SETTINGS}")
    return ibis.table(expr.schema(), name=table)


STATE_TABLES = ("periods", "approvals", "locked_lines", "locked_sales", "manual")


def state_on(state: Any, put: Callable[[str, pa.Table], ibis.Table]) -> Any:
    """The bonus state (reports/bonus_close.BonusState, tables of the published DuckDB file) with each
    table copied by `put(name, rows)` to the engine that computes the reports."""
    return replace(state, **{f: put(f"bonus_{f}", getattr(state, f).to_pyarrow()) for f in STATE_TABLES})


def put_on_server(con: ibis.BaseBackend, name: str, rows: pa.Table) -> ibis.Table:
    """Production path: a small table on the server (Nullable columns), refilled each build."""
    table = BUILD_PREFIX + name
    con.drop_table(table, force=True)
    con.raw_sql(create_sql(table, ibis.Schema.from_pyarrow(rows.schema)))
    if rows.num_rows:
        con.con.insert_arrow(table, rows)  # the clickhouse-connect client behind Ibis's backend
    return con.table(table)


def put_in_chdb(session, name: str, rows: pa.Table) -> ibis.Table:
    """Test/bench path: the same table in a chdb session (filled from a Parquet file)."""
    import pyarrow.parquet as pq

    table = BUILD_PREFIX + name
    schema = ibis.Schema.from_pyarrow(rows.schema)
    session.query(f"DROP TABLE IF EXISTS {quote_ident(table)}")
    session.query(create_sql(table, schema))
    if rows.num_rows:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{name}.parquet"
            pq.write_table(rows, path)
            session.query(f"INSERT INTO {quote_ident(table)} SELECT * FROM file({quote_lit(str(path))}, Parquet)")
    return ibis.table(schema, name=table)


def push_canonical(con: ibis.BaseBackend, warehouse_path: str, *, batch_rows: int = 1_000_000) -> dict[str, int]:
    """Copy the canonical tables from the DuckDB working warehouse to the ClickHouse server.

    Sources keep landing in DuckDB (one writer, transactions, quarantine); ClickHouse is where the
    reports are computed when the data outgrows one machine. Tables are re-created with Nullable
    columns (model/ddl.py) and filled in Arrow batches, so memory stays bounded at any size.

    The columns no published copy holds (reports/publish.py `WITHHELD_COLUMNS`: `quarantine.raw`, the whole
    text of a rejected source row) are not sent: no report reads them (data quality counts quarantined rows by
    source, entity and reason), and a ClickHouse server is another system with its own users and backups.
    """
    import duckdb

    from salesglass.model.ddl import create_table_sql
    from salesglass.model.schema import CANONICAL
    from salesglass.reports.publish import withheld

    client = con.con  # the clickhouse-connect client behind Ibis's backend
    src = duckdb.connect(warehouse_path, read_only=True)
    src.execute("SET TimeZone = 'UTC'")
    rows: dict[str, int] = {}
    try:
        for full in CANONICAL:
            table = replace(full, columns=tuple(c for c in full.columns if c.name not in withheld(full.name)))
            client.command(f"DROP TABLE IF EXISTS {quote_ident(table.name)}")
            client.command(create_table_sql(table, "clickhouse", if_not_exists=False))
            columns = ", ".join(quote_ident(n) for n in table.names)
            reader = src.execute(f"SELECT {columns} FROM {quote_ident(table.name)}").to_arrow_reader(batch_rows)
            rows[table.name] = 0
            for batch in reader:
                client.insert_arrow(table.name, pa.Table.from_batches([batch]))
                rows[table.name] += batch.num_rows
    finally:
        src.close()
    return rows
