"""Issue 15, defects 3-5: crafted parameters get a clear 400, bodies are bounded while read, strict headers."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.asgi import run_asgi
from tests.dashboard.conftest import csrf_of, login

PROBES = [
    ("/funnel?to=0001-01", "to: expected a month YYYY-MM between 1970-01 and 2100-12."),
    ("/partners?from=0002-01", "from: expected a month YYYY-MM between 1970-01 and 2100-12."),
    ("/sales?from=9999-12", "from: expected a month"),
    ("/drill/deals?page=9223372036854775807", "page: expected a page number from 1 to 100000."),
    ("/drill/partners?page=-1", "page: expected a page number"),
    ("/drill/bonus?page=99999999999999999999", "page: expected a page number"),
    ("/drill/deals?basis=created&since=0001-01-01", "since: expected a date YYYY-MM-DD between 1970-01-01"),
    ("/drill/bonus?until=0001-01-01", "until: expected a date YYYY-MM-DD"),
    ("/drill/deals?manager=%D9%A1%D9%A2%D9%A3", "manager: expected a number of up to 18 digits 0-9."),
    ("/drill/deals?pipeline=" + "9" * 5000, "pipeline: expected a number"),
    ("/planfact?period=decade", "period: expected one of month, quarter, year."),
    ("/planfact?at=2026-02-30", "at: expected a date"),
    ("/cohorts?measure=x", "measure: expected one of turnover, active_partners."),
    ("/drill/deals?stage=%3Cscript%3E", "stage: expected one of"),
]


@pytest.fixture
def manager(client):
    return login(client, "anna@demo.test")


def test_crafted_parameters_get_a_clear_400(manager) -> None:
    for url, message in PROBES:
        r = manager.get(url)
        assert r.status_code == 400, url
        assert message in r.text, url


def test_control_characters_in_any_export_parameter_are_refused(manager) -> None:
    for name in ("cohorts", "sales", "planfact", "funnel"):
        for param in ("mode", "period", "at", "measure", "partner"):
            for bad in ("a%00b", "%07", "x%1by"):
                r = manager.get(f"/{name}/export.xlsx?{param}={bad}")
                assert r.status_code == 400 and "control characters are not allowed" in r.text


def test_the_message_speaks_the_page_language(app) -> None:
    with TestClient(app, headers={"accept-language": "ru"}) as c:
        login(c, "anna@demo.test")
        r = c.get("/funnel?to=0001-01")
        assert r.status_code == 400 and "to: нужен месяц в виде ГГГГ-ММ от 1970-01 до 2100-12." in r.text


def test_ordinary_filters_still_work(manager) -> None:
    for url in (
        "/sales?from=2026-01&to=2026-03&kind=",
        "/drill/deals?page=1&basis=created&since=2026-01-01",
        "/planfact?period=quarter&at=2026-01-01",
        "/cohorts?measure=active_partners&mode=pct",
        "/drill/partners?partner=P1",
        "/funnel?from=1970-01-01&to=2100-12",
    ):
        assert manager.get(url).status_code == 200, url


# ---- bodies ------------------------------------------------------------------------------------


def post_streamed(app, path: str, total: int, chunk: int = 64 * 1024) -> tuple[int, int]:
    """POST `total` bytes to `path` in chunks straight through ASGI (the test client would read a stream
    whole first); returns (status, bytes the app pulled)."""
    pulled, status = 0, []

    async def receive():
        nonlocal pulled
        pulled += chunk
        return {"type": "http.request", "body": b"a" * chunk, "more_body": pulled < total}

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])

    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"content-type", b"application/x-www-form-urlencoded"), (b"host", b"testserver")],
        "scheme": "http",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1),
        "http_version": "1.1",
        "root_path": "",
    }
    run_asgi(app, scope, receive, send)
    return status[0], pulled


def test_login_refuses_a_huge_password_field_before_parsing(client, app) -> None:
    status, pulled = post_streamed(app, "/login", 50_000_000)
    assert status == 413
    assert pulled <= 2 * 64 * 1024  # stopped reading at the limit, not after 50 MB
    r = client.post(
        "/login", content=b"password=" + b"a" * 100_000, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 413


# ---- headers -----------------------------------------------------------------------------------


def _has_security_headers(r) -> None:
    csp = r.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "same-origin"


def test_every_response_carries_the_security_headers_and_no_store(client, app) -> None:
    anonymous = [
        client.get("/sales", follow_redirects=False),
        client.get("/login"),
        client.get("/sales/export.csv", follow_redirects=False),
        client.get("/health"),
    ]
    assert anonymous[0].status_code == 303 and anonymous[2].status_code == 401
    login(client, "admin@demo.test")
    pages = [
        client.get("/sales"),
        client.get("/sales/export.xlsx"),
        client.get("/sales/export.csv"),
        client.get("/drill/deals"),
        client.get("/nope"),
        client.get("/funnel?to=0001-01"),
    ]
    assert [r.status_code for r in pages] == [200, 200, 200, 200, 404, 400]
    for r in anonymous + pages:
        _has_security_headers(r)
        assert r.headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/static/app.css").headers.get("cache-control", "")


def test_pages_hold_no_inline_script(admin) -> None:
    for url in (
        "/sales",
        "/funnel",
        "/planfact",
        "/partners",
        "/cohorts",
        "/bonuses",
        "/quality",
        "/drill/deals",
        "/admin/users",
        "/login",
    ):
        html = admin.get(url).text
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert 'src="/static/' in tag or 'type="application/json"' in tag, (url, tag)
        assert not re.search(r"\son[a-z]+=", html), url  # no inline event handlers
        assert "hx-on" not in html


def test_a_post_from_another_origin_is_refused_even_with_the_right_token(admin) -> None:
    token = csrf_of(admin.get("/sales").text)
    for headers in (
        {"origin": "http://evil.example"},
        {"referer": "http://evil.example/x"},
        {"origin": "null"},
        {"sec-fetch-site": "cross-site"},
    ):
        r = admin.post("/lang", data={"lang": "ru", "csrf_token": token}, headers=headers, follow_redirects=False)
        assert r.status_code == 403, headers
        _has_security_headers(r)
    r = admin.post(
        "/lang",
        data={"lang": "en", "csrf_token": token},
        headers={"origin": "http://testserver"},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_public_url_names_the_origin_behind_a_proxy(tmp_path) -> None:
    from salesglass.serve.web.app import create_app
    from tests.dashboard.conftest import add_users, make_config
    from tests.dashboard.fixture import write_published

    cfg = make_config(tmp_path, public_url="https://sales.example.com")
    write_published(cfg.published_path)
    add_users(cfg)
    with TestClient(create_app(cfg), base_url="https://testserver") as c:  # TLS ends at the proxy
        page = c.get("/login")
        # users open an https:// address: the cookie is Secure (never sent over plain http, where anyone
        # on the network reads it) and browsers get HSTS, though secure_cookies was left at its default
        assert "secure" in page.headers["set-cookie"].lower().split("; ")
        assert page.headers["strict-transport-security"].startswith("max-age=")
        data = {"email": "admin@demo.test", "password": "admin-pass-1", "csrf_token": csrf_of(page.text)}
        assert (
            c.post("/login", data=data, headers={"origin": "http://testserver"}, follow_redirects=False).status_code
            == 403
        )
        assert (
            c.post(
                "/login", data=data, headers={"origin": "https://sales.example.com"}, follow_redirects=False
            ).status_code
            == 303
        )


def test_even_a_crash_answers_with_the_security_headers_and_no_traceback(tmp_path, caplog) -> None:
    from fastapi.routing import APIRoute

    from salesglass.serve.web.app import create_app
    from tests.dashboard.conftest import add_users, make_config
    from tests.dashboard.fixture import write_published

    cfg = make_config(tmp_path)
    write_published(cfg.published_path)
    add_users(cfg)
    app = create_app(cfg)

    def boom() -> None:
        raise RuntimeError("a bug with a secret-looking detail")

    app.router.routes.insert(0, APIRoute("/boom", boom))  # before the catch-all page route
    # a webhook failing for a reason of its own: its path holds the secret, which the log must not
    app.router.routes.insert(0, APIRoute("/hooks/amocrm/{secret}", boom))
    with caplog.at_level("ERROR"), TestClient(app, raise_server_exceptions=False) as c:
        login(c, "admin@demo.test")
        r = c.get("/boom")
        hook = c.get("/hooks/amocrm/hook-secret-0123456789")
    assert r.status_code == 500 and "secret-looking" not in r.text and "Traceback" not in r.text
    _has_security_headers(r)
    assert r.headers["cache-control"] == "no-store"
    assert hook.status_code == 500 and "unhandled error on GET /hooks/amocrm/***" in caplog.text
    assert "hook-secret-0123456789" not in caplog.text


def test_behind_a_tls_proxy_the_host_is_enough(admin) -> None:
    """TLS ends at the proxy: the browser says https://testserver, the app sees http; same host, same site."""
    token = csrf_of(admin.get("/sales").text)
    r = admin.post(
        "/lang",
        data={"lang": "en", "csrf_token": token},
        headers={"origin": "https://testserver"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = admin.post(
        "/lang",
        data={"lang": "en", "csrf_token": token},
        headers={"origin": "https://testserver.evil"},
        follow_redirects=False,
    )
    assert r.status_code == 403


def test_a_host_header_that_names_a_path_is_refused(client) -> None:
    """CVE-2026-48710 ("BadHost", Starlette ≤ 1.0.0): `Host: x/login?` made request.url's path `/login` for a
    request to /sales, and the login check, which read that path, let it through (only each route's own
    session check still stopped it). Such a Host is now refused before anything reads it."""
    for host in ("x/login?", "x/static/a?", "x/health#", "x@evil/login"):
        r = client.get("/sales", headers={"host": host}, follow_redirects=False)
        assert (r.status_code, r.text) == (400, "bad Host header"), host
        _has_security_headers(r)
    for host in ("127.0.0.1:8000", "[::1]:8000", "sales.example.com", "salesglass_web:8000"):
        r = client.get("/sales", headers={"host": host}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fsales", host
