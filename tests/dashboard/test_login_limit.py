"""Failed-login limits over HTTP: locked e-mails and addresses get 429 without a password check."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from tests.dashboard.conftest import PASSWORDS, add_users, csrf_of, make_config


class Clock:
    """A clock the test moves by hand (no sleeping)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * 60


@pytest.fixture
def limited(tmp_path):
    """An app allowing 3 wrong passwords per e-mail, 6 per address, within 10 minutes."""
    from salesglass.serve.web.app import create_app

    cfg = make_config(tmp_path, login_max_failures=3, login_max_failures_per_address=6, login_window_minutes=10)
    add_users(cfg)
    clock = Clock()
    return create_app(cfg, clock=clock), clock


def attempt(c: TestClient, email: str, password: str):
    page = c.get("/login")
    return c.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_of(page.text)}, follow_redirects=False
    )


def client_at(app, address: str, lang: str = "en") -> TestClient:
    return TestClient(app, client=(address, 40000), headers={"accept-language": lang})


def test_an_email_is_locked_after_too_many_wrong_passwords(limited, caplog) -> None:
    app, clock = limited
    with client_at(app, "10.0.0.1") as c, caplog.at_level(logging.WARNING, "salesglass.dashboard"):
        for _ in range(3):
            assert attempt(c, "admin@demo.test", "wrong-guess").status_code == 401
        locked = attempt(c, "ADMIN@demo.test", PASSWORDS["admin@demo.test"])  # right password, other case
        assert locked.status_code == 429
        assert "Too many failed login attempts. Try again in 10 min." in locked.text
        assert int(locked.headers["retry-after"]) == 600
        assert c.get("/sales", follow_redirects=False).status_code == 303  # not logged in
    assert "admin@demo.test" in caplog.text and "wrong-guess" not in caplog.text
    assert PASSWORDS["admin@demo.test"] not in caplog.text

    with client_at(app, "10.0.0.2") as other:  # the e-mail stays locked from another address
        assert attempt(other, "admin@demo.test", PASSWORDS["admin@demo.test"]).status_code == 429
        r = attempt(other, "anna@demo.test", PASSWORDS["anna@demo.test"])  # other e-mails are unaffected
        assert r.status_code == 303

    clock.advance(4)
    with client_at(app, "10.0.0.1", "ru") as c:
        r = attempt(c, "admin@demo.test", PASSWORDS["admin@demo.test"])
        assert r.status_code == 429 and "Попробуйте снова через 6 мин." in r.text
    clock.advance(6)  # the window has passed
    with client_at(app, "10.0.0.1") as c:
        assert attempt(c, "admin@demo.test", PASSWORDS["admin@demo.test"]).status_code == 303
        assert c.get("/sales", follow_redirects=False).status_code == 503  # logged in: "no reports yet", not /login


def test_a_successful_login_resets_the_email_counter(limited) -> None:
    app, _clock = limited
    with client_at(app, "10.0.0.3") as c:
        for _ in range(2):
            assert attempt(c, "boris@demo.test", "wrong-guess").status_code == 401
        assert attempt(c, "boris@demo.test", PASSWORDS["boris@demo.test"]).status_code == 303
        for _ in range(2):  # four wrong in all, but only two since the success: not locked
            assert attempt(c, "boris@demo.test", "wrong-guess").status_code == 401
        assert attempt(c, "boris@demo.test", PASSWORDS["boris@demo.test"]).status_code == 303
    with client_at(app, "10.0.0.33") as c:  # a fresh address: only the e-mail's counter matters here
        for _ in range(3):
            assert attempt(c, "boris@demo.test", "wrong-guess").status_code == 401
        assert attempt(c, "boris@demo.test", PASSWORDS["boris@demo.test"]).status_code == 429


def test_failures_older_than_the_window_do_not_count(limited) -> None:
    app, clock = limited
    with client_at(app, "10.0.0.4") as c:
        for _ in range(2):
            assert attempt(c, "anna@demo.test", "wrong-guess").status_code == 401
        clock.advance(11)
        assert attempt(c, "anna@demo.test", "wrong-guess").status_code == 401
        assert attempt(c, "anna@demo.test", PASSWORDS["anna@demo.test"]).status_code == 303


def test_an_address_trying_many_emails_is_locked(limited) -> None:
    app, clock = limited
    with client_at(app, "10.0.0.5") as sprayer:
        for i in range(6):  # two wrong passwords for each of three e-mails: none reaches its own limit
            email = ("admin@demo.test", "anna@demo.test", "boris@demo.test")[i % 3]
            assert attempt(sprayer, email, "wrong-guess").status_code == 401
        r = attempt(sprayer, "stranger@demo.test", PASSWORDS["stranger@demo.test"])
        assert r.status_code == 429 and "Too many failed login attempts" in r.text
    with client_at(app, "10.0.0.6") as office:  # the same e-mails from elsewhere still log in
        assert attempt(office, "anna@demo.test", PASSWORDS["anna@demo.test"]).status_code == 303
    clock.advance(10)
    with client_at(app, "10.0.0.5") as sprayer:
        assert attempt(sprayer, "stranger@demo.test", PASSWORDS["stranger@demo.test"]).status_code == 303


@pytest.mark.parametrize(
    "bad", [{"login_max_failures": 0}, {"login_window_minutes": 0}, {"login_max_failures_per_address": "many"}]
)
def test_limit_settings_are_validated(tmp_path, bad) -> None:
    from salesglass.errors import ConfigError

    with pytest.raises(ConfigError, match=next(iter(bad))):
        make_config(tmp_path, **bad)
