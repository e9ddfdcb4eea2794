"""Excel export of report tables, used by `salesglass export` (dashboard pages have their own writer,
serve/web/export.py; both take their cell styling from outputs/xlsx.py).

`write_xlsx(sheets, target)` writes one sheet per table with typed cells (dates as dates, money as
numbers in the account currency's format), readable column names and a frozen header row. Money is converted to
Excel's numbers only here, at the very edge: Excel has no decimal type.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import pyarrow as pa
from openpyxl import Workbook

from salesglass.currency import currency_sign
from salesglass.outputs.xlsx import DATE, TWO_PLACES, cell, fit_width, header_cells, set_widths, zoneless
from salesglass.reports.columns import COLUMN_LABELS

NUMBER = TWO_PLACES
RATE = "0.00##"
DATETIME = "yyyy-mm-dd hh:mm:ss"

_NOT_MONEY_METRICS = {"margin_pct", "tickets", "new_partners"}  # plan-fact rows whose values are no rubles


def label(column: str) -> str:
    """The column's header (reports/columns.py, as on the dashboard), else `deals_created` → "Deals created"."""
    known = COLUMN_LABELS.get(column)
    return known[0] if known else column.replace("_", " ").capitalize()


def labels(columns: list[str]) -> list[str]:
    """Headers of a sheet; an id shown beside its name (`manager`, `manager_id`) reads "Manager id"."""
    return [
        f"{label(col.removesuffix('_id'))} id"
        if col.endswith("_id") and col.removesuffix("_id") in columns
        else label(col)
        for col in columns
    ]


def _arrow(table: Any) -> pa.Table:
    return table if isinstance(table, pa.Table) else pa.Table.from_pandas(table, preserve_index=False)


def money_format(currency: str) -> str:
    """Excel's number format of an amount in `currency`: `#,##0.00 ₽`; letters are quoted (`"Br"`), as Excel
    would read some of them as date codes."""
    sign = currency_sign(currency)
    return f"#,##0.00 {sign}" if not any(ch.isalpha() for ch in sign) else f'#,##0.00 "{sign}"'


def _formats(schema: pa.Schema, money: str) -> list[str | None]:
    out: list[str | None] = []
    for f in schema:
        t = f.type
        if pa.types.is_decimal(t):
            out.append(NUMBER if f.name.endswith("_pct") else RATE if t.scale > 2 else money)
        elif pa.types.is_date(t):
            out.append(DATE)
        elif pa.types.is_timestamp(t):
            out.append(DATETIME)
        elif pa.types.is_floating(t):
            out.append(NUMBER)
        else:
            out.append(None)
    return out


def _value(v: Any, zone: ZoneInfo | None = None) -> Any:
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, datetime) and v.tzinfo is not None:
        return zoneless(v.astimezone(zone) if zone else v)  # the account's wall time (else UTC, as stored)
    return v


def write_xlsx(
    sheets: dict[str, Any], target: str | Path | IO[bytes], zone: str | None = None, currency: str = "RUB"
) -> None:
    """One sheet per (name → pyarrow.Table or pandas.DataFrame); `target` is a path or a binary stream;
    times are written as wall time in `zone` (the account's; Excel has no zones); money shows the sign of
    `currency` (the account's)."""
    tz = ZoneInfo(zone) if zone else None
    money = money_format(currency)
    wb = Workbook(write_only=True)
    for name, data in sheets.items():
        table = _arrow(data)
        ws = wb.create_sheet(title=name[:31])
        ws.freeze_panes = "A2"
        headers = labels(table.column_names)
        set_widths(ws, (fit_width(text, 10) for text in headers))
        ws.append(header_cells(ws, headers))
        formats = _formats(table.schema, money)
        metric_at = table.column_names.index("metric") if "metric" in table.column_names else None
        for row in table.to_pylist():
            values = list(row.values())
            plain = metric_at is not None and values[metric_at] in _NOT_MONEY_METRICS
            cells = []
            for v, fmt in zip(values, formats, strict=True):
                shown = NUMBER if (plain and fmt == money) else fmt
                cells.append(cell(ws, _value(v, tz), fmt=shown if v is not None else None))
            ws.append(cells)
    if not sheets:
        wb.create_sheet(title="empty")
    wb.save(target)
