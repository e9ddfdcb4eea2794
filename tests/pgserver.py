"""Start a throwaway PostgreSQL server (Debian's binaries) — shared by tests/conftest.py and bench/."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if not found:
        raise RuntimeError("PostgreSQL server not installed: run `make test` (it installs Debian's postgresql)")
    return Path(found[-1]).parent


@contextmanager
def postgres_server(*settings: str) -> Iterator[str]:
    """A PostgreSQL server on a free loopback port; yields a URL to database `salesglass`.

    Runs as the `postgres` OS user when we are root (PostgreSQL refuses to run as root). `settings`
    are extra `-c name=value` server options (the benchmark raises shared_buffers, for instance).
    """
    bindir = pg_bin()
    # not under pytest's tmp dir: that one is private to root, and the server runs as `postgres`
    root = Path(tempfile.mkdtemp(prefix="salesglass-pg-"))
    data = root / "data"
    port = free_port()
    as_root = os.geteuid() == 0
    if as_root:
        shutil.chown(root, "postgres", "postgres")

    def run(*cmd: str) -> None:
        full = ["runuser", "-u", "postgres", "--", *cmd] if as_root else list(cmd)
        subprocess.run(full, check=True, capture_output=True)

    extra = " ".join(f"-c {s}" for s in settings)
    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C")
    run(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(data.parent / "log"),
        "-w",
        "-o",
        f"-p {port} -k {data.parent} -c listen_addresses=127.0.0.1 -c fsync=off {extra}",
        "start",
    )
    try:
        run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "salesglass")
        yield f"postgresql://postgres@127.0.0.1:{port}/salesglass"
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)
