"""Land one input (SQL table/query or file) in a DuckDB temp table and check its mapping against it.

Config mistakes are found here, before any row is read: a mapped column the source does not have,
a required canonical column nothing maps to, a table that does not exist, a watermark column that
is not there — each named with its input and key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from salesglass.config import Config
from salesglass.errors import ConfigError
from salesglass.sources.platform import file_reader, sql_reader
from salesglass.sources.platform.config import ColumnSpec, SourceSpec
from salesglass.sources.platform.file_reader import Reject
from salesglass.sources.platform.mapping import Target, check_required, column_specs, referenced_columns
from salesglass.sources.platform.sql_reader import OnRows, quote_ident, quote_lit


@dataclass
class Landed:
    table: str
    rows: int
    specs: dict[str, ColumnSpec]
    types: dict[str, str]
    is_file: bool
    rejects: list[Reject] = field(default_factory=list)


def _types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return {r[0]: str(r[1]) for r in con.execute(f"DESCRIBE {quote_ident(table)}").fetchall()}


def land_input(con: duckdb.DuckDBPyConnection, cfg: Config, spec: SourceSpec, target: Target, *, into: str,
               label: str, watermark: str | None = None, since: str | None = None,
               on_rows: OnRows | None = None) -> Landed:
    """Read the input's (new) rows into temp table `into`."""
    if spec.path:
        return _land_file(con, cfg, spec, target, into=into, label=label, watermark=watermark, since=since)
    url = spec.url or cfg.platform.url
    if not url:
        raise ConfigError(f"{label}: no database to read from; set [platform].url (a SQLAlchemy URL) "
                          "or the input's own `url`, or give a file `path`")
    url = sql_reader.resolve_url(url, cfg.base_dir)
    base = sql_reader.base_query(url, spec.table, spec.query)
    what = f"table {spec.table!r}" if spec.table else "its query"
    try:
        available = sql_reader.probe_columns(url, base)
    except Exception as exc:
        raise ConfigError(f"{label}: cannot read {what} from {sql_reader.safe_url(url)}: "
                          f"{sql_reader._first_line(exc)}") from None
    specs = column_specs(spec, target, available, label)
    check_required(specs, target, label)
    if watermark and watermark not in available:
        raise ConfigError(f"{label}: watermark = {watermark!r}, but {what} has no such column "
                          f"(it has: {', '.join(available)})")
    cols = referenced_columns(specs, available) if spec.columns else None
    if cols is not None and watermark and watermark not in cols:
        cols.append(watermark)
    sql = sql_reader.select_sql(url, base, cols, spec.where, watermark, since)
    rows = sql_reader.land_sql(con, url, sql, into, batch_rows=cfg.platform.batch_rows, on_rows=on_rows,
                               label=label)
    return Landed(into, rows, specs, _types(con, into), is_file=False)


def _land_file(con: duckdb.DuckDBPyConnection, cfg: Config, spec: SourceSpec, target: Target, *, into: str,
               label: str, watermark: str | None, since: str | None) -> Landed:
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
            raise ConfigError(f"{label}: watermark = {watermark!r}, but {path.name} has no such column "
                              f"(it has: {', '.join(available)})")
        if not spec.columns:
            return None
        wanted = referenced_columns(specs, available)
        filters = referenced_columns({"where": ColumnSpec(sql=spec.where)}, available) if spec.where else []
        return [c for c in available if c in wanted or c in filters or c == watermark]

    rows, rejects = file_reader.land_file(con, path, into, sheet=spec.sheet, delimiter=spec.delimiter,
                                          encoding=spec.encoding, label=label, where=" AND ".join(conds) or "TRUE",
                                          project=project)
    if not specs:  # XLSX: the whole sheet was landed; check the mapping now
        project(list(_types(con, into)))
    return Landed(into, rows, specs, _types(con, into), is_file=True, rejects=rejects)


def max_watermark(con: duckdb.DuckDBPyConnection, landed: Landed, column: str) -> str | None:
    """The largest watermark value read, as text; numbers compare as numbers even when landed as text."""
    c = quote_ident(column)
    return con.execute(
        f"""SELECT CASE WHEN count({c}) = count(TRY_CAST({c} AS HUGEINT)) AND count({c}) > 0
                        THEN CAST(max(TRY_CAST({c} AS HUGEINT)) AS VARCHAR)
                        ELSE CAST(max({c}) AS VARCHAR) END FROM {quote_ident(landed.table)}""").fetchone()[0]
