"""Read one SQL input (a table or a query) into a DuckDB temp table, in Arrow batches.

PostgreSQL goes through ADBC: rows arrive as Arrow record batches straight from libpq's binary
protocol and DuckDB ingests them in bulk — no Python object per row, which is what makes 10 million
sales rows a matter of seconds. SQLite goes through ADBC too (adbc-driver-sqlite: batches built in C,
~5× the SQLAlchemy path), every column cast to TEXT in SQLite itself. MySQL/MariaDB goes through connectorx
(mysql_reader.py: Arrow batches built in Rust, every column cast to text by the server); a MySQL URL with
options connectorx does not take (a unix socket, TLS files) and other databases go through SQLAlchemy with
a server-side cursor, in chunks (pymysql handing over the server's text). Except from PostgreSQL (typed
columns), values are landed as text so that a stray string in an integer column (SQLite allows it) or a
MySQL zero date becomes a quarantined row later instead of a crash now.

The SQL we generate for the source (the table, the projection, the watermark filter) is spelled in the
source's own dialect: identifiers are quoted by SQLAlchemy's identifier preparer (`x` for MySQL, "x" for
PostgreSQL and SQLite), so no session setting such as ANSI_QUOTES is needed and users' own queries and
`where` filters keep the server's usual meaning of double quotes.

SQLAlchemy is imported only for what needs it: a plain SQLite URL (`sqlite:///file`) is understood,
probed and read without it (importing it costs a refresh that reads a few changed rows ~0.6 CPU-s).
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

from salesglass.errors import ConfigError, SalesglassError, redact_message, redact_url
from salesglass.sources.platform import mysql_reader
from salesglass.sql import quote_ident, quote_lit, quote_qualified

OnRows = Callable[[int], None]
PYTHON_BATCH_ROWS = 50_000  # rows per batch on the SQLAlchemy path, whatever [platform].batch_rows says


# a SQLite URL SQLAlchemy would read as just a file path (no driver options): sqlite:///relative.db,
# sqlite:////absolute.db, sqlite:///:memory:, sqlite://
_PLAIN_SQLITE = re.compile(r"sqlite(?:\+pysqlite)?://(?:/(?P<path>[^?#]*))?")


def _sqlite_path(url: str) -> str | None:
    """The file of a plain SQLite URL (":memory:" for an in-memory one); None for any other URL."""
    m = _PLAIN_SQLITE.fullmatch(url)
    if m is None:
        return None
    return m.group("path") or ":memory:"


def make_url(url: str):  # -> sqlalchemy.engine.URL
    from sqlalchemy.engine import make_url as parse

    return parse(url)


def _backend(url: str) -> str:
    """The URL's database kind (`postgresql`, `sqlite`, `mysql`…), as SQLAlchemy names it."""
    return url.split(":", 1)[0].split("+", 1)[0].lower()


def _userinfo_end(url: str) -> int:
    """Where the `user:password@` part of `scheme://user:password@host/…` ends (the `@`), or -1."""
    start = url.find("://")
    if start < 0:
        return -1
    host_end = url.find("/", start + 3)
    return url.rfind("@", start + 3, len(url) if host_end < 0 else host_end)


ENV_FILE = Path("secrets/salesglass.env")  # where `salesglass init` writes the secrets it took out of the config


