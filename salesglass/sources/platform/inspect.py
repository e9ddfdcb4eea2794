"""`salesglass platform inspect`, part 1: what the back-office holds, measured on a sample.

Lists the tables (or the CSV/XLSX files of a folder) with their columns, types, row counts and a few
values, and profiles each column — number and date parse rates, integer-ness, share of negatives,
share divisible by 100, zone offsets, e-mails, ИНН checksums, low-cardinality values — so that
`propose.py` can say *why* it guesses what it guesses. Read-only; the sample is landed in an
in-memory DuckDB with the same readers the load uses, and profiled there in SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from salesglass.errors import ConfigError
from salesglass.model.inn import INN_KPP_DIGITS
from salesglass.sources.platform import file_reader, sql_reader
from salesglass.sql import quote_ident, quote_lit

SAMPLE_ROWS = 5000
BAD_TIME_SHARE = 0.05  # a date column may hold this share of cells that are no date (at least one)
FILE_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm"}
TEXT_FORMATS = (
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
)
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
OFFSET = r"([+-]\d\d(:?\d\d)?|[zZ]|\s?UTC)$"


@dataclass
class ColumnProfile:
    name: str
    type: str  # the source's type (SQL) or DuckDB's landed type ("VARCHAR" for files)
    values: int = 0  # non-empty values in the sample
    distinct: int = 0
    samples: list[str] = field(default_factory=list)
    top: list[tuple[str, int]] = field(default_factory=list)  # every value with its count, when few
    numeric: float = 0.0  # share of values that read as a number (spaces, decimal commas allowed)
    integral: float = 0.0  # share of the numbers without a fraction
    div100: float = 0.0  # share of the numbers divisible by 100
    negative: float = 0.0  # share of the numbers below zero
    zero: float = 0.0  # share of the numbers equal to zero
    total_lines: int = 0  # values like «Итого»/«Всего»/"Total": a report's sum line, not a row
    median: float | None = None  # of the absolute numbers
    fraction_text: float = 0.0  # share of values written with a decimal separator ("1234,50")
    timestamp: float = 0.0  # share that reads as a date/time (by type, ISO, or `format`)
    not_times: int = 0  # values of a date column that do not read as one (bad cells: quarantined by the load)
    not_time_samples: list[str] = field(default_factory=list)  # a few of them, to show
    format: str | None = None  # strptime format of text dates, when ISO does not parse
    zoned: float = 0.0  # share with a zone offset (or a zoned type)
    email: float = 0.0
    inn: float = 0.0  # share of 10/12-digit values passing the ИНН checksum
    primary_key: bool = False
    references: str | None = None  # "table.column" of a declared foreign key

    @property
    def is_number(self) -> bool:
        return self.values > 0 and self.numeric >= 0.95

    @property
    def is_time(self) -> bool:
        """Dates, allowing a few bad cells: 5 % of the values, and always one (in a sample of ten, one
        typo must not hide the date column), as long as three of four values read as dates."""
        if not self.values or self.timestamp >= 0.95:
            return self.values > 0
        return self.timestamp >= 0.75 and self.not_times <= max(1, int(self.values * BAD_TIME_SHARE))

    @property
    def typed_time(self) -> bool:
        return self.type.upper().startswith(("TIMESTAMP", "DATETIME", "DATE"))

    @property
    def typed_integer(self) -> bool:
        return "INT" in self.type.upper()

    @property
    def typed_decimal(self) -> bool:
        return self.type.upper().startswith(("NUMERIC", "DECIMAL", "MONEY", "REAL", "DOUBLE", "FLOAT"))

    @property
    def typed_bool(self) -> bool:
        return self.type.upper().startswith("BOOL")


@dataclass
class TableProfile:
    name: str  # table name, or the file's name
    rows: int
    columns: list[ColumnProfile]
    path: str | None = None  # files: the path as an input's `path` writes it (relative to the config)
    encoding: str | None = None
    sampled: int = 0

    def column(self, name: str) -> ColumnProfile | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass
class Catalog:
    source: str  # the URL (password masked) or the folder
    kind: str  # "sql" or "files"
    tables: list[TableProfile]
    url: str | None = None  # the resolved URL (SQL), for quoting in the source's dialect
    dialect: str = "duckdb"  # postgresql, sqlite, mysql … ; files: duckdb (their `where` runs in DuckDB)
    timezone: str = "Europe/Moscow"  # the zone naive times are read in ([platform].timezone)
    zone_from: str = "[platform].timezone"  # where `timezone` comes from, as the proposal says it

    def table(self, name: str) -> TableProfile | None:
        return next((t for t in self.tables if t.name == name), None)


def inn_valid(value: str) -> bool:
    """The ИНН checksum (10 digits: organisations; 12: individuals and sole traders)."""
    d = [int(c) for c in value]
    if len(d) == 10:
        return sum(x * w for x, w in zip(d, (2, 4, 10, 3, 5, 9, 4, 6, 8), strict=False)) % 11 % 10 == d[9]
    if len(d) == 12:
        c11 = sum(x * w for x, w in zip(d, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8), strict=False)) % 11 % 10
        c12 = sum(x * w for x, w in zip(d, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8), strict=False)) % 11 % 10
        return c11 == d[10] and c12 == d[11]
    return False


def inspect_source(url: str | None, folder: str | None, base_dir: Path, *, sample: int = SAMPLE_ROWS) -> Catalog:
    """Profile every table of the database at `url`, or every CSV/XLSX file in `folder`."""
    con = duckdb.connect(":memory:")
    try:
        if folder:
            return _inspect_folder(con, folder, base_dir, sample)
        if not url:
            raise ConfigError(
                "[platform]: nothing to inspect; set [platform].url (a database URL) or "
                "[platform].folder (a folder of CSV/XLSX files), e.g. with `salesglass init "
                "--platform-url …`"
            )
        return _inspect_sql(con, url, base_dir, sample)
    finally:
        con.close()


def _inspect_sql(con: duckdb.DuckDBPyConnection, url: str, base_dir: Path, sample: int) -> Catalog:
    import sqlalchemy as sa

    resolved = sql_reader.resolve_url(url, base_dir)
    parsed = sa.engine.make_url(resolved)
    if parsed.drivername == "postgresql":  # SQLAlchemy's default is psycopg2; salesglass ships psycopg 3
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(parsed)
    tables: list[TableProfile] = []
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            default = insp.default_schema_name
            for schema, table in _tables_to_read(insp, parsed.get_backend_name()):
                name = table if schema == default else f"{schema}.{table}"
                cols = insp.get_columns(table, schema=schema)
                pk: set[str] = set()
                refs = {}
                if table not in insp.get_view_names(schema=schema):
                    pk = set(insp.get_pk_constraint(table, schema=schema).get("constrained_columns") or [])
                    for fk in insp.get_foreign_keys(table, schema=schema):
                        theirs_schema = fk.get("referred_schema") or schema
                        referred = fk["referred_table"]
                        if theirs_schema != default:
                            referred = f"{theirs_schema}.{referred}"
                        for mine, theirs in zip(fk["constrained_columns"], fk["referred_columns"], strict=False):
                            refs[mine] = f"{referred}.{theirs}"
                q = sql_reader.source_ident(resolved, name)
                rows = conn.exec_driver_sql(f"SELECT count(*) FROM {q}").scalar() or 0
                into = f"__t{len(tables)}"
                sql_reader.land_sql(
                    con,
                    resolved,
                    f"SELECT * FROM {q} LIMIT {int(sample)}",
                    into,
                    batch_rows=sample,
                    label=f"table {name!r}",
                )
                profiles = [_profile(con, into, c["name"], _type_name(c["type"])) for c in cols]
                for p in profiles:
                    p.primary_key = p.name in pk
                    p.references = refs.get(p.name)
                tables.append(TableProfile(name, int(rows), profiles, sampled=min(int(rows), sample)))
    except ConfigError:
        raise
    except sa.exc.SQLAlchemyError as exc:
        raise ConfigError(
            f"[platform].url: cannot read {sql_reader.safe_url(resolved)}: {sql_reader._first_line(exc, resolved)}"
        ) from None
    finally:
        engine.dispose()
    dialect = sa.engine.make_url(resolved).get_backend_name()
    return Catalog(sql_reader.safe_url(resolved), "sql", tables, url=resolved, dialect=dialect)


def _tables_to_read(insp, backend: str) -> list[tuple[str | None, str]]:  # insp: sqlalchemy Inspector
    """(schema, table or view) of the back-office: the connection's default schema; on PostgreSQL every other
    schema the reader can see too (a back-office in `billing` or `shop` rather than `public`), system ones
    aside. A reader's views are often the tidy way in, so they count as tables."""
    default = insp.default_schema_name
    schemas = [default]
    if backend == "postgresql":
        schemas += sorted(
            s for s in insp.get_schema_names() if s != default and s != "information_schema" and not s.startswith("pg_")
        )
    found = []
    for schema in schemas:
        names = {*insp.get_table_names(schema=schema), *insp.get_view_names(schema=schema)} - {"sqlite_sequence"}
        found += [(schema, name) for name in sorted(names)]
    return found


