"""Period edges on the dashboard: each number counts what its own list lists.

The Sales page's headline counts of widgets installed and first sales are the months' own.

A week can run into the next month: deal 1001's widget was installed on Sunday 1 February 2026, in the
week that began on Monday 26 January (tests/dashboard/fixture.py). The weekly table lists that week
under January (the month it starts in), but the headline "Widget installed … deals that reached it in these months" must
count the install in February, where it happened — as report_new_partners and the drill-down count it.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.dashboard.conftest import published_app, signed_in
from tests.dashboard.test_drill_sums import KPI, drill_rows


def headlines(admin, query: str) -> dict[str, tuple[str, str | None]]:
    """Headline label → (its figure, the drill-down it opens or None)."""
    html = admin.get(f"/sales?{query}").text
    out = {unescape(label): (value, unescape(href)) for label, href, value in KPI.findall(html)}
    for label, value in re.findall(r'<div class="label">([^<]*)</div>\s*<div class="value">([^<]*)</div>', html):
        out[unescape(label)] = (value, None)  # a headline without a link
    return out


@pytest.mark.parametrize(
    ("months", "widgets", "first_sales"),
    [
        # January: deal 1001 signed on 25 Jan, but its widget came on Sun 1 Feb: no install in January
        ("from=2026-01&to=2026-01", 0, 0),
        # February: 1001's widget (Sun 1 Feb) and first sale (5 Feb); 1002's widget came on 9 March
        ("from=2026-02&to=2026-02", 1, 1),
        ("from=2026-02&to=2026-03", 2, 1),
    ],
)
def test_headline_counts_are_the_months_own(admin, months, widgets, first_sales):
    got = headlines(admin, months)
    assert (got["Widget installed"][0], got["First sale"][0]) == (str(widgets), str(first_sales))
    for count, link in (got["Widget installed"], got["First sale"]):
        if link:  # the list behind a headline has as many deals
            assert drill_rows(admin, link)[0] == int(count)


def test_unlinked_deals_are_counted_up_to_the_end_of_the_as_of_day(tmp_path):
    """The published deals are the warehouse's as it is now; a build as of an earlier day counts, and
    lists, only the deals created by the end of that day in the account's zone (Moscow here: as_of
    15 March 2026 ends at 21:00 UTC). The page counted every unlinked deal, its list one fewer."""
    extra = (
        "INSERT INTO deals (deal_id, name, sales_manager_id, created_at, is_deleted) VALUES "
        "(3001, 'last minute', 101, TIMESTAMPTZ '2026-03-15 20:59:00+00', FALSE), "  # 23:59 on 15 March
        "(3002, 'next day', 101, TIMESTAMPTZ '2026-03-15 21:00:00+00', FALSE);"  # 00:00 on 16 March
    )
    with signed_in(published_app(tmp_path, extra)) as admin:
        html = admin.get("/quality").text
        got = {unescape(label): (value, unescape(href)) for label, href, value in KPI.findall(html)}
        value, link = got["Unlinked deals"]
        assert value == "2"  # the fixture's deal 1004 and 3001
        assert drill_rows(admin, link)[0] == 2
