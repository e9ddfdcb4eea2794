"""Issue 15, defect 2: a session ends for real (logout, password reset, role change, removal, age)."""

from __future__ import annotations

import os
import sqlite3
import stat
from contextlib import closing

import pytest
from fastapi.testclient import TestClient

from salesglass.serve.sessions import sessions_path
from salesglass.serve.users import UserStore
from tests.dashboard.conftest import PASSWORDS, add_users, csrf_of, login, make_config
from tests.dashboard.fixture import write_published

pytestmark = pytest.mark.slow  # about 20 s of CPU in all: handed out first (tests/conftest.py)


@pytest.fixture
def fresh(tmp_path):
    """An app of its own (these tests change logins)."""
    from salesglass.serve.web.app import create_app

    cfg = make_config(tmp_path)
    write_published(cfg.published_path)
    add_users(cfg)
    app = create_app(cfg)
    return cfg, app


def _client(app) -> TestClient:
    return TestClient(app, headers={"accept-language": "en"})


def _copy_cookie(src: TestClient, app) -> TestClient:
    """Another 'browser' holding a copy of `src`'s cookie (a stolen cookie)."""
    thief = _client(app)
    thief.cookies.set("salesglass_session", src.cookies.get("salesglass_session"))
    return thief


def _works(c: TestClient, path: str = "/sales") -> bool:
    r = c.get(path, follow_redirects=False)
    return r.status_code == 200


def test_logout_ends_the_old_cookie_and_every_other_session(fresh) -> None:
    _, app = fresh
    with _client(app) as anna, _client(app) as anna_phone:
        login(anna, "anna@demo.test")
        login(anna_phone, "anna@demo.test")
        thief = _copy_cookie(anna, app)
        assert _works(thief) and _works(thief, "/sales/export.csv")
        r = anna.post("/logout", data={"csrf_token": csrf_of(anna.get("/sales").text)}, follow_redirects=False)
        assert r.status_code == 303
        assert not _works(thief) and thief.get("/sales/export.csv").status_code == 401
        assert not _works(anna_phone)  # logout ends every session of the user
        login(anna, "anna@demo.test")  # and a new login works again
        assert _works(anna)


def test_a_password_reset_by_the_admin_ends_the_managers_sessions(fresh) -> None:
    _, app = fresh
    with _client(app) as admin, _client(app) as anna:
        login(admin, "admin@demo.test")
        login(anna, "anna@demo.test")
        token = csrf_of(admin.get("/admin/users").text)
        r = admin.post(
            "/admin/users",
            data={"action": "password", "email": "anna@demo.test", "password": "brand-new-pass", "csrf_token": token},
            follow_redirects=False,
        )
        assert r.status_code == 303
        assert not _works(anna)
        assert _works(admin)  # the admin's own session is untouched
        login(anna, "anna@demo.test", "brand-new-pass")
        assert _works(anna)


def test_a_reset_or_role_change_from_the_cli_ends_sessions_in_the_server(fresh) -> None:
    cfg, app = fresh
    store = UserStore(cfg.resolve(cfg.dashboard.users_path))
    with _client(app) as anna, _client(app) as boris:
        login(anna, "anna@demo.test")
        login(boris, "boris@demo.test")
        store.set_password("anna@demo.test", "another-pass-1")  # `salesglass users reset-password`
        assert not _works(anna) and _works(boris)
        store.set_role("boris@demo.test", "admin")
        assert not _works(boris)
        login(boris, "boris@demo.test")
        assert _works(boris, "/quality")  # logged in again, with the new role's rights


def test_a_session_has_an_absolute_lifetime_that_activity_cannot_extend(fresh) -> None:
    cfg, app = fresh
    state = app.state.sg
    now = [1_000_000.0]
    state.sessions.clock = lambda: now[0]
    hours = cfg.dashboard.session_hours
    with _client(app) as anna:
        login(anna, "anna@demo.test")
        for _ in range(hours * 2 - 1):  # busy all day: a request every 30 minutes
            now[0] += 30 * 60
            assert _works(anna)
        now[0] += 30 * 60 + 1  # just past session_hours since the login
        assert not _works(anna)


