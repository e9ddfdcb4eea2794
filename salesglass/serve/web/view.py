"""What a page shows, as data: KPI cards, charts (ECharts options) and tables.

Pages build a `PageView`; the one template renders it and the export writes the very same tables to
Excel / CSV — so the download is exactly what the screen shows, with the same filters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

NUMERIC = {"int", "money", "pct", "num", "num4", "rate"}


@dataclass
class Col:
    key: str
    label: str
    kind: str = "text"  # text, label (translated), int, num, num4, money, pct (of 100), rate (of 1), month, date…
    hint: str | None = None  # what the column counts, shown on hover over the header

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC


@dataclass
class TableView:
    key: str  # sheet name in the export
    title: str
    cols: list[Col]
    rows: list[dict[str, Any]]
    # row[f"_link_{col}"] = URL of the rows behind that number (drill-down); row["_amo"] = amoCRM card;
    # row[f"_tip_{col}"] = why that cell reads as it does (e.g. "—" for a plan of 0 or below), shown on hover
    note: str | None = None
    total: dict[str, Any] | None = None  # a totals row, rendered in bold
    empty: str | None = None  # what an empty table says, when more is known than "nothing for these filters"

    def body_html(self, fmt: Any) -> Markup:
        """The table's body rows as HTML, written here rather than by a template loop: a page's tables
        hold thousands of cells, and a Jinja loop per cell was most of the time of a large page (cohorts,
        bonuses). Each cell is formatted once (`fmt.cell`) and escaped only when it holds a character HTML
        gives a meaning to (`_text`). Markup: `<td class="num" data-col="key">`, drill links opening the
        drawer, amoCRM links, long text cut with the whole of it on hover; every value escaped."""
        out: list[str] = []
        add = out.append
        cell = fmt.cell
        cols = [
            (
                c.key,
                c.kind,
                _text(c.key),
                c.numeric,
                "_link_" + c.key,
                "_amo_" + c.key,
                "_kind_" + c.key,
                fmt.cell_of(c.kind),
                "_tip_" + c.key,
            )
            for c in self.cols
        ]
        for row in self.rows:
            override = row.get("_kind")  # a row's own kind for its money cells; "_kind_<col>": one cell's
            add("<tr>")
            for key, col_kind, key_attr, numeric, link_key, amo_key, kind_key, col_cell, tip_key in cols:
                kind = row.get(kind_key) or (override if override and col_kind == "money" else None)
                raw = cell(kind, row.get(key)) if kind else col_cell(row.get(key))
                text = _text(raw)
                add('<td class="num" data-col="' if numeric else '<td data-col="')
                add(key_attr)
                add('">')
                long = not numeric and len(raw) > 34
                link = row.get(link_key)
                if link:
                    link = _text(link)
                    cut = " cut" if long else ""
                    tip = f' title="{text}"' if long else ""
                    add(f'<a href="{link}" hx-get="{link}" hx-target="#drawer" class="drill{cut}"{tip}>{text}</a>')
                elif amo := row.get(amo_key):
                    add(f'<a href="{_text(amo)}" target="_blank" rel="noopener noreferrer" class="amo">{text}</a>')
                elif long:
                    add(f'<span class="cut" title="{text}">{text}</span>')
                elif why := row.get(tip_key):
                    add(f'<span class="tip" title="{_text(why)}">{text}</span>')
                else:
                    add(text)
                add("</td>")
            add("</tr>\n")
        return Markup("".join(out))


_SPECIAL = re.compile(r"[&<>\"']")


def _text(value: Any) -> str:
    """`value` as HTML text, escaped as markupsafe escapes it; most cells (numbers, dates, plain names)
    have nothing to escape and are taken as they are, without building a Markup object per cell."""
    text = str(value)
    return str(escape(text)) if _SPECIAL.search(text) else text


@dataclass
class Kpi:
    label: str
    value: str
    sub: str | None = None
    link: str | None = None
    tone: str = ""  # "", "good", "bad"


@dataclass
class Chart:
    key: str
    title: str
    option: dict[str, Any]
    height: int = 300
    wide: bool = False


@dataclass
class PageView:
    title: str
    kpis: list[Kpi] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[TableView] = field(default_factory=list)
    notice: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # page-specific values for the filters
    # what a download's header says it holds, when that is not the page's month range and manager filter (plan
    # vs fact shows one month / quarter / year; a statement or a payroll file one month)
    scope: str | None = None
