"""A manager's statement for a month, and the payroll file: read from the published reports.

The statement is what a manager can read alone: every line with its partner, deal, base, rate and amount;
adjustment lines with the month they correct and why; the total; the month's state and approval date
(from the state store: it changes between builds). The payroll file has one row per manager and the
month's total to pay. Text cells go through salesglass/safe_cells.py (never a formula).

A negative net is never paid: its `carry_forward` lines (reports/bonus_close.py) bring the month to 0.00
and take the amount off the manager's next month; the payroll file says so in its `carried` and `note`
columns, in English and Russian.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from salesglass.errors import SalesglassError
from salesglass.processes import replace_whole


class Rows(Protocol):
    def rows(self, sql: str, params: list | tuple = ...) -> list[dict[str, Any]]: ...


LINES_SQL = """
SELECT l.month, l.manager_id, l.role, l.rule, l.partner_id, p.name AS partner_name, l.deal_id, d.name AS deal_name,
       l.base, l.rate, l.multiplier, l.amount, l.corrects_month, l.corrects_rule, l.cause,
       m.is_active AS manager_active
FROM report_bonus_lines l
LEFT JOIN partners p USING (partner_id)
LEFT JOIN deals d ON d.deal_id = l.deal_id
LEFT JOIN managers m ON m.manager_id = l.manager_id
WHERE l.month = ? AND l.manager_id = ?
ORDER BY (l.corrects_month IS NOT NULL OR l.rule = 'manual'), l.rule, l.partner_id, l.corrects_month"""

# negative nets of earlier months still carried past this month: carried out (+x, naming the month) before
# it, and taken off (−x, naming the same month) only after it, or not yet: a month without lines of the
# manager has nothing to take it from, so its statement would otherwise show nothing at all
PASSING_CARRY_SQL = """
SELECT o.corrects_month AS from_month, o.amount, min(i.month) AS taken_in
FROM report_bonus_lines o
LEFT JOIN report_bonus_lines i ON i.manager_id = o.manager_id AND i.rule = 'carry_forward' AND i.amount < 0
     AND i.corrects_month = o.corrects_month
WHERE o.manager_id = ? AND o.rule = 'carry_forward' AND o.amount > 0 AND o.month < ?
GROUP BY o.corrects_month, o.amount
HAVING min(i.month) IS NULL OR min(i.month) > ?
ORDER BY o.corrects_month"""

PAYROLL_SQL = """
SELECT l.manager_id, m.name AS manager, m.email, sum(l.amount) AS total, count(*) AS lines,
       coalesce(sum(l.amount) FILTER (WHERE (l.corrects_month IS NOT NULL OR l.rule = 'manual')
                                    AND l.rule <> 'carry_forward'), 0) AS adjustments,
       coalesce(sum(l.amount) FILTER (WHERE l.rule = 'carry_forward'), 0) AS carried,
       coalesce(sum(l.amount) FILTER (WHERE l.rule = 'carry_forward' AND l.amount > 0), 0) AS carried_out,
       coalesce(sum(l.amount) FILTER (WHERE l.rule = 'carry_forward' AND l.amount < 0), 0) AS carried_in,
       string_agg(DISTINCT strftime(l.corrects_month, '%Y-%m'), ', ' ORDER BY strftime(l.corrects_month, '%Y-%m'))
           FILTER (WHERE l.rule = 'carry_forward' AND l.amount < 0) AS carried_from,
       bool_and(coalesce(m.is_active, TRUE)) AS active