def test_an_idle_session_ends(fresh) -> None:
    cfg, app = fresh
    now = [1_000_000.0]
    app.state.sg.sessions.clock = lambda: now[0]
    with _client(app) as anna:
        login(anna, "anna@demo.test")
        now[0] += cfg.dashboard.session_idle_minutes * 60 + 1
        assert not _works(anna)


def test_a_forged_or_unknown_session_id_is_refused(fresh) -> None:
    _, app = fresh
    with _client(app) as anna:
        login(anna, "anna@demo.test")
        cookie = anna.cookies.get("salesglass_session")
    with _client(app) as other:
        other.cookies.set("salesglass_session", cookie[:-3] + "abc")  # signature broken
        assert not _works(other)


def test_the_session_file_is_owner_only_and_holds_no_secret(fresh) -> None:
    cfg, app = fresh
    with _client(app) as anna:
        login(anna, "anna@demo.test")
    from salesglass.serve.sessions import sessions_path

    path = sessions_path(cfg.resolve(cfg.dashboard.users_path))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert PASSWORDS["anna@demo.test"].encode() not in path.read_bytes()


def test_the_cli_changes_a_role_or_logs_a_user_out_everywhere(fresh) -> None:
    from typer.testing import CliRunner

    from salesglass.cli import app as cli

    cfg, app = fresh
    config = cfg.base_dir / "salesglass.toml"
    config.write_text('[dashboard]\nusers_path = "users.json"\n', encoding="utf-8")
    with _client(app) as anna, _client(app) as boris:
        login(anna, "anna@demo.test")
        login(boris, "boris@demo.test")
        r = CliRunner().invoke(cli, ["users", "logout", "anna@demo.test", "-c", str(config)])
        assert r.exit_code == 0 and "every session of anna@demo.test has ended" in r.output
        assert not _works(anna) and _works(boris)
        r = CliRunner().invoke(cli, ["users", "set-role", "boris@demo.test", "admin", "-c", str(config)])
        assert r.exit_code == 0, r.output
        assert not _works(boris)
        assert UserStore(cfg.resolve(cfg.dashboard.users_path)).get("boris@demo.test").role == "admin"
        r = CliRunner().invoke(cli, ["users", "set-role", "boris@demo.test", "boss", "-c", str(config)])
        assert r.exit_code != 0 and "role must be one of admin, manager" in str(r.exception)


def _store(path):
    from salesglass.serve.sessions import SessionStore

    return SessionStore(path, lifetime_seconds=3600, idle_seconds=600)


def test_requests_reuse_one_connection_and_still_see_other_processes_writes(tmp_path, monkeypatch) -> None:
    import sqlite3

    opened = []
    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: opened.append(a) or connect(*a, **k))
    server, cli = _store(tmp_path / "s.sqlite"), _store(tmp_path / "s.sqlite")  # `salesglass users` elsewhere
    sid = server.create("anna@demo.test", 1)
    for _ in range(50):  # a page's requests: the file is opened once, not once per request
        assert server.get(sid).email == "anna@demo.test"
    assert len(opened) == 1
    assert cli.end_user("anna@demo.test") == 1  # another connection ends the session …
    assert server.get(sid) is None  # … and the kept one sees it at once
    assert len(opened) == 2


def test_a_forked_worker_opens_its_own_connection(tmp_path) -> None:
    store = _store(tmp_path / "s.sqlite")
    anna, boris = store.create("anna@demo.test", 1), store.create("boris@demo.test", 1)
    parents = store._connection()
    pid = os.fork()
    if pid == 0:  # the child: a connection must not cross a fork, so it opens its own and uses that
        ok = store.get(anna) is not None and store._connection() is not parents and store.end_user("boris@demo.test")
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert store._connection() is parents  # the parent's is untouched and still works
    assert store.get(anna) is not None and store.get(boris) is None