def _type_name(sql_type: object) -> str:
    name = str(sql_type).upper()
    if getattr(sql_type, "timezone", False) and "TIME ZONE" not in name:
        name += " WITH TIME ZONE"  # SQLAlchemy prints PostgreSQL's timestamptz as plain TIMESTAMP
    return name


def _inspect_folder(con: duckdb.DuckDBPyConnection, folder: str, base_dir: Path, sample: int) -> Catalog:
    root = Path(folder).expanduser()
    root = root if root.is_absolute() else base_dir / root
    if not root.is_dir():
        raise ConfigError(f"[platform].folder: {root} is not a folder")
    tables: list[TableProfile] = []
    for path in sorted(p for p in root.iterdir() if p.suffix.lower() in FILE_SUFFIXES and p.is_file()):
        into = f"__t{len(tables)}"
        rows, _rejects = file_reader.land_file(con, path, into, label=f"file {path.name}")
        types = con.execute(f"DESCRIBE {quote_ident(into)}").fetchall()
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {quote_ident(into)} AS SELECT * FROM {quote_ident(into)} LIMIT {int(sample)}"
        )
        profiles = [_profile(con, into, r[0], "VARCHAR") for r in types]
        rel = Path(folder) / path.name
        enc = file_reader.detect_encoding(path) if file_reader.is_csv(path) else None
        tables.append(
            TableProfile(path.name, rows, profiles, path=rel.as_posix(), encoding=enc, sampled=min(rows, sample))
        )
    return Catalog(str(root), "files", tables)


