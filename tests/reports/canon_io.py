"""Put canonical rows (lists of dicts) into DuckDB or chdb, and run report expressions on either."""

from __future__ import annotations

import tempfile
from pathlib import Path

import ibis
import ibis.expr.operations as ops
import pyarrow as pa
import pyarrow.parquet as pq

from salesglass.model.ddl import create_table_sql
from salesglass.model.schema import CANONICAL, Kind, Table
from salesglass.reports.clickhouse import SETTINGS, materialize_in_chdb

_ARROW = {
    Kind.BIGINT: pa.int64(),
    Kind.INTEGER: pa.int32(),
    Kind.TEXT: pa.string(),
    Kind.MONEY: pa.decimal128(18, 2),
    Kind.TIMESTAMPTZ: pa.timestamp("us", tz="UTC"),
    Kind.DATE: pa.date32(),
    Kind.BOOLEAN: pa.bool_(),
    Kind.DOUBLE: pa.float64(),
    Kind.JSON: pa.string(),
}


def dated(params, con):
    """`params` as the build sets them for the canonical tables of a DuckDB connection: the zone's offsets
    written from the year of their earliest instant (BuildParams.first_year), not from 1970 (a CASE over
    every summer time since, the same dates for this data, more to compile and to run)."""
    from salesglass.reports.build import earliest_instant

    return params.dated_from(earliest_instant(lambda sql: con.execute(sql).fetchall(), [t.name for t in CANONICAL]))


def dated_for(params, data: dict[str, list[dict] | pa.Table]):
    """`params` dated (`dated`) for canonical rows not yet in DuckDB (those a test loads into chdb, or builds
    from `params` before loading): their earliest instant, found as the build finds it."""
    import duckdb

    from salesglass.warehouse import init_canonical

    con = duckdb.connect()
    try:
        init_canonical(con)
        load_duckdb(con, data)
        return dated(params, con)
    finally:
        con.close()


def arrow_schema(table: Table) -> pa.Schema:
    return pa.schema([pa.field(c.name, _ARROW[c.kind]) for c in table.columns])


def to_arrow(table: Table, rows: list[dict]) -> pa.Table:
    schema = arrow_schema(table)
    return pa.Table.from_pylist([{c: r.get(c) for c in schema.names} for r in rows], schema=schema)


def load_duckdb(con, data: dict[str, list[dict] | pa.Table]) -> None:
    """Insert into an (empty) canonical DuckDB warehouse; `con` is a duckdb connection."""
    for t in CANONICAL:
        rows = data.get(t.name, [])
        arrow = rows if isinstance(rows, pa.Table) else to_arrow(t, rows)
        con.register("incoming", arrow)
        con.execute(f'INSERT INTO "{t.name}" SELECT * FROM incoming')
        con.unregister("incoming")


def chdb_session(data: dict[str, list[dict] | pa.Table]):
    """A chdb session holding the canonical tables (Nullable columns, as model/ddl.py renders them)."""
    from chdb import session

    s = session.Session()
    s.query("SET join_use_nulls = 1")
    with tempfile.TemporaryDirectory() as tmp:
        for t in CANONICAL:
            s.query(create_table_sql(t, "clickhouse"))
            rows = data.get(t.name, [])
            arrow = rows if isinstance(rows, pa.Table) else to_arrow(t, rows)
            if arrow.num_rows:
                path = Path(tmp) / f"{t.name}.parquet"
                pq.write_table(arrow, path)
                s.query(f"INSERT INTO \"{t.name}\" SELECT * FROM file('{path}', Parquet)")
    return s


def run_chdb(s, expr: ibis.Table) -> pa.Table:
    sql = ibis.to_sql(expr, dialect="clickhouse")
    return s.query(f"{sql}\n{SETTINGS}", "ArrowTable")


class _InOrder:
    """A chdb session whose statements run one after another on a worker thread while the caller goes on.

    Materialising a step only sends statements (nothing is read back), and the next step's SQL is
    compiled from unbound tables, so Ibis compiles step n + 1 (Python) while ClickHouse plans and runs
    step n (C++, without the GIL): the same statements in the same order, in about half the time."""

    def __init__(self, session) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.session = session
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chdb")
        self.sent: list = []

    def query(self, sql: str, *args) -> None:
        self.sent.append(self.pool.submit(self.session.query, sql, *args))

    def wait(self) -> None:
        """Every statement done; the first that failed raises here, as it would have where it was sent."""
        try:
            for done in self.sent:
                done.result()
        finally:
            self.pool.shutdown(cancel_futures=True)


