"""Read MySQL/MariaDB as Arrow record batches with connectorx — the rows never become Python objects.

pymysql, a pure-Python driver, parses every value of every row in Python (~56 000 rows/s); connectorx
(Rust) reads the wire protocol into Arrow arrays itself and hands them over batch by batch
(`return_type="arrow_stream"`), so memory stays at a few batches whatever the table's size.

The landed text must stay what the pymysql path gives (the server's own text of each value: '5.0000',
'0000-00-00 00:00:00', '-838:59:59'; binary columns as lowercase hex): connectorx would build typed
Arrow columns and refuses a zero date, so every column is turned into text by the server itself —
`CAST(col AS CHAR)`, or `lower(hex(col))` for binary strings. Which columns are binary is learnt from a
LIMIT 0 probe through pymysql (the column's type and character set, the test pymysql itself applies); the
probe also makes a wrong password fail at once, before connectorx's connection pool would retry for 30 s.

A TIMESTAMP column is an instant (MySQL keeps it in UTC) but the server writes it out in the session's
time zone — the server's default, which need not be the zone the load reads naive times in. So every
session salesglass opens sets `time_zone = '+00:00'` and a TIMESTAMP value lands with `+00` after it: the
load keeps its offset, where a DATETIME (no zone) stays naive and is read in the configured zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyarrow as pa

# URL options connectorx's MySQL driver does not take, dropped because they do not change the text we get:
# the connection always speaks utf8mb4 and CAST(… AS CHAR) converts every column to it
IGNORED_OPTIONS = {"charset"}
BINARY_CHARSET = 63  # MySQL's character set number of binary strings (BINARY, VARBINARY, BLOB, BIT, GEOMETRY)
# TIMESTAMP values are written out in UTC (and marked so, `utc_text`): the server's own zone does not matter
UTC_SESSION = "SET time_zone = '+00:00'"


def utc_text(value: str) -> str:
    """A TIMESTAMP's text, read in a UTC session, with its offset: `2024-03-01 10:00:00+00`. The zero
    date stays as is (quarantined later as not a valid timestamp)."""
    return value if value.startswith("0000-00-00") else value + "+00"


def utc_literal(value: str) -> str:
    """`utc_text` undone, for a watermark compared by the (UTC) session: MariaDB reads no offset in a literal."""
    return value.removesuffix("+00") if re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00", value) else value


def connectorx_usable(url: str) -> bool:
    """connectorx takes host, port, user, password and database only: an URL with other options (a unix
    socket, TLS files) keeps the SQLAlchemy/pymysql path, which understands them."""
    import importlib.util

    from sqlalchemy.engine import make_url

    u = make_url(url)
    return (
        u.get_backend_name() in ("mysql", "mariadb")
        and u.get_driver_name() == "pymysql"
        and not set(u.query) - IGNORED_OPTIONS
        and importlib.util.find_spec("connectorx") is not None
    )


def _connectorx_url(url: str) -> str:
    """connectorx's URL for the same server and user. `prefer_socket=false`: like pymysql, talk TCP to the host
    named (the Rust driver would otherwise switch to the server's unix socket, where the user may differ)."""
    from sqlalchemy.engine import URL, make_url

    u = make_url(url)
    return URL.create(
        "mysql",
        username=u.username,
        password=u.password,
        host=u.host or "localhost",
        port=u.port or 3306,
        database=u.database,
        query={"prefer_socket": "false"},
    ).render_as_string(hide_password=False)


def mysql_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _probe(url: str, sql: str) -> list[tuple[str, str]]:
    """(name, text expression) per column of the query, from its metadata only (LIMIT 0 reads no row)."""
    import sqlalchemy as sa
    from pymysql.connections import TEXT_TYPES
    from pymysql.constants import FIELD_TYPE

    engine = sa.create_engine(url)
    try:
        conn = engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute(f"SELECT * FROM ({sql}) src LIMIT 0")
            fields = cur._result.fields  # pymysql's column metadata: type code, character set, length
            cur.close()
        finally:
            conn.close()
    finally:
        engine.dispose()
    out = []
    for f in fields:
        col = "src." + mysql_ident(f.name)
        if f.type_code == FIELD_TYPE.BIT:  # pymysql: the value's bytes, ceil(bits / 8) of them, as hex
            text = f"lower(lpad(hex({col}), {2 * ((f.length + 7) // 8)}, '0'))"
        elif f.type_code in TEXT_TYPES and f.charsetnr == BINARY_CHARSET:
            text = f"lower(hex({col}))"
        elif f.type_code == FIELD_TYPE.TIMESTAMP:  # an instant, printed in the (UTC) session zone
            text = f"IF({col} = 0, CAST({col} AS CHAR), CONCAT(CAST({col} AS CHAR), '+00'))"
        else:
            text = f"CAST({col} AS CHAR)"
        out.append((f.name, text))
    return out


def text_sql(sql: str, columns: list[tuple[str, str]]) -> str:
    """The query with every column computed as text by the server."""
    return f"SELECT {', '.join(f'{text} AS {mysql_ident(name)}' for name, text in columns)} FROM ({sql}) src"


class ConnectorxError(RuntimeError):
    """connectorx's failure (a Rust panic included) as an ordinary exception, password masked."""


def _masked(exc: BaseException, password: str | None) -> ConnectorxError:
    text = str(exc).strip() or type(exc).__name__
    # "cx writer failed: Source(MySQLError(MySqlError { ERROR 1242 (21000): Subquery returns … }))": the server's words
    server = re.search(r"MySqlError \{ (.*) \}", text)
    text = server.group(1) if server else text
    if password:  # as given, and as it stands in the URL handed to connectorx (percent-encoded)
        from urllib.parse import quote, quote_plus

        for form in {password, quote(password, safe=""), quote_plus(password)}:
            text = text.replace(form, "***")
    return ConnectorxError(text)


def connectorx_batches(url: str, sql: str, batch_rows: int) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    import connectorx

    columns = _probe(url, sql)
    schema = pa.schema([(name, pa.string()) for name, _ in columns])
    from sqlalchemy.engine import make_url

    password = make_url(url).password
    try:  # a Rust panic arrives as pyo3's PanicException, a BaseException: caught here and below
        reader = connectorx.read_sql(
            _connectorx_url(url),
            text_sql(sql, columns),
            return_type="arrow_stream",
            protocol="text",
            batch_size=batch_rows,
            pre_execution_query=UTC_SESSION,
        )
    except Exception as exc:
        raise _masked(exc, password) from None
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        raise _masked(exc, password) from None

    def batches() -> Iterator[pa.RecordBatch]:
        it = iter(reader)
        try:
            while True:
                try:
                    batch = next(it)
                except StopIteration:
                    return
                except (KeyboardInterrupt, SystemExit, GeneratorExit):
                    raise
                except BaseException as exc:
                    raise _masked(exc, password) from None
                if batch.num_rows:
                    yield pa.record_batch(
                        [c if c.type == pa.string() else c.cast(pa.string()) for c in batch.columns], schema=schema
                    )
        finally:
            # closed early (the load failed): release the stream now. connectorx keeps idle pool threads
            # (3 per read, even a complete one) until the process ends — harmless for the CLI, and the
            # refresh runs each run in its own process
            reader.close()

    return schema, batches()
