"""Refresh-area fixtures: a config whose warehouse and published files live in a temporary folder, and the
whole product running on a generated company (`live`, see live_stack.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from salesglass.config import parse_config


def make_config(tmp_path: Path, **sections):
    data = {"warehouse": {"path": "wh.duckdb", "published_path": "reports.duckdb"}, **sections}
    return parse_config(data, base_dir=tmp_path)


@pytest.fixture
def cfg(tmp_path: Path):
    return make_config(tmp_path)


@pytest.fixture(scope="session")
def xs_company(tmp_path_factory) -> Path:
    """A generated company (scale xs, seed 7, history to 2026-11-27); CI has none pre-generated."""
    from salesglass.simulate.generate import ensure_company

    return ensure_company(tmp_path_factory.mktemp("company") / "company", scale="xs", seed=7, end=date(2026, 11, 27))


@pytest.fixture(scope="module")
def live(tmp_path_factory, xs_company):
    """Emulator + OAuth + full refresh + the dashboard served by uvicorn with the webhook route."""
    from tests.refresh.live_stack import start_live, stop_live

    stack = start_live(tmp_path_factory.mktemp("live"), xs_company)
    yield stack
    stop_live(stack)
