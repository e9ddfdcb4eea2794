"""Hostile amoCRM records: a budget that is no amount of money, a company without a name, one ИНН on two
companies, a deal whose company was deleted. Each deal is kept (nothing about it is lost); what cannot be
used is left unknown with a note the data-quality page counts, and linking never guesses from it."""

from __future__ import annotations

from decimal import Decimal as D

from salesglass.config import parse_config
from salesglass.link.run import link_into
from salesglass.serve.i18n import Formatter
from salesglass.serve.web.reasons import reason_label
from salesglass.sources.amocrm.mapping import BUDGET_UNUSABLE
from tests.amocrm.test_field_variants import cf, company, field, lead, run

BUDGETS = {1: 150000, 2: -100, 3: 1e20, 4: "abc", 5: 1.555, 6: None, 7: True, 8: "99.90", 9: 0}


def _crm():
    leads = []
    for deal_id, price in BUDGETS.items():
        raw = lead(deal_id)
        raw["price"] = price
        leads.append(raw)
    for deal_id, company_id in ((20, 901), (21, 902), (22, 903), (23, 904), (24, 905)):
        raw = lead(deal_id)
        raw["_embedded"] = {"companies": [{"id": company_id}]}
        leads.append(raw)
    nameless = company(902)
    nameless["name"] = ""  # and no ИНН: nothing to link by
    shared_a, shared_b = company(903, cf(5, "7701234567")), company(904, cf(5, "77 01 234567"))
    only_form = company(905)
    only_form["name"] = "ООО «»"  # a legal form alone: normalises to nothing
    # deal 20's company 901 was deleted in amoCRM: the raw layer no longer has it
    return run([], [field(5, "ИНН", "text")], leads, [nameless, shared_a, shared_b, only_form], {"company_inn": "ИНН"})


def test_a_budget_that_is_no_amount_keeps_its_deal_with_the_budget_unknown():
    con = _crm()
    prices = dict(con.execute("SELECT deal_id, price FROM deals WHERE deal_id < 20").fetchall())
    assert prices == {1: D("150000.00"), 2: None, 3: None, 4: None, 5: None, 6: None, 7: None, 8: D("99.90"), 9: D(0)}
    notes = con.execute("SELECT source_key, reason FROM quarantine ORDER BY source_key::INT").fetchall()
    assert notes == [(str(k), BUDGET_UNUSABLE) for k in (2, 3, 4, 5, 7)]
    # every deal is there: 9 with budgets + 5 with companies; the budgets add up to the usable ones
    assert con.execute("SELECT count(*), sum(price) FROM deals").fetchone() == (14, D("150099.90"))
    ru = reason_label(Formatter("ru", "RUB").t, BUDGET_UNUSABLE)
    assert ru == "бюджет отрицательный, не число или с долями копейки (сделка загружена, бюджет неизвестен)"


def test_companies_without_a_name_or_sharing_an_inn_link_only_by_evidence(tmp_path):
    con = _crm()
    # partners: one with the shared ИНН, one whose name is a legal form alone (normalises to nothing too)
    con.execute(
        "INSERT INTO partners (partner_id, name, kind, inn) VALUES ('p-inn', 'Ромашка', 'organizer', '7701234567'), "
        "('p-form', 'ООО', 'organizer', NULL)"
    )
    cfg = parse_config({"warehouse": {"path": str(tmp_path / "wh.duckdb")}}, base_dir=tmp_path)
    link_into(con, cfg, full=True)
    links = dict(con.execute("SELECT deal_id, partner_id FROM deals WHERE deal_id >= 20").fetchall())
    # one ИНН on two companies is one legal entity: both deals link to its partner; the nameless company,
    # the legal-form-only one and the deleted one link to nothing (no empty name ever matches)
    assert links == {20: None, 21: None, 22: "p-inn", 23: "p-inn", 24: None}
    # what data quality counts as unlinked (reports/data_quality.py: live deals without a partner)
    unlinked = con.execute("SELECT count(*) FROM deals WHERE partner_id IS NULL AND NOT is_deleted").fetchone()
    assert unlinked == (9 + 3,)  # the 9 deals without a company, 20, 21 and 24


def test_absurd_creation_and_close_dates_keep_the_deal_with_a_note():
    """A deal created in 1811 or in 2100 takes its first event's time (else its last update's); closed_at = 0
    is an open deal; a close date in 1811 is unknown. Each absurd date is one note; the deals all load."""
    from datetime import UTC, datetime

    from salesglass.sources.amocrm.mapping import CLOSED_IMPLAUSIBLE, CREATED_IMPLAUSIBLE

    y1811 = int(datetime(1811, 6, 1, tzinfo=UTC).timestamp())
    y2100 = int(datetime(2100, 1, 1, tzinfo=UTC).timestamp())
    first_event = 1_699_000_000  # 2023-11-03 08:26:40 UTC: deal 31's lead_added
    dates = {  # deal → (created_at, closed_at)
        30: (1_690_000_000, 1_700_000_000),  # 2023-07-22 04:26:40, closed 2023-11-14 22:13:20: as they are
        31: (y1811, 0),  # created in 1811, "closed" at 0
        32: (y2100, None),  # created in 2100, no event: its last update (lead(): 1_700_000_000)
        33: (1_690_000_000, y1811),  # closed in 1811
    }
    leads = []
    for deal_id, (created, closed) in dates.items():
        raw = lead(deal_id)
        raw["created_at"], raw["closed_at"] = created, closed
        leads.append(raw)
    con = run([], [], leads, [], {}, events=[("e1", "lead_added", 31, first_event)])
    got = {d: (c, cl) for d, c, cl in con.execute("SELECT deal_id, created_at, closed_at FROM deals").fetchall()}
    at = lambda epoch: datetime.fromtimestamp(epoch, UTC)  # noqa: E731
    assert got == {
        30: (at(1_690_000_000), at(1_700_000_000)),
        31: (at(first_event), None),
        32: (at(1_700_000_000), None),
        33: (at(1_690_000_000), None),
    }
    assert got[31][0] == datetime(2023, 11, 3, 8, 26, 40, tzinfo=UTC)  # read by hand from the epoch
    notes = con.execute("SELECT source_key, reason FROM quarantine ORDER BY 1, 2").fetchall()
    assert notes == [("31", CREATED_IMPLAUSIBLE), ("32", CREATED_IMPLAUSIBLE), ("33", CLOSED_IMPLAUSIBLE)]
    # the 'lead' stage starts at the date that stands in, not in 1811
    lead_stage = "SELECT reached_at FROM deal_stages WHERE deal_id = 31 AND stage = 'lead'"
    assert con.execute(lead_stage).fetchone() == (at(first_event),)
    t = Formatter("ru", "RUB").t
    assert reason_label(t, CLOSED_IMPLAUSIBLE) == (
        "дата закрытия раньше 2000 года или в будущем (сделка загружена, дата закрытия неизвестна)"
    )
    assert reason_label(Formatter("en", "RUB").t, CREATED_IMPLAUSIBLE).startswith("creation date before 2000")
