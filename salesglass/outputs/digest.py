"""Weekly alert digests: each development manager gets the partners whose sales are falling, the head
of sales gets plan vs fact — by e-mail (HTML + plain text) and optionally in a Telegram chat.

Everything comes from the published reports file (read-only), so a digest shows exactly what the
dashboard shows. Nothing is sent when there is nothing to say: a manager without declining partners
gets no mail. Passwords and bot tokens are read from environment variables named in `[digest]` and
never appear in messages or errors.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from salesglass.errors import SalesglassError
from salesglass.outputs.digest_text import Digest, format_money, format_number, head_message, manager_message
from salesglass.plural import plural
from salesglass.warehouse import open_published

TELEGRAM_LIMIT = 4096
__all__ = ["Digest", "format_money", "format_number", "plan_digests", "send_digests"]


@dataclass
class DigestPlan:
    as_of: date
    digests: list[Digest] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # who was skipped and why


def _as_of(con: duckdb.DuckDBPyConnection, tz: str) -> date:
    for query in ("SELECT max(as_of) FROM report_declining_partners", "SELECT max(as_of) FROM build_info"):
        try:
            value = con.execute(query).fetchall()[0][0]
        except duckdb.Error:
            continue
        if value is not None:
            return value if isinstance(value, date) and not isinstance(value, datetime) else value.date()
    return datetime.now(ZoneInfo(tz)).date()


def _rows(con: duckdb.DuckDBPyConnection, query: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    try:
        cur = con.execute(query, params or [])
    except duckdb.CatalogException:
        return []  # the report is not in this file (yet)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def plan_digests(
    published_path: Path, digest_cfg: Any, *, timezone: str = "Europe/Moscow", currency: str = "RUB"
) -> DigestPlan:
    """What would be sent, read from the published reports; nothing is sent here."""
    con = open_published(published_path)
    try:
        as_of = _as_of(con, timezone)
        plan = DigestPlan(as_of=as_of)
        declining = _rows(
            con,
            """
            SELECT r.partner_id, r.name, r.kind, r.baseline_28d, r.recent_28d, r.decline_pct,
                   r.development_manager_id AS manager_id, m.name AS manager_name, m.email
            FROM report_declining_partners r LEFT JOIN managers m ON m.manager_id = r.development_manager_id
            ORDER BY r.development_manager_id, r.baseline_28d - r.recent_28d DESC, r.partner_id""",
        )
        by_manager: dict[int, list[dict[str, Any]]] = {}
        unassigned = 0
        for row in declining:
            if row["manager_id"] is None:
                unassigned += 1
            else:
                by_manager.setdefault(row["manager_id"], []).append(row)
        for manager_id, partners in by_manager.items():
            first = partners[0]
            if not first["email"]:
                plan.notes.append(
                    f"manager {first['manager_name'] or manager_id} has {len(partners)} declining "
                    f"{plural(len(partners), 'partner')} but no e-mail in amoCRM: no mail"
                )
                continue
            plan.digests.append(manager_message(first["manager_name"], first["email"], partners, as_of, currency))
        if unassigned:
            plan.notes.append(
                f"{unassigned} declining {plural(unassigned, 'partner has', 'partners have')} no development manager "
                "(in the head's digest)"
            )
        running = as_of.replace(day=1)
        previous = (running - timedelta(days=1)).replace(day=1)
        plan_fact = _rows(
            con,
            """
            SELECT period_start, metric, fact, plan_realistic, plan_optimistic, forecast, is_complete
            FROM report_plan_fact WHERE period_type = 'month' AND manager_id IS NULL AND period_start IN (?, ?)
            ORDER BY period_start DESC""",
            [running, previous],
        )
        if plan_fact and digest_cfg.head_of_sales:
            plan.digests.append(
                head_message(list(digest_cfg.head_of_sales), plan_fact, running, previous, as_of, currency, unassigned)
            )
        elif plan_fact:
            plan.notes.append("no [digest] head_of_sales addresses: no plan-vs-fact mail")
        return plan
    finally:
        con.close()


def build_email(digest: Digest, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = digest.subject
    msg["From"] = formataddr(("salesglass", sender))
    msg["To"] = ", ".join(digest.to)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "salesglass")
    msg.set_content(digest.text)
    msg.add_alternative(digest.html, subtype="html")
    return msg


def send_email(digests: list[Digest], cfg: Any) -> int:
    """Send over one SMTP connection; the password comes from the environment variable `password_env`."""
    if not digests:
        return 0
    password = None
    if cfg.username:
        password = os.environ.get(cfg.password_env)
        if password is None:
            raise SalesglassError(
                f"[digest] username is set but the environment variable {cfg.password_env} (password_env) is empty"
            )
    try:
        if cfg.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                cfg.smtp_host, cfg.smtp_port, timeout=30, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=30)
        with smtp:
            if cfg.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if cfg.username:
                smtp.login(cfg.username, password or "")
            for digest in digests:
                smtp.send_message(build_email(digest, cfg.from_address))
    except (OSError, smtplib.SMTPException) as exc:
        raise SalesglassError(
            f"sending the digest through {cfg.smtp_host}:{cfg.smtp_port} failed: {type(exc).__name__}: {exc}"
        ) from None
    return len(digests)


def send_telegram(digests: list[Digest], tg: Any) -> int:
    """POST {api_url}/bot{token}/sendMessage per digest (HTML parse mode); the token never shows in errors."""
    import httpx

    token = os.environ.get(tg.bot_token_env)
    if not token:
        raise SalesglassError(
            f"[digest.telegram] is enabled but the environment variable {tg.bot_token_env} (bot_token_env) is empty"
        )
    url = f"{tg.api_url.rstrip('/')}/bot{token}/sendMessage"
    sent = 0
    with httpx.Client(timeout=30) as http:
        for digest in digests:
            text = (
                digest.telegram
                if len(digest.telegram) <= TELEGRAM_LIMIT
                else (digest.telegram[: TELEGRAM_LIMIT - 1] + "…")
            )
            try:
                r = http.post(
                    url,
                    json={"chat_id": tg.chat_id, "text": text, "parse_mode": "HTML", "disable_web_page_preview": True},
                )
            except httpx.HTTPError as exc:
                raise SalesglassError(f"Telegram at {tg.api_url} unreachable: {type(exc).__name__}") from None
            if r.status_code != 200 or not r.json().get("ok"):
                raise SalesglassError(
                    f"Telegram at {tg.api_url} refused the message: HTTP {r.status_code} "
                    f"{r.text[:200].replace(token, '***')}"
                )
            sent += 1
    return sent


@dataclass
class DigestReport:
    plan: DigestPlan
    emails_sent: int = 0
    telegram_sent: int = 0


def send_digests(cfg: Any, *, dry_run: bool = False) -> DigestReport:
    """Plan the digests from the published reports and send them (unless dry run)."""
    d = cfg.digest
    from salesglass.account_zone import resolve_zone

    plan = plan_digests(cfg.published_path, d, timezone=resolve_zone(cfg).name, currency=cfg.account.currency)
    report = DigestReport(plan=plan)
    if dry_run:
        return report
    report.emails_sent = send_email(plan.digests, d)
    if d.telegram.enabled:
        report.telegram_sent = send_telegram(plan.digests, d.telegram)
    return report
