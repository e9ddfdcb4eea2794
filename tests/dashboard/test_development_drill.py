"""The drill-downs of the deal reports leave out the deals of the development pipelines, as the reports do.

The dashboard's hand-made published file (tests/dashboard/fixture.py) as a build with `[amocrm]
development_pipelines = ["Развитие клиентов"]` writes it: `pipelines.is_development` marks pipeline 9, and
Boris's development deal 1006 for P1 (pipeline 9; created 2026-02-16, at every stage and won on 2026-03-04,
budget 800 000.00) is in `deals` and `deal_stages` but in none of the report figures, which stay as the
fixture writes them by hand. Every linked number must still open a list that adds up to it (the checks of
test_drill_sums, run again here on this file), and P1's own deal list still shows the development deal.
Boris's development deal 1007 for P3 (pipeline 10) reached first_sale first; the build's `acquiring_deals`
(written here by hand) still give P3 to Vera's deal 1003, and so must the partners listed by acquirer.
"""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import published_app
from tests.dashboard.test_drill_sums import (  # noqa: F401  (collected here, on this module's `app`)
    drill_rows,
    test_every_counted_headline_opens_as_many_rows,
    test_every_drill_down_adds_up_to_its_number,
)

DEVELOPMENT = """
ALTER TABLE pipelines ADD COLUMN is_development BOOLEAN;
UPDATE pipelines SET is_development = FALSE;
INSERT INTO pipelines VALUES (9, 'Развитие клиентов', 30, FALSE, FALSE, TRUE, FALSE, TRUE);
INSERT INTO deals (deal_id, name, pipeline_id, status_id, stage, price, sales_manager_id, partner_id, client_kind,
                   is_cold, created_at, updated_at, closed_at, is_won, is_lost, loss_reason, is_deleted) VALUES
 (1006, 'Луна — новая площадка', 9, 142, 'first_sale', 800000.00, 102, 'P1', 'organizer', FALSE,
  '2026-02-16 12:00:00+00', '2026-03-04 12:00:00+00', '2026-03-04 12:00:00+00', TRUE, FALSE, NULL, FALSE);
-- Boris's won development deal 1007 for P3 (first sale 2026-02-07): at first_sale on 2026-02-20, before Vera's
-- lost deal 1003 ever was, so by the contract's rule it would acquire P3; the build's acquiring deals say 1003
INSERT INTO pipelines VALUES (10, 'Upsell', 40, FALSE, FALSE, TRUE, FALSE, TRUE);
INSERT INTO deals (deal_id, name, pipeline_id, status_id, stage, price, sales_manager_id, partner_id, client_kind,
                   is_cold, created_at, updated_at, closed_at, is_won, is_lost, loss_reason, is_deleted) VALUES
 (1007, 'P3 — upsell', 10, 142, 'first_sale', 10000.00, 102, 'P3', 'organizer', FALSE,
  '2026-02-18 12:00:00+00', '2026-02-20 12:00:00+00', '2026-02-20 12:00:00+00', TRUE, FALSE, NULL, FALSE);
CREATE TABLE acquiring_deals (partner_id TEXT, deal_id BIGINT, sales_manager_id BIGINT, is_cold BOOLEAN,
                              client_kind TEXT, reached_first_sale_at TIMESTAMPTZ);
INSERT INTO acquiring_deals VALUES ('P1', 1001, 101, TRUE, 'organizer', '2026-02-05 12:00:00+00'),
 ('P2', 1002, 101, FALSE, 'operator', NULL), ('P3', 1003, 103, FALSE, 'organizer', NULL);
INSERT INTO deal_stages VALUES (1007, 'lead', '2026-02-18 12:00:00+00', 'created'),
 (1007, 'negotiation', '2026-02-20 12:00:00+00', 'implied'), (1007, 'proposal', '2026-02-20 12:00:00+00', 'implied'),
 (1007, 'contract_signed', '2026-02-20 12:00:00+00', 'implied'),
 (1007, 'widget_installed', '2026-02-20 12:00:00+00', 'implied'),
 (1007, 'first_sale', '2026-02-20 12:00:00+00', 'amocrm');
INSERT INTO deal_stages VALUES (1006, 'lead', '2026-02-16 12:00:00+00', 'created'),
 (1006, 'negotiation', '2026-03-04 12:00:00+00', 'implied'), (1006, 'proposal', '2026-03-04 12:00:00+00', 'implied'),
 (1006, 'contract_signed', '2026-03-04 12:00:00+00', 'implied'),
 (1006, 'widget_installed', '2026-03-04 12:00:00+00', 'implied'),
 (1006, 'first_sale', '2026-03-04 12:00:00+00', 'amocrm');
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """This module's dashboard: the fixture file with the development pipeline and its deal."""
    return published_app(tmp_path_factory.mktemp("dash-development"), DEVELOPMENT)


def test_the_development_deal_stays_in_the_partners_deal_list(admin):
    count, rows = drill_rows(admin, "/drill/deals?partner=P1")
    assert count == 2
    assert sorted(c["text"].strip() for r in rows for c in r if c["col"] == "deal_id") == ["1001", "1006"]


def test_the_counted_lists_leave_it_out(admin):
    # February's deals created (the report: 1002 alone) and March 4's first sales (none in the report)
    html = admin.get("/drill/deals?basis=created&since=2026-02-01&until=2026-03-01", headers={"hx-request": "true"})
    assert re.search(r"\b1 row\b", html.text) and "1006" not in html.text
    count, _ = drill_rows(admin, "/drill/deals?basis=reached&stage=first_sale&since=2026-03-01&until=2026-03-15")
    assert count == 0


def test_new_partners_by_acquirer_follow_the_builds_acquiring_deals(admin):
    """Plan-fact's new partners of a manager open the partners whose acquiring deal is theirs: the build's
    (which skips development deals), not the contract's rule redone in the dashboard (which picks 1007)."""
    february = "/drill/partners?basis=first_sale&by=acquirer&since=2026-02-01&until=2026-03-01&manager="
    assert drill_rows(admin, february + "102")[0] == 0  # Boris: his development deal brought nobody
    _, rows = drill_rows(admin, february + "103")
    assert [c["text"].strip() for r in rows for c in r if c["col"] == "partner_id"] == ["P3"]  # Vera's 1003
