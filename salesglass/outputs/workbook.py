"""Excel export of report tables, used by `salesglass export` (dashboard pages have their own writer,
serve/web/export.py; both take their cell styling from outputs/xlsx.py).

`write_xlsx(sheets, target)` writes one sheet per table with typed cells (dates as dates, money as
numbers in a ruble format), readable column names and a frozen header row. Money is converted to
Excel's numbers only here, at the very edge: Excel has no decimal type.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
from openpyxl import Workbook

from salesglass.outputs.xlsx import DATE, TWO_PLACES, cell, fit_width, header_cells, set_widths, zoneless

RUBLES = "#,##0.00 ₽"
NUMBER = TWO_PLACES
RATE = "0.00##"
DATETIME = "yyyy-mm-dd hh:mm:ss"

LABELS = {
    "week_start": "Week start", "month": "Month", "client_kind": "Client kind", "cohort_month": "Cohort month",
    "sales_manager_id": "Sales manager", "manager_id": "Manager", "development_manager_id": "Development manager",
    "deals_created": "Deals created", "deals_won": "Deals won", "annual_budget_won": "Annual budget won",
    "created_reached_first_sale": "Created, reached first sale", "widget_installed": "Widget installed",
    "first_sale": "First sale", "stage_order": "Stage #", "days_to_reach_sum": "Days to reach (sum)",
    "lost_at_stage": "Lost at stage", "period_type": "Period", "period_start": "Period start",
    "plan_realistic": "Plan (realistic)", "plan_optimistic": "Plan (optimistic)", "is_complete": "Complete",
    "contracts_signed": "Contracts signed", "widgets_installed": "Widgets installed", "first_sales": "First sales",
    "signed_then_selling": "Signed, then selling", "month_offset": "Month offset",
    "active_partners": "Active partners", "as_of": "As of", "partner_id": "Partner", "deal_id": "Deal",
    "baseline_28d": "Baseline 28 d", "recent_28d": "Recent 28 d", "decline_pct": "Decline %",
    "sales_bonus": "Sales bonus", "development_bonus": "Development bonus", "margin_pct": "Margin %",
}
_NOT_MONEY_METRICS = {"margin_pct", "tickets", "new_partners"}  # plan-fact rows whose values are no rubles


def label(column: str) -> str:
    """A readable header: known names from LABELS, else `deals_created` → "Deals created"."""
    return LABELS.get(column, column.replace("_", " ").capitalize())


def _arrow(table: Any) -> pa.Table:
    return table if isinstance(table, pa.Table) else pa.Table.from_pandas(table, preserve_index=False)


def _formats(schema: pa.Schema) -> list[str | None]:
    out: list[str | None] = []
    for f in schema:
        t = f.type
        if pa.types.is_decimal(t):
            out.append(NUMBER if f.name.endswith("_pct") else RATE if t.scale > 2 else RUBLES)
        elif pa.types.is_date(t):
            out.append(DATE)
        elif pa.types.is_timestamp(t):
            out.append(DATETIME)
        elif pa.types.is_floating(t):
            out.append(NUMBER)
        else:
            out.append(None)
    return out


def _value(v: Any) -> Any:
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, datetime) and v.tzinfo is not None:
        return zoneless(v)  # shown in UTC, as stored
    return v


def write_xlsx(sheets: dict[str, Any], target: str | Path | IO[bytes]) -> None:
    """One sheet per (name → pyarrow.Table or pandas.DataFrame); `target` is a path or a binary stream."""
    wb = Workbook(write_only=True)
    for name, data in sheets.items():
        table = _arrow(data)
        ws = wb.create_sheet(title=name[:31])
        ws.freeze_panes = "A2"
        labels = [label(col) for col in table.column_names]
        set_widths(ws, (fit_width(text, 10) for text in labels))
        ws.append(header_cells(ws, labels))
        formats = _formats(table.schema)
        metric_at = table.column_names.index("metric") if "metric" in table.column_names else None
        for row in table.to_pylist():
            values = list(row.values())
            plain = metric_at is not None and values[metric_at] in _NOT_MONEY_METRICS
            cells = []
            for v, fmt in zip(values, formats, strict=True):
                shown = NUMBER if (plain and fmt == RUBLES) else fmt
                cells.append(cell(ws, _value(v), fmt=shown if v is not None else None))
            ws.append(cells)
    if not sheets:
        wb.create_sheet(title="empty")
    wb.save(target)