def chdb_reports(
    data: dict, params, state=None, only: tuple[str, ...] | None = None, given: dict[str, pa.Table] | None = None
) -> dict[str, pa.Table]:
    """Every report computed by ClickHouse (chdb) from the canonical rows, derived helpers materialised;
    `state`: a BonusState read from a published DuckDB file, copied into chdb as the build does.

    `given`: derived helpers put into chdb from these rows (another engine's result, with the columns and
    types the step's expression has) instead of computed there; the steps after them read them as usual.

    `only`: just these reports, and the derived helpers they read (directly or through other helpers),
    materialised in the build's order with the same SQL; a test that compares a few reports does not
    make ClickHouse plan the others (planning the forecast and plan-fact SQL takes most of chdb's time)."""
    from dataclasses import replace

    from salesglass.reports.build import report_exprs
    from salesglass.reports.clickhouse import BUILD_PREFIX, create_sql, put_in_chdb, state_on
    from salesglass.sql import quote_ident, quote_lit

    s = chdb_session(data)
    canon = unbound_canon()
    if state is not None:
        canon = replace(canon, bonus_state=state_on(state, lambda n, t: put_in_chdb(s, n, t)))
    if only is None:
        queue = _InOrder(s)
        with tempfile.TemporaryDirectory() as tmp:

            def keep(name: str, expr: ibis.Table) -> ibis.Table:
                if name not in (given or {}):
                    return materialize_in_chdb(queue, name, expr)
                table, path = quote_ident(BUILD_PREFIX + name), Path(tmp) / f"{name}.parquet"
                pq.write_table(given[name].select(expr.columns), path)
                queue.query(create_sql(BUILD_PREFIX + name, expr.schema()))
                queue.query(f"INSERT INTO {table} SELECT * FROM file({quote_lit(str(path))}, Parquet)")
                return ibis.table(expr.schema(), name=BUILD_PREFIX + name)

            try:
                exprs = report_exprs(canon, params, keep=keep)
            finally:
                queue.wait()
        return {name: run_chdb(s, expr) for name, expr in exprs.items()}
    assert not given, "given: every report only"

    kept: dict[str, ibis.Table] = {}  # in the order the build materialises them

    def keep(name: str, expr: ibis.Table) -> ibis.Table:
        kept[name] = expr
        return ibis.table(expr.schema(), name=BUILD_PREFIX + name)  # what materialize_in_chdb returns

    exprs = report_exprs(canon, params, keep=keep)
    wanted, todo = set(), list(only)
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            read = [t.name for t in kept[name].op().find(ops.UnboundTable) if t.name.startswith(BUILD_PREFIX)]
            todo += [n for n in (r.removeprefix(BUILD_PREFIX) for r in read) if n in kept]  # not bonus state
    queue = _InOrder(s)
    try:
        for name, expr in kept.items():
            if name in wanted:
                materialize_in_chdb(queue, name, expr)
    finally:
        queue.wait()
    return {name: run_chdb(s, exprs[name]) for name in only}


def unbound_canon():
    """Canon of unbound tables with the canonical schemas (for compiling to any dialect)."""
    from salesglass.reports.base import Canon

    return Canon(**{t.name: ibis.table(ibis.schema(arrow_schema(t)), name=t.name) for t in CANONICAL})


def doctor_quality(data: dict[str, list[dict]], tz: str, as_of, development: list[int | str] | None = None) -> dict:
    """`salesglass doctor`'s data-quality counts (reason → rows) on a plain warehouse holding `data`, on the
    fixed day `as_of` in zone `tz`: doctor reads the warehouse as it is, without the build's derived tables."""
    import duckdb

    from salesglass.account_zone import AccountZone
    from salesglass.reports.doctor import quality_rows
    from salesglass.warehouse import init_canonical

    class FixedDay(AccountZone):
        def today(self, now=None):
            return as_of

    con = duckdb.connect()
    try:
        init_canonical(con)
        load_duckdb(con, data)
        return {reason: n for _, _, reason, n in quality_rows(con, FixedDay(tz, "test"), development)}
    finally:
        con.close()
