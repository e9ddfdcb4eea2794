"""Dashboard fixtures: a published file of known numbers, a config around it, logins of every kind."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from salesglass.config import parse_config
from salesglass.serve.users import UserStore
from tests.dashboard.fixture import write_published

PASSWORDS = {
    "admin@demo.test": "admin-pass-1",
    "anna@demo.test": "anna-pass-1",  # manager 101 (sales)
    "boris@demo.test": "boris-pass-1",  # manager 102 (development)
    "stranger@demo.test": "stranger-pass-1",  # a manager login with no amoCRM user
}


def make_config(root: Path, **dashboard: object):
    data = {
        "warehouse": {"path": "wh.duckdb", "published_path": "published.duckdb"},
        "amocrm": {"subdomain": "acme"},
        "dashboard": {"users_path": "users.json", "secret_path": "secret/key", **dashboard},
    }
    return parse_config(data, base_dir=root)


def add_users(cfg) -> None:
    store = UserStore(cfg.resolve(cfg.dashboard.users_path))
    for email, pw in PASSWORDS.items():
        store.add(email, pw, "admin" if email.startswith("admin") else "manager")


def published_site(root: Path, extra_sql: str = "", **dashboard: object):
    """A config whose published file is the fixture changed by `extra_sql`, with every login of PASSWORDS."""
    cfg = make_config(root, **dashboard)
    write_published(cfg.published_path, extra_sql=extra_sql)
    add_users(cfg)
    return cfg


def published_app(root: Path, extra_sql: str = "", **dashboard: object):
    """The dashboard app over `published_site(root, extra_sql)`."""
    from salesglass.serve.web.app import create_app

    return create_app(published_site(root, extra_sql, **dashboard))


@contextmanager
def signed_in(app, email: str = "admin@demo.test", lang: str = "en") -> Iterator[TestClient]:
    """A client of `app` logged in as `email`, asking for pages in `lang`."""
    with TestClient(app, headers={"accept-language": lang}) as c:
        yield login(c, email)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory):
    """A config, its published fixture file and users (shared: nothing below writes to them)."""
    root = tmp_path_factory.mktemp("dash")
    cfg = make_config(root)
    write_published(cfg.published_path)
    add_users(cfg)
    return cfg


@pytest.fixture(scope="session")
def app(site):
    from salesglass.serve.web.app import create_app

    return create_app(site)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF field on the page"
    return m.group(1)


def submit_login(page, email: str, password: str) -> None:
    """On the login page: type the e-mail and password, submit, and wait to be let in."""
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def login(client: TestClient, email: str, password: str | None = None) -> TestClient:
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"email": email, "password": password or PASSWORDS[email], "csrf_token": csrf_of(page.text), "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client


@pytest.fixture
def client(app):
    with TestClient(app, headers={"accept-language": "en-US,en;q=0.9"}) as c:
        yield c


@pytest.fixture
def admin(client):
    return login(client, "admin@demo.test")


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by Playwright, one per test module: Playwright's sync API keeps an
    event loop running in this thread while it lives, which later tests' asyncio.run() must not meet."""
    # `make test` installs Debian's chromium; a missing browser must fail the run, not skip it silently
    assert Path(CHROMIUM).exists(), "Debian chromium is not installed: run `make test` (or apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page_for(browser, server):
    """`page_for(email)`: a page logged in as `email` in a fresh browser context (own cookies), on the
    module's own `server`; it lands on the user's first page. Any JavaScript dialog, JavaScript error or
    failed request of a page's parts (a script, a style, the icon, an htmx call) fails the test: the pages
    a test opens on purpose with a 4xx are documents, not parts, and are left to the test."""
    contexts, dialogs, faults = [], [], []

    def failed_part(response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            faults.append(f"{response.status} {response.url}")

    def make(email: str, locale: str = "en-US"):
        ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale=locale, accept_downloads=True)
        contexts.append(ctx)
        page = ctx.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: faults.append(f"JavaScript error: {e}"))
        page.on("response", failed_part)
        # what the network events miss (the icon the browser fetches by itself) still reaches the console
        page.on(
            "console",
            lambda m: m.type == "error" and m.location.get("url") != page.url and faults.append(f"console: {m.text}"),
        )
        page.goto(server + "/login")
        submit_login(page, email, PASSWORDS[email])
        return page

    yield make
    for c in contexts:
        c.close()
    assert dialogs == [], f"a JavaScript dialog fired: {dialogs}"
    assert faults == [], f"a page's part failed: {faults}"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_own_logins(cfg, folder: Path):
    """`cfg` with its dashboard logins (and so their sessions and lockouts, kept beside them), the key that
    signs session cookies and a copy of the bonus state in `folder`.

    The simulated company is built once and shared by both test processes (tests/conftest.py `built_once`,
    which fails the run when a test writes into it); a module that created or reset the demo logins in its
    folder ended every session of the same login in the other process's browser walk (a login replaced gets
    a new session version): the admin was sent to /login mid-walk. The bonus pages open the bonus state
    read-write (bonus/store.py), which another process's open of the same file would refuse."""
    import shutil

    own = {"users_path": Path(folder) / "salesglass-users.json", "secret_path": Path(folder) / "dashboard-secret"}
    dashboard = cfg.dashboard.model_copy(update=own)
    bonus_state = Path(folder) / cfg.bonus_state_path.name
    shutil.copyfile(cfg.bonus_state_path, bonus_state)
    warehouse = cfg.warehouse.model_copy(update={"bonus_state_path": bonus_state})
    return cfg.model_copy(update={"dashboard": dashboard, "warehouse": warehouse})


def serve_in_thread(app):
    """Start uvicorn for `app` on a free loopback port in a daemon thread; returns (url, stop)."""
    import threading
    import time

    import uvicorn

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 60  # a loaded test machine starts it slowly; a started one returns at once
    while not srv.started:
        assert time.time() < deadline, "dashboard server did not start"
        time.sleep(0.05)

    def stop() -> None:
        srv.should_exit = True
        thread.join(timeout=5)

    return f"http://127.0.0.1:{port}", stop


# the bonus close tests' published file (with an adjustment line and bonus rules) and its state store
from tests.dashboard.bonus_fixture import bonus_site  # noqa: E402, F401
