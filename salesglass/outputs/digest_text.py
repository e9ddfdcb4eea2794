"""The words and numbers of the digests (Russian, numbers as `1 234 567,89 ₽`), in three flavours:
plain text and HTML for the e-mail's two parts, and Telegram's small HTML subset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import Any

from salesglass.currency import currency_sign
from salesglass.plural import plural_ru

MONTHS = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)
KINDS = {"organizer": "организатор", "operator": "билетный оператор"}
METRICS = (  # metric, label, unit
    ("turnover", "Оборот", "money"),
    ("revenue", "Выручка платформы", "money"),
    ("cost", "Затраты", "money"),
    ("margin", "Маржа", "money"),
    ("margin_pct", "Маржа, %", "pct"),
    ("tickets", "Билеты", "count"),
    ("new_partners", "Новые партнёры", "count"),
)
_CELL = 'style="padding:4px 10px;border-bottom:1px solid #ddd;text-align:right"'
_HEAD = 'style="padding:4px 10px;border-bottom:2px solid #999;text-align:left"'
_LEFT = 'style="padding:4px 10px;border-bottom:1px solid #ddd;text-align:left"'


@dataclass
class Digest:
    """One message: to a manager (their declining partners) or to the head of sales (plan vs fact)."""

    kind: str  # "manager" | "head"
    to: list[str]
    subject: str
    text: str
    html: str
    telegram: str  # Telegram-flavoured HTML (b, i only; newlines as line breaks)


def format_number(value: Decimal | int | float | None, places: int = 2) -> str:
    """Russian style: `1 234 567,89` (space between thousands, comma before the fraction)."""
    if value is None:
        return "—"
    q = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    whole, _, frac = f"{abs(q):f}".partition(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return sign + " ".join(groups) + ("," + frac if frac else "")


def format_money(value: Decimal | int | None, currency: str = "RUB") -> str:
    return "—" if value is None else f"{format_number(value)} {currency_sign(currency)}"


def _date(d: date) -> str:
    return d.strftime("%d.%m.%Y")


def _month(d: date) -> str:
    return f"{MONTHS[d.month - 1]} {d.year}"


def manager_message(name: str | None, email: str, partners: list[dict[str, Any]], as_of: date, currency: str) -> Digest:
    who = name or email
    lines, rows, tg = [], [], []
    for n, p in enumerate(partners, start=1):
        kind = KINDS.get(p["kind"], p["kind"] or "")
        recent, base = format_money(p["recent_28d"], currency), format_money(p["baseline_28d"], currency)
        drop = f"{format_number(p['decline_pct'])} %"
        if p["recent_28d"] is not None and p["recent_28d"] < 0:  # the report caps such a decline at 100 %
            drop += " (возвраты больше продаж)"
        lines.append(
            f"{n}. {p['name'] or p['partner_id']} ({kind}): {recent} за 28 дней против обычных {base} — падение {drop}"
        )
        rows.append(
            f"<tr><td {_LEFT}>{escape(p['name'] or p['partner_id'])}"
            f"</td><td {_LEFT}>{escape(kind)}</td>"
            f"<td {_CELL}>{base}</td><td {_CELL}>{recent}</td><td {_CELL}><b>{drop}</b></td></tr>"
        )
        tg.append(f"{n}. <b>{escape(p['name'] or p['partner_id'])}</b> — {recent} против {base} (−{drop})")
    count = len(partners)
    intro = (
        f"У {count} {plural_ru(count, 'вашего партнёра', 'ваших партнёров', 'ваших партнёров')} продажи "
        f"за последние 28 дней заметно ниже обычного (на {_date(as_of)}). "
        f"Стоит {plural_ru(count, 'ему', 'им', 'им')} позвонить:"
    )
    note = "«Обычно» — средний оборот за 28 дней в предыдущие 12 недель."
    text = f"{who}, добрый день!\n\n{intro}\n\n" + "\n".join(lines) + f"\n\n{note}\n\n— salesglass\n"
    html = (
        f'<html><body style="font-family:Arial,sans-serif"><p>{escape(who)}, добрый день!</p>'
        f'<p>{escape(intro)}</p><table style="border-collapse:collapse"><tr>'
        f"<th {_HEAD}>Партнёр</th><th {_HEAD}>Вид</th><th {_HEAD}>Обычно за 28 дней</th>"
        f"<th {_HEAD}>За последние 28 дней</th><th {_HEAD}>Падение</th></tr>"
        + "".join(rows)
        + f'</table><p style="color:#666">{escape(note)}</p><p>— salesglass</p></body></html>'
    )
    telegram = f"<b>{escape(who)}</b>: партнёры с падением продаж на {_date(as_of)}\n" + "\n".join(tg)
    return Digest("manager", [email], f"Партнёры с падением продаж: {count} — на {_date(as_of)}", text, html, telegram)


def _value(unit: str, value: Any, currency: str) -> str:
    if unit == "money":
        return format_money(value, currency)
    if unit == "pct":
        return "—" if value is None else f"{format_number(value)} %"
    return format_number(value, 0)


def _pct_of_plan(unit: str, value: Any, plan: Any) -> str:
    if unit == "pct" or value is None or not plan:
        return "—"
    return f"{format_number(Decimal(value) * 100 / Decimal(plan))} %"


def head_message(
    to: list[str],
    rows: list[dict[str, Any]],
    running: date,
    previous: date,
    as_of: date,
    currency: str,
    unassigned: int,
) -> Digest:
    by_month: dict[date, dict[str, dict[str, Any]]] = {}
    for r in rows:
        by_month.setdefault(r["period_start"], {})[r["metric"]] = r
    text_parts, html_parts, tg_parts = [], [], []
    for month in (running, previous):
        metrics = by_month.get(month)
        if not metrics:
            continue
        is_running = month == running and not all(m["is_complete"] for m in metrics.values())
        title = f"{_month(month).capitalize()}" + (f" (идёт, данные на {_date(as_of)})" if is_running else "")
        basis = "forecast" if is_running else "fact"
        text_lines, html_rows, tg_lines = [title], [], [f"<b>{escape(title)}</b>"]
        for metric, label, unit in METRICS:
            found = metrics.get(metric)
            if found is None:
                continue
            r = found
            fact, plan_r, plan_o = (_value(unit, r[k], currency) for k in ("fact", "plan_realistic", "plan_optimistic"))
            forecast = _value(unit, r["forecast"], currency)
            of_plan = _pct_of_plan(unit, r[basis], r["plan_realistic"])
            text_lines.append(
                f"  {label}: факт {fact}"
                + (f", прогноз {forecast}" if is_running else "")
                + f"; план {plan_r} (оптимистичный {plan_o}); выполнение {of_plan}"
            )
            html_rows.append(
                f"<tr><td {_LEFT}>{escape(label)}</td>"
                f"<td {_CELL}>{fact}</td><td {_CELL}>{forecast if is_running else fact}</td>"
                f"<td {_CELL}>{plan_r}</td><td {_CELL}>{plan_o}</td>"
                f"<td {_CELL}><b>{of_plan}</b></td></tr>"
            )
            tg_lines.append(
                f"{escape(label)}: {fact}"
                + (f" → прогноз {forecast}" if is_running else "")
                + f" / план {plan_r} ({of_plan})"
            )
        text_parts.append("\n".join(text_lines))
        tg_parts.append("\n".join(tg_lines))
        html_parts.append(
            f'<h3>{escape(title)}</h3><table style="border-collapse:collapse"><tr><th {_HEAD}>Показатель</th>'
            f"<th {_HEAD}>Факт</th><th {_HEAD}>{'Прогноз' if is_running else 'Итог'}</th>"
            f"<th {_HEAD}>План реалистичный</th><th {_HEAD}>План оптимистичный</th><th {_HEAD}>Выполнение</th></tr>"
            + "".join(html_rows)
            + "</table>"
        )
    extra = (
        f"\n{unassigned} {plural_ru(unassigned, 'партнёр', 'партнёра', 'партнёров')} с падением продаж без менеджера "
        f"по развитию — {plural_ru(unassigned, 'ему', 'им', 'им')} некому позвонить."
        if unassigned
        else ""
    )
    text = (
        "План-факт по компании.\n\n" + "\n\n".join(text_parts) + ("\n" + extra if extra else "") + "\n\n— salesglass\n"
    )
    html = (
        '<html><body style="font-family:Arial,sans-serif"><p>План-факт по компании.</p>'
        + "".join(html_parts)
        + (f"<p>{escape(extra.strip())}</p>" if extra else "")
        + "<p>— salesglass</p></body></html>"
    )
    telegram = "<b>План-факт</b>\n\n" + "\n\n".join(tg_parts) + (f"\n\n{escape(extra.strip())}" if extra else "")
    return Digest("head", to, f"План-факт: {_month(running)} — на {_date(as_of)}", text, html, telegram)