def _env_file_hint(name: str, base_dir: Path) -> str:
    """When `salesglass init`'s secrets file sets the variable, how to load it (a new shell forgets it)."""
    path = base_dir / ENV_FILE
    try:
        names = {line.split("=", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines() if "=" in line}
    except OSError:
        return ""
    if name not in names:
        return ""
    return f"; {ENV_FILE} sets it: load it in this shell first with `set -a; . {ENV_FILE}; set +a`"


def resolve_url(url: str, base_dir: Path) -> str:
    """Expand `${VAR}` from the environment (keeps passwords out of the file); SQLite paths from the config.

    A variable standing for the user or the password holds it as is (`salesglass init` writes it so) and is
    percent-encoded into the URL: a generated password with `@`, `/`, `:` or `%` must not break the URL.
    """
    from urllib.parse import quote

    userinfo_end = _userinfo_end(url)

    def env(m: re.Match[str]) -> str:
        if m.group(1) not in os.environ:
            raise ConfigError(
                f"[platform].url refers to ${{{m.group(1)}}}, but that environment variable is not set"
                + _env_file_hint(m.group(1), base_dir)
            )
        value = os.environ[m.group(1)]
        return quote(value, safe="") if m.end() <= userinfo_end else value

    url = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", env, url)
    sqlite = _sqlite_path(url)
    if sqlite is not None:
        if sqlite == ":memory:":
            return url
        db = Path(sqlite)
        resolved = url if db.is_absolute() else f"sqlite:///{base_dir / db}"
        if not (db if db.is_absolute() else base_dir / db).exists():  # SQLite would create an empty database
            raise ConfigError(f"[platform].url: the SQLite file {base_dir / db} does not exist")
        return resolved
    try:
        parsed = make_url(url)
    except Exception:
        raise ConfigError(
            "[platform].url: not a valid database URL; expected e.g. postgresql://user@host:5432/db, "
            "mysql+pymysql://user@host/db or sqlite:///file.sqlite"
        ) from None
    if parsed.get_backend_name() not in ("postgresql", "mysql", "mariadb", "sqlite"):  # oracle:// was a traceback
        raise ConfigError(
            f"[platform].url: {parsed.drivername}://… is not a database salesglass reads; expected "
            "postgresql://user@host:5432/db, mysql+pymysql://user@host/db or sqlite:///file.sqlite "
            "(or [platform].folder for CSV/XLSX files)"
        )
    if parsed.drivername in ("mysql", "mariadb") and importlib.util.find_spec("MySQLdb") is None:
        raise ConfigError(
            f"[platform].url: {parsed.drivername}://… asks for the mysqlclient driver, which is not "
            f"installed; write {parsed.drivername}+pymysql://… (pymysql comes with salesglass)"
        )
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        db = Path(parsed.database)
        if not db.is_absolute():
            db = base_dir / db
            url = parsed.set(database=str(db)).render_as_string(hide_password=False)
        if not db.exists():  # SQLite would silently create an empty database
            raise ConfigError(f"[platform].url: the SQLite file {db} does not exist")
    return url


def safe_url(url: str) -> str:
    """The URL with its password masked, for messages."""
    if _sqlite_path(url) is not None:
        return url  # a file path, no password
    return redact_url(url)


def is_postgres(url: str) -> bool:
    return _backend(url) == "postgresql"


def is_sqlite(url: str) -> bool:
    return _backend(url) == "sqlite"


@lru_cache
def _dialect(drivername: str):
    return make_url(f"{drivername}://").get_dialect()()


def is_mysql(url: str) -> bool:
    return _backend(url) in ("mysql", "mariadb")


def source_ident(url: str, name: str) -> str:
    """An identifier (`schema.table` allowed) quoted the way the source database spells it."""
    if _sqlite_path(url) is not None:  # "x", as SQLAlchemy's SQLite dialect quotes it
        return ".".join(quote_ident(part) for part in name.split("."))
    try:
        preparer = _dialect(make_url(url).drivername).identifier_preparer
    except Exception:  # a dialect SQLAlchemy cannot load: connecting will say so; ANSI quotes meanwhile
        return quote_qualified(name)
    return ".".join(preparer.quote_identifier(part) for part in name.split("."))


def source_lit(url: str, value: str) -> str:
    """A string literal for the source: MySQL also reads backslash escapes in literals (its default mode)."""
    if is_mysql(url):
        value = value.replace("\\", "\\\\")
    return quote_lit(value)


def base_query(url: str, table: str | None, query: str | None) -> str:
    if query:
        return query.strip().rstrip(";")
    assert table
    return f"SELECT * FROM {source_ident(url, table)}"


def select_sql(
    url: str,
    base: str,
    columns: list[str] | None,
    where: str | None,
    watermark: str | None,
    since: str | None,
    *,
    numeric: tuple[list[str], list[str]] | None = None,
) -> str:
    """The query sent to the source: the input's rows, only the needed columns, only new rows. `numeric`:
    (every column, the ones read as `numeric`, `probe_money`): PostgreSQL's money, cast on the server."""
    names = columns or (numeric[0] if numeric and numeric[1] else None)
    cast = set(numeric[1]) if numeric else set()

    def col(c: str) -> str:
        ident = source_ident(url, c)
        return f"CAST({ident} AS numeric) AS {ident}" if c in cast else ident

    cols = ", ".join(col(c) for c in names) if names else "*"
    conds = []
    if where:
        conds.append(f"({where})")
    if watermark and since is not None:
        if is_mysql(url):  # a TIMESTAMP watermark was landed as UTC text with `+00`; the session is UTC too
            since = mysql_reader.utc_literal(since)
        conds.append(f"{source_ident(url, watermark)} >= {source_lit(url, since)}")
    tail = (" WHERE " + " AND ".join(conds)) if conds else ""
    return f"SELECT {cols} FROM ({base}) src{tail}"


def _pg_uri(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def probe_columns(url: str, base: str) -> list[str]:
    """Column names of the input (table or query) without reading its rows."""
    sql = f"SELECT * FROM ({base}) src WHERE 1 = 0"
    sqlite = _sqlite_path(url)
    if sqlite is not None:
        import sqlite3

        probe = sqlite3.connect(f"file:{sqlite}?mode=ro", uri=True) if sqlite != ":memory:" else sqlite3.connect(sqlite)
        try:
            return [d[0] for d in probe.execute(sql).description]
        finally:
            probe.close()
    if is_postgres(url):
        import adbc_driver_postgresql.dbapi as pg

        with pg.connect(_pg_uri(url)) as conn, conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetch_arrow_table().schema.names)
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.exec_driver_sql(_driver_sql(engine, sql)).keys())
    finally:
        engine.dispose()


