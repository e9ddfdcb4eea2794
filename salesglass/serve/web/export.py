"""Excel and CSV downloads of exactly the tables a page shows, with its filters applied.

One sheet per table, a header block naming the filters and the data's as_of, typed cells (money a number
with a number format, months dates). Written with XlsxWriter: a download is made on every request when the
response cache is off, and openpyxl's cells cost ~50 µs each (the bonus workbook, ~3,500 cells: ~60 ms);
XlsxWriter writes the same sheet in a fraction of that. Its generic `write()` would turn text starting with
`=` into a formula, so every cell goes through a typed method: text is always `write_string`
(quote-prefixed when risky, salesglass.safe_cells), numbers `write_number`, dates `write_datetime`.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from salesglass.outputs.xlsx import DATE, TWO_PLACES, fit_width, zoneless
from salesglass.safe_cells import csv_value, is_risky, printable
from salesglass.serve.web.context import Ctx
from salesglass.serve.web.view import PageView, TableView

FORMATS = {
    "money": TWO_PLACES,
    "int": "#,##0",
    "num": "#,##0.0",
    "num4": "0.####",
    # percents as Excel percents (the cell holds 0.667 and shows "66.7%"): a page's pct (66.7) is divided by
    # 100 on the way in (`excel_number`), a rate is already a share of 1 (0.1 → "10.0%", 0.0375 → "3.75%")
    "pct": "0.0%",
    "rate": "0.0#%",
    "month": "mmm yyyy",
    "date": DATE,
    "datetime": "yyyy-mm-dd hh:mm",
}
HEADER = {"bold": True, "bg_color": "#E8EDF5", "pattern": 1, "text_wrap": True, "valign": "top"}
TITLE = {"bold": True, "font_size": 13}


def describe_filters(ctx: Ctx, view: PageView | None = None) -> str:
    if view is not None and view.scope:
        return view.scope
    t = ctx.t
    bits = [
        f"{t('period')}: {ctx.fmt.month(ctx.month_from)} – {ctx.fmt.month(ctx.month_to)}",
        f"{t('manager')}: {ctx.manager_name(ctx.manager) if ctx.manager is not None else t('all_managers')}",
    ]
    if ctx.kind:
        bits.append(f"{t('client_kind')}: {t(ctx.kind)}")
    # the page's own choices, in words (never `period=quarter`)
    p = ctx.params
    if p.get("period") in ("month", "quarter", "year"):
        bits.append(f"{t('period')}: {t('period_' + p['period'])}")
    if p.get("at"):
        try:
            from datetime import date

            bits.append(f"{t('at')}: {ctx.fmt.period(p.get('period') or 'month', date.fromisoformat(p['at']))}")
        except ValueError:
            pass
    if p.get("measure") in ("turnover", "active_partners"):
        bits.append(f"{t('measure')}: {t(p['measure'])}")
    if p.get("mode") in ("abs", "pct"):
        bits.append(f"{t('mode')}: {t('mode_' + p['mode'])}")
    return "; ".join(bits)


PERCENT_KINDS = ("pct", "rate")
NUMBER_KINDS = ("int", "money", "num", "num4", *PERCENT_KINDS)


def excel_number(kind: str | None, value: Any) -> Any:
    """A number as its Excel cell holds it: a pct (66.7) as the share 0.667 its "0.0%" format shows as 66.7%."""
    if kind == "pct" and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return Decimal(str(value)) / 100
    return value


def csv_number(kind: str, value: Any) -> Any:
    """A number as a CSV field holds it: a percent in percent (a rate's 0.1 as 10), its header says "(%)"."""
    if kind == "rate" and isinstance(value, Decimal):
        return (value * 100).normalize() if value else value
    return value


def download_label(col: Any) -> str:
    """A column header of a CSV: a percent column says so (a CSV cell has no format to show "%"), in
    brackets: a comma would make an English header a quoted field."""
    return f"{col.label} (%)" if col.kind in PERCENT_KINDS and "%" not in col.label else col.label


def cell_value(kind: str, value: Any, ctx: Ctx) -> Any:
    """The value as the sheet should hold it: numbers as numbers, labels translated."""
    if value is None:
        return None
    if kind == "label":
        return ctx.t(str(value))
    if kind in NUMBER_KINDS:
        return value if isinstance(value, int | Decimal) else Decimal(str(value))
    if kind == "datetime" and isinstance(value, datetime):
        return zoneless(ctx.fmt.local(value))  # the account's wall time, as the page shows it
    if kind in ("month", "date") and isinstance(value, date):
        return value
    return str(value)


def _sheet_name(title: str, used: set[str]) -> str:
    # Excel's rules: at most 31 characters, none of []:*?/\, no apostrophe at either end, unique ignoring case
    name = re.sub(r" {2,}", " ", re.sub(r"[\[\]:*?/\\\x00-\x1f]", " ", title))  # "a: b" → "a b", not "a  b"
    name = name[:31].strip(" '") or "Sheet"
    base, n = name, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


class Sheet:
    """One worksheet written row by row through typed cells, its formats made once per workbook."""

    def __init__(self, book: Formats, ws: Any):
        self.book, self.ws, self.row = book, ws, 0

    def append(self, values: Sequence[Any], fmts: Sequence[str | None] | None = None, style: str = "") -> None:
        for col, value in enumerate(values):
            self.book.write(self.ws, self.row, col, value, fmts[col] if fmts else None, style)
        self.row += 1


class Formats:
    """XlsxWriter formats by (style, number format, quote prefix): a workbook may hold each only once."""

    STYLES: ClassVar[dict[str, dict[str, Any]]] = {"": {}, "bold": {"bold": True}, "title": TITLE, "header": HEADER}

    def __init__(self, wb: Any):
        self.wb = wb
        self._made: dict[tuple[str, str | None, bool], Any] = {}

    def get(self, style: str, num_format: str | None, quote: bool = False) -> Any:
        key = (style, num_format, quote)
        fmt = self._made.get(key)
        if fmt is None and key != ("", None, False):
            props = dict(self.STYLES[style])
            if num_format:
                props["num_format"] = num_format
            if quote:
                props["quote_prefix"] = True
            fmt = self._made[key] = self.wb.add_format(props)
        return fmt

    def write(self, ws: Any, row: int, col: int, value: Any, num_format: str | None, style: str) -> None:
        """One typed cell: text stays text (never a formula), numbers and dates keep their format."""
        if value is None or value == "":
            if style:
                ws.write_blank(row, col, None, self.get(style, None))
        elif isinstance(value, str):
            text = printable(value)
            ws.write_string(row, col, text, self.get(style, None, is_risky(text)))
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, self.get(style, None))
        elif isinstance(value, int | float | Decimal):
            number = float(value)
            if math.isfinite(number):
                ws.write_number(row, col, number, self.get(style, num_format))
        elif isinstance(value, datetime):
            ws.write_datetime(row, col, zoneless(value), self.get(style, num_format or "yyyy-mm-dd hh:mm"))
        elif isinstance(value, date):
            ws.write_datetime(row, col, value, self.get(style, num_format or DATE))
        else:
            ws.write_string(row, col, printable(str(value)), self.get(style, None))

    def column_writer(self, kind: str, ctx: Ctx) -> Callable[[Any, int, int, Any], None]:
        """`write(…, cell_value(kind, value, ctx), FORMATS[kind], "")` for one column, its choices made once:
        a table's thousands of cells then cost a call each, not a chain of type tests."""
        num_format = FORMATS.get(kind)
        plain = self.get("", num_format) if num_format else None

        def text(ws: Any, row: int, col: int, value: Any) -> None:
            if value is None or value == "":
                return
            shown = printable(value)
            ws.write_string(row, col, shown, self.get("", None, True) if is_risky(shown) else None)

        if kind in NUMBER_KINDS:
            scale = Decimal(100) if kind == "pct" else None

            def number(ws: Any, row: int, col: int, value: Any) -> None:
                if value is None:
                    return
                if value.__class__ is bool:
                    ws.write_boolean(row, col, value, None)
                    return
                d = value if isinstance(value, int | Decimal) else Decimal(str(value))
                x = float(d / scale if scale else d)
                if math.isfinite(x):
                    ws.write_number(row, col, x, plain)

            return number
        if kind == "label":
            return lambda ws, row, col, value: text(ws, row, col, None if value is None else ctx.t(str(value)))
        if kind in ("datetime", "month", "date"):

            def moment(ws: Any, row: int, col: int, value: Any) -> None:
                if kind == "datetime" and isinstance(value, datetime):
                    ws.write_datetime(row, col, zoneless(ctx.fmt.local(value)), plain)
                elif kind != "datetime" and isinstance(value, date):
                    ws.write_datetime(row, col, zoneless(value) if isinstance(value, datetime) else value, plain)
                else:
                    text(ws, row, col, None if value is None else str(value))

            return moment
        return lambda ws, row, col, value: text(ws, row, col, None if value is None else str(value))


