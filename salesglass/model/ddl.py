"""CREATE TABLE statements for the canonical model, rendered per engine from `model/schema.py`."""

from __future__ import annotations

from salesglass.model.schema import CANONICAL, Kind, Table

_DUCKDB = {Kind.JSON: "JSON"}
_POSTGRES = {Kind.TIMESTAMPTZ: "TIMESTAMPTZ", Kind.DOUBLE: "DOUBLE PRECISION", Kind.JSON: "JSONB"}
_CLICKHOUSE = {
    Kind.BIGINT: "Int64",
    Kind.INTEGER: "Int32",
    Kind.TEXT: "String",
    Kind.MONEY: "Decimal(18, 2)",
    Kind.TIMESTAMPTZ: "DateTime64(6, 'UTC')",
    Kind.DATE: "Date",
    Kind.BOOLEAN: "Bool",
    Kind.DOUBLE: "Float64",
    Kind.JSON: "String",
}


def sql_type(kind: Kind, dialect: str = "duckdb") -> str:
    if dialect == "duckdb":
        return _DUCKDB.get(kind, kind.value)
    if dialect == "postgres":
        return _POSTGRES.get(kind, kind.value)
    if dialect == "clickhouse":
        return _CLICKHOUSE[kind]
    raise ValueError(f"unknown dialect {dialect!r}")


def create_table_sql(
    table: Table, dialect: str = "duckdb", *, name: str | None = None, if_not_exists: bool = True
) -> str:
    """DDL for one canonical table. ClickHouse columns are Nullable: non-Nullable ones turn NULL into 0."""
    cols = []
    for c in table.columns:
        t = sql_type(c.kind, dialect)
        if dialect == "clickhouse":
            cols.append(f'"{c.name}" {t}' if c.key else f'"{c.name}" Nullable({t})')
        else:
            cols.append(f'"{c.name}" {t}' + (" NOT NULL" if c.not_null else ""))
    head = "CREATE TABLE IF NOT EXISTS" if if_not_exists else "CREATE TABLE"
    body = ",\n  ".join(cols)
    sql = f'{head} "{name or table.name}" (\n  {body}\n)'
    if dialect == "clickhouse":
        order = ", ".join(f'"{k}"' for k in table.key) or "tuple()"
        sql += f" ENGINE = MergeTree ORDER BY ({order})"
    return sql


def create_all_sql(dialect: str = "duckdb") -> list[str]:
    return [create_table_sql(t, dialect) for t in CANONICAL]
