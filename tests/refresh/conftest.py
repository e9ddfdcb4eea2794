"""Refresh-area fixtures: a config whose warehouse and published files live in a temporary folder, and the
whole product running on a generated company (`live`, see live_stack.py)."""

from __future__ import annotations

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
def xs_company(generated_xs: Path) -> Path:
    """The generated company (scale xs, seed 7, history to 2026-11-27), shared with the session (tests/conftest.py)."""
    return generated_xs


@pytest.fixture(scope="module")
def live(tmp_path_factory, xs_company):
    """Emulator + OAuth + full refresh + the dashboard served by uvicorn with the webhook route."""
    from tests.refresh.live_stack import start_live, stop_live

    stack = start_live(tmp_path_factory.mktemp("live"), xs_company)
    yield stack
    stop_live(stack)
