"""amoCRM webhooks: the right secret queues exactly the payload's lead ids; anything else changes nothing."""

from __future__ import annotations

import logging
import re
import stat
import threading
import time
from urllib.parse import urlencode

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from salesglass.refresh.webhooks import (
    LeadQueue,
    install_access_log_redaction,
    lead_ids_from_payload,
    load_or_create_secret,
    webhook_router,
)
from tests.asgi import run_asgi

SECRET = "s3cret-hook-path-0123456789"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

# the v2-style payload amoCRM sends, with three actions and a contact event
PAYLOAD = urlencode(
    [
        ("leads[status][0][id]", "10701093"),
        ("leads[status][0][status_id]", "142"),
        ("leads[status][0][old_status_id]", "20067736"),
        ("leads[status][0][pipeline_id]", "9217056"),
        ("leads[status][0][custom_fields][0][values][0][value]", "Организатор"),
        ("leads[status][1][id]", "10701094"),
        ("leads[add][0][id]", "555"),
        ("leads[add][0][name]", "Новая сделка"),
        ("leads[delete][0][id]", "777"),
        ("contacts[add][0][id]", "999"),
        ("account[subdomain]", "demo"),
        ("account[id]", "17769199"),
    ]
)


class Recorder:
    def __init__(self, fail_times: int = 0):
        self.calls: list[list[int]] = []
        self.rebuilds = 0
        self.fail_times = fail_times
        self.done = threading.Event()

    def refetch(self, ids: list[int]) -> None:
        if self.fail_times:
            self.fail_times -= 1
            raise RuntimeError("another refresh is running")
        self.calls.append(sorted(ids))

    def rebuild(self) -> None:
        self.rebuilds += 1
        self.done.set()


def _app(queue: LeadQueue) -> TestClient:
    app = FastAPI()
    app.include_router(webhook_router(SECRET, queue, expected_subdomain="demo"))
    return TestClient(app)


def test_right_secret_queues_exactly_the_lead_ids_and_refetch_runs_within_the_debounce():
    rec = Recorder()
    # a debounce of 1 s: the second hook below comes ~10 ms after the first, and must land inside the window
    # however slow the machine (at 0.3 s a loaded one sent it too late, and the ids came in two batches)
    queue = LeadQueue(rec.refetch, rec.rebuild, debounce=1.0, max_wait=30.0)
    client = _app(queue)
    r = client.post(f"/hooks/amocrm/{SECRET}", content=PAYLOAD, headers=FORM)
    assert r.status_code == 200 and r.json() == {"queued": 4}
    assert sorted(queue.pending()) == [555, 777, 10701093, 10701094]
    # a second hook inside the debounce window joins the same batch
    client.post(f"/hooks/amocrm/{SECRET}", content="leads[update][0][id]=555&leads[update][1][id]=8", headers=FORM)
    assert rec.done.wait(20), "refetch was not called"  # the debounce sent it, not max_wait (30 s)
    queue.stop()  # the worker has finished the batch
    assert rec.calls == [[8, 555, 777, 10701093, 10701094]] and rec.rebuilds == 1
    assert queue.pending() == []


@pytest.mark.parametrize("secret", ["wrong-secret-0123456789", SECRET[:-1], SECRET + "x"])
def test_wrong_secret_is_404_and_queues_nothing(secret):
    rec = Recorder()
    queue = LeadQueue(rec.refetch, rec.rebuild, debounce=0.05)
    r = _app(queue).post(f"/hooks/amocrm/{secret}", content=PAYLOAD, headers=FORM)
    assert r.status_code == 404
    time.sleep(0.2)
    assert queue.pending() == [] and rec.calls == []


