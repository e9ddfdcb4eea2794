"""An error that says what to install says what docs/scale-out.md says, and that command is the one the
project pins (`pyproject.toml`'s `clickhouse` extra), not another package's extra at another version."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

from salesglass.errors import SalesglassError

ROOT = Path(__file__).resolve().parents[1]


def test_the_clickhouse_driver_hint_is_the_documented_install(monkeypatch):
    from salesglass.reports.build import _clickhouse

    monkeypatch.setitem(sys.modules, "clickhouse_connect", None)  # not installed, whatever this machine has
    with pytest.raises(SalesglassError) as err:
        _clickhouse("http://default@127.0.0.1:8123/salesglass")
    command = ".venv/bin/uv pip install 'salesglass[clickhouse]'"
    assert command in str(err.value)
    assert command in (ROOT / "docs" / "scale-out.md").read_text(encoding="utf-8")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert any(req.startswith("clickhouse-connect==") for req in extras["clickhouse"])