def _number_sql(v: str) -> str:
    clean = f"replace(replace(replace(trim({v}), ' ', ''), chr(160), ''), ',', '.')"
    return f"TRY_CAST({clean} AS DOUBLE)"


def _profile(con: duckdb.DuckDBPyConnection, table: str, name: str, source_type: str) -> ColumnProfile:
    """One column's profile over the landed sample (set-based SQL; a few distinct values in Python)."""
    t, c = quote_ident(table), quote_ident(name)
    landed = (
        str((con.execute(f"SELECT typeof({c}) FROM {t} LIMIT 1").fetchone() or ("VARCHAR",))[0])
        if con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
        else "VARCHAR"
    )
    p = ColumnProfile(name, source_type if source_type not in ("", "NULL") else landed)
    v = f"NULLIF(trim(CAST({c} AS VARCHAR)), '')"
    base = f"(SELECT {v} AS v, {c} AS raw FROM {t}) s WHERE v IS NOT NULL"
    num = _number_sql("v")
    row = con.execute(f"""
        SELECT count(*), count(DISTINCT v), count({num}),
               count(*) FILTER ({num} = round({num})),
               count(*) FILTER ({num} = round({num}) AND {num} % 100 = 0),
               count(*) FILTER ({num} < 0), median(abs({num})), count(*) FILTER ({num} = 0),
               count(*) FILTER (regexp_matches(v, '^-?[0-9 ]+[.,][0-9]+$')),
               count(*) FILTER (regexp_full_match(v, {quote_lit(EMAIL)})),
               count(*) FILTER (regexp_matches(v, {quote_lit(OFFSET)}) AND regexp_matches(v, '[0-9]:[0-9]')),
               count(*) FILTER (regexp_matches(lower(v), '^(итого|всего|total)'))
        FROM {base}""").fetchall()[0]
    n = row[0]
    p.values, p.distinct = n, row[1]
    if not n:
        return p
    p.numeric = row[2] / n
    p.integral = row[3] / row[2] if row[2] else 0.0
    p.div100 = row[4] / row[2] if row[2] else 0.0
    p.negative = row[5] / row[2] if row[2] else 0.0
    p.median = float(row[6]) if row[6] is not None else None
    p.zero = row[7] / row[2] if row[2] else 0.0
    p.fraction_text = row[8] / n
    p.email = row[9] / n
    p.zoned = row[10] / n
    p.total_lines = row[11]
    p.samples = [r[0] for r in con.execute(f"SELECT DISTINCT v FROM {base} LIMIT 3").fetchall()]
    if p.distinct <= 12:
        p.top = [
            (r[0], int(r[1]))
            for r in con.execute(f"SELECT v, count(*) FROM {base} GROUP BY v ORDER BY 2 DESC, 1").fetchall()
        ]
    kind = landed.upper()
    if kind.startswith("TIMESTAMP WITH TIME ZONE") or "TZ" in p.type or "WITH TIME ZONE" in p.type:
        p.timestamp, p.zoned = 1.0, 1.0
    elif kind.startswith(("TIMESTAMP", "DATE")) or p.typed_time:
        p.timestamp = 1.0
    elif p.numeric < 0.5:
        iso = con.execute(f"SELECT count(TRY_CAST(v AS TIMESTAMP)) FROM {base}").fetchall()[0][0] / n
        p.timestamp = iso
        if iso < 0.95:
            for fmt in TEXT_FORMATS:
                share = con.execute(f"SELECT count(try_strptime(v, {quote_lit(fmt)})) FROM {base}").fetchall()[0][0] / n
                if share > p.timestamp:
                    p.timestamp, p.format = share, fmt
                if share >= 0.95:
                    break
        if 0 < p.timestamp < 1:
            parsed = f"try_strptime(v, {quote_lit(p.format)})" if p.format else "TRY_CAST(v AS TIMESTAMP)"
            bad = f"SELECT v FROM {base} AND {parsed} IS NULL"
            p.not_times = con.execute(f"SELECT count(*) FROM ({bad})").fetchall()[0][0]
            p.not_time_samples = [
                r[0] for r in con.execute(f"SELECT DISTINCT v FROM ({bad}) ORDER BY 1 LIMIT 3").fetchall()
            ]
    digits = [re.sub(r"\D", "", s) for (s,) in con.execute(f"SELECT DISTINCT v FROM {base} LIMIT 2000").fetchall()]
    digits = [d[:10] if len(d) == INN_KPP_DIGITS else d for d in digits]  # ИНН+КПП in one field (model/inn.py)
    long = [d for d in digits if len(d) in (10, 12)]
    if long and len(long) >= 0.8 * len(digits):
        p.inn = sum(inn_valid(d) for d in long) / len(digits)
    return p
