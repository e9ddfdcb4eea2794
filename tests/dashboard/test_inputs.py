"""Issue 15, defect 6: e-mail and password rules shared by the CLI and the admin page, clear CLI errors,
and a login limit that believes X-Forwarded-For only from the configured proxies."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from salesglass.cli import app as cli
from salesglass.errors import SalesglassError
from salesglass.serve.users import UserStore
from tests.dashboard.conftest import add_users, csrf_of, make_config

BAD_EMAILS = [
    "nul\x00@x.y",
    "a" * 20_000 + "@x.y",
    "a'; DROP TABLE users;--@x.y",
    "bell\x07@x.y",
    "no-at-sign",
    "two@@x.y",
    "sp ace@x.y",
    "rtl\u202e@x.y",
]
BAD_PASSWORDS = ["        ", "\t\t\t\t\t\t\t\t", "pass\x00word-1", "x" * 5000, "short"]


@pytest.mark.parametrize("email", BAD_EMAILS)
def test_the_store_refuses_bad_emails(tmp_path, email) -> None:
    with pytest.raises(SalesglassError):
        UserStore(tmp_path / "u.json").add(email, "good-pass-1", "manager")


@pytest.mark.parametrize("password", BAD_PASSWORDS)
def test_the_store_refuses_bad_passwords(tmp_path, password) -> None:
    store = UserStore(tmp_path / "u.json")
    with pytest.raises(SalesglassError):
        store.add("a@b.c", password, "manager")
    store.add("a@b.c", "good-pass-1", "manager")
    with pytest.raises(SalesglassError):
        store.set_password("a@b.c", password)


def test_good_addresses_still_pass(tmp_path) -> None:
    store = UserStore(tmp_path / "u.json")
    for email in ("Head@Acme.ru", "o'brien@x.y", "анна@почта.рф", "admin@demo.local", "first.last+tag@sub.example.com"):
        store.add(email, "good pass 1", "manager")  # spaces inside a password are fine
    assert len(store.list()) == 5


def test_the_admin_page_refuses_what_the_cli_refuses(admin, site) -> None:
    token = csrf_of(admin.get("/admin/users").text)
    for email in BAD_EMAILS:
        r = admin.post(
            "/admin/users",
            data={"action": "add", "email": email, "password": "good-pass-1", "role": "manager", "csrf_token": token},
        )
        assert r.status_code in (400, 413), email
        assert "\x00" not in r.text and "\x07" not in r.text
    r = admin.post(
        "/admin/users",
        data={"action": "add", "email": "new@demo.test", "password": " " * 8, "role": "manager", "csrf_token": token},
    )
    assert r.status_code == 400 and "only spaces" in r.text
    listed = [u.email for u in UserStore(site.resolve(site.dashboard.users_path)).list()]
    assert all("\x00" not in e and len(e) < 100 and e != "new@demo.test" for e in listed)


def _cli_config(tmp_path: Path) -> Path:
    path = tmp_path / "salesglass.toml"
    path.write_text('[dashboard]\nusers_path = "logins.json"\n', encoding="utf-8")
    return path


def test_the_cli_refuses_a_password_of_spaces(tmp_path) -> None:
    r = CliRunner().invoke(
        cli, ["users", "add", "x@y.z", "--password-stdin", "-c", str(_cli_config(tmp_path))], input=" " * 8 + "\n"
    )
    assert r.exit_code != 0 and "only spaces" in str(r.exception)


def test_users_list_never_prints_raw_control_characters(tmp_path) -> None:
    import json

    cfg = _cli_config(tmp_path)
    # a logins file written before these rules (or by hand) may hold anything
    (tmp_path / "logins.json").write_text(
        json.dumps(
            {
                "users": [
                    {"email": "nul\x00@x.y", "role": "manager", "password_hash": "x", "created_at": "2026-01-01"},
                    {"email": "esc\x1b[31m@x.y", "role": "manager", "password_hash": "x", "created_at": "2026-01-01"},
                    {"email": "[bold]markup@x.y", "role": "manager", "password_hash": "x", "created_at": "2026-01-01"},
                ]
            }
        )
    )
    r = CliRunner().invoke(cli, ["users", "list", "-c", str(cfg)])
    assert r.exit_code == 0, r.output
    assert "\x00" not in r.output and "\x1b" not in r.output
    assert "nul\\x00@x.y" in r.output and "esc\\x1b[31m@x.y" in r.output and "[bold]markup@x.y" in r.output


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "salesglass", *args], capture_output=True, text=True, cwd=cwd)


def test_build_with_a_folder_or_a_non_utf8_config_says_what_is_wrong(tmp_path) -> None:
    (tmp_path / "conf").mkdir()
    r = _run("build", "-c", "conf", cwd=tmp_path)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "is a folder" in r.stderr + r.stdout
    (tmp_path / "cp1251.toml").write_bytes('[account]\nname = "Компания"\n'.encode("cp1251"))
    r = _run("build", "-c", "cp1251.toml", cwd=tmp_path)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "not UTF-8" in r.stderr + r.stdout


@pytest.mark.parametrize("day", ["1900-01-01", "9999-12-31", "0001-01-01"])
def test_as_of_outside_the_plausible_range_is_refused(tmp_path, day) -> None:
    r = _run("build", "--as-of", day, cwd=tmp_path)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "--as-of must be between 1970-01-01 and 2100-12-31" in r.stderr + r.stdout


# ---- trusted proxies ---------------------------------------------------------------------------


def _serve(cfg):
    """The dashboard on a real socket, with the options `salesglass serve` uses."""
    import uvicorn

    from salesglass.serve.cli import server_options
    from salesglass.serve.web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    options = {**server_options(cfg), "host": "127.0.0.1", "port": port, "log_level": "warning"}
    server = uvicorn.Server(uvicorn.Config(create_app(cfg), **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 60  # a loaded test machine starts it slowly; a started one returns at once
    while not server.started and time.time() < deadline:
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


def _spray(base: str, tries: int) -> list[int]:
    """Wrong passwords, each claiming another client address in X-Forwarded-For."""
    codes = []
    with httpx.Client(base_url=base) as c:
        for i in range(tries):
            token = csrf_of(c.get("/login").text)
            r = c.post(
                "/login",
                data={"email": f"nobody{i}@x.y", "password": "wrong-guess", "csrf_token": token},
                headers={"X-Forwarded-For": f"203.0.113.{i + 1}"},
            )
            codes.append(r.status_code)
    return codes


@pytest.mark.parametrize("trusted, locked", [([], True), (["127.0.0.1"], False)])
def test_x_forwarded_for_is_believed_only_from_trusted_proxies(tmp_path, trusted, locked) -> None:
    cfg = make_config(tmp_path, login_max_failures_per_address=3, trusted_proxies=trusted)
    add_users(cfg)
    server, thread, base = _serve(cfg)
    try:
        codes = _spray(base, 4)
    finally:
        server.should_exit = True
        thread.join(5)
    # without a trusted proxy the peer (127.0.0.1) is the client: its 4th try is locked whatever XFF says;
    # behind a trusted proxy each forwarded address is its own client
    assert codes == ([401, 401, 401, 429] if locked else [401, 401, 401, 401])
