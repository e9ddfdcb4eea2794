"""Excel and CSV downloads of exactly the tables a page shows, with its filters applied.

A small writer of our own (openpyxl): one sheet per table, a header block naming the filters and the
data's as_of, typed cells (money stays Decimal with a number format, months stay dates).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from salesglass.serve.web.view import PageView, TableView

FORMATS = {
    "money": "#,##0.00",
    "int": "#,##0",
    "num": "#,##0.0",
    "pct": "0.0",
    "month": "mmm yyyy",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
HEADER_FILL = PatternFill("solid", fgColor="E8EDF5")


def describe_filters(ctx: Any) -> str:
    t = ctx.t
    bits = [
        f"{t('period')}: {ctx.fmt.month(ctx.month_from)} – {ctx.fmt.month(ctx.month_to)}",
        f"{t('manager')}: {ctx.manager_name(ctx.manager) if ctx.manager is not None else t('all_managers')}",
    ]
    if ctx.kind:
        bits.append(f"{t('client_kind')}: {t(ctx.kind)}")
    for key in ("period", "at", "measure", "mode"):
        if ctx.params.get(key):
            bits.append(f"{key}={ctx.params.get(key)}")
    return "; ".join(bits)


def cell_value(kind: str, value: Any, ctx: Any) -> Any:
    """The value as the sheet should hold it: numbers as numbers, labels translated."""
    if value is None:
        return None
    if kind == "label":
        return ctx.t(str(value))
    if kind in ("int", "money", "num", "pct"):
        return value if isinstance(value, int | Decimal) else Decimal(str(value))
    if kind == "datetime" and isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if kind in ("month", "date") and isinstance(value, date):
        return value
    return str(value)


def _sheet_name(title: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title)[:31].strip() or "Sheet"
    base, n = name, 2
    while name in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def write_table(ws: Any, table: TableView, view: PageView, ctx: Any) -> None:
    ws.append([f"{view.title} — {table.title}"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([describe_filters(ctx)])
    built = ctx.fmt.day(ctx.snap.built_at) if ctx.snap.built_at else "—"
    ws.append([f"{ctx.t('as_of')}: {ctx.fmt.day(ctx.snap.as_of)}; {ctx.t('built_at')}: {built}"])
    ws.append([])
    ws.append([c.label for c in table.cols])
    header_row = ws.max_row
    for i in range(1, len(table.cols) + 1):
        cell = ws.cell(row=header_row, column=i)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    rows = list(table.rows) + ([table.total] if table.total else [])
    for row in rows:
        ws.append([cell_value(c.kind, row.get(c.key), ctx) for c in table.cols])
        r = ws.max_row
        for i, c in enumerate(table.cols, start=1):
            if c.kind in FORMATS:
                ws.cell(row=r, column=i).number_format = FORMATS[c.kind]
            if row is table.total:
                ws.cell(row=r, column=i).font = Font(bold=True)
    for i, c in enumerate(table.cols, start=1):
        ws.column_dimensions[get_column_letter(i)].width = 14 if c.numeric else max(16, min(40, len(c.label) + 4))
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)


def xlsx_bytes(view: PageView, ctx: Any) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for table in view.tables:
        write_table(wb.create_sheet(_sheet_name(table.title, used)), table, view, ctx)
    if not view.tables:
        wb.create_sheet("—").append([view.notice or ""])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(view: PageView, ctx: Any, table_key: str | None = None) -> bytes:
    """One table as CSV (the first, or `table_key`): UTF-8 with BOM so Excel reads Cyrillic."""
    tables = [t for t in view.tables if table_key in (None, t.key)]
    buf = io.StringIO()
    w = csv.writer(buf)
    for table in tables[:1]:
        w.writerow([c.label for c in table.cols])
        for row in table.rows + ([table.total] if table.total else []):
            w.writerow(["" if (v := cell_value(c.kind, row.get(c.key), ctx)) is None else v for c in table.cols])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