def test_a_removed_session_file_is_made_again_and_ends_every_session(tmp_path) -> None:
    path = tmp_path / "s.sqlite"
    store = _store(path)
    sid = store.create("anna@demo.test", 1)
    path.unlink()  # an admin deletes the file to end every session
    assert store.get(sid) is None
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert store.get(store.create("anna@demo.test", 1)) is not None


def test_a_removed_login_added_again_does_not_revive_its_old_cookie(fresh) -> None:
    """Removing a login and adding it again (a common way to 'reset' one, or the address handed to a new
    colleague as admin) gave the new login the old one's session version: a cookie kept from before,
    or stolen, worked again, with the new role's rights."""
    cfg, app = fresh
    store = UserStore(cfg.resolve(cfg.dashboard.users_path))
    with _client(app) as anna, _client(app) as admin:
        login(anna, "anna@demo.test")
        thief = _copy_cookie(anna, app)
        store.remove("anna@demo.test")  # `salesglass users remove`, another process
        assert not _works(thief)
        store.add("anna@demo.test", "a-new-pass-1", "admin")  # `salesglass users add`
        assert not _works(thief) and not _works(anna)
        login(anna, "anna@demo.test", "a-new-pass-1")
        assert _works(anna, "/admin/users")
        # removed on the Users page: the login's session rows go at once, too
        login(admin, "admin@demo.test")
        r = admin.post(
            "/admin/users",
            data={"action": "remove", "email": "anna@demo.test", "csrf_token": csrf_of(admin.get("/admin/users").text)},
            follow_redirects=False,
        )
        assert r.status_code == 303 and not _works(anna)
        path = sessions_path(cfg.resolve(cfg.dashboard.users_path))
        with closing(sqlite3.connect(path)) as con:
            emails = [e for (e,) in con.execute("SELECT email FROM web_sessions")]
        assert emails == ["admin@demo.test"]


def test_who_changed_which_login_is_in_the_log_without_the_password(fresh, caplog) -> None:
    """A second admin login appeared, or a password was reset: the log said nothing about it."""
    _, app = fresh
    with _client(app) as admin:
        login(admin, "admin@demo.test")
        for form in (
            {"action": "add", "email": "Eve@Demo.test", "password": "eve-secret-pw-1", "role": "admin"},
            {"action": "password", "email": "anna@demo.test", "password": "anna-secret-pw-2"},
            {"action": "remove", "email": "eve@demo.test"},
        ):
            token = csrf_of(admin.get("/admin/users").text)
            with caplog.at_level("WARNING", logger="salesglass.dashboard"):
                r = admin.post("/admin/users", data={**form, "csrf_token": token}, follow_redirects=False)
            assert r.status_code == 303
    said = [r.getMessage() for r in caplog.records if r.name == "salesglass.dashboard"]
    assert said == [
        "users: 'admin@demo.test' added login 'eve@demo.test' (admin)",
        "users: 'admin@demo.test' reset the password of 'anna@demo.test'",
        "users: 'admin@demo.test' removed login 'eve@demo.test'",
    ]
    assert "secret-pw" not in caplog.text


def test_a_logins_file_and_session_key_others_may_read_are_narrowed_before_use(tmp_path, caplog) -> None:
    """Restored from a backup as 0644: the password hashes and the key that signs the cookies were left
    readable by every local user, though the docs promise 0600 for both."""
    from salesglass.serve.web.app import create_app

    cfg = make_config(tmp_path)
    users, key = cfg.resolve(cfg.dashboard.users_path), cfg.resolve(cfg.dashboard.secret_path)
    UserStore(users).add("anna@demo.test", PASSWORDS["anna@demo.test"], "manager")
    key.parent.mkdir()
    key.write_text("k" * 64)  # a key of an earlier start
    for path in (users, key):
        os.chmod(path, 0o644)
    with caplog.at_level("WARNING"), _client(create_app(cfg)) as anna:
        login(anna, "anna@demo.test")
    assert {p.name: oct(stat.S_IMODE(os.stat(p).st_mode)) for p in (users, key)} == {
        users.name: "0o600",
        key.name: "0o600",
    }
    assert "the logins file" in caplog.text and "the session-signing key" in caplog.text
