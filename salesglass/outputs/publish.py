"""`salesglass publish`: the published reports and canonical model, copied into PostgreSQL for BI tools.

Power BI, DataLens, Metabase, Superset and Excel all speak PostgreSQL; none reads DuckDB files. So the
published DuckDB file is copied, table by table, into one PostgreSQL schema — atomically:

1. load everything into a fresh schema `<schema>__new_<ts>` (bulk `COPY … FROM STDIN`, CSV written by
   DuckDB itself, exact types: DECIMAL(18,2) → numeric(18,2), TIMESTAMPTZ → timestamptz, DATE → date),
   add column comments from the spec and the grants for BI roles;
2. in ONE transaction: lock the old schema's tables (waiting, up to `swap_wait_seconds`, for BI
   transactions still reading them), rename the old schema away, rename the new one in, drop the old.

A BI query therefore sees all-old or all-new tables, never a mix, and a transaction that is reading
the old tables keeps seeing them until it ends. A publish is serialised by an advisory lock.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

from salesglass.errors import SalesglassError, redact_message, redact_url
from salesglass.model.schema import TABLES
from salesglass.reports.columns import HELPER_COLUMNS, REPORT_COLUMNS, REPORT_TABLES
from salesglass.reports.publish import withheld
from salesglass.sql import quote_ident, quote_lit
from salesglass.warehouse import open_published

CHUNK = 1 << 20
_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")
_SIMPLE = {
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "TINYINT": "smallint",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20,0)",
    "HUGEINT": "numeric(38,0)",
    "BOOLEAN": "boolean",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "VARCHAR": "text",
    "JSON": "jsonb",
    "UUID": "uuid",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "TIMESTAMP": "timestamp",
    "INTERVAL": "interval",
}


@dataclass
class PublishSummary:
    schema: str
    tables: dict[str, int] = field(default_factory=dict)  # table → rows
    seconds: float = 0.0
    replaced_previous: bool = False
    warnings: list[str] = field(default_factory=list)
    kept_schema: str | None = None  # the previous publish, kept because views read it


def postgres_type(duckdb_type: str) -> str | None:
    """The exact PostgreSQL type for a DuckDB column type; None = copy as text."""
    t = duckdb_type.upper()
    if m := _DECIMAL.match(t):
        return f"numeric({m.group(1)},{m.group(2)})"
    return _SIMPLE.get(t)


def _libpq_url(url: str) -> str:
    # accept SQLAlchemy-style URLs (postgresql+psycopg://) too
    return re.sub(r"^postgres(ql)?\+\w+://", "postgresql://", url)


def comments(table: str) -> tuple[str | None, dict[str, str]]:
    """The table's description and its columns' (the spec's words: model/schema.py, reports/columns.py)."""
    added = REPORT_COLUMNS.get(table, {}) | HELPER_COLUMNS.get(table, {})
    if table in TABLES:
        t = TABLES[table]
        return t.doc, {c.name: c.doc for c in t.columns} | added  # + what the build adds
    return REPORT_TABLES.get(table), added


LEFT_OUT_PREFIX = "forecast_"


def published_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables a publish copies: every table of the published file but the forecast's working steps
    (`forecast_*`: day numbers and kopecks, read by the forecast alone; BI tools read its results in
    report_plan_fact, report_forecast_backtest and report_forecast_accuracy)."""
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_type = 'BASE TABLE' ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows if not r[0].startswith(LEFT_OUT_PREFIX)]


def _pg_text(column_sql: str, pg_type: str | None) -> str:
    """A text column as PostgreSQL takes it: a NUL character (amoCRM's JSON may carry `\\u0000` in a name)
    becomes U+FFFD, as in the Excel downloads — PostgreSQL's text and jsonb refuse NUL, and one such name would
    fail the whole publish."""
    text = f"replace(CAST({column_sql} AS VARCHAR), chr(0), '\ufffd')"
    return f"replace({text}, '\\u0000', '\\ufffd')" if pg_type == "jsonb" else text


def _load_table(con: duckdb.DuckDBPyConnection, pg: psycopg.Connection, schema: str, table: str, workdir: Path) -> int:
    cols = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' "
        "AND table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    # the build leaves them out of the published file already; one an older version built still holds them
    cols = [(name, dtype) for name, dtype in cols if name not in withheld(table)]
    defs, selects = [], []
    for name, dtype in cols:
        pg_type = postgres_type(dtype)
        defs.append(sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(pg_type or "text")))
        quoted = quote_ident(name)
        selects.append(f"{_pg_text(quoted, pg_type)} AS {quoted}" if pg_type in (None, "text", "jsonb") else quoted)
    target = sql.Identifier(schema, table)
    pg.execute(sql.SQL("CREATE TABLE {} ({})").format(target, sql.SQL(", ").join(defs)))
    csv_path = workdir / f"{table}.csv"
    con.execute(
        f"COPY (SELECT {', '.join(selects)} FROM {quote_ident(table)}) TO {quote_lit(str(csv_path))} "
        "(FORMAT csv, HEADER false)"
    )
    with (
        pg.cursor() as cur,
        cur.copy(sql.SQL("COPY {} FROM STDIN (FORMAT csv)").format(target)) as copy,
        csv_path.open("rb") as f,
    ):
        while chunk := f.read(CHUNK):
            copy.write(chunk)
    csv_path.unlink()
    doc, column_docs = comments(table)
    if doc:
        pg.execute(sql.SQL("COMMENT ON TABLE {} IS {}").format(target, sql.Literal(doc)))
    for name, _ in cols:
        if name in column_docs:
            pg.execute(
                sql.SQL("COMMENT ON COLUMN {}.{} IS {}").format(
                    target, sql.Identifier(name), sql.Literal(column_docs[name])
                )
            )
    return con.execute(f"SELECT count(*) FROM {quote_ident(table)}").fetchall()[0][0]


WORKDIR_PREFIX = "salesglass-publish-"
ATTEMPT_SECONDS = 1.0  # the longest a waiting swap holds up new BI queries at a time
BETWEEN_ATTEMPTS = 0.2  # … after which they run, before the next try


def remove_dead_workdirs(parent: Path | None = None) -> list[Path]:
    """Delete the CSV folders of publishes whose process is gone (killed mid-copy: every table's rows as
    CSV, left in the temporary folder until a reboot). The folder's name carries its process's pid."""
    import shutil

    from salesglass.processes import pid_alive

    parent = Path(tempfile.gettempdir()) if parent is None else parent
    removed = []
    for path in parent.glob(f"{WORKDIR_PREFIX}*-*"):
        pid = path.name[len(WORKDIR_PREFIX) :].split("-", 1)[0]
        if path.is_dir() and pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _schemas_like(pg: psycopg.Connection, pattern: str) -> list[str]:
    rows = pg.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [pattern]).fetchall()
    return [r[0] for r in rows]


def _like(name: str) -> str:
    """`name` as a LIKE pattern matching itself only."""
    return name.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")


def _settle_old_publishes(pg: psycopg.Connection, schema: str, summary: PublishSummary) -> None:
    """Earlier publishes kept alive for views built on them (`<schema>__old_<time>`): drop each that no view
    reads any more (its views were recreated on `schema`); name the others on every publish, not only the
    first, since their views keep showing that old data until someone recreates them."""
    for kept in sorted(_schemas_like(pg, _like(schema) + "\\_\\_old\\_%")):
        if kept == summary.kept_schema:  # kept by this very publish: already said
            continue
        views = _outside_dependents(pg, kept)
        if views:
            summary.warnings.append(
                f"views {', '.join(views)} still read schema {kept}, an earlier publish, and show its old data — "
                f"recreate them on {schema} (see docs/bi-tools.md), then drop {kept}"
            )
            continue
        try:
            with pg.transaction():
                # one short try, as the swap's: a reader still on it is not held up; the next publish retries
                pg.execute(
                    sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(f"{int(ATTEMPT_SECONDS * 1000)}ms"))
                )
                pg.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(kept)))
        except psycopg.errors.LockNotAvailable:
            pass  # a reader still holds it: the next publish drops it


def _outside_dependents(pg: psycopg.Connection, schema: str) -> list[str]:
    """Views in other schemas built on this schema's tables (a DROP … CASCADE would silently take them)."""
    rows = pg.execute(
        """
        SELECT DISTINCT vn.nspname || '.' || v.relname
        FROM pg_depend d
        JOIN pg_rewrite r ON r.oid = d.objid
        JOIN pg_class v ON v.oid = r.ev_class
        JOIN pg_namespace vn ON vn.oid = v.relnamespace
        JOIN pg_class t ON t.oid = d.refobjid
        JOIN pg_namespace tn ON tn.oid = t.relnamespace
        WHERE d.classid = 'pg_rewrite'::regclass AND tn.nspname = %s AND vn.nspname <> %s
        ORDER BY 1""",
        [schema, schema],
    ).fetchall()
    return [r[0] for r in rows]


def publish_postgres(
    published_path: Path,
    url: str,
    schema: str = "salesglass",
    *,
    grant_select_to: list[str] | tuple[str, ...] = (),
    swap_wait_seconds: float = 60.0,
) -> PublishSummary:
    """Copy every table of the published DuckDB file into `schema`, replacing it atomically."""
    started = time.monotonic()
    con = open_published(published_path)  # first: a missing file is the first thing to say
    summary = PublishSummary(schema=schema)
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
    new, old = f"{schema}__new_{stamp}", f"{schema}__old_{stamp}"
    try:
        pg = psycopg.connect(_libpq_url(url), autocommit=True)
    except psycopg.Error as exc:  # also a URL libpq refuses to parse (an unknown query parameter)
        con.close()
        said = redact_message(str(exc).strip().splitlines()[0], url)  # libpq quotes a URI it cannot parse whole
        raise SalesglassError(f"cannot connect to PostgreSQL at {redact_url(url)}: {said}") from None
    try:
        pg.execute("SET TimeZone = 'UTC'")
        pg.execute("SELECT pg_advisory_lock(hashtext(%s))", [f"salesglass publish {schema}"])
        for leftover in _schemas_like(pg, _like(schema) + "\\_\\_new\\_%"):  # from a publish that crashed
            pg.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(leftover)))
        remove_dead_workdirs()
        with tempfile.TemporaryDirectory(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-") as workdir, pg.transaction():
            pg.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(new)))
            for table in published_tables(con):
                summary.tables[table] = _load_table(con, pg, new, table, Path(workdir))
            for role in grant_select_to:
                _grant(pg, new, role)
        for table in summary.tables:
            pg.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(new, table)))
        summary.replaced_previous = _swap(pg, schema, new, old, swap_wait_seconds, summary)
        _settle_old_publishes(pg, schema, summary)
    except psycopg.errors.InsufficientPrivilege as exc:
        _drop_quietly(pg, new)
        user, db = pg.info.user, pg.info.dbname
        raise SalesglassError(
            f"PostgreSQL user {user} may not publish into database {db}: {str(exc).strip().splitlines()[0]}. "
            f"The publishing user needs CREATE on the database and must own schema {schema} if it exists: as a "
            f"superuser, GRANT CREATE ON DATABASE {db} TO {user} (docs/bi-tools.md, A read-only role for BI "
            "tools). The previous publish stays in place."
        ) from None
    except BaseException:
        _drop_quietly(pg, new)
        raise
    finally:
        con.close()
        pg.close()
    summary.seconds = time.monotonic() - started
    return summary


