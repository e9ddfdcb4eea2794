"""A small generated company shared by the simulate tests (scale xs: about a second to make)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from salesglass.simulate.generate import generate

END = date(2026, 11, 27)


@pytest.fixture(scope="session")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("xs") / "company", "xs", 7, END)


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
