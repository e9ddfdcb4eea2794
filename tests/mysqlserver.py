"""Start a throwaway MariaDB server (Debian's `mariadb-server`) — shared by tests/conftest.py and bench/.

The server gets its own data directory, socket, pid file and log under a temp dir, listens on a free
loopback port and is stopped and deleted on exit. The database `salesglass` (utf8mb4, so Cyrillic
survives) and a user `salesglass` with a random password are created by an init file at start-up:
no root login, no grant-table fiddling, and the tests can check the password never shows in a message.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.pgserver import free_port

MARIADBD = Path("/usr/sbin/mariadbd")
INSTALL_DB = Path("/usr/bin/mariadb-install-db")


def mariadb_bin() -> Path:
    if not MARIADBD.exists() or not INSTALL_DB.exists():
        raise RuntimeError(
            "MariaDB server not installed: run `make test` (scripts/system-deps.sh installs Debian's mariadb-server)"
        )
    return MARIADBD


@contextmanager
def mariadb_server(*settings: str) -> Iterator[str]:
    """A MariaDB server on a free loopback port; yields `mysql+pymysql://salesglass:…@127.0.0.1:port/salesglass`.

    `settings` are extra `--name=value` server options (the benchmark raises the buffer pool, for instance).
    Runs as root with `--user=root` when the tests run as root (mariadbd refuses otherwise).
    """
    mariadbd = mariadb_bin()
    root = Path(tempfile.mkdtemp(prefix="salesglass-mariadb-"))
    data = root / "data"
    port = free_port()
    password = secrets.token_hex(12)
    as_root = ["--user=root"] if os.geteuid() == 0 else []
    init = root / "init.sql"
    init.write_text(
        "CREATE DATABASE salesglass CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n"
        f"CREATE USER 'salesglass'@'127.0.0.1' IDENTIFIED BY '{password}';\n"
        "GRANT ALL ON salesglass.* TO 'salesglass'@'127.0.0.1';\n",
        encoding="utf-8",
    )
    init.chmod(0o600)
    subprocess.run(
        [
            str(INSTALL_DB),
            "--no-defaults",
            f"--datadir={data}",
            "--skip-test-db",
            "--auth-root-authentication-method=socket",
            *as_root,
        ],
        check=True,
        capture_output=True,
    )
    log = root / "server.log"
    server = subprocess.Popen(
        [
            str(mariadbd),
            "--no-defaults",
            f"--datadir={data}",
            f"--socket={root / 'mysqld.sock'}",
            f"--pid-file={root / 'mysqld.pid'}",
            f"--log-error={log}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            "--skip-name-resolve",
            f"--init-file={init}",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_unicode_ci",
            "--innodb-flush-log-at-trx-commit=0",
            "--innodb-doublewrite=0",
            "--skip-log-bin",
            # neither UTC nor Moscow: a reader that lets the server's zone into TIMESTAMP values shows it
            "--default-time-zone=+05:00",
            *as_root,
            *settings,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_ready(server, port, password, log)
        yield f"mysql+pymysql://salesglass:{password}@127.0.0.1:{port}/salesglass?charset=utf8mb4"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(root, ignore_errors=True)


def _wait_ready(server: subprocess.Popen, port: int, password: str, log: Path, timeout: float = 60) -> None:
    """Until the `salesglass` user can log in (the init file has run), or fail with the server's log."""
    import pymysql

    deadline = time.monotonic() + timeout
    while True:
        try:
            pymysql.connect(
                host="127.0.0.1",
                port=port,
                user="salesglass",
                password=password,
                database="salesglass",
                connect_timeout=2,
            ).close()
            return
        except pymysql.err.OperationalError:
            if server.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
                raise RuntimeError(f"MariaDB did not start on port {port}:\n{tail}") from None
            time.sleep(0.1)


def run_script(url: str, sql: str) -> list[tuple]:
    """Run a multi-statement SQL script (schema, data) on the server behind `url`; the rows of its last
    result (for a query such as SHOW TABLES)."""
    import pymysql
    from pymysql.constants import CLIENT
    from sqlalchemy.engine import make_url

    u = make_url(url)
    with (
        pymysql.connect(
            host=u.host,
            port=u.port,
            user=u.username,
            password=u.password,
            database=u.database,
            charset="utf8mb4",
            client_flag=CLIENT.MULTI_STATEMENTS,
            autocommit=True,
        ) as conn,
        conn.cursor() as cur,
    ):
        cur.execute(sql)
        rows = list(cur.fetchall() or [])
        while cur.nextset():
            rows = list(cur.fetchall() or [])
        return rows


def drop_every_table(url: str) -> None:
    """Empty the session server's database: tests share it, and a table another test left (`order`,
    `hostile_sales`) would be inspected, proposed or read by the next one."""
    names = [n for (n,) in run_script(url, "SHOW TABLES")]
    if names:
        quoted = ", ".join("`" + n.replace("`", "``") + "`" for n in names)
        run_script(url, f"SET FOREIGN_KEY_CHECKS = 0; DROP TABLE IF EXISTS {quoted}; SET FOREIGN_KEY_CHECKS = 1")
