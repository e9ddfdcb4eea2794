"""Connections to the simulated company `s` after the whole pipeline (fixtures in tests/conftest.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest


def _read_only(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    yield con
    con.close()


@pytest.fixture(scope="session")
def published(simulated_s) -> Iterator[duckdb.DuckDBPyConnection]:
    """The published reports file (reports + the canonical model as built), read-only."""
    yield from _read_only(simulated_s.cfg.published_path)


@pytest.fixture(scope="session")
def warehouse_s(simulated_s) -> Iterator[duckdb.DuckDBPyConnection]:
    """The working warehouse (raw layers, canonical model as synced, loaded and linked), read-only."""
    yield from _read_only(simulated_s.cfg.warehouse_path)


@pytest.fixture(scope="session")
def backoffice(simulated_s) -> Iterator[sqlite3.Connection]:
    """The platform's own SQLite database, read straight with Python's sqlite3 (no salesglass code)."""
    con = sqlite3.connect(f"file:{simulated_s.company / 'backoffice.sqlite'}?mode=ro", uri=True)
    yield con
    con.close()
