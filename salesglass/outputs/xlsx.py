"""Cell styling shared by both Excel writers: report tables (outputs/workbook.py) and pages (serve/web/export.py).

Their inputs differ (Arrow tables vs a page's tables), but a sheet should look the same whichever wrote it:
the same number and date formats, bold header cells, columns sized to their header, times without a zone.
Both stream through openpyxl's write-only mode, so every styled value is a `WriteOnlyCell`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from salesglass.safe_cells import xlsx_cell

TWO_PLACES = "#,##0.00"  # thousands grouped, two decimals: money without a currency sign, percentages
DATE = "yyyy-mm-dd"
BOLD = Font(bold=True)
MAX_WIDTH = 40  # a long header wraps rather than widening its column past this


def cell(ws: Any, value: Any, *, font: Font | None = None, fmt: str | None = None) -> Cell:
    """A streamed cell with an optional font and number format; text stays text (salesglass.safe_cells)."""
    c = xlsx_cell(ws, value)
    if font is not None:
        c.font = font
    if fmt:
        c.number_format = fmt
    return c


def header_cells(
    ws: Any, labels: Iterable[str], *, fill: PatternFill | None = None, alignment: Alignment | None = None
) -> list[Cell]:
    """The header row: bold labels, optionally shaded and aligned."""
    out = []
    for text in labels:
        c = cell(ws, text, font=BOLD)
        if fill is not None:
            c.fill = fill
        if alignment is not None:
            c.alignment = alignment
        out.append(c)
    return out


def fit_width(text: str, floor: int) -> int:
    """A column wide enough for its header `text`, at least `floor` and at most MAX_WIDTH characters."""
    return max(floor, min(MAX_WIDTH, len(text) + 4))


def set_widths(ws: Any, widths: Iterable[int]) -> None:
    """Column widths from the first column on (write-only sheets take them before any row)."""
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def zoneless(value: datetime) -> datetime:
    """Excel has no time zones: a timestamp is written as its wall time in the zone it carries (UTC as stored)."""
    return value.replace(tzinfo=None)