def write_table(sheet: Sheet, table: TableView, view: PageView, ctx: Ctx) -> None:
    """One table on its own sheet: the filter block, a bold shaded header kept in view, typed rows."""
    ws = sheet.ws
    for i, c in enumerate(table.cols):
        ws.set_column(i, i, 14 if c.numeric else fit_width(c.label, 16))
    ws.freeze_panes(5, 0)
    built = ctx.fmt.day(ctx.snap.built_at) if ctx.snap.built_at else "—"
    sheet.append([f"{view.title} — {table.title}"], style="title")
    sheet.append([describe_filters(ctx, view)])
    sheet.append([f"{ctx.t('as_of')}: {ctx.fmt.day(ctx.snap.as_of)}; {ctx.t('built_at')}: {built}"])
    sheet.append([])
    sheet.append([c.label for c in table.cols], style="header")
    formats = [FORMATS.get(c.kind) for c in table.cols]
    columns = list(enumerate((c.key, sheet.book.column_writer(c.kind, ctx)) for c in table.cols))
    row_no = sheet.row
    own_kinds = {key: "_kind_" + key for key, _ in (c for _, c in columns)}  # a cell's own kind, as on screen
    for row in table.rows:
        for col, (key, write) in columns:
            kind = row.get(own_kinds[key])
            if kind:  # e.g. the money total in a statement's column of labels: a number, not "5 800,00 ₽"
                value = excel_number(kind, cell_value(kind, row.get(key), ctx))
                sheet.book.write(ws, row_no, col, value, FORMATS.get(kind), "")
            else:
                write(ws, row_no, col, row.get(key))
        row_no += 1
    sheet.row = row_no
    if table.total and table.rows:  # as on screen: an empty table shows no totals row of zeros
        totals = [excel_number(c.kind, v) for c, v in zip(table.cols, total_values(table, ctx), strict=True)]
        sheet.append(totals, formats, style="bold")


