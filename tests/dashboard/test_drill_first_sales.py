"""The partners' first sales come from the build (`first_sales`), not from a pass over every sale.

A real build publishes `first_sales` (reports/derive/first_sale.py: each known partner's earliest sale with
tickets, by as_of). The cohort drill-downs read it; before, the dashboard derived it from all of `sales` on
the first such request after every (re)open of the file — 0.9 s at scale l. Its lists must be the ones the
sales give. Figures by hand from the fixture's sales (tests/dashboard/fixture.py): P1 first sold on
2026-02-05 10:00 UTC, P3 on 2026-02-07 10:00, P2 on 2026-03-10 10:00; P4 never.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.dashboard.conftest import login, published_app

FIRST_SALES = """
CREATE TABLE first_sales (partner_id TEXT, first_sale_at TIMESTAMPTZ, first_sale_month DATE);
INSERT INTO first_sales VALUES ('P1', '2026-02-05 10:00:00+00', '2026-02-01'),
 ('P3', '2026-02-07 10:00:00+00', '2026-02-01'), ('P2', '2026-03-10 10:00:00+00', '2026-03-01');
"""


def _listed(html: str) -> list[tuple[str, str]]:
    """(partner id, first sale as shown) of each listed partner."""
    out = []
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        cells = dict(re.findall(r'data-col="(\w+)">(?:<[^>]+>)*([^<]*)', row))
        if "first_sale_at" in cells:
            out.append((cells.get("partner_id", ""), cells["first_sale_at"]))
    return out


VIEWERS = ("admin@demo.test", "boris@demo.test", "anna@demo.test")


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    """The same published file with and without the build's first_sales."""
    built = published_app(tmp_path_factory.mktemp("fs"), FIRST_SALES)
    without = published_app(tmp_path_factory.mktemp("nofs"))
    return built, without


@pytest.fixture(scope="module")
def clients(apps):
    """viewer → (logged in to the file with first_sales, to the one without)."""
    built, without = apps
    out = {}
    for who in VIEWERS:
        ca = TestClient(built, headers={"accept-language": "en"})
        cb = TestClient(without, headers={"accept-language": "en"})
        out[who] = (login(ca, who), login(cb, who))
    yield out
    for ca, cb in out.values():
        ca.close()
        cb.close()


def test_the_cohorts_first_sales_by_hand_from_the_builds_table(apps, clients) -> None:
    built, _ = apps
    c, _ = clients["admin@demo.test"]
    feb = _listed(c.get("/drill/partners?basis=cohort&since=2026-02-01&until=2026-03-01").text)
    assert sorted(p for p, _ in feb) == ["P1", "P3"]
    assert dict(feb)["P1"].startswith("2026-02-05 13:00")  # 10:00 UTC shown in Moscow time
    march = _listed(c.get("/drill/partners?basis=cohort&since=2026-03-01&until=2026-04-01").text)
    assert [p for p, _ in march] == ["P2"]
    # no pass over the sales: nothing was derived into the snapshot's in-memory cache
    assert built.state.sg.published.snapshot()._first_sales is None


@pytest.mark.parametrize(
    "query",
    [
        "basis=cohort&since=2026-02-01&until=2026-03-01",
        "basis=cohort&since=2026-01-01",
        "basis=first_sale&since=2026-03-01&until=2026-04-01",
        "basis=cohort&since=2026-01-01&kind=organizer",
        "basis=cohort&since=2026-01-01&manager=102",
        "",  # every partner, with its first sale (P4: none)
    ],
)
@pytest.mark.parametrize("who", VIEWERS)
def test_the_same_lists_as_from_the_sales_for_every_viewer(clients, query: str, who: str) -> None:
    a, b = clients[who]
    url = f"/drill/partners?{query}"
    listed = _listed(a.get(url).text)
    assert listed == _listed(b.get(url).text)
    if who == "boris@demo.test":  # a development manager: only his partners (P1, P2), never P3 (Vera's)
        assert "P3" not in {p for p, _ in listed}
