"""Weekly digests reach a real SMTP server (aiosmtpd on loopback) and a Telegram-like HTTP endpoint."""

from __future__ import annotations

import email
import json
import socket
import threading
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from salesglass.config import parse_config
from salesglass.outputs.digest import plan_digests, send_digests
from salesglass.warehouse import connect
from tests.outputs.conftest import make_published


class Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (list(envelope.rcpt_tos), email.message_from_bytes(envelope.original_content, policy=policy.default))
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def _cfg(tmp_path, port, **digest):
    return parse_config(
        {
            "warehouse": {"path": "wh.duckdb", "published_path": "reports.duckdb"},
            "digest": {
                "enabled": True,
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "from": "reports@example.ru",
                "head_of_sales": ["head@example.ru"],
                **digest,
            },
        },
        base_dir=tmp_path,
    )


def _parts(msg):
    text = msg.get_body(preferencelist=("plain",)).get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_each_manager_gets_their_declining_partners_and_the_head_gets_plan_fact(tmp_path, smtp):
    inbox, port = smtp
    cfg = _cfg(tmp_path, port)
    make_published(cfg.published_path)
    report = send_digests(cfg)
    assert report.emails_sent == 2
    by_rcpt = {tuple(rcpt): msg for rcpt, msg in inbox.messages}
    assert set(by_rcpt) == {("anna@example.ru",), ("head@example.ru",)}  # Борис has nobody declining

    anna = by_rcpt[("anna@example.ru",)]
    assert anna.get_content_type() == "multipart/alternative"
    assert anna["Subject"] == "Партнёры с падением продаж: 2 — на 15.03.2026"
    text, html = _parts(anna)
    assert text.index('ООО "Театр, на Неглинной"') < text.index("Кассы Севера")  # biggest drop first
    assert "370 370,37 ₽ за 28 дней против обычных 1 234 567,89 ₽ — падение 70,00 %" in text
    assert "<td" in html and "1 234 567,89 ₽" in html and "&quot;Театр, на Неглинной&quot;" in html
    assert "Без менеджера" not in text and "Нет почты" not in text

    head = by_rcpt[("head@example.ru",)]
    assert head["Subject"] == "План-факт: март 2026 — на 15.03.2026"
    text, html = _parts(head)
    assert "Март 2026 (идёт, данные на 15.03.2026)" in text and "Февраль 2026" in text and "Январь" not in text
    assert (
        "Оборот: факт 1 500 000,50 ₽, прогноз 3 100 001,03 ₽; план 3 000 000,00 ₽ "
        "(оптимистичный 3 600 000,00 ₽); выполнение 103,33 %"
    ) in text
    assert (
        "Оборот: факт 2 750 000,00 ₽; план 2 500 000,00 ₽ (оптимистичный 3 000 000,00 ₽); выполнение 110,00 %"
    ) in text
    assert "Билеты: факт 5 210" in text and "Маржа, %: факт 8,00 %" in text
    assert "1 партнёр с падением продаж без менеджера по развитию — ему некому позвонить." in text
    assert "<table" in html and "103,33 %" in html
    # a manager without e-mail is reported, not silently dropped
    assert any("Вера Сидорова has 1 declining partner but no e-mail" in n for n in report.plan.notes)


def test_nothing_is_sent_when_there_is_nothing_to_say(tmp_path, smtp):
    inbox, port = smtp
    cfg = _cfg(tmp_path, port)
    make_published(cfg.published_path)
    con = connect(cfg.published_path)
    con.execute("DELETE FROM report_declining_partners")
    con.execute("DELETE FROM report_plan_fact")
    con.close()
    assert send_digests(cfg).emails_sent == 0
    assert inbox.messages == []


def test_dry_run_sends_nothing(tmp_path, smtp):
    inbox, port = smtp
    cfg = _cfg(tmp_path, port)
    make_published(cfg.published_path)
    report = send_digests(cfg, dry_run=True)
    assert [d.to for d in report.plan.digests] == [["anna@example.ru"], ["head@example.ru"]]
    assert inbox.messages == []


class TelegramStub:
    """A Telegram-Bot-API-like endpoint on loopback: records sendMessage calls."""

    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.calls.append((self.path, body))
                data = json.dumps({"ok": True, "result": {"message_id": len(stub.calls)}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_telegram_gets_the_same_digests_in_the_configured_chat(tmp_path, smtp, monkeypatch):
    inbox, port = smtp
    tg = TelegramStub()
    monkeypatch.setenv("SG_TEST_BOT_TOKEN", "123456:ABC-secret")
    try:
        cfg = _cfg(
            tmp_path,
            port,
            telegram={"enabled": True, "api_url": tg.url, "bot_token_env": "SG_TEST_BOT_TOKEN", "chat_id": "-100777"},
        )
        make_published(cfg.published_path)
        report = send_digests(cfg)
    finally:
        tg.close()
    assert report.telegram_sent == 2 and len(inbox.messages) == 2
    assert [path for path, _ in tg.calls] == ["/bot123456:ABC-secret/sendMessage"] * 2
    assert {b["chat_id"] for _, b in tg.calls} == {"-100777"}
    assert {b["parse_mode"] for _, b in tg.calls} == {"HTML"}
    assert "<b>ООО &quot;Театр, на Неглинной&quot;</b> — 370 370,37 ₽ против 1 234 567,89 ₽" in tg.calls[0][1]["text"]
    assert tg.calls[1][1]["text"].startswith("<b>План-факт</b>")


def test_plan_without_head_addresses_notes_it(tmp_path):
    cfg = _cfg(tmp_path, 25, head_of_sales=[])
    make_published(cfg.published_path)
    plan = plan_digests(cfg.published_path, cfg.digest)
    assert [d.kind for d in plan.digests] == ["manager"]
    assert any("no [digest] head_of_sales" in n for n in plan.notes)


def test_a_partner_whose_refunds_exceed_its_sales_is_said_to_have_stopped():
    """The report caps such a decline at 100 % (a "310 %" means nothing); the e-mail says why it is 100 %."""
    from datetime import date
    from decimal import Decimal

    from salesglass.outputs.digest_text import manager_message

    def partner(pid: str, recent: int, decline: str) -> dict:
        return {
            "partner_id": pid,
            "name": pid,
            "kind": "organizer",
            "recent_28d": Decimal(recent),
            "baseline_28d": Decimal(1600),
            "decline_pct": Decimal(decline),
        }

    digest = manager_message(
        "Анна", "anna@example.ru", [partner("P1", -500, "100"), partner("P2", 400, "75")], date(2026, 3, 15), "RUB"
    )
    first, second = (line for line in digest.text.splitlines() if line[:3] in ("1. ", "2. "))
    assert first.endswith("падение 100,00 % (возвраты больше продаж)"), first
    assert second.endswith("падение 75,00 %"), second
    assert "<b>100,00 % (возвраты больше продаж)</b>" in digest.html
