"""The one rule for text in spreadsheets we write: it stays text, never a formula (CSV/formula injection).

Partner and deal names come from amoCRM and the back-office, which many people can edit. A name such as
`=HYPERLINK("http://evil.example","click")` must reach Excel as that text, not as a live formula. So every
writer of XLSX or CSV cells (the dashboard's downloads and `salesglass export`) goes through this module:

- Text whose first character is one of `= + - @`, tab, CR, LF or NUL — or whose first non-blank character
  is one of `= + - @` — is *risky*. Numbers and dates are written as numbers and dates, never touched, so a
  negative amount stays a number.
- XLSX: every text cell is forced to a string cell (`data_type = "s"`; also keeps `#DIV/0!` a string); a
  risky one also gets Excel's "quote prefix" flag, so it stays text after a user edits it.
- CSV: a risky value is prefixed with `'` (OWASP's advice), which every spreadsheet shows as text.
- Control characters that XLSX cannot hold (openpyxl raises on them) are replaced by U+FFFD; text longer than
  an Excel cell holds (32,767 UTF-16 units) is cut, ending in "…" (XlsxWriter cuts such text by itself).

`RISKY_SQL` is the same rule for DuckDB (`salesglass export --format csv` is written by DuckDB's COPY).
"""

from __future__ import annotations

import re
from typing import Any

from openpyxl.cell import WriteOnlyCell

# RE2 (DuckDB) and Python `re` read this pattern the same way
RISKY_PATTERN = r"^[\t\r\n\x00]|^[ \t\r\n]*[=+\-@]"
_RISKY = re.compile(RISKY_PATTERN)
# what openpyxl refuses (openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE), plus NUL
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
REPLACEMENT = "\ufffd"
EXCEL_MAX = 32767  # characters (UTF-16 units) one Excel cell holds


def is_risky(text: str) -> bool:
    """Would a spreadsheet read this text as a formula (or start a new cell with one)?"""
    return bool(_RISKY.search(text))


def printable(text: str) -> str:
    """The text without the control characters XLSX cannot hold (each becomes U+FFFD)."""
    return _ILLEGAL.sub(REPLACEMENT, text)


def csv_value(value: Any) -> Any:
    """A CSV field: text made inert with a leading `'` when risky; numbers and dates as they are."""
    if isinstance(value, str) and is_risky(value):
        return "'" + value
    return value


def fit_cell(text: str) -> str:
    """The text cut to what one Excel cell holds (EXCEL_MAX UTF-16 units), ending in "…" when cut: a longer
    cell makes Excel report the whole file as damaged and "repair" it."""
    if len(text) <= EXCEL_MAX // 2:
        return text
    units = text.encode("utf-16-le")
    if len(units) // 2 <= EXCEL_MAX:
        return text
    return units[: (EXCEL_MAX - 1) * 2].decode("utf-16-le", errors="ignore") + "…"


def xlsx_cell(ws: Any, value: Any) -> Any:
    """A streamed XLSX cell; text is always a string cell (quote-prefixed when risky), never a formula."""
    if not isinstance(value, str):
        return WriteOnlyCell(ws, value=value)
    text = fit_cell(printable(value))
    c = WriteOnlyCell(ws, value=text)
    c.data_type = "s"
    if is_risky(text):
        c.quotePrefix = True
    return c


def sql_csv_text(column_sql: str) -> str:
    """The CSV rule as a DuckDB expression over a VARCHAR column (set-based, inside the warehouse)."""
    return f"CASE WHEN regexp_matches({column_sql}, '{RISKY_PATTERN}') THEN '''' || {column_sql} ELSE {column_sql} END"
