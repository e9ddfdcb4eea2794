"""The partners-by-sales drill-down reads the build's sales per partner and day when the file has them.

A real build publishes `partner_days` (sales per partner and account-time-zone day, money in kopecks);
the drill-down sums whole days there instead of passing over every sale on each request. Its list must
be the one the sales themselves give: the same partners, the same kopecks, the same "sales without a
known partner" line, the same day boundaries. Figures by hand from the fixture's six sales
(tests/dashboard/fixture.py; Moscow days).
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.dashboard.conftest import login, published_app

# the fixture's sales per partner and Moscow day, in kopecks (turnover, revenue, cost) and tickets
PARTNER_DAYS = """
CREATE TABLE partner_days (partner_id TEXT, day DATE, turnover BIGINT, revenue BIGINT, cost BIGINT, tickets BIGINT);
INSERT INTO partner_days VALUES
 ('P1', '2026-02-05', 18000000, 1800000, 600000, 300), ('P3', '2026-02-07', 2000000, 200000, 70000, 40),
 ('P1', '2026-03-03', 10000000, 1000000, 350000, 200), ('P2', '2026-03-10', 2000000, 200000, 70000, 40),
 ('P3', '2026-03-04', 2000000, 200000, 70000, 40), (NULL, '2026-03-05', 1000000, 100000, 10000, 20);
"""


def _table(html: str) -> list[tuple[str, str, str, str]]:
    """(partner id, or the name of the line without one; turnover, revenue, tickets) of each listed row."""
    out = []
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        cells = dict(re.findall(r'data-col="(\w+)">(?:<[^>]+>)*([^<]*)', row))
        if "turnover" in cells:
            partner = cells.get("partner_id") if cells.get("partner_id") not in (None, "", "—") else cells.get("name")
            out.append((partner or "", cells["turnover"], cells["revenue"], cells["tickets"]))
    return out


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The same published file with and without the build's partner_days."""
    with_days = published_app(tmp_path_factory.mktemp("days"), PARTNER_DAYS)
    without = published_app(tmp_path_factory.mktemp("nodays"))
    with (
        TestClient(with_days, headers={"accept-language": "en"}) as a,
        TestClient(without, headers={"accept-language": "en"}) as b,
    ):
        yield login(a, "admin@demo.test"), login(b, "admin@demo.test")


def test_a_month_of_sales_by_partner_from_partner_days(both) -> None:
    days, sales = both
    url = "/drill/partners?basis=sales&since=2026-03-01&until=2026-04-01"
    rows = _table(days.get(url).text)
    assert rows == [
        ("P1", "100,000.00\xa0₽", "10,000.00\xa0₽", "200"),
        ("P2", "20,000.00\xa0₽", "2,000.00\xa0₽", "40"),
        ("P3", "20,000.00\xa0₽", "2,000.00\xa0₽", "40"),
        ("Sales without a known partner", "10,000.00\xa0₽", "1,000.00\xa0₽", "20"),
    ]
    assert rows == _table(sales.get(url).text)


def test_a_whole_month_by_hand(both) -> None:
    days, _ = both
    rows = _table(days.get("/drill/partners?basis=sales&since=2026-02-01&until=2026-03-01").text)
    assert rows == [
        ("P1", "180,000.00\xa0₽", "18,000.00\xa0₽", "300"),
        ("P3", "20,000.00\xa0₽", "2,000.00\xa0₽", "40"),
    ]


@pytest.mark.parametrize(
    "query",
    [
        "since=2026-02-06&until=2026-03-04",  # from the day after P1's February sale to the day before P3's
        "since=2026-03-04&until=2026-03-05",  # one day
        "until=2026-03-01",  # everything before March
        "since=2026-03-01&manager=102",  # one manager's partners
        "since=2026-01-01&kind=organizer",
        # whole months come from partner_days summed by month, the days around them from partner_days
        "since=2026-02-01&until=2026-03-01",  # one whole month, no day around it
        "since=2026-01-15&until=2026-03-05",  # days of January, all of February, days of March
        "since=2026-02-06&until=2026-03-01",  # days of February only (no whole month)
        "since=2026-03-20",  # after as_of: nothing
    ],
)
def test_the_same_list_as_from_the_sales(both, query: str) -> None:
    days, sales = both
    url = f"/drill/partners?basis=sales&{query}"
    assert _table(days.get(url).text) == _table(sales.get(url).text)