def total_values(table: TableView, ctx: Ctx) -> list[Any]:
    """The totals row as cell values, labelled "Total" in its first text column (as on screen)."""
    values = [cell_value(c.kind, (table.total or {}).get(c.key), ctx) for c in table.cols]
    if values and values[0] is None and not table.cols[0].numeric:
        values[0] = ctx.t("total")
    return values


def xlsx_bytes(view: PageView, ctx: Ctx) -> bytes:
    import xlsxwriter  # here, not at import: the pages serve without it (an old install), only downloads need it

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    book = Formats(wb)
    used: set[str] = set()
    for table in view.tables:
        write_table(Sheet(book, wb.add_worksheet(_sheet_name(table.title, used))), table, view, ctx)
    if not view.tables:
        Sheet(book, wb.add_worksheet("—")).append([view.notice or ""])
    wb.close()
    return buf.getvalue()


def csv_bytes(view: PageView, ctx: Ctx, table_key: str | None = None) -> bytes:
    """One table as CSV (the first, or `table_key`): UTF-8 with BOM so Excel reads Cyrillic. In Russian, the
    fields are separated by `;` and numbers have a decimal comma, as a Russian Excel opens a CSV (its list
    separator is `;`: with `,` every row would land in one cell, and `15.03` would become a date)."""
    tables = [t for t in view.tables if table_key in (None, t.key)]
    russian = ctx.fmt.lang == "ru"
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";" if russian else ",")

    def field(value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, float) and math.isfinite(value):
            value = Decimal(repr(value))
        if isinstance(value, Decimal):  # exact, never in exponent form; numbers are no text to make inert
            text = format(value, "f")
            return text.replace(".", ",") if russian else text
        return csv_value(value)

    for table in tables[:1]:
        w.writerow([csv_value(download_label(c)) for c in table.cols])
        for row in table.rows:
            w.writerow([field(csv_number(c.kind, cell_value(c.kind, row.get(c.key), ctx))) for c in table.cols])
        if table.total and table.rows:  # as on screen: an empty table shows no totals row of zeros
            w.writerow(
                [field(csv_number(c.kind, v)) for c, v in zip(table.cols, total_values(table, ctx), strict=True)]
            )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
