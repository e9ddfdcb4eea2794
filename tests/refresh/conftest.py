"""Refresh-area fixtures: a config whose warehouse and published files live in a temporary folder."""

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
