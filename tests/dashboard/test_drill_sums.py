"""Every drill-down adds up to the number it opens from.

The drill-downs filter the canonical copies in the published file with their own SQL (pages/drill.py),
apart from the Ibis reports the pages show. So, on the hand-made published file: every number on every
page (admin, English) that links to a drill-down is opened, and its list must give that number back —
a count of rows for a count, the sum of the list's money column for a money cell.
"""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser

import pytest

from salesglass.serve.web.pages import PAGES

# which column of a drill-down list holds the money of a page cell: (drill, page column) → list column
MONEY_COLUMN = {
    ("bonus", "total"): "amount",
    ("bonus", "amount"): "amount",
    ("deals", "annual_budget_won"): "price",
    ("partners", "turnover"): "turnover",
    ("partners", "revenue"): "revenue",
    ("partners", "tickets"): "tickets",
}
# plan-fact's fact cells name their metric in the row: the metric → the partners list's column
PLAN_FACT_METRIC = {"Turnover": "turnover", "Revenue": "revenue", "Tickets": "tickets"}
# shown on plan-fact with a link to the partners' sales, whose list has no column to add up (cost is
# not shown; margin is revenue − cost): checked by count of partners only
NO_LIST_COLUMN = {"Cost", "Margin", "Margin %", "New partners"}


class Cells(HTMLParser):
    """Table rows as lists of cells {col, text, link}; the totals row (tfoot) left out."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[dict]] = []
        self._row: list[dict] | None = None
        self._cell: dict | None = None
        self._foot = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "tfoot":
            self._foot = True
        elif tag == "tr" and not self._foot:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = {"col": a.get("data-col"), "text": "", "link": None}
        elif tag == "a" and self._cell is not None and a.get("class") == "drill":
            self._cell["link"] = unescape(a["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "tfoot":
            self._foot = False
        elif tag == "td" and self._cell is not None and self._row is not None:
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell["text"] += data


def rows_of(html: str) -> list[list[dict]]:
    parser = Cells()
    parser.feed(html)
    return parser.rows


def number(text: str) -> Decimal | None:
    """ "1,200,000.00 ₽" → 1200000.00; "—" (no value) → None."""
    cleaned = text.replace("\xa0", "").replace(",", "").replace("₽", "").strip()
    return Decimal(cleaned) if re.fullmatch(r"-?\d+(\.\d+)?", cleaned) else None


def drill_rows(admin, link: str) -> tuple[int, list[list[dict]]]:
    """The count the drill-down reports and all its rows, page after page."""
    first = admin.get(link, headers={"hx-request": "true"})
    assert first.status_code == 200, (link, first.status_code)
    count = int(re.search(r"([\d,]+) rows?\b", first.text).group(1).replace(",", ""))
    rows, page = rows_of(first.text), 1
    while len(rows) < count:
        page += 1
        more = rows_of(
            admin.get(f"{link}{'&' if '?' in link else '?'}page={page}", headers={"hx-request": "true"}).text
        )
        assert more, f"{link}: {count} rows announced, {len(rows)} listed"
        rows += more
    return count, rows


def linked_cells(admin) -> list[tuple[str, dict, list[dict]]]:
    out = []
    for name in PAGES:
        for row in rows_of(admin.get(f"/{name}").text):
            out += [(name, cell, row) for cell in row if cell["link"] and cell["link"].startswith("/drill/")]
    return out


def test_every_drill_down_adds_up_to_its_number(admin):
    checked, wrong = 0, []
    for page, cell, row in linked_cells(admin):
        shown = number(cell["text"])
        if shown is None:  # a name (a partner, a deal) opening its own card, or "—"
            continue
        drill = cell["link"].split("?")[0].removeprefix("/drill/")
        count, rows = drill_rows(admin, cell["link"])
        money = "₽" in cell["text"] or cell["col"] in ("tickets", "fact")
        column = MONEY_COLUMN.get((drill, cell["col"]))
        metric = next((c["text"].strip() for c in row if c["col"] == "metric"), None)
        if cell["col"] == "fact":
            if metric in NO_LIST_COLUMN:
                continue
            column = PLAN_FACT_METRIC.get(metric or "")
        if money:
            assert column, f"{page}: no list column known for {drill} ← {cell['col']} ({metric}); add one"
            got = sum((number(c["text"]) or Decimal(0) for r in rows for c in r if c["col"] == column), Decimal(0))
        else:
            got = Decimal(count)
        checked += 1
        if got != shown:
            wrong.append(f"{page} {cell['col']} {cell['text'].strip()!r} → {cell['link']}: the list gives {got}")
    assert not wrong, "drill-downs that do not add up:\n" + "\n".join(wrong)
    assert checked >= 40, f"only {checked} linked numbers found: did the pages change?"


@pytest.mark.parametrize(
    ("text", "value"), [("1,200,000.00\xa0₽", Decimal("1200000.00")), ("4", Decimal(4)), ("—", None)]
)
def test_shown_numbers_are_read_back(text, value):
    assert number(text) == value


KPI = re.compile(
    r'<div class="label">([^<]*)</div>\s*<div class="value"><a href="([^"]+)"[^>]*class="drill">([^<]*)</a>'
)


def test_every_counted_headline_opens_as_many_rows(admin):
    """The headline figures (KPIs) that count something: their drill-down lists that many rows."""
    checked, wrong = 0, []
    for name in PAGES:
        for label, href, value in KPI.findall(admin.get(f"/{name}").text):
            shown = number(value)
            if shown is None or "₽" in value or "%" in value:  # money headlines are rounded for show
                continue
            count, _ = drill_rows(admin, unescape(href))
            checked += 1
            if count != shown:
                wrong.append(f"{name} «{unescape(label)}» {value} → {unescape(href)}: {count} rows")
    assert not wrong, "\n".join(wrong)
    assert checked >= 5, f"only {checked} counted headlines found: did the pages change?"
