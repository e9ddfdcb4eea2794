"""The bonuses page lists its first lines from a copy made once per published version, already in the
page's order with the partners' names (instead of sorting every line of the range per request). It must
list the same lines, in the same order, with each filter and each viewer's scope. By hand from the
fixture's five lines (tests/dashboard/fixture.py), order: month newest first, manager, rule, amount
largest first, partner."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import login


def _amounts(html: str) -> list[str]:
    """The amount column of the page's bonus-lines table, top to bottom."""
    section = html.split('data-table="lines"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'data-col="amount">([^<]*)<', section)


@pytest.mark.parametrize(
    ("who", "query", "amounts"),
    [
        # March: Anna's acquisition share (P1, 1,000) and first sale (P2, 5,000), Boris's growth (200);
        # February: Anna's acquisition share (1,800) and first sale (7,500)
        ("admin@demo.test", "", ["1,000.00", "5,000.00", "200.00", "1,800.00", "7,500.00"]),
        ("admin@demo.test", "?from=2026-02&to=2026-02", ["1,800.00", "7,500.00"]),
        ("admin@demo.test", "?manager=102", ["200.00"]),
        ("boris@demo.test", "", ["200.00"]),  # a manager sees only his own lines, whatever the URL asks
        ("boris@demo.test", "?manager=101", ["200.00"]),
        ("anna@demo.test", "?from=2026-03&to=2026-03", ["1,000.00", "5,000.00"]),
    ],
)
def test_the_pages_lines_in_order_for_each_filter_and_viewer(client, who: str, query: str, amounts: list[str]):
    login(client, who)
    html = client.get("/bonuses" + query).text
    assert [a.replace("\xa0₽", "") for a in _amounts(html)] == amounts
    assert client.app.state.sg.published.snapshot()._derived >= {"bonus_lines_ordered"}