PG_MONEY_OID = 790  # pg_type.oid of `money`


def probe_money(url: str, base: str) -> list[str]:
    """The columns of a PostgreSQL input typed `money`, read without its rows. ADBC hands money over as its
    raw 64-bit count of the currency's smallest unit, no type said: 100.50 ₽ arrived as the number 10050 and
    loaded as 10 050 ₽. Such columns are cast to `numeric` on the server instead (`select_sql`)."""
    import psycopg

    with psycopg.connect(_pg_uri(url)) as conn, conn.cursor() as cur:
        cur.execute(f"SELECT * FROM ({base}) src WHERE 1 = 0")
        return [d.name for d in cur.description or () if d.type_code == PG_MONEY_OID]


def _driver_sql(engine: Engine, sql: str) -> str:
    """The SQL as the driver must be handed it: pymysql (paramstyle `format`) runs `sql % params` even with no
    parameters, so a `%` of the user's own `where` (`name LIKE 'Ё%'`) is doubled, else it fails to format."""
    return sql.replace("%", "%%") if engine.dialect.paramstyle in ("format", "pyformat") else sql


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime | date | time):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _hex_if_bytes(value: str | bytes) -> str:
    return value.hex() if isinstance(value, bytes) else value


def _pymysql_text_conv() -> dict:
    """pymysql decoders that hand every value over as the text MySQL sent ('2024-03-01 10:00:00', '5.0000',
    '0000-00-00 00:00:00' as is): no datetime or Decimal object is built per value only to be turned back
    into text — twice the speed — and binary columns arrive as lowercase hex, like the generic path."""
    from pymysql import converters
    from pymysql.connections import TEXT_TYPES
    from pymysql.constants import FIELD_TYPE

    conv = dict(converters.conversions)
    for name in dir(FIELD_TYPE):
        code = getattr(FIELD_TYPE, name)
        if isinstance(code, int) and not name.startswith("_"):
            conv[code] = _hex_if_bytes if code in TEXT_TYPES else converters.through
    conv[FIELD_TYPE.TIMESTAMP] = mysql_reader.utc_text  # an instant: the session is UTC (`_sqlalchemy_batches`)
    return conv


def _sqlalchemy_batches(url: str, sql: str, batch_rows: int) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    import sqlalchemy as sa

    as_text = make_url(url).get_driver_name() == "pymysql"
    engine = (
        sa.create_engine(url, connect_args={"conv": _pymysql_text_conv(), "init_command": mysql_reader.UTC_SESSION})
        if as_text
        else sa.create_engine(url)
    )
    try:
        conn = engine.connect()
    except Exception:
        engine.dispose()
        raise
    try:  # a server-side cursor (pymysql: SSCursor): rows come as they are fetched, not all at once
        result = conn.execution_options(stream_results=True).exec_driver_sql(_driver_sql(engine, sql))
    except Exception:
        conn.close()
        engine.dispose()
        raise
    names = list(result.keys())
    schema = pa.schema([(n, pa.string()) for n in names])
    # a row here is Python objects (~0.6 GB per 250 000 rows of 14 columns): smaller batches, same speed
    batch_rows = min(batch_rows, PYTHON_BATCH_ROWS)

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            while rows := result.fetchmany(batch_rows):
                cols = list(zip(*rows, strict=True))
                arrays = [pa.array(col if as_text else [_text(v) for v in col], pa.string()) for col in cols]
                yield pa.record_batch(arrays, schema=schema)
        finally:
            conn.close()
            engine.dispose()

    return schema, batches()