@pytest.mark.parametrize(
    "body, headers",
    [
        (PAYLOAD, {"Content-Type": "application/json"}),
        ('{"leads": {"add": [{"id": 1}]}}', FORM),
        ("leads[add][0][id]=12x", FORM),
        ("leads[add][0[id]=12", FORM),
        ("leads[add][0][id]=1&&&=", FORM),
        ("", FORM),
        (b"leads[add][0][id]=1&name=\xff\xfe", FORM),
        ("leads[add][0][id]=1&account[subdomain]=someone-else", FORM),
    ],
)
def test_malformed_body_is_400_and_queues_nothing(body, headers):
    rec = Recorder()
    queue = LeadQueue(rec.refetch, rec.rebuild, debounce=0.05)
    r = _app(queue).post(f"/hooks/amocrm/{SECRET}", content=body, headers=headers)
    assert r.status_code == 400
    time.sleep(0.2)
    assert queue.pending() == [] and rec.calls == []


def test_a_failed_refetch_puts_the_ids_back_and_retries():
    rec = Recorder(fail_times=1)
    queue = LeadQueue(rec.refetch, rec.rebuild, debounce=0.05, retry_after=0.3)
    queue.add([5, 6])
    assert rec.done.wait(30)
    queue.stop()  # the worker clears last_error after the rebuild that set `done`: let it finish first
    assert rec.fail_times == 0 and rec.calls == [[5, 6]] and queue.last_error is None


def test_a_refetch_that_keeps_failing_backs_off_instead_of_hammering_amocrm(caplog):
    """An expired token fails every re-fetch until a person acts: the retries space out (doubling up to
    retry_max) instead of a 401 and a warning every `retry_after` seconds, and a success starts over."""
    rec = Recorder(fail_times=10**6)
    attempts: list[float] = []

    def refetch(ids: list[int]) -> None:
        attempts.append(time.monotonic())
        rec.refetch(ids)

    queue = LeadQueue(refetch, rec.rebuild, debounce=0.01, retry_after=0.05, retry_max=0.4)
    with caplog.at_level(logging.WARNING, logger="salesglass.webhooks"):
        queue.add([7])
        # six failed attempts, however long a busy machine takes for them (not a fixed sleep)
        deadline = time.monotonic() + 60
        while queue.failures < 6:
            assert time.monotonic() < deadline, f"{queue.failures} attempts in 60 s"
            time.sleep(0.02)
        waits = [float(w) for w in re.findall(r"retrying in ([0-9.]+) s", caplog.text)][:5]
    # the waits double up to the cap (without the back-off: 0.05 s each; without the cap: 0.8 s, 1.6 s) …
    assert waits == [0.05, 0.1, 0.2, 0.4, 0.4]
    # … and each was waited out before the next attempt (a slow machine only waits longer)
    assert all(later - earlier >= wait for earlier, later, wait in zip(attempts[:5], attempts[1:6], waits, strict=True))
    rec.fail_times = 0  # the person renewed the token
    assert rec.done.wait(30) and rec.calls == [[7]]
    queue.stop()  # the worker resets `failures` after the rebuild that set `done`
    assert queue.failures == 0


def test_payload_parser_ignores_other_entities():
    assert lead_ids_from_payload(b"contacts[add][0][id]=1&leads[note][0][note][element_id]=5") == []


def test_generated_secret_is_owner_only_and_stable(tmp_path):
    path = tmp_path / "webhook-secret"
    first = load_or_create_secret(path)
    assert len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(path) == first


def test_a_world_readable_secret_file_is_narrowed_and_said(tmp_path, caplog):
    """A secret file restored as 0644 was narrowed silently: nobody learned it had been readable by all."""
    path = tmp_path / "webhook-secret"
    path.write_text("0123456789abcdef0123\n")
    path.chmod(0o644)
    with caplog.at_level("WARNING"):
        assert load_or_create_secret(path) == "0123456789abcdef0123"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert f"the webhook secret file {path} was readable by others (mode 644): made it owner-only" in caplog.text
    assert "0123456789abcdef0123" not in caplog.text


