"""Several dashboard worker processes (`salesglass serve --workers N`): any worker serves any request.

Two apps built from one config stand for two workers (each has its own memory, they share the files):
a session opened on one is honoured by the other, with the manager's row-level security unchanged; a
logout on one ends it on both; failed logins on both count towards one limit. Then the real command
starts two worker processes and serves a logged-in manager only their rows.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.dashboard.conftest import PASSWORDS, add_users, csrf_of, login, make_config
from tests.dashboard.fixture import write_published

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def two_workers(tmp_path):
    from salesglass.serve.web.app import create_app

    cfg = make_config(tmp_path, workers=2, login_max_failures=3, login_max_failures_per_address=50)
    write_published(cfg.published_path)
    add_users(cfg)
    return cfg, create_app(cfg), create_app(cfg)


def _moved(src: TestClient, dst: TestClient) -> TestClient:
    """The browser's next request goes to the other worker: same cookie, other process."""
    dst.cookies.update(src.cookies)
    return dst


def anna_sees_only_her_rows(c: TestClient) -> None:
    r = c.get("/drill/bonus?manager=102&since=2026-01-01")
    assert r.status_code == 200
    assert "Anna Petrova" in r.text and "Boris Ivanov" not in r.text
    r = c.get("/drill/deals?manager=103")
    assert "/leads/detail/1001" in r.text and "/leads/detail/1003" not in r.text
    assert "1,200,000.00" not in c.get("/sales").text  # company-wide figures stay hidden


def test_a_session_opened_on_one_worker_is_honoured_by_the_other(two_workers) -> None:
    _cfg, one, other = two_workers
    with (
        TestClient(one, headers={"accept-language": "en"}) as a,
        TestClient(other, headers={"accept-language": "en"}) as b,
    ):
        login(a, "anna@demo.test")
        anna_sees_only_her_rows(_moved(a, b))
        # a logout through the second worker ends the session on the first one too
        page = b.get("/bonuses")
        assert b.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False).status_code == 303
        assert a.get("/bonuses", follow_redirects=False).status_code == 303


def test_failed_logins_on_all_workers_count_towards_one_limit(two_workers) -> None:
    _cfg, one, other = two_workers

    def wrong(c: TestClient) -> int:
        page = c.get("/login")
        data = {"email": "admin@demo.test", "password": "guess", "csrf_token": csrf_of(page.text)}
        return c.post("/login", data=data, follow_redirects=False).status_code

    with TestClient(one) as a, TestClient(other) as b:
        assert [wrong(a), wrong(b), wrong(a)] == [401, 401, 401]  # the third failure locks (3 allowed)
        page = b.get("/login")
        right = {"email": "admin@demo.test", "password": PASSWORDS["admin@demo.test"], "csrf_token": csrf_of(page.text)}
        assert b.post("/login", data=right, follow_redirects=False).status_code == 429


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    """The worker processes `pid` started, read from /proc (the suite runs on Debian, as the product does)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def _lines_of(proc: subprocess.Popen) -> tuple[list[str], threading.Thread]:
    """The lines `proc` prints, read as they come by a thread (which also keeps its pipe from filling up)."""
    lines: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        lines.extend(proc.stdout)  # list.extend of a file appends line by line, as each line arrives

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return lines, reader


def test_serve_with_two_workers_serves_a_manager_only_their_rows(tmp_path) -> None:
    cfg = make_config(tmp_path)
    write_published(cfg.published_path)
    add_users(cfg)
    (tmp_path / "salesglass.toml").write_text(
        '[warehouse]\npath = "wh.duckdb"\npublished_path = "published.duckdb"\n[amocrm]\nsubdomain = "acme"\n'
        '[dashboard]\nusers_path = "users.json"\nsecret_path = "secret/key"\n',
        encoding="utf-8",
    )
    port = _free_port()
    cmd = [sys.executable, "-m", "salesglass", "serve", "-c", str(tmp_path / "salesglass.toml")]
    proc = subprocess.Popen(
        [*cmd, "--port", str(port), "--workers", "2", "--no-refresh", "--no-webhooks"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    said, reader = _lines_of(proc)
    try:
        # each worker says when it serves: a loaded machine may take minutes to start two Python processes, so
        # the test waits for what they say, not for a time of its own (the guard only ends a start that hangs)
        deadline = time.monotonic() + 300
        while sum("Application startup complete." in line for line in said) < 2:
            if proc.poll() is not None:
                reader.join(timeout=10)
                pytest.fail("the dashboard stopped while starting:\n" + "".join(said))
            assert time.monotonic() < deadline, "the dashboard did not start:\n" + "".join(said)
            time.sleep(0.2)
        assert httpx.get(base + "/health", timeout=60).status_code == 200
        assert len(_children(proc.pid)) >= 2, "".join(said)
        with httpx.Client(base_url=base, headers={"accept-language": "en"}, timeout=60) as c:
            token = csrf_of(c.get("/login").text)
            r = c.post(
                "/login", data={"email": "anna@demo.test", "password": PASSWORDS["anna@demo.test"], "csrf_token": token}
            )
            assert r.status_code == 303
            cookies = c.cookies
        for _ in range(6):  # a fresh connection each time: the kernel hands it to either worker
            with httpx.Client(base_url=base, headers={"accept-language": "en"}, cookies=cookies, timeout=60) as c:
                anna_sees_only_her_rows(c)  # type: ignore[arg-type]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert not _children(proc.pid)