def _adbc_batches(url: str, sql: str, batch_rows: int) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    import adbc_driver_postgresql.dbapi as pg

    conn = pg.connect(_pg_uri(url))
    cur = conn.cursor()
    cur.adbc_statement.set_options(**{"adbc.postgresql.batch_size_hint_bytes": str(16 * 1024 * 1024)})
    cur.execute(sql)
    reader = cur.fetch_record_batch()

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            yield from reader
        finally:
            cur.close()
            conn.close()

    return reader.schema, batches()


def _sqlite_text_sql(sql: str, names: list[str]) -> str:
    """Every column as text, computed by SQLite (blobs as lowercase hex, like the SQLAlchemy path).

    ADBC infers each column's Arrow type from the first batch; a leading all-NULL stretch would make it
    guess int64 and fail on the first string. So one all-'' row goes first (UNION ALL keeps the order of
    its arms in SQLite) and is dropped again by the reader."""

    def text(name: str) -> str:
        c = "src." + quote_ident(name)
        return f"CASE typeof({c}) WHEN 'blob' THEN lower(hex({c})) ELSE CAST({c} AS TEXT) END AS {quote_ident(name)}"

    head = ", ".join(f"'' AS {quote_ident(n)}" for n in names)
    return f"SELECT {head} UNION ALL SELECT {', '.join(text(n) for n in names)} FROM ({sql}) src"


def _adbc_sqlite_batches(url: str, sql: str, batch_rows: int) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    import sqlite3

    import adbc_driver_sqlite.dbapi as adbc_sqlite

    path = _sqlite_path(url) or make_url(url).database or ":memory:"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as probe:  # column names only, no rows read
        names = [d[0] for d in probe.execute(f"SELECT * FROM ({sql}) src LIMIT 0").description]
    probe.close()
    conn = adbc_sqlite.connect(path)
    cur = conn.cursor()
    cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(batch_rows)})
    cur.execute(_sqlite_text_sql(sql, names))
    reader = cur.fetch_record_batch()
    schema = pa.schema([(n, pa.string()) for n in names])

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            first = True
            for batch in reader:
                if first:
                    batch, first = batch.slice(1), False
                yield pa.record_batch(batch.columns, schema=schema)
        finally:
            cur.close()
            conn.close()

    return schema, batches()


def _batches(url: str, sql: str, batch_rows: int) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    if is_postgres(url):
        return _adbc_batches(url, sql, batch_rows)
    if is_sqlite(url):
        return _adbc_sqlite_batches(url, sql, batch_rows)
    if mysql_reader.connectorx_usable(url):
        return mysql_reader.connectorx_batches(url, sql, batch_rows)
    return _sqlalchemy_batches(url, sql, batch_rows)


def land_sql(
    con: duckdb.DuckDBPyConnection,
    url: str,
    sql: str,
    into: str,
    *,
    batch_rows: int,
    on_rows: OnRows | None = None,
    label: str = "",
) -> int:
    """Stream the query's result into the DuckDB temp table `into`; returns the number of rows."""
    try:
        schema, batches = _batches(url, sql, batch_rows)
    except Exception as exc:
        raise SalesglassError(f"{label}: cannot read from {safe_url(url)}: {_first_line(exc, url)}") from None
    count = 0
    failed: list[Exception] = []  # the reader's own error: DuckDB would only pass on its text, wrapped

    def counted() -> Iterator[pa.RecordBatch]:
        nonlocal count
        try:
            for batch in batches:
                count += batch.num_rows
                if on_rows:
                    on_rows(batch.num_rows)
                yield batch
        except Exception as exc:
            failed.append(exc)
            raise

    reader = pa.RecordBatchReader.from_batches(schema, counted())
    con.register("__arrow_in", reader)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {quote_ident(into)} AS SELECT * FROM __arrow_in")
    except duckdb.Error as exc:
        cause = failed[0] if failed else exc
        raise SalesglassError(f"{label}: reading from {safe_url(url)} failed: {_first_line(cause, url)}") from None
    finally:
        con.unregister("__arrow_in")
        close = getattr(batches, "close", None)
        if close:  # a reader stopped half-way frees its connection now, not when the process ends
            close()
    return count


def _first_line(exc: BaseException, url: str | None = None) -> str:
    """The error's first line; the URL's password masked should a driver have quoted it."""
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    password = _password(url) if url else None
    line = line.replace(password, "***") if password else line
    return redact_message(line, url) if url and _sqlite_path(url) is None else line


def _password(url: str) -> str | None:
    if _sqlite_path(url) is not None:
        return None
    try:
        return make_url(url).password
    except Exception:
        return None