def test_the_secret_never_reaches_the_access_log():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rec = Recorder()
    queue = LeadQueue(rec.refetch, rec.rebuild, debounce=0.05)
    app = FastAPI()
    app.include_router(webhook_router(SECRET, queue))
    records: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    handler = Capture()
    access_logger = logging.getLogger("uvicorn.access")
    access_logger.addHandler(handler)
    old_level = access_logger.level
    access_logger.setLevel(logging.INFO)
    install_access_log_redaction()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=True))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.time() + 60  # a loaded test machine starts it slowly
        while not server.started and time.time() < deadline:
            time.sleep(0.02)
        r = httpx.post(f"http://127.0.0.1:{port}/hooks/amocrm/{SECRET}", content="leads[add][0][id]=1", headers=FORM)
        assert r.status_code == 200
        assert rec.done.wait(5)
    finally:
        server.should_exit = True
        thread.join(5)
        access_logger.removeHandler(handler)
        access_logger.setLevel(old_level)
        queue.stop()
    access = [m for m in records if "/hooks/amocrm/" in m]
    assert access and all(SECRET not in m for m in access)
    assert "/hooks/amocrm/***" in access[0]


def test_production_wiring_uses_the_generated_secret_and_the_configured_account(tmp_path):
    from salesglass.refresh.webhooks import make_webhook_router
    from tests.refresh.conftest import make_config

    cfg = make_config(tmp_path, refresh={"webhook_debounce_seconds": 0.05})
    rec = Recorder()
    router, queue = make_webhook_router(cfg, refetch=rec.refetch, rebuild=rec.rebuild)
    secret = (tmp_path / "webhook-secret").read_text().strip()
    app = FastAPI()
    app.include_router(router)
    client = TestClient(app)
    assert client.post(
        f"/hooks/amocrm/{secret}", content="leads[delete][0][id]=42&account[subdomain]=DEMO", headers=FORM
    ).json() == {"queued": 1}
    assert rec.done.wait(5) and rec.calls == [[42]]
    other = client.post(f"/hooks/amocrm/{secret}", content="leads[add][0][id]=1&account[subdomain]=evil", headers=FORM)
    assert other.status_code == 400
    queue.stop()


@pytest.mark.parametrize("value", ["1" * 5000, "١٢٣", "１２３", "1" * 19, "-5", "+5", " 5"])
def test_a_lead_id_is_ascii_digits_of_bounded_length(value):
    rec = Recorder()
    queue = LeadQueue(rec.refetch, rec.rebuild, debounce=0.05)
    r = _app(queue).post(f"/hooks/amocrm/{SECRET}", content=urlencode({"leads[add][0][id]": value}), headers=FORM)
    assert r.status_code == 400 and "is not a lead id" in r.json()["detail"]
    time.sleep(0.2)
    assert queue.pending() == [] and rec.calls == []


def test_an_oversized_body_is_refused_while_it_is_read():
    """A 200 MB chunked POST: the hook stops reading just past its limit (1 MB), it never holds 200 MB."""
    from salesglass.refresh.webhooks import MAX_BODY_BYTES

    rec = Recorder()
    queue = LeadQueue(rec.refetch, rec.rebuild, debounce=0.05)
    app = FastAPI()
    app.include_router(webhook_router(SECRET, queue))
    chunk, total, pulled, status = 64 * 1024, 200_000_000, 0, []

    async def receive():
        nonlocal pulled
        pulled += chunk
        return {"type": "http.request", "body": b"leads[add][0][id]=1&" * (chunk // 20), "more_body": pulled < total}

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])

    path = f"/hooks/amocrm/{SECRET}"
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"content-type", b"application/x-www-form-urlencoded")],
        "scheme": "http",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1),
        "http_version": "1.1",
        "root_path": "",
    }
    run_asgi(app, scope, receive, send)
    assert status == [413]
    assert pulled <= MAX_BODY_BYTES + chunk
    declared = _app(queue).post(path, content=b"x", headers={**FORM, "Content-Length": str(10**9)})
    assert declared.status_code == 413
    assert queue.pending() == []
    queue.stop()
