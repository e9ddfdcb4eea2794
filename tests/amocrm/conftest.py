"""Fixtures for the amoCRM area: the emulator on a real socket, and configs pointing at it.

Speed: amoCRM allows 7 requests per 1 s. Tests run the emulator at 7 per 10 ms and the client at
6 per 10 ms (600/s) — the same 7:6 ratio and the same ban rule (10 × 429 within 10 windows), one
hundred times faster. The benchmark (bench/amocrm_sync.py) runs at the true rate.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from salesglass.config import Config, parse_config
from salesglass.emulator.server import EmulatorHandle, start_emulator
from tests.simulated import EMULATOR_LIMITS, fast_amocrm

FIXTURE_COMPANY = Path(__file__).parent / "fixtures" / "company"

MAPPING: dict[str, Any] = {
    "pipelines": ["Продажи", "Старая воронка"],
    "stages": [
        {"status": "Переговоры", "stage": "negotiation"},
        {"status": "КП отправлено", "stage": "proposal"},
        {"status": "Договор подписан", "stage": "contract_signed"},
        {"status": "Виджет установлен", "stage": "widget_installed"},
        {"pipeline": "Старая воронка", "status": "Переговоры (старые)", "stage": "negotiation"},
    ],
    "fields": {
        "client_kind": "Тип клиента",
        "organizer_values": ["Организатор"],
        "operator_values": ["Билетный оператор"],
        "cold_deal": "Холодная сделка",
        "lead_platform_account_id": "ID аккаунта на платформе",
        "company_platform_account_id": "ID аккаунта на платформе",
        "company_inn": "ИНН",
    },
    "roles": {"default": "sales", "groups": {"Отдел развития": "development"}, "users": {"gleb@fixture.test": "other"}},
}


@pytest.fixture
def emulator() -> Iterator[EmulatorHandle]:
    """The fixture company served on a free loopback port (fast clock, no faults)."""
    handle = start_emulator(FIXTURE_COMPANY, **EMULATOR_LIMITS)
    yield handle
    handle.stop()


def make_config(
    tmp_path: Path,
    url: str,
    *,
    amocrm: dict | None = None,
    token: str | None = "long-lived",
    oauth: dict | None = None,
    warehouse: str = "wh.duckdb",
) -> Config:
    """A config for the emulator at `url`, rates scaled like the emulator's (see module doc)."""
    token_path = tmp_path / "secrets" / "amocrm-token.json"
    if token == "long-lived":
        token_path.parent.mkdir(parents=True, exist_ok=True)
        token_path.write_text(json.dumps({"long_lived_token": oauth_of(FIXTURE_COMPANY)["long_lived_token"]}))
    section = {"base_url": url, "token_path": str(token_path), **MAPPING, **(amocrm or {})}
    cfg = parse_config({"warehouse": {"path": str(tmp_path / warehouse)}, "amocrm": section}, base_dir=tmp_path)
    # one request at a time (see the module doc); tests/amocrm/test_latency.py keeps several in flight at 1×
    return fast_amocrm(cfg, timeout=1.0)


def oauth_of(company: Path) -> dict:
    return json.loads((company / "amocrm" / "oauth.json").read_text(encoding="utf-8"))


@pytest.fixture
def config(tmp_path: Path, emulator: EmulatorHandle) -> Config:
    return make_config(tmp_path, emulator.url)


@pytest.fixture(scope="session")
def generated_company(generated_xs: Path) -> Path:
    """A company written by the generator: scale xs, seed 7, generated once per session (tests/conftest.py)."""
    return generated_xs


def _serve_in_child(urls, stop, company: str, limits: dict) -> None:  # runs in a spawned process
    handle = start_emulator(Path(company), **limits)
    urls.put(handle.url)
    stop.wait()
    handle.stop()


@contextmanager
def emulator_in_process(company: Path, limits: dict) -> Iterator[str]:
    """The emulator in its own process (as a real server is): no GIL shared with the client. Yields its URL."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    urls, stop = ctx.Queue(), ctx.Event()
    proc = ctx.Process(target=_serve_in_child, args=(urls, stop, str(company), limits), daemon=True)
    proc.start()
    try:
        yield urls.get(timeout=60)
    finally:
        stop.set()
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
