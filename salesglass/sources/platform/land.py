"""Land one input (SQL table/query or file) in a DuckDB temp table and check its mapping against it.

Config mistakes are found here, before any row is read: a mapped column the source does not have,
a required canonical column nothing maps to, a table that does not exist, a watermark column that
is not there — each named with its input and key.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field

import duckdb

from salesglass.config import Config
from salesglass.errors import ConfigError
from salesglass.model.schema import Kind
from salesglass.sources.platform import file_reader, sql_reader
from salesglass.sources.platform.config import ColumnSpec, SourceSpec
from salesglass.sources.platform.file_reader import Reject
from salesglass.sources.platform.mapping import Target, check_required, column_specs, referenced_columns
from salesglass.sources.platform.sql_reader import OnRows
from salesglass.sql import quote_ident, quote_lit


@dataclass
class Landed:
    table: str
    rows: int
    specs: dict[str, ColumnSpec]
    types: dict[str, str]
    is_file: bool
    rejects: list[Reject] = field(default_factory=list)
    # a streamed file: `table` is a view over it, parsed by the one query that reads it; `rows` and
    # `rejects` are known only after that (`streamed_rejects`), and `close` then drops the view
    streamed_rejects: Callable[[], list[Reject]] | None = None
    what: str = ""
    _open: ExitStack = field(default_factory=ExitStack)

    @property
    def streamed(self) -> bool:
        return self.streamed_rejects is not None

    def close(self) -> None:
        self._open.close()


def _types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return {r[0]: str(r[1]) for r in con.execute(f"DESCRIBE {quote_ident(table)}").fetchall()}


def land_input(
    con: duckdb.DuckDBPyConnection,
    cfg: Config,
    spec: SourceSpec,
    target: Target,
    *,
    into: str,
    label: str,
    watermark: str | None = None,
    since: str | None = None,
    on_rows: OnRows | None = None,
    stream: bool = False,
) -> Landed:
    """Read the input's (new) rows into temp table `into`. With `stream`, a CSV file is not copied
    but becomes a view `into` over the file (see `Landed.streamed`); the caller must `close()` it."""
    if spec.path:
        return _land_file(
            con, cfg, spec, target, into=into, label=label, watermark=watermark, since=since, stream=stream
        )
    url = spec.url or cfg.platform.url
    if not url:
        raise ConfigError(
            f"{label}: no database to read from; set [platform].url (a SQLAlchemy URL) "
            "or the input's own `url`, or give a file `path`"
        )
    url = sql_reader.resolve_url(url, cfg.base_dir)
    base = sql_reader.base_query(url, spec.table, spec.query)
    what = f"table {spec.table!r}" if spec.table else "its query"
    try:
        available = sql_reader.probe_columns(url, base)
        money = sql_reader.probe_money(url, base) if sql_reader.is_postgres(url) else []
    except Exception as exc:
        raise ConfigError(
            f"{label}: cannot read {what} from {sql_reader.safe_url(url)}: {sql_reader._first_line(exc, url)}"
        ) from None
    specs = column_specs(spec, target, available, label)
    check_required(specs, target, label)
    if watermark and watermark not in available:
        raise ConfigError(
            f"{label}: watermark = {watermark!r}, but {what} has no such column (it has: {', '.join(available)})"
        )
    cols = referenced_columns(specs, available) if spec.columns else None
    if cols is not None and watermark and watermark not in cols:
        cols.append(watermark)
    sql = sql_reader.select_sql(url, base, cols, spec.where, watermark, since, numeric=(available, money))
    if spec.where:  # the server plans the filter now: a wrong one is a config mistake, not a failed read
        try:
            sql_reader.probe_columns(url, sql)
        except Exception as exc:
            raise ConfigError(
                f"{label}: where = {spec.where!r} does not work on {what}: {sql_reader._first_line(exc, url)}"
            ) from None
    rows = sql_reader.land_sql(con, url, sql, into, batch_rows=cfg.platform.batch_rows, on_rows=on_rows, label=label)
    return Landed(into, rows, specs, _types(con, into), is_file=False)


def _land_file(
    con: duckdb.DuckDBPyConnection,
    cfg: Config,
    spec: SourceSpec,
    target: Target,
    *,
    into: str,
    label: str,
    watermark: str | None,
    since: str | None,
    stream: bool,
) -> Landed:
    assert spec.path
    path = cfg.resolve(spec.path)
    conds = [f"({spec.where})"] if spec.where else []
    if watermark and since is not None:
        conds.append(f"{quote_ident(watermark)} >= {quote_lit(since)}")
    specs: dict[str, ColumnSpec] = {}

    def project(available: list[str]) -> list[str] | None:
        """Check the mapping against the file's header; read only the columns it needs (a wide export)."""
        specs.update(column_specs(spec, target, available, label))
        check_required(specs, target, label)
        if watermark and watermark not in available:
            raise ConfigError(
                f"{label}: watermark = {watermark!r}, but {path.name} has no such column "
                f"(it has: {', '.join(available)})"
            )
        if not spec.columns:
            return None
        wanted = referenced_columns(specs, available)
        filters = referenced_columns({"where": ColumnSpec(sql=spec.where)}, available) if spec.where else []
        return [c for c in available if c in wanted or c in filters or c == watermark]

    def read_as(kinds: tuple[Kind, ...], *, expressions: bool = True) -> Callable[[list[str]], set[str]]:
        """Given the sheet's columns, those a canonical column of one of `kinds` reads (`expressions`: in an
        `sql` expression too)."""

        def columns(available: list[str]) -> set[str]:
            mapped = column_specs(spec, target, available, label)
            return {
                c
                for name, cs in mapped.items()
                if target.kind(name) in kinds and (expressions or cs.column)
                for c in referenced_columns({name: cs}, available)
            }

        return columns

    # a number merged over rows in an amount's column is theirs together, not each row's; a number in a time's
    # column is Excel's day number (`file_reader.land_xlsx`)
    amounts = read_as((Kind.MONEY, Kind.INTEGER, Kind.DOUBLE))
    days = read_as((Kind.TIMESTAMPTZ, Kind.DATE), expressions=False)

    where = " AND ".join(conds) or "TRUE"
    if stream and file_reader.is_csv(path):
        landed = Landed(into, 0, specs, {}, is_file=True, what=f"{path} as CSV")
        landed.streamed_rejects = landed._open.enter_context(
            file_reader.stream_csv(
                con,
                path,
                into,
                delimiter=spec.delimiter,
                encoding=spec.encoding,
                label=label,
                where=where,
                project=project,
            )
        )
        landed.types = _types(con, into)
        return landed
    rows, rejects = file_reader.land_file(
        con,
        path,
        into,
        sheet=spec.sheet,
        delimiter=spec.delimiter,
        encoding=spec.encoding,
        label=label,
        where=where,
        project=project,
        amounts=amounts,
        days=days,
    )
    if not specs:  # XLSX: the whole sheet was landed; check the mapping now
        project(list(_types(con, into)))
    return Landed(into, rows, specs, _types(con, into), is_file=True, rejects=rejects)


