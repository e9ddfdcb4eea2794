"""The whole product on a generated company, with the real pieces, for the integration tests.

A company generated at scale xs (seed 7, history to 2026-11-27), its amoCRM account served by the
emulator on a real socket, the demo config pointed at it, the OAuth code exchanged like a real
integration, one full refresh (sync, load, link, build) and the dashboard served by uvicorn on a
free port with the webhook route — `salesglass serve`'s own wiring (`serving`).
"""

from __future__ import annotations

import re
import socket
import threading
import time
import tomllib
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx

AS_OF = date(2026, 11, 28)  # the day after the company's last day: changes made "now" in the emulator count
ADMIN = ("admin@example.com", "admin-password-123")
WEBHOOK_SECRET = "live-test-webhook-secret-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def make_config(work: Path, company: Path, emulator_url: str, **overrides: dict[str, Any]):
    """The demo config for `company`, pointed at the emulator, with test-sized refresh settings."""
    from salesglass.config import parse_config
    from salesglass.demo.config import demo_config_text

    data = tomllib.loads(demo_config_text(company.resolve()))
    data["amocrm"]["base_url"] = emulator_url
    data["dashboard"]["page_size"] = 1000  # every deal of the xs company on one drill-down page
    data["refresh"].update(
        {
            "interval_minutes": 60,
            "nightly_at": "",
            "webhook_secret": WEBHOOK_SECRET,
            "webhook_debounce_seconds": 0.2,
            "reports_as_of": AS_OF,
        }
    )
    for section, values in overrides.items():
        data.setdefault(section, {}).update(values)
    return parse_config(data, base_dir=work)


@dataclass
class Live:
    work: Path
    company: Path
    emulator: Any  # EmulatorHandle
    cfg: Any  # Config
    url: str  # the dashboard
    served: Any  # Serving
    server: Any  # uvicorn.Server

    def client(self) -> httpx.Client:
        """An HTTP client logged in as the admin (the login form with its CSRF token, like a browser)."""
        http = httpx.Client(base_url=self.url, timeout=30, headers={"Accept-Language": "en"})
        form = http.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        r = http.post("/login", data={"email": ADMIN[0], "password": ADMIN[1], "next": "/", "csrf_token": token})
        assert r.status_code == 303, r.text
        return http


def start_live(work: Path, company: Path) -> Live:
    import uvicorn

    from salesglass.emulator.server import start_emulator
    from salesglass.refresh.runner import default_steps, run_refresh
    from salesglass.serve.cli import serving
    from salesglass.serve.users import UserStore
    from salesglass.sources.amocrm.client import authorize

    emulator = start_emulator(company)
    try:
        cfg = make_config(work, company, emulator.url)
        authorize(cfg, (emulator.state.oauth or {})["authorization_code"])
        first = run_refresh(cfg, default_steps(cfg), full=True, trigger="test-initial")
        assert first.ok, first.error
        UserStore(cfg.resolve(cfg.dashboard.users_path)).add(*ADMIN, "admin")
        served = serving(cfg, webhooks=True)  # no scheduled refresh: only what a test starts changes the data
        server = uvicorn.Server(uvicorn.Config(served.app, host="127.0.0.1", port=free_port(), log_level="warning"))
        threading.Thread(target=server.run, name="test-dashboard", daemon=True).start()
        assert wait_for(lambda: server.started, 30)
    except BaseException:
        emulator.stop()
        raise
    return Live(work, company, emulator, cfg, f"http://127.0.0.1:{server.config.port}", served, server)


def stop_live(live: Live) -> None:
    live.server.should_exit = True
    live.served.stop()
    live.emulator.stop()


class _Rows(HTMLParser):
    """The rows of the dashboard's tables: {data-col: cell text} per <tr>, by `data-table`."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[dict[str, str]]] = {}
        self._table: str | None = None
        self._row: dict[str, str] | None = None
        self._col: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section" and a.get("data-table"):
            self._table = a["data-table"]
            self.tables.setdefault(self._table, [])
        elif tag == "tr" and self._table is not None:
            self._row = {}
        elif tag == "td" and self._row is not None and a.get("data-col"):
            self._col = a["data-col"]
            self._row[self._col] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._col = None
        elif tag == "tr" and self._row and self._table is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "section":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._col is not None and self._row is not None:
            self._row[self._col] += data


def table_rows(html: str) -> dict[str, list[dict[str, str]]]:
    parser = _Rows()
    parser.feed(html)
    return parser.tables
