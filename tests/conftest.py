"""Shared fixtures. Area fixtures live in their own conftest (tests/<area>/conftest.py)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import duckdb
import pytest

from salesglass.warehouse import connect, init_canonical

T = TypeVar("T")


# the folders built_once shared in this process, each with its files' digests as built (checked at the end)
_SHARED: dict[Path, dict[str, str]] = {}


def _digests(folder: Path) -> dict[str, str]:
    """Every file under `folder` (its path inside it → the SHA-256 of its bytes)."""
    import hashlib

    def digest(path: Path) -> str:
        with path.open("rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()

    return {str(p.relative_to(folder)): digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], T]) -> T:
    """`build(folder)` once for the whole run, for fixtures that every test only reads.

    Under pytest-xdist (`make test` runs two processes) each process has its own session fixtures; the
    first process to ask builds in a folder both see, while the other waits on a file lock and then takes
    the result (pickled next to it) instead of building the same company a second time. A test must not
    write there (its logins, sessions, bonus state, warehouse, config): that would change what a test of the
    other process reads, mid-run. `shared_folders_unchanged` fails the run when one did."""
    import fcntl
    import json
    import pickle

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        folder = tmp_path_factory.mktemp(name)
        built = build(folder)
        _SHARED[folder] = _digests(folder)
        return built
    shared = tmp_path_factory.getbasetemp().parent  # the run's folder, above each worker's own
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result, digests = shared / f"{name}.pickle", shared / f"{name}.digests.json"
        if result.exists():
            built_by = json.loads(digests.read_text(encoding="utf-8"))
            _SHARED[Path(built_by["folder"])] = built_by["files"]
            return pickle.loads(result.read_bytes())
        folder = shared / f"{name}-{worker}"  # a process whose build failed leaves its folder to itself
        folder.mkdir()
        built = build(folder)
        _SHARED[folder] = _digests(folder)
        digests.write_text(json.dumps({"folder": str(folder), "files": _SHARED[folder]}), encoding="utf-8")
        result.write_bytes(pickle.dumps(built))
        return built


@pytest.fixture(scope="session", autouse=True)
def shared_folders_unchanged() -> Iterator[None]:
    """After this process's last test: every folder built_once shared holds the files it was built with,
    byte for byte, and no other (a test that wrote there errors the run, naming the files)."""
    yield
    for folder, built in _SHARED.items():
        now = _digests(folder)
        changed = sorted(f for f in built.keys() | now.keys() if built.get(f) != now.get(f))
        assert not changed, f"a test wrote into {folder}, which built_once shares between the test processes: {changed}"


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An empty canonical warehouse in a temporary DuckDB file."""
    con = connect(tmp_path / "wh.duckdb")
    init_canonical(con)
    yield con
    con.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server on a free loopback port, for the whole test session.

    Uses Debian's `postgresql` binaries; runs as the `postgres` OS user when the tests run as root
    (PostgreSQL refuses to run as root). Yields a SQLAlchemy-style URL to database `salesglass`.
    """
    from tests.pgserver import postgres_server

    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def mysql_url() -> Iterator[str]:
    """A real MariaDB server on a free loopback port, for the whole test session (starts in ~1 s).

    Uses Debian's `mariadb-server` binaries (tests/mysqlserver.py). Yields
    `mysql+pymysql://salesglass:<random password>@127.0.0.1:<port>/salesglass?charset=utf8mb4`.
    """
    from tests.mysqlserver import mariadb_server

    with mariadb_server() as url:
        yield url


@pytest.fixture(scope="session")
def generated_xs(tmp_path_factory) -> Path:
    """The simulated company at scale xs (seed 7, ending 2026-11-27), generated once per session (< 1 s)."""
    from tests.simulated import generate_company

    return generate_company(tmp_path_factory.mktemp("simulated-xs") / "company", "xs")


@pytest.fixture(scope="session")
def generated_sibkassa_xs(tmp_path_factory) -> Path:
    """The second simulated company, «Сибкасса» (Novosibirsk, Kommo, CSV files), at scale xs, once per session."""
    from tests.simulated import generate_company

    return generate_company(tmp_path_factory.mktemp("sibkassa-xs") / "company", "xs", "sibkassa")


@pytest.fixture(scope="session")
def simulated_xs(generated_xs: Path):
    """xs through the whole pipeline as `salesglass demo --no-serve` runs it (tests/simulated.py)."""
    from tests.simulated import build_company

    return build_company(generated_xs.parent, "xs")


@pytest.fixture(scope="session")
def simulated_s(tmp_path_factory):
    """The demo's company (scale s) through the whole pipeline: sync, load, link, build (~30 s, once)."""
    from tests.simulated import build_company

    return built_once(tmp_path_factory, "simulated-s", lambda folder: build_company(folder, "s"))


@pytest.fixture(scope="session")
def simulated_sibkassa_xs(tmp_path_factory):
    """«Сибкасса» (scale xs) through the whole pipeline with the config the demo writes (~45 s on a loaded
    machine, once: the pipeline's Сибкасса tests and the dashboard's read it)."""
    from tests.simulated import build_company

    return built_once(
        tmp_path_factory, "simulated-sibkassa-xs", lambda folder: build_company(folder, "xs", profile="sibkassa")
    )


def pytest_configure(config: pytest.Config) -> None:
    """`--dist loadscope` hands out the modules in the order below: pytest-xdist's own default (3.x) would hand
    out the modules with the most tests first, which put a long module of few tests (the demo's browser
    walk: 5 tests, a minute and a half) last, with one process running it while the other sat idle."""
    config.option.loadscopereorder = False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest modules first: those running ClickHouse, then those driving Chromium, then any marked
    slow (the order of tests within a module is kept). `make test` hands whole modules to two processes
    in this order, so a long module handed out last cannot keep one process busy while the other is done."""
    rank: dict[str, int] = {}
    for item in items:
        module = item.nodeid.split("::")[0]
        mark = next((i for i, m in enumerate(("clickhouse", "browser", "slow")) if item.get_closest_marker(m)), 3)
        rank[module] = min(rank.get(module, 3), mark)
    items.sort(key=lambda item: rank[item.nodeid.split("::")[0]])
