"""Shared fixtures. Area fixtures live in their own conftest (tests/<area>/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from salesglass.warehouse import connect, init_canonical


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An empty canonical warehouse in a temporary DuckDB file."""
    con = connect(tmp_path / "wh.duckdb")
    init_canonical(con)
    yield con
    con.close()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Path:
    import glob

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if not found:
        raise RuntimeError("PostgreSQL server not installed: run `make test` (it installs Debian's postgresql)")
    return Path(found[-1]).parent


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server on a free loopback port, for the whole test session.

    Uses Debian's `postgresql` binaries; runs as the `postgres` OS user when the tests run as root
    (PostgreSQL refuses to run as root). Yields a SQLAlchemy-style URL to database `salesglass`.
    """
    import os
    import shutil
    import subprocess
    import tempfile

    bindir = _pg_bin()
    # not under pytest's tmp dir: that one is private to root, and the server runs as `postgres`
    root = Path(tempfile.mkdtemp(prefix="salesglass-pg-"))
    data = root / "data"
    port = _free_port()
    as_root = os.geteuid() == 0
    if as_root:
        shutil.chown(root, "postgres", "postgres")

    def run(*cmd: str) -> None:
        full = ["runuser", "-u", "postgres", "--", *cmd] if as_root else list(cmd)
        subprocess.run(full, check=True, capture_output=True)

    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C")
    run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(data.parent / "log"), "-w", "-o",
        f"-p {port} -k {data.parent} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    try:
        run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "salesglass")
        yield f"postgresql://postgres@127.0.0.1:{port}/salesglass"
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)
