"""Golden tests: every report of the small company in golden_company.py, worked out by hand.

How to read: each expected row carries a comment with its derivation. Moscow = UTC+3; as_of 2025-01-15.
Facts after 2025-01-15 21:00 UTC (s5, s18, deal 106, deal 107's win and its amoCRM first_sale) are absent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as M

import pytest

from tests.reports.conftest import d, expected, rows

NULL = None


def test_weekly(published):
    # deals as of as_of: 101 organizer, 102 unknown (kind NULL), 103 operator, 104 organizer, 107 operator
    # (99 deleted, 106 created later). Created / widget / first-sale weeks in Moscow time:
    assert rows(
        published, "report_weekly", "week_start, client_kind, deals_created, widget_installed, first_sale"
    ) == expected(
        [
            (d(2024, 9, 9), "organizer", 1, 0, 0),  # 104 created Tue Sep 10
            (d(2024, 9, 16), "organizer", 0, 1, 0),  # 104 widget Wed Sep 18 (P3 platform)
            (d(2024, 9, 30), "organizer", 0, 0, 1),  # 104 first sale Tue Oct 1 12:00 (won, amoCRM 09:00 UTC)
            (d(2024, 10, 28), "organizer", 1, 0, 0),  # 101 created Fri Nov 1
            (d(2024, 11, 11), "unknown", 1, 0, 0),  # 102 created Fri Nov 15
            (d(2024, 11, 18), "organizer", 0, 1, 0),  # 101 widget Wed Nov 20 (P1)
            (d(2024, 11, 25), "organizer", 0, 0, 1),  # 101 first sale Mon Nov 25 (P1's s1)
            # 102: widget Thu Nov 28 (P5); first sale Sun Dec 1 00:30 Moscow (still the week of Nov 25)
            (d(2024, 11, 25), "unknown", 0, 1, 1),
            # week crossing the year: 103 created Mon Dec 30, 107 created Wed Jan 1 00:30 Moscow;
            # 107 widget implied by its first sale Sun Jan 5 (P2's s6)
            (d(2024, 12, 30), "operator", 2, 1, 1),
        ]
    )


def test_monthly_deals(published):
    assert rows(
        published,
        "report_monthly_deals",
        "month, client_kind, deals_created, deals_won, annual_budget_won, created_reached_first_sale",
    ) == expected(
        [
            (d(2024, 9), "organizer", 1, 0, M("0.00"), 1),  # 104 created, reached first_sale
            (d(2024, 10), "organizer", 0, 1, M("0.00"), 0),  # 104 won Oct 1, price NULL counts 0
            (d(2024, 11), "organizer", 1, 0, M("0.00"), 1),  # 101 created, reached first_sale
            (d(2024, 11), "unknown", 1, 0, M("0.00"), 1),  # 102 created, reached first_sale (P5)
            (d(2024, 12), "organizer", 0, 1, M("1200000.00"), 0),  # 101 won Dec 2
            (d(2024, 12), "operator", 1, 0, M("0.00"), 0),  # 103 created Dec 30, lost
            (d(2025, 1), "operator", 1, 0, M("0.00"), 1),  # 107 (Jan 1 Moscow); its win on Jan 16 is later
        ]
    )


H = 1 / 24  # an hour in days
# Completed stages per deal (model.md), with days from creation, worked out in golden_company.py terms:
# 104 created Sep 10 09:00: lead 0; negotiation/proposal/contract implied by widget Sep 18 10:00 (8d 1h;
#     the amoCRM contract Sep 20 and platform contract Sep 25 are later); widget 8d1h; first sale Oct 1 09:00 (21d)
# 101 created Nov 1 09:00: lead 0; negotiation Nov 3 09:00 (2d); proposal implied by contract Nov 5 10:00 (4d1h);
#     contract 4d1h; widget Nov 20 09:00 (19d); first sale Nov 25 10:00 (24d1h; platform beats amoCRM Dec 2)
# 102 created Nov 15 12:00: lead 0; negotiation implied by proposal Nov 20 12:00 (5d); proposal 5d;
#     contract implied by widget Nov 28 10:00 (12d22h); widget 12d22h; first sale Nov 30 21:30 (15d9.5h)
# 103 created Dec 30 08:00: lead 0; negotiation Jan 2 10:00 (3d2h); lost there
# 107 created Dec 31 21:30: lead 0; P2's contract (Dec 20 10:00) predates the deal, so it is not the deal's own
#     (derive/deal_stages.py); negotiation…first sale are reached Jan 5 10:00 (4d12.5h), implied by P2's first sale
STAGES = ("lead", "negotiation", "proposal", "contract_signed", "widget_installed", "first_sale")
FUNNEL_DEALS = {  # deal: (cohort month, sales manager, client kind, days per reached stage, lost?)
    104: (d(2024, 9), 1, "organizer", [0, 8 + H, 8 + H, 8 + H, 8 + H, 21], False),
    101: (d(2024, 11), 1, "organizer", [0, 2, 4 + H, 4 + H, 19, 24 + H], False),
    102: (d(2024, 11), 2, "unknown", [0, 5, 5, 12 + 22 * H, 12 + 22 * H, 15 + 9.5 * H], False),
    103: (d(2024, 12), 1, "operator", [0, 3 + 2 * H], True),
    # P2's contract (Dec 20) predates the deal (Dec 31 21:30 UTC): not this deal's milestone, so every
    # later stage comes from the first sale, Jan 5 10:00 = 4 days 12.5 hours after creation
    107: (d(2025, 1), 1, "operator", [0.0] + [4 + 12.5 * H] * 5, False),
}


def test_funnel(published):
    want = []
    for cohort, mgr, kind, days, lost in FUNNEL_DEALS.values():  # one deal per cell: deals = 1
        for i, day in enumerate(days):
            leaked = 1 if lost and i == len(days) - 1 else 0
            want.append((cohort, mgr, kind, STAGES[i], i + 1, 1, pytest.approx(day, abs=1e-9), leaked))
    got = rows(
        published,
        "report_funnel",
        "cohort_month, sales_manager_id, client_kind, stage, stage_order, deals, days_to_reach_sum, lost_at_stage",
    )
    assert sorted(got, key=lambda r: (r[0], r[1], r[4])) == sorted(want, key=lambda r: (r[0], r[1], r[4]))


def test_completed_deal_stages_sources(published):
    got = rows(published, "deal_stages", "deal_id, stage, reached_at, source", "deal_id IN (101, 104, 107)")
    t = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
    assert got == expected(
        [
            (101, "lead", t(2024, 11, 1, 9), "created"),
            (101, "negotiation", t(2024, 11, 3, 9), "amocrm"),
            (101, "proposal", t(2024, 11, 5, 10), "implied"),
            (101, "contract_signed", t(2024, 11, 5, 10), "platform"),
            (101, "widget_installed", t(2024, 11, 20, 9), "platform"),
            (101, "first_sale", t(2024, 11, 25, 10), "platform"),
            (104, "lead", t(2024, 9, 10, 9), "created"),
            (104, "negotiation", t(2024, 9, 18, 10), "implied"),
            (104, "proposal", t(2024, 9, 18, 10), "implied"),
            (104, "contract_signed", t(2024, 9, 18, 10), "implied"),
            (104, "widget_installed", t(2024, 9, 18, 10), "platform"),
            (104, "first_sale", t(2024, 10, 1, 9), "amocrm"),
            # 107: P2's contract of Dec 20 predates the deal, so it is not the deal's own milestone
            (107, "lead", t(2024, 12, 31, 21, 30), "created"),
            (107, "negotiation", t(2025, 1, 5, 10), "implied"),
            (107, "proposal", t(2025, 1, 5, 10), "implied"),
            (107, "contract_signed", t(2025, 1, 5, 10), "implied"),
            (107, "widget_installed", t(2025, 1, 5, 10), "implied"),
            (107, "first_sale", t(2025, 1, 5, 10), "platform"),
        ]
    )
    assert rows(published, "deal_stages", "count(*)", "deal_id IN (99, 106)") == [(0,)]  # deleted / not yet


def test_acquiring_deals_and_first_sales(published):
    # P1: 101 (99 is deleted); P2: 107 (106 not created yet); P3: 104; P5: 102; P4 has no deal
    assert rows(published, "acquiring_deals", "partner_id, deal_id, sales_manager_id") == expected(
        [("P1", 101, 1), ("P2", 107, 1), ("P3", 104, 1), ("P5", 102, 2)]
    )
    # first sale months (Moscow): P3 Oct (s12 had no tickets), P1 Nov, P4 Dec, P5 Dec (00:30 Dec 1), P2 Jan
    assert rows(published, "first_sales", "partner_id, first_sale_month") == expected(
        [("P1", d(2024, 11)), ("P2", d(2025, 1)), ("P3", d(2024, 10)), ("P4", d(2024, 12)), ("P5", d(2024, 12))]
    )


def test_new_partners(published):
    assert rows(
        published,
        "report_new_partners",
        "month, sales_manager_id, client_kind, contracts_signed, widgets_installed, first_sales, signed_then_selling",
    ) == expected(
        [
            (d(2024, 9), 1, "organizer", 1, 1, 0, 1),  # 104 contract+widget Sep 18; it sells later
            (d(2024, 10), 1, "organizer", 0, 0, 1, 0),  # 104 first sale Oct 1
            (d(2024, 11), 1, "organizer", 1, 1, 1, 1),  # 101 contract Nov 5, widget Nov 20, first sale Nov 25
            (d(2024, 11), 2, "unknown", 1, 1, 0, 1),  # 102 contract+widget Nov 28; first sale is December
            (d(2024, 12), 2, "unknown", 0, 0, 1, 0),  # 102 first sale Dec 1 00:30 Moscow
            # 107: contract and widget implied by the first sale Jan 5 (P2's Dec 20 contract predates the deal)
            (d(2025, 1), 1, "operator", 1, 1, 1, 1),
        ]
    )


def test_sales_share(published):
    assert rows(published, "report_sales_share", "month, bucket, manager_id, turnover, revenue, tickets") == expected(
        [
            (d(2024, 9), "empty", NULL, M("99.00"), M("0.00"), 0),  # P3 s12 (23:59:59 Sep 25 Moscow)
            (d(2024, 10), "empty", NULL, M("30000.00"), M("3000.00"), 20),  # P3 s8
            (d(2024, 11), "empty", NULL, M("15000.00"), M("1500.00"), 10),  # P3 s9
            (d(2024, 11), "manager", 3, M("3000.00"), M("300.00"), 2),  # P1 s1
            (d(2024, 12), "empty", NULL, M("6000.01"), M("600.00"), 6),  # P3 s10 1000.01 + s11 5000
            (d(2024, 12), "manager", 3, M("8000.00"), M("800.00"), 8),  # P1 7500−1500 + P5 s16 2000 (Dec 1 Moscow)
            (d(2024, 12), "support", NULL, M("400.00"), M("40.00"), 2),  # P4 is_support
            (d(2024, 12), "unknown", NULL, M("600.00"), M("60.00"), 3),  # P404
            (d(2025, 1), "empty", NULL, M("1000.00"), M("110.05"), 1),  # P2 (Gleb inactive): s7 10.00 + s6 100.05
            (d(2025, 1), "manager", 3, M("5000.00"), M("505.55"), 4),  # P1 s4 4500/455.55 + P5 s17 500/50
            (d(2025, 1), "support", NULL, M("200.00"), M("20.00"), 1),  # s14 without partner
        ]
    )


def test_cohorts(published):
    assert rows(
        published,
        "report_cohorts",
        "cohort_month, kind, month_offset, partners, active_partners, turnover, revenue, tickets",
    ) == expected(
        [
            (d(2024, 10), "organizer", 0, 1, 1, M("30000.00"), M("3000.00"), 20),  # P3 Oct
            (d(2024, 10), "organizer", 1, 1, 1, M("15000.00"), M("1500.00"), 10),  # P3 Nov
            (d(2024, 10), "organizer", 2, 1, 1, M("6000.01"), M("600.00"), 6),  # P3 Dec
            (d(2024, 10), "organizer", 3, 1, 0, M("0.00"), M("0.00"), 0),  # P3 Jan: nothing
            (d(2024, 11), "organizer", 0, 1, 1, M("3000.00"), M("300.00"), 2),  # P1 Nov
            (d(2024, 11), "organizer", 1, 1, 1, M("6000.00"), M("600.00"), 4),  # P1 Dec incl. refund
            (d(2024, 11), "organizer", 2, 1, 1, M("4500.00"), M("455.55"), 3),  # P1 Jan
            (d(2024, 12), "organizer", 0, 2, 2, M("2400.00"), M("240.00"), 6),  # P4 400 + P5 2000
            (d(2024, 12), "organizer", 1, 2, 1, M("500.00"), M("50.00"), 1),  # P5 s17
            (d(2025, 1), "operator", 0, 1, 1, M("1000.00"), M("110.05"), 1),  # P2 s7 + s6
        ]
    )


def test_declining_partners(published):
    # P3: recent 28 days = Dec 19 … Jan 15 Moscow → s11 5000.00 (00:00 Dec 19);
    # the 84 days before = Sep 26 … Dec 18 → s8 30000 + s9 15000 + s10 1000.01 (23:59:59 Dec 18) = 46000.01
    # (s12 at 23:59:59 Sep 25 is outside); baseline = 46000.01 / 3 = 15333.3367 → 15333.34;
    # decline = 100 × (1 − 5000 / 15333.34) = 67.3913… → 67.39 ≥ 30, baseline ≥ 10 000 → flagged.
    # P1: baseline (3000 + 7500 − 1500) / 3 = 3000.00 < 10 000 → not flagged.
    assert rows(
        published,
        "report_declining_partners",
        "as_of, partner_id, name, kind, development_manager_id, baseline_28d, recent_28d, decline_pct",
    ) == [(d(2025, 1, 15), "P3", "Gamma", "organizer", NULL, M("15333.34"), M("5000.00"), M("67.39"))]


BONUS_LINES = [  # month, manager, role, rule, partner, deal, base, rate, multiplier, amount, baseline
    # first sales → sales manager of the acquiring deal: 5000 × 1.5 if cold
    (d(2024, 10), 1, "sales", "first_sale", "P3", 104, NULL, NULL, M("1"), M("5000.00"), NULL),
    (d(2024, 11), 1, "sales", "first_sale", "P1", 101, NULL, NULL, M("1"), M("5000.00"), NULL),
    (d(2024, 12), 2, "sales", "first_sale", "P5", 102, NULL, NULL, M("1.5"), M("7500.00"), NULL),  # cold, Boris
    (d(2025, 1), 1, "sales", "first_sale", "P2", 107, NULL, NULL, M("1"), M("5000.00"), NULL),  # is_cold NULL
    # acquisition share: months 0 and 1 (acquisition_months = 2) with revenue > 0, 10 %
    (d(2024, 10), 1, "sales", "acquisition_share", "P3", 104, M("3000.00"), M("0.10"), M("1"), M("300.00"), NULL),
    (d(2024, 11), 1, "sales", "acquisition_share", "P3", 104, M("1500.00"), M("0.10"), M("1"), M("150.00"), NULL),
    (d(2024, 11), 1, "sales", "acquisition_share", "P1", 101, M("300.00"), M("0.10"), M("1"), M("30.00"), NULL),
    (d(2024, 12), 1, "sales", "acquisition_share", "P1", 101, M("600.00"), M("0.10"), M("1"), M("60.00"), NULL),
    (d(2024, 12), 2, "sales", "acquisition_share", "P5", 102, M("200.00"), M("0.10"), M("1"), M("20.00"), NULL),
    (d(2025, 1), 2, "sales", "acquisition_share", "P5", 102, M("50.00"), M("0.10"), M("1"), M("5.00"), NULL),
    # P2: 10 % of 110.05 = 11.005 → half away from zero → 11.01
    (d(2025, 1), 1, "sales", "acquisition_share", "P2", 107, M("110.05"), M("0.10"), M("1"), M("11.01"), NULL),
    # growth from month 2: P1 in Jan, baseline (Dec 600 + Nov 300 + Oct 0) / 3 = 300.00, growth 455.55 − 300
    # = 155.55, 5 % = 7.7775 → 7.78 to Vera. P3 has no development manager → no line.
    (d(2025, 1), 3, "development", "growth", "P1", NULL, M("155.55"), M("0.05"), M("1"), M("7.78"), M("300.00")),
]


def test_bonus_lines(published):
    got = rows(
        published,
        "report_bonus_lines",
        "month, manager_id, role, rule, partner_id, deal_id, base, rate, multiplier, amount, baseline",
    )
    assert got == expected(BONUS_LINES)


def test_bonus_summary(published):
    assert rows(
        published, "report_bonus_summary", "month, manager_id, sales_bonus, development_bonus, total, lines"
    ) == expected(
        [
            (d(2024, 10), 1, M("5300.00"), M("0.00"), M("5300.00"), 2),  # 5000 + 300
            (d(2024, 11), 1, M("5180.00"), M("0.00"), M("5180.00"), 3),  # 5000 + 150 + 30
            (d(2024, 12), 1, M("60.00"), M("0.00"), M("60.00"), 1),
            (d(2024, 12), 2, M("7520.00"), M("0.00"), M("7520.00"), 2),  # 7500 + 20
            (d(2025, 1), 1, M("5011.01"), M("0.00"), M("5011.01"), 2),  # 5000 + 11.01
            (d(2025, 1), 2, M("5.00"), M("0.00"), M("5.00"), 1),
            (d(2025, 1), 3, M("0.00"), M("7.78"), M("7.78"), 1),
        ]
    )
