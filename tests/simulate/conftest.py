"""A small generated company shared by the simulate tests (scale xs: about a second to make)."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from salesglass.simulate.generate import generate

END = date(2026, 11, 27)


@pytest.fixture(scope="session")
def company(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """xs seed 7 by default (the session's company, tests/conftest.py); SALESGLASS_TEST_SCALE / _SEED / _END
    run the same checks on others."""
    scale = os.environ.get("SALESGLASS_TEST_SCALE", "xs")
    seed = int(os.environ.get("SALESGLASS_TEST_SEED", "7"))
    end = date.fromisoformat(os.environ.get("SALESGLASS_TEST_END", END.isoformat()))
    if (scale, seed, end) == ("xs", 7, END):
        return request.getfixturevalue("generated_xs")
    return generate(tmp_path_factory.mktemp(scale) / "company", scale, seed, end)


@pytest.fixture(scope="session")
def backoffice(company: Path):
    con = sqlite3.connect(company / "backoffice.sqlite")
    yield con
    con.close()


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="session")
def leads(company: Path) -> list[dict]:
    return read_jsonl(company / "amocrm" / "leads.jsonl")


@pytest.fixture(scope="session")
def events(company: Path) -> list[dict]:
    return read_jsonl(company / "amocrm" / "events.jsonl")


@pytest.fixture(scope="session")
def companies(company: Path) -> list[dict]:
    return read_jsonl(company / "amocrm" / "companies.jsonl")


@pytest.fixture(scope="session")
def injected(company: Path) -> dict:
    return json.loads((company / "truth" / "injected.json").read_text(encoding="utf-8"))