FROM report_bonus_lines l LEFT JOIN managers m USING (manager_id)
WHERE l.month = ?
GROUP BY l.manager_id, m.name, m.email
ORDER BY m.name, l.manager_id"""


# (English, Russian); the dashboard's strings (serve/bonus_strings.py) take these too
CARRY_NOTES = {
    "carry_out": (
        "net {net} is not paid: carried forward to the next month",
        "отрицательный итог {net} не выплачивается: переносится на следующий месяц",
    ),
    "carry_in": (
        "{amount} carried from {months} (a negative net not paid then)",
        "{amount} перенесено из {months} (отрицательный итог, не выплаченный тогда)",
    ),
    "carry_passing": (
        "{amount} carried from {months} is not taken off this month (no bonus lines here): {where}",
        "{amount}, перенесённые из {months}, в этом месяце не удерживаются (строк мотивации нет): {where}",
    ),
    "carry_taken_in": ("it is taken off {month}", "удерживаются в {month}"),
    "carry_waiting": ("it waits for the next month with bonus lines", "ждут следующего месяца со строками мотивации"),
    "carry_left": (
        "the manager has left: the company decides whether to write it off",
        "менеджер уволился: списать ли долг, решает компания",
    ),
}


# The causes a build writes on clawback / true_up lines (reports/bonus_close.py composes them in SQL, in
# English): key → (English, Russian). A statement shows them in its reader's language; a manual line's cause
# is what the admin typed and is never translated.
CAUSE_WORDS = {
    "cause_sale": ("sale {sale} of {day} (revenue {revenue})", "продажа {sale} от {day} (выручка {revenue})"),
    "cause_refund": ("refund {sale} of {day} (revenue {revenue})", "возврат {sale} от {day} (выручка {revenue})"),
    "cause_sale_removed": ("sale {sale} removed (revenue {revenue})", "продажа {sale} удалена (выручка {revenue})"),
    "cause_sale_moved": (
        "sale {sale} moved to {month} (revenue {revenue})",
        "продажа {sale} перенесена в {month} (выручка {revenue})",
    ),
    "cause_more": ("{causes} and {n} more", "{causes} и ещё {n}"),
    "cause_relinked": (
        "partner {partner} now credited via deal {deal} (was deal {was_deal})",
        "партнёр {partner} теперь засчитан по сделке {deal} (была сделка {was_deal})",
    ),
    "cause_linked": ("deal {deal} linked to partner {partner}", "сделка {deal} привязана к партнёру {partner}"),
    "cause_unlinked": (
        "deal {deal} no longer credits partner {partner} to this manager",
        "сделка {deal} больше не засчитывает партнёра {partner} этому менеджеру",
    ),
    "cause_to_other": (
        "partner {partner} now credited to manager {manager}",
        "партнёр {partner} теперь засчитан менеджеру {manager}",
    ),
    "cause_lost": (
        "partner {partner} no longer credited to this manager",
        "партнёр {partner} больше не засчитан этому менеджеру",
    ),
    "cause_from_other": (
        "partner {partner} now credited to this manager (was manager {manager})",
        "партнёр {partner} теперь засчитан этому менеджеру (был менеджер {manager})",
    ),
    "cause_new": (
        "partner {partner} newly credited to this manager",
        "партнёр {partner} впервые засчитан этому менеджеру",
    ),
    "cause_recomputed": ("recomputed: base {was} → {now}", "пересчёт: база {was} → {now}"),
}
_FIELD = {
    "day": r"\d{4}-\d\d-\d\d",
    "month": r"\d{4}-\d\d",
    "deal": r"-?\d+",
    "was_deal": r"-?\d+",
    "manager": r"-?\d+",
    "n": r"\d+",
    "revenue": r"-?\d+\.\d\d",
    "was": r"-?\d+\.\d\d",
    "now": r"-?\d+\.\d\d",
}
_MONEY_FIELDS = ("revenue", "was", "now")
_SALE_KEYS = ("cause_sale", "cause_refund", "cause_sale_removed", "cause_sale_moved")


def _pattern(english: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", english)  # text, field, text, field, …
    return re.compile(
        "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>{_FIELD.get(p, '.+?')})" for i, p in enumerate(parts))
    )


_PATTERNS = {key: _pattern(en) for key, (en, _) in CAUSE_WORDS.items() if key != "cause_more"}
_MORE = re.compile(r"(?P<causes>.+) and (?P<n>\d+) more")


def cause_text(cause: str | None, t: Any, money: Any = str) -> str | None:
    """A build's cause (English, as published) in the words of `t` (the page's strings, key → text), its
    amounts through `money`; a cause not written by the build (say a newer build's words) stays as it is."""
    if not cause:
        return cause

    def one(text: str, keys: Any) -> str | None:
        for key in keys:
            if hit := _PATTERNS[key].fullmatch(text):
                fields = {k: money(Decimal(v)) if k in _MONEY_FIELDS else v for k, v in hit.groupdict().items()}
                return t(key, **fields)
        return None

    if whole := one(cause, [k for k in _PATTERNS if k not in _SALE_KEYS]):
        return whole
    more = _MORE.fullmatch(cause)
    sales = [one(part, _SALE_KEYS) for part in (more["causes"] if more else cause).split("; ")]
    if any(s is None for s in sales):
        return cause
    joined = "; ".join(s for s in sales if s)
    return t("cause_more", causes=joined, n=more["n"]) if more else joined


def carry_note(row: dict[str, Any], lang: int, money: Any = str) -> str:
    """The payroll row's words for carried amounts (lang 0 English, 1 Russian); "" when nothing carried."""
    parts = []
    if row.get("carried_in"):
        parts.append(CARRY_NOTES["carry_in"][lang].format(amount=money(row["carried_in"]), months=row["carried_from"]))
    if row.get("carried_out"):
        parts.append(CARRY_NOTES["carry_out"][lang].format(net=money(-row["carried_out"])))
        if row.get("active") is False:
            parts.append(CARRY_NOTES["carry_left"][lang])
    return "; ".join(parts)


def is_adjustment(line: dict) -> bool:
    return line.get("corrects_month") is not None or line.get("rule") == "manual"


def statement(q: Rows, month: date, manager_id: int) -> dict[str, Any]:
    """The lines of one manager's month, split into earned lines and adjustments, with the total."""
    rows = q.rows(LINES_SQL, [month, manager_id])
    earned = [r for r in rows if not is_adjustment(r)]
    adjustments = [r for r in rows if is_adjustment(r)]
    return {
        "month": month,
        "manager_id": manager_id,
        "lines": earned,
        "adjustments": adjustments,
        "total": sum((r["amount"] for r in rows), Decimal("0.00")),
        # a carried negative net that passes over this month (it has no lines of the manager)
        "passing": q.rows(PASSING_CARRY_SQL, [manager_id, month, month]) if not rows else [],
    }


def payroll(q: Rows, month: date) -> list[dict[str, Any]]:
    return q.rows(PAYROLL_SQL, [month])


class _Cursor:
    def __init__(self, con: Any):
        self.con = con

    def rows(self, sql: str, params: list | tuple = ()) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, list(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


PAYROLL_COLUMNS = (
    "month",
    "manager_id",
    "manager",
    "email",
    "total",
    "adjustments",
    "carried",
    "lines",
    "state",
    "note",
)


def iso_moment(value: Any, zone: str) -> Any:
    """A stored moment as ISO 8601 with its offset on the account's clock ("2026-11-03T09:15:02-05:00"):
    a naive "2026-11-03 14:15:02" in an audit file left the reader guessing whose clock it was."""
    from zoneinfo import ZoneInfo

    if not isinstance(value, datetime):
        return value
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # the store writes UTC
    return aware.astimezone(ZoneInfo(zone)).isoformat(timespec="seconds")


def write_payroll(cfg: Any, month: date, out: Path) -> list[dict[str, Any]]:
    """The payroll file (.csv or .xlsx): one row per manager with the month's total to pay; the .xlsx
    ends with a total row (a person reads it), the .csv has none (a payroll program imports it)."""
    from salesglass.bonus.store import store_of
    from salesglass.safe_cells import csv_value, xlsx_cell
    from salesglass.warehouse import connect

    if not cfg.published_path.exists():
        raise SalesglassError(f"no published reports at {cfg.published_path}: run `salesglass build` first")
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise SalesglassError(f"--out must end in .csv or .xlsx, got {out.name!r}")
    state = store_of(cfg).period(month).state
    con = connect(cfg.published_path, read_only=True)
    try:
        rows = payroll(_Cursor(con), month)
    finally:
        con.close()
    table = [
        [
            month,
            r["manager_id"],
            r["manager"],
            r["email"],
            r["total"],
            r["adjustments"],
            r["carried"],
            r["lines"],
            state,
            " / ".join(n for n in (carry_note(r, 0), carry_note(r, 1)) if n),
        ]
        for r in rows
    ]
    # every manager's pay: written whole, then renamed into place owner-only (also over an older file of a
    # wider mode); a Ctrl-C or a full disk mid-write leaves the previous file as it was, not an empty one
    if suffix == ".csv":
        text = io.StringIO(newline="")
        w = csv.writer(text)
        w.writerow(PAYROLL_COLUMNS)
        w.writerows([[f"{month:%Y-%m}", *(csv_value(v) for v in row[1:])] for row in table])  # the month, not day 1
        replace_whole(out, text.getvalue().encode("utf-8-sig"))
    else:
        from openpyxl import Workbook

        from salesglass.outputs.xlsx import TWO_PLACES, header_cells

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(f"payroll {month:%Y-%m}")
        ws.append(header_cells(ws, PAYROLL_COLUMNS))
        for row in table:
            cells = [xlsx_cell(ws, v) for v in row]
            cells[4].number_format = cells[5].number_format = cells[6].number_format = TWO_PLACES
            cells[0].number_format = "yyyy-mm"
            ws.append(cells)
        total = xlsx_cell(ws, sum((r["total"] for r in rows), Decimal("0.00")))
        total.number_format = TWO_PLACES
        ws.append([xlsx_cell(ws, "total"), None, None, None, total])
        workbook = io.BytesIO()
        wb.save(workbook)
        replace_whole(out, workbook.getvalue())
    return rows