def max_watermark(con: duckdb.DuckDBPyConnection, table: str, column: str) -> str | None:
    """The largest watermark value read, as text; numbers compare as numbers even when landed as text.
    The text maximum decides cheaply: when it is not a number, not every value is one."""
    c, t = quote_ident(column), quote_ident(table)
    kind = con.execute(f"SELECT typeof({c}) FROM {t} LIMIT 1").fetchone()
    if kind and kind[0] != "VARCHAR":  # a typed watermark (see `watermark_sql`)
        return con.execute(f"SELECT CAST(max({c}) AS VARCHAR) FROM {t}").fetchall()[0][0]
    top = con.execute(f"SELECT CAST(max({c}) AS VARCHAR), TRY_CAST(max({c}) AS HUGEINT) FROM {t}").fetchall()[0]
    if top[1] is None:
        return top[0]
    return con.execute(
        f"""SELECT CASE WHEN count({c}) = count(TRY_CAST({c} AS HUGEINT))
                        THEN CAST(max(TRY_CAST({c} AS HUGEINT)) AS VARCHAR)
                        ELSE CAST(max({c}) AS VARCHAR) END FROM {t}"""
    ).fetchall()[0][0]


def watermark_sql(con: duckdb.DuckDBPyConnection, relation: str, column: str, alias: str) -> str:
    """The watermark column as it is kept while staging: as a number or a timestamp when the first
    rows are exactly such values (8 bytes a row, where the text of ten million distinct values costs
    a second more to store), else as text. Its maximum is the same either way. `alias`: the relation's
    name in the query that uses the expression."""
    c = quote_ident(column)
    sample = f"(SELECT {c} AS v FROM {quote_ident(relation)} WHERE {c} IS NOT NULL LIMIT 1000)"
    n, ints, stamps = con.execute(
        f"""SELECT count(*), count(*) FILTER (CAST(TRY_CAST(v AS HUGEINT) AS VARCHAR) = v),
                   count(*) FILTER (CAST(TRY_CAST(v AS TIMESTAMP) AS VARCHAR) = v) FROM {sample}"""
    ).fetchall()[0]
    ref = f"{alias}.{c}"
    if n and ints == n:
        return f"TRY_CAST({ref} AS HUGEINT)"
    if n and stamps == n:
        return f"TRY_CAST({ref} AS TIMESTAMP)"
    return ref