def _grant(pg: psycopg.Connection, schema: str, role: str) -> None:
    """Read access to every table of `schema` for a BI role ([publish] grant_select_to)."""
    try:
        with pg.transaction():  # a savepoint: a missing role is told as such, not as a failed transaction
            pg.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), sql.Identifier(role)))
            pg.execute(
                sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(
                    sql.Identifier(schema), sql.Identifier(role)
                )
            )
    except psycopg.errors.UndefinedObject:
        raise SalesglassError(
            f"[publish] grant_select_to names role {role!r}, which PostgreSQL does not have: create it "
            "(docs/bi-tools.md, A read-only role for BI tools) or take it off the list. The previous publish "
            "stays in place."
        ) from None


def _swap(pg: psycopg.Connection, schema: str, new: str, old: str, wait: float, summary: PublishSummary) -> bool:
    """Rename the new schema in, in one transaction; True when a previous publish was replaced."""
    exists = bool(_schemas_like(pg, _like(schema)))
    dependents = _outside_dependents(pg, schema) if exists else []
    base, suffix = old, 1
    while exists and _schemas_like(pg, _like(old)):  # a publish of the same second kept for views
        suffix += 1
        old = f"{base}_{suffix}"
    deadline = time.monotonic() + wait
    while True:
        # short tries: while the swap waits for a table's lock, every new query on it waits behind the swap, so
        # one long try would stall a BI dashboard's queries for all of `wait`; between tries they run
        attempt = max(0.001, min(ATTEMPT_SECONDS, deadline - time.monotonic()))
        try:
            with pg.transaction():
                pg.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(f"{int(attempt * 1000)}ms")))
                if exists:
                    tables = pg.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema]).fetchall()
                    if tables:
                        pg.execute(
                            sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(
                                sql.SQL(", ").join(sql.Identifier(schema, t) for (t,) in tables)
                            )
                        )
                    pg.execute(
                        sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(schema), sql.Identifier(old))
                    )
                pg.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(new), sql.Identifier(schema)))
                if exists and not dependents:
                    pg.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(old)))
            break
        except psycopg.errors.LockNotAvailable:
            if time.monotonic() + BETWEEN_ATTEMPTS >= deadline:
                raise SalesglassError(
                    f"PostgreSQL readers kept the tables of schema {schema} busy for more than {wait:.0f} s; the "
                    "previous publish stays in place. Run `salesglass publish` again (or raise [publish] "
                    "swap_wait_seconds)."
                ) from None
            time.sleep(BETWEEN_ATTEMPTS)
    if dependents:
        summary.kept_schema = old
        summary.warnings.append(
            f"views {', '.join(dependents)} are built on the previous publish; it was kept as schema {old} so they "
            f"still work but show old data — recreate them on {schema} (see docs/bi-tools.md), then drop {old}"
        )
    return exists


def _drop_quietly(pg: psycopg.Connection, schema: str) -> None:
    try:
        if not pg.closed:
            pg.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    except psycopg.Error:
        pass


def publish_from_config(cfg, url: str | None = None) -> PublishSummary:
    """`salesglass publish`: the URL from the argument or `[publish] postgres_url`."""
    url = url or cfg.publish.postgres_url
    if not url:
        raise SalesglassError(
            "no PostgreSQL URL: pass one (salesglass publish postgresql://user@host/db) or set [publish] postgres_url"
        )
    if not url.startswith(("postgres://", "postgresql://", "postgresql+")):
        raise SalesglassError(f"{redact_url(url)} is not a PostgreSQL URL (expected postgresql://user@host:5432/db)")
    return publish_postgres(
        cfg.published_path,
        url,
        cfg.publish.schema_name,
        grant_select_to=cfg.publish.grant_select_to,
        swap_wait_seconds=cfg.publish.swap_wait_seconds,
    )
