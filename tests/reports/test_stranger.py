"""Every non-forecast report of a stranger's company (tests/reports/stranger_company.py: São Paulo, BRL,
development pipeline named, late deals acquiring nothing, other bonus numbers with a change in October,
other declining thresholds), worked out by hand from the fixture's wall times and amounts.

One build (DuckDB, as `salesglass build` runs it) serves the module; ClickHouse (chdb) computes the same
reports from the same rows last. Plan-fact's forecast columns are the forecast's (docs/forecast.md) and
not checked here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from salesglass.config import parse_config
from salesglass.reports.base import BuildParams
from salesglass.reports.build import run_build
from tests.reports import stranger_company as sc
from tests.reports.canon_io import chdb_reports, dated_for
from tests.reports.compare import assert_same
from tests.reports.conftest import expected, load_company, rows

M = Decimal
NULL = None
IVO, LIA, RUI, SOL, TOM = sc.IVO, sc.LIA, sc.RUI, sc.SOL, sc.TOM
MAY, JUN, JUL, AUG, SEP, OCT, NOV = (date(2026, m, 1) for m in range(5, 12))
Q3, Q4, Y26 = JUL, OCT, date(2026, 1, 1)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stranger")
    cfg = parse_config(
        {
            "warehouse": {"path": "wh.duckdb", "published_path": "reports.duckdb", "bonus_state_path": "bonus.duckdb"},
            **sc.CONFIG,
        },
        base_dir=folder,
    )
    load_company(cfg, sc.DATA)
    run_build(cfg, as_of=sc.AS_OF, progress=False)
    return cfg


@pytest.fixture(scope="module")
def pub(built):
    con = duckdb.connect(str(built.published_path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    yield con
    con.close()


def test_the_build_took_the_strangers_settings(pub):
    assert pub.execute("SELECT DISTINCT as_of, timezone, timezone_source FROM build_info").fetchall() == [
        (sc.AS_OF, "America/Sao_Paulo", "config")
    ]
    # "Desenvolvimento" named in the config is pipeline 30
    assert rows(pub, "pipelines", "pipeline_id, is_development") == [(10, False), (20, False), (30, True), (40, False)]


def test_derived_first_sales_and_acquiring_deals(pub):
    # first sales (tickets > 0): A at 00:00:00 1 Aug (its 31 Jul fee had no tickets), B at 23:59:59 31 Jul,
    # C 15 Sep, E 10 Oct, G 10 Nov, S 20 Aug; X404 is no partner of the platform's list
    assert rows(pub, "first_sales", "partner_id, first_sale_month") == [
        ("A", AUG),
        ("B", JUL),
        ("C", SEP),
        ("E", OCT),
        ("G", NOV),
        ("S", AUG),
    ]
    # A: 201 (200 is deleted); B: 202 (its first sale is the platform's, after the deal was created);
    # C: only the late 203 (late deals acquire nothing here) and the development 204 → none;
    # E: 205 sits in Desenvolvimento now → none; H has not sold: the most recent deal there is, 210 (209 is
    # after as_of); G: no deal
    assert rows(pub, "acquiring_deals", "partner_id, deal_id, sales_manager_id, is_cold") == [
        ("A", 201, IVO, True),
        ("B", 202, LIA, False),
        ("H", 210, SOL, False),
    ]


def test_weekly(pub):
    # weeks start on Monday (São Paulo days). Deals of Desenvolvimento (204, 205), the deleted 200 and 209
    # (00:00 19 Nov) are left out. Created: 202 Mon 4 May; 201 Mon 20 Jul; 203 Thu 1 Oct (week of 28 Sep);
    # 206 Mon 5 Oct; 207 Mon 9 Nov; 211 (10:00) and 210 (23:59:59) Wed 18 Nov (week of 16 Nov).
    # Widgets: 202 Fri 10 Jul (week 6 Jul), 201 Tue 28 Jul (week 27 Jul). First sales: 202 at 23:59:59 Fri
    # 31 Jul, 201 at 00:00 Sat 1 Aug: both the week of 27 Jul although two months.
    assert rows(pub, "report_weekly", "*") == [
        (MAY.replace(day=4), "operator", 1, 0, 0),
        (JUL.replace(day=6), "operator", 0, 1, 0),
        (JUL.replace(day=20), "organizer", 1, 0, 0),
        (JUL.replace(day=27), "operator", 0, 0, 1),
        (JUL.replace(day=27), "organizer", 0, 1, 1),
        (date(2026, 9, 28), "organizer", 1, 0, 0),
        (OCT.replace(day=5), "unknown", 1, 0, 0),  # 206 has no client kind
        (NOV.replace(day=9), "operator", 1, 0, 0),
        (NOV.replace(day=16), "operator", 1, 0, 0),
        (NOV.replace(day=16), "organizer", 1, 0, 0),
    ]


def test_monthly_deals(pub):
    # won by as_of: only 201 (3 Aug, 50 000.00); 211 is won at 09:00 on 19 Nov (open as of 18 Nov); 204 and
    # 205 are development deals. Reached first sale: 201 (created July), 202 (created May).
    assert rows(pub, "report_monthly_deals", "*") == [
        (MAY, "operator", 1, 0, M("0.00"), 1),
        (JUL, "organizer", 1, 0, M("0.00"), 1),
        (AUG, "organizer", 0, 1, M("50000.00"), 0),
        (OCT, "organizer", 1, 0, M("0.00"), 0),  # 203
        (OCT, "unknown", 1, 0, M("0.00"), 0),  # 206
        (NOV, "operator", 2, 0, M("0.00"), 0),  # 207, 211
        (NOV, "organizer", 1, 0, M("0.00"), 0),  # 210
    ]


def test_funnel(pub):
    got = rows(
        pub,
        "report_funnel",
        "cohort_month, sales_manager_id, client_kind, stage, stage_order, deals, "
        "round(days_to_reach_sum, 9), lost_at_stage",
    )
    # 202 (Lia, May, operator), created 09:00 4 May: negotiation 09:00 10 May (6 days); amoCRM's contract
    # 09:00 1 Jun (28 days; the platform's 1 May predates the deal), proposal implied by it; widget 10:00
    # 10 Jul (4 May → 4 Jul = 31 + 30 = 61 days, + 6 days + 1 h = 67 + 1/24); first sale 23:59:59 31 Jul
    # (61 + 27 = 88 days + 14:59:59 = 88 + 53 999/86 400 = 88.624988426)
    # 201 (Ivo, July, organizer), created 10:00 20 Jul: negotiation 1 day; the platform's contract 10:00 25 Jul
    # (5 days), proposal implied by it; widget 10:00 28 Jul (8); first sale the platform's 00:00 1 Aug,
    # before amoCRM's won on 3 Aug: 11 days 14 h = 11.583333333
    # 206 (Ivo, October, unknown): negotiation after 2 days, lost there; 207 (Lia, November): proposal at
    # 09:00 10 Nov, 23 h after its creation (negotiation implied), lost there
    assert got == expected(
        [
            (MAY, LIA, "operator", "lead", 1, 1, 0.0, 0),
            (MAY, LIA, "operator", "negotiation", 2, 1, 6.0, 0),
            (MAY, LIA, "operator", "proposal", 3, 1, 28.0, 0),
            (MAY, LIA, "operator", "contract_signed", 4, 1, 28.0, 0),
            (MAY, LIA, "operator", "widget_installed", 5, 1, round(67 + 1 / 24, 9), 0),
            (MAY, LIA, "operator", "first_sale", 6, 1, round(88 + 53999 / 86400, 9), 0),
            (JUL, IVO, "organizer", "lead", 1, 1, 0.0, 0),
            (JUL, IVO, "organizer", "negotiation", 2, 1, 1.0, 0),
            (JUL, IVO, "organizer", "proposal", 3, 1, 5.0, 0),
            (JUL, IVO, "organizer", "contract_signed", 4, 1, 5.0, 0),
            (JUL, IVO, "organizer", "widget_installed", 5, 1, 8.0, 0),
            (JUL, IVO, "organizer", "first_sale", 6, 1, round(11 + 14 / 24, 9), 0),
            (OCT, IVO, "organizer", "lead", 1, 1, 0.0, 0),  # 203: C's first sale predates it, not its own
            (OCT, IVO, "unknown", "lead", 1, 1, 0.0, 0),
            (OCT, IVO, "unknown", "negotiation", 2, 1, 2.0, 1),
            (NOV, IVO, "operator", "lead", 1, 1, 0.0, 0),  # 211: its first sale on 19 Nov is after as_of
            (NOV, LIA, "operator", "lead", 1, 1, 0.0, 0),
            (NOV, LIA, "operator", "negotiation", 2, 1, round(23 / 24, 9), 0),
            (NOV, LIA, "operator", "proposal", 3, 1, round(23 / 24, 9), 1),
            (NOV, SOL, "organizer", "lead", 1, 1, 0.0, 0),  # 210 at as_of's last second
        ]
    )


def test_new_partners(pub):
    # 202 (Lia): contract 1 Jun, widget 10 Jul, first sale 31 Jul; 201 (Ivo): contract and widget July, first
    # sale 1 Aug. Development deals 204 (won 2 Nov) and 205 (won 12 Oct) sign and bring nobody new.
    assert rows(pub, "report_new_partners", "*") == [
        (JUN, LIA, "operator", 1, 0, 0, 1),
        (JUL, IVO, "organizer", 1, 1, 0, 1),
        (JUL, LIA, "operator", 0, 1, 1, 0),
        (AUG, IVO, "organizer", 0, 0, 1, 0),
    ]


def test_cohorts(pub):
    # A's fee of 31 Jul (before its first sale) has no offset ≥ 0; its November nets the August refund:
    # −2 + 8 = 6 tickets, −200 + 800 = 600.00, −20.01 + 180.00 = 159.99. C sells in November only money
    # without tickets (7.77): not active. E has no November sale: the grid row stays.
    assert rows(pub, "report_cohorts", "*") == [
        (JUL, "operator", 0, 1, 1, M("3000.00"), M("300.00"), 30),  # B
        (JUL, "operator", 1, 1, 1, M("3000.00"), M("300.00"), 30),
        (JUL, "operator", 2, 1, 1, M("3000.00"), M("300.00"), 30),
        (JUL, "operator", 3, 1, 1, M("3000.00"), M("400.20"), 30),
        (JUL, "operator", 4, 1, 1, M("500.00"), M("62.35"), 5),  # 0 + 500.00; 12.35 + 50.00; 0 + 5
        (AUG, "organizer", 0, 2, 2, M("1050.00"), M("105.05"), 11),  # A 1000 / 100.05 / 10 + S 50 / 5 / 1
        (AUG, "organizer", 1, 2, 1, M("500.00"), M("60.04"), 5),
        (AUG, "organizer", 2, 2, 1, M("2000.00"), M("240.30"), 20),  # 23:59:59 31 Oct is October
        (AUG, "organizer", 3, 2, 1, M("600.00"), M("159.99"), 6),
        (SEP, "organizer", 0, 1, 1, M("400.00"), M("40.00"), 4),  # C
        (SEP, "organizer", 1, 1, 1, M("600.00"), M("60.00"), 6),
        (SEP, "organizer", 2, 1, 0, M("0.00"), M("7.77"), 0),
        (OCT, "operator", 0, 1, 1, M("200.00"), M("20.00"), 2),  # E
        (OCT, "operator", 1, 1, 0, M("0.00"), M("0.00"), 0),
        (NOV, "organizer", 0, 1, 1, M("300.00"), M("30.00"), 3),  # G
    ]


def test_sales_share(pub):
    # A, E → Rui; B → Sol (reassigned from Tom: assignments are as they are now); C (nobody) and G (Tom,
    # inactive) → empty; S → support although it has Rui; X404 → unknown; the sale without a partner → support
    assert rows(pub, "report_sales_share", "*") == expected(
        [
            (JUL, "manager", RUI, M("0.00"), M("5.00"), 0),  # A's fee
            (JUL, "manager", SOL, M("3000.00"), M("300.00"), 30),
            (AUG, "manager", RUI, M("1000.00"), M("100.05"), 10),
            (AUG, "manager", SOL, M("3000.00"), M("300.00"), 30),
            (AUG, "support", NULL, M("50.00"), M("5.00"), 1),
            (SEP, "empty", NULL, M("400.00"), M("40.00"), 4),
            (SEP, "manager", RUI, M("500.00"), M("60.04"), 5),
            (SEP, "manager", SOL, M("3000.00"), M("300.00"), 30),
            (SEP, "unknown", NULL, M("70.00"), M("7.00"), 1),  # 00:00 1 Sep
            (OCT, "empty", NULL, M("600.00"), M("60.00"), 6),
            (OCT, "manager", RUI, M("2200.00"), M("260.30"), 22),  # A 2000 / 240.30 / 20 + E 200 / 20 / 2
            (OCT, "manager", SOL, M("3000.00"), M("400.20"), 30),
            (NOV, "empty", NULL, M("300.00"), M("37.77"), 3),  # C 0 / 7.77 / 0 + G 300 / 30 / 3
            (NOV, "manager", RUI, M("600.00"), M("159.99"), 6),
            (NOV, "manager", SOL, M("500.00"), M("62.35"), 5),
            (NOV, "support", NULL, M("30.00"), M("3.00"), 1),  # 23:59:59 18 Nov counts; A's 00:00 19 Nov not
        ]
    )


def test_declining(pub):
    # recent = 22 Oct … 18 Nov, baseline = 30 Jul … 21 Oct (84 days). B: baseline 3000 × 4 / 3 = 4000.00,
    # recent 0 + 500 = 500.00, decline 100 × (1 − 500 / 4000) = 87.50 ≥ 50 → listed. A: baseline
    # (0 + 1000 + 500) / 3 = 500.00 (= min_baseline), recent 2000 − 200 + 800 = 2600: rising. C: baseline
    # (400 + 600) / 3 = 333.33 < 500. E, G, S: smaller still.
    assert rows(pub, "report_declining_partners", "*") == [
        (sc.AS_OF, "B", "Brisa", "operator", SOL, M("4000.00"), M("500.00"), M("87.50"))
    ]


LINES = "month, manager_id, role, rule, partner_id, deal_id, base, rate, multiplier, amount, baseline"


def test_bonus_lines(pub):
    # first_sale 3000.00 (× 2 for the cold 201); acquisition_share in months 0…2 at 12.5 %, 15 % from October;
    # growth from month 3 at 7.5 % of revenue above the 3 months' mean, rounded half away from zero.
    # B (Lia's 202; Lia has left, the lines stay hers): July first sale; shares 12.5 % × 300.00 = 37.50 in
    # Jul, Aug, Sep. October growth to Sol (B's manager now): baseline (300 + 300 + 300) / 3 = 300.00,
    # 7.5 % × 100.20 = 7.515 → 7.52. November: baseline (300 + 300 + 400.20) / 3 = 333.40 > 62.35: none.
    # A (Ivo's cold 201): August first sale 6000.00; 12.5 % × 100.05 = 12.50625 → 12.51; September
    # 12.5 % × 60.04 = 7.505 → 7.51; October 15 % × 240.30 = 36.045 → 36.05. November growth to Rui:
    # baseline (100.05 + 60.04 + 240.30) / 3 = 133.4633 → 133.46; revenue −20.01 + 180.00 = 159.99;
    # 7.5 % × 26.53 = 1.98975 → 1.99.
    # C, E, G, S: no acquiring deal; none has reached month 3 with a development manager and growth.
    assert rows(pub, "report_bonus_lines", LINES) == expected(
        [
            (JUL, LIA, "sales", "first_sale", "B", 202, NULL, NULL, M("1"), M("3000.00"), NULL),
            (JUL, LIA, "sales", "acquisition_share", "B", 202, M("300.00"), M("0.125"), M("1"), M("37.50"), NULL),
            (AUG, IVO, "sales", "first_sale", "A", 201, NULL, NULL, M("2"), M("6000.00"), NULL),
            (AUG, IVO, "sales", "acquisition_share", "A", 201, M("100.05"), M("0.125"), M("1"), M("12.51"), NULL),
            (AUG, LIA, "sales", "acquisition_share", "B", 202, M("300.00"), M("0.125"), M("1"), M("37.50"), NULL),
            (SEP, IVO, "sales", "acquisition_share", "A", 201, M("60.04"), M("0.125"), M("1"), M("7.51"), NULL),
            (SEP, LIA, "sales", "acquisition_share", "B", 202, M("300.00"), M("0.125"), M("1"), M("37.50"), NULL),
            (OCT, IVO, "sales", "acquisition_share", "A", 201, M("240.30"), M("0.15"), M("1"), M("36.05"), NULL),
            (OCT, SOL, "development", "growth", "B", NULL, M("100.20"), M("0.075"), M("1"), M("7.52"), M("300.00")),
            (NOV, RUI, "development", "growth", "A", NULL, M("26.53"), M("0.075"), M("1"), M("1.99"), M("133.46")),
        ]
    )
    assert rows(pub, "report_bonus_summary", "*") == [
        (JUL, LIA, M("3037.50"), M("0.00"), M("3037.50"), 2, M("0.00"), M("0.00")),  # 3000 + 37.50
        (AUG, IVO, M("6012.51"), M("0.00"), M("6012.51"), 2, M("0.00"), M("0.00")),  # 6000 + 12.51
        (AUG, LIA, M("37.50"), M("0.00"), M("37.50"), 1, M("0.00"), M("0.00")),
        (SEP, IVO, M("7.51"), M("0.00"), M("7.51"), 1, M("0.00"), M("0.00")),
        (SEP, LIA, M("37.50"), M("0.00"), M("37.50"), 1, M("0.00"), M("0.00")),
        (OCT, IVO, M("36.05"), M("0.00"), M("36.05"), 1, M("0.00"), M("0.00")),
        (OCT, SOL, M("0.00"), M("7.52"), M("7.52"), 1, M("0.00"), M("0.00")),
        (NOV, RUI, M("0.00"), M("1.99"), M("1.99"), 1, M("0.00"), M("0.00")),
    ]


def test_data_quality(pub):
    from salesglass.reports import data_quality as dq

    assert rows(pub, "report_data_quality", "source, entity, reason, rows") == expected(
        [
            ("linking", "deals", dq.UNLINKED, 3),  # 206, 207, 211
            ("linking", "partners", dq.NO_DEAL, 1),  # G (S is support; H has 210)
            ("linking", "partners", dq.NO_SALES_MANAGER, 1),  # G sells
            ("platform", "sales", dq.UNKNOWN_PARTNER, 1),  # X404
            ("platform:sales", "sales", sc.DATA["quarantine"][0]["reason"], 1),
            ("reports", "partners", dq.NO_MANAGER, 1),  # C
            ("reports", "partners", dq.LATE_DEAL, 1),  # C: 203 was opened after its first sale
            ("reports", "partners", dq.DEVELOPMENT_ONLY, 1),  # E: 205 sits in Desenvolvimento
        ]
    )


PF = "period_type, period_start, manager_id, metric, fact, plan_realistic, plan_optimistic, run_rate, plan_to_date, "
PF += "attainment_to_date_pct, is_complete"


def pf(pub, where: str) -> list[tuple]:
    return rows(pub, "report_plan_fact", PF, where)


def test_plan_fact_months_facts(pub):
    """Each month's facts, for the company (every sale) and each manager (their partners' money now, the
    new partners of the deals they sold)."""
    got = rows(
        pub,
        "report_plan_fact",
        "period_start, manager_id, metric, fact",
        "period_type = 'month' AND metric IN ('turnover', 'revenue', 'cost', 'tickets', 'new_partners')",
    )
    facts = {  # (month, manager): turnover, revenue, cost, tickets, new partners
        # July: A's fee 0 / 5.00 / 0 / 0 + B 3000 / 300 / 150 / 30; new: B
        (JUL, NULL): ("3000.00", "305.00", "150.00", 30, 1),
        # August: A 1000 / 100.05 / 40 / 10 + B 3000 / 300 / 150 / 30 + S 50 / 5 / 1 / 1; new: A, S
        (AUG, NULL): ("4050.00", "405.05", "191.00", 41, 2),
        # September: A 500 / 60.04 / 20 / 5 + B 3000 / 300 / 150 / 30 + C 400 / 40 / 10 / 4 + X404 70 / 7 / 2 / 1
        (SEP, NULL): ("3970.00", "407.04", "182.00", 40, 1),
        # October: A 2000 / 240.30 / 80 / 20 + B 3000 / 400.20 / 150 / 30 + C 600 / 60 / 15 / 6 + E 200 / 20 / 5 / 2
        (OCT, NULL): ("5800.00", "720.50", "250.00", 58, 1),
        # November: A 600 / 159.99 / 24 / 6 + B 500 / 62.35 / 25 / 5 + C 0 / 7.77 / 0 / 0 + G 300 / 30 / 9 / 3
        # + no partner 30 / 3 / 1 / 1; new: G
        (NOV, NULL): ("1430.00", "263.11", "59.00", 15, 1),
        (JUL, LIA): ("0.00", "0.00", "0.00", 0, 1),  # B came through her deal
        (AUG, IVO): ("0.00", "0.00", "0.00", 0, 1),  # A
        (SEP, IVO): ("0.00", "0.00", "0.00", 0, 0),  # a plan only
        # Rui: A + E, and S (a support partner whose development manager he is)
        (JUL, RUI): ("0.00", "5.00", "0.00", 0, 0),
        (AUG, RUI): ("1050.00", "105.05", "41.00", 11, 0),
        (SEP, RUI): ("500.00", "60.04", "20.00", 5, 0),
        (OCT, RUI): ("2200.00", "260.30", "85.00", 22, 0),
        (NOV, RUI): ("600.00", "159.99", "24.00", 6, 0),
        # Sol: B (all its months, also those when Tom had it)
        (JUL, SOL): ("3000.00", "300.00", "150.00", 30, 0),
        (AUG, SOL): ("3000.00", "300.00", "150.00", 30, 0),
        (SEP, SOL): ("3000.00", "300.00", "150.00", 30, 0),
        (OCT, SOL): ("3000.00", "400.20", "150.00", 30, 0),
        (NOV, SOL): ("500.00", "62.35", "25.00", 5, 0),
        (NOV, TOM): ("300.00", "30.00", "9.00", 3, 0),  # G, still his though he has left
    }
    metrics = ("turnover", "revenue", "cost", "tickets", "new_partners")
    assert got == expected(
        [
            (m, k, metric, M(str(v)).quantize(M("0.01")))
            for (m, k), vs in facts.items()
            for metric, v in zip(metrics, vs, strict=True)
        ]
    )


def test_plan_fact_running_month(pub):
    # November: 18 of 30 days. Run-rate = fact × 30 / 18; plan to date = plan × 18 / 30
    assert pf(pub, "period_type = 'month' AND period_start = '2026-11-01' AND manager_id IS NULL") == expected(
        [
            # 1430 × 30 / 18 = 2383.33; 3000 × 18 / 30 = 1800.00; 100 × 1430 / 1800 = 79.444 → 79.44
            (
                "month",
                NOV,
                NULL,
                "turnover",
                M("1430.00"),
                M("3000.00"),
                M("4000.00"),
                M("2383.33"),
                M("1800.00"),
                M("79.44"),
                False,
            ),
            # 263.11 × 30 / 18 = 438.516 → 438.52; 600 × 18 / 30 = 360.00; 100 × 263.11 / 360 = 73.086 → 73.09
            (
                "month",
                NOV,
                NULL,
                "revenue",
                M("263.11"),
                M("600.00"),
                NULL,
                M("438.52"),
                M("360.00"),
                M("73.09"),
                False,
            ),
            (
                "month",
                NOV,
                NULL,
                "cost",
                M("59.00"),
                NULL,
                NULL,
                M("98.33"),
                NULL,
                NULL,
                False,
            ),  # 59 × 30 / 18 = 98.333
            # 263.11 − 59.00 = 204.11; × 30 / 18 = 340.183 → 340.18
            ("month", NOV, NULL, "margin", M("204.11"), NULL, NULL, M("340.18"), NULL, NULL, False),
            # 100 × 204.11 / 263.11 = 77.576 → 77.58; the run-rate scales margin and revenue alike: 77.58 too
            ("month", NOV, NULL, "margin_pct", M("77.58"), NULL, NULL, M("77.58"), NULL, NULL, False),
            ("month", NOV, NULL, "tickets", M("15.00"), NULL, NULL, M("25.00"), NULL, NULL, False),  # 15 × 30 / 18
            ("month", NOV, NULL, "new_partners", M("1.00"), NULL, NULL, M("1.67"), NULL, NULL, False),  # 1.666…
        ]
    )
    # Rui's revenue plan 300.00: 300 × 18 / 30 = 180.00; 100 × 159.99 / 180 = 88.883 → 88.88;
    # 159.99 × 30 / 18 = 266.65
    assert pf(
        pub, "period_type = 'month' AND period_start = '2026-11-01' AND manager_id = 13 AND metric = 'revenue'"
    ) == [
        (
            "month",
            NOV,
            RUI,
            "revenue",
            M("159.99"),
            M("300.00"),
            M("350.00"),
            M("266.65"),
            M("180.00"),
            M("88.88"),
            False,
        )
    ]
    # Sol plans a loss (margin −100.00): plan to date −100 × 18 / 30 = −60.00, and no attainment of a loss;
    # margin 62.35 − 25.00 = 37.35, run-rate 62.25 (37.35 × 30 / 18)
    assert pf(
        pub, "period_type = 'month' AND period_start = '2026-11-01' AND manager_id = 14 AND metric = 'margin'"
    ) == [("month", NOV, SOL, "margin", M("37.35"), M("-100.00"), M("0.00"), M("62.25"), M("-60.00"), NULL, False)]
    # Tom's G: margin 30 − 9 = 21 of revenue 30 = 70.00 %, and so its run-rate (not 35.00 / 50.00 rounded
    # from 21 × 30 / 18 = 35 and 30 × 30 / 18 = 50, which happen to agree here; see the year below)
    assert pf(
        pub, "period_type = 'month' AND period_start = '2026-11-01' AND manager_id = 15 AND metric = 'margin_pct'"
    ) == [("month", NOV, TOM, "margin_pct", M("70.00"), NULL, NULL, M("70.00"), NULL, NULL, False)]


def test_plan_fact_complete_months_and_quarter(pub):
    # October is complete: its plan to date is its plan; 100 × 5800 / 6000 = 96.666 → 96.67
    # Ivo's September: 0 new partners of 2 planned → 0.00 %. His Q3 plan (2.00, September's alone) asks
    # nothing of July and August, when he brought A: no attainment of a part-period plan (was 50.00 %)
    assert pf(
        pub,
        "(period_type = 'month' AND period_start = '2026-10-01' AND manager_id IS NULL AND metric = 'turnover') "
        "OR (manager_id = 11 AND metric = 'new_partners' AND period_start <= '2026-09-01')",
    ) == expected(
        [
            (
                "month",
                OCT,
                NULL,
                "turnover",
                M("5800.00"),
                M("6000.00"),
                M("7000.00"),
                M("5800.00"),
                M("6000.00"),
                M("96.67"),
                True,
            ),
            ("month", AUG, IVO, "new_partners", M("1.00"), NULL, NULL, M("1.00"), NULL, NULL, True),
            ("month", SEP, IVO, "new_partners", M("0.00"), M("2.00"), M("3.00"), M("0.00"), M("2.00"), M("0.00"), True),
            ("quarter", Q3, IVO, "new_partners", M("1.00"), M("2.00"), M("3.00"), M("1.00"), M("2.00"), NULL, True),
            # and of 2026 (1 × 365 / 322 = 1.13): January to August had no plan
            ("year", Y26, IVO, "new_partners", M("1.00"), M("2.00"), M("3.00"), M("1.13"), M("2.00"), NULL, False),
        ]
    )


def test_plan_fact_running_quarter_and_year(pub):
    """Q4 (49 of 92 days) and 2026 (322 of 365): December's plan counts in the plan, not in the plan to date.
    Attainment to date compares like with like: only when every month so far has a plan."""
    got = pf(
        pub,
        "period_type IN ('quarter', 'year') AND period_start >= '2026-01-01' AND manager_id IS NULL "
        "AND period_start <> '2026-07-01'",
    )
    assert got == expected(
        [
            # Q4: 5800 + 1430 = 7230; plan 6000 + 3000 + 3000 = 12000 (7000 + 4000 + 3500 = 14500); run-rate
            # 7230 × 92 / 49 = 13574.69; to date 6000 (October whole) + 1800 (November's 18/30) = 7800;
            # 100 × 7230 / 7800 = 92.692 → 92.69
            (
                "quarter",
                Q4,
                NULL,
                "turnover",
                M("7230.00"),
                M("12000.00"),
                M("14500.00"),
                M("13574.69"),
                M("7800.00"),
                M("92.69"),
                False,
            ),
            # revenue 720.50 + 263.11 = 983.61; plan November's only (600.00, no optimistic): October had
            # none, so 983.61 against 360.00 (273.23 %) would set October's revenue against nothing
            ("quarter", Q4, NULL, "revenue", M("983.61"), M("600.00"), NULL, M("1846.78"), M("360.00"), NULL, False),
            ("quarter", Q4, NULL, "cost", M("309.00"), NULL, NULL, M("580.16"), NULL, NULL, False),  # 250 + 59
            ("quarter", Q4, NULL, "margin", M("674.61"), NULL, NULL, M("1266.61"), NULL, NULL, False),
            # 100 × 674.61 / 983.61 = 68.585 → 68.59 (run-rate: the same ratio)
            ("quarter", Q4, NULL, "margin_pct", M("68.59"), NULL, NULL, M("68.59"), NULL, NULL, False),
            ("quarter", Q4, NULL, "tickets", M("73.00"), NULL, NULL, M("137.06"), NULL, NULL, False),  # 58 + 15
            ("quarter", Q4, NULL, "new_partners", M("2.00"), NULL, NULL, M("3.76"), NULL, NULL, False),  # E, G
            # 2026: 3000 + 4050 + 3970 + 5800 + 1430 = 18250; × 365 / 322 = 20687.11; July–September had no
            # turnover plan: no attainment (was 233.97 %: five months' sales against two months' plan)
            (
                "year",
                Y26,
                NULL,
                "turnover",
                M("18250.00"),
                M("12000.00"),
                M("14500.00"),
                M("20687.11"),
                M("7800.00"),
                NULL,
                False,
            ),
            # 305 + 405.05 + 407.04 + 720.50 + 263.11 = 2100.70; × 365 / 322 = 2381.228 → 2381.23
            ("year", Y26, NULL, "revenue", M("2100.70"), M("600.00"), NULL, M("2381.23"), M("360.00"), NULL, False),
            # 150 + 191 + 182 + 250 + 59 = 832; × 365 / 322 = 943.105 → 943.11
            ("year", Y26, NULL, "cost", M("832.00"), NULL, NULL, M("943.11"), NULL, NULL, False),
            # 2100.70 − 832 = 1268.70; × 365 / 322 = 1438.123 → 1438.12
            ("year", Y26, NULL, "margin", M("1268.70"), NULL, NULL, M("1438.12"), NULL, NULL, False),
            ("year", Y26, NULL, "margin_pct", M("60.39"), NULL, NULL, M("60.39"), NULL, NULL, False),  # 60.394
            ("year", Y26, NULL, "tickets", M("184.00"), NULL, NULL, M("208.57"), NULL, NULL, False),
            ("year", Y26, NULL, "new_partners", M("6.00"), NULL, NULL, M("6.80"), NULL, NULL, False),  # 6.801
        ]
    )
    # Rui: Q4 revenue 260.30 + 159.99 = 420.29 against November's plan alone → no attainment (was 233.49);
    # his 2026 margin % is 100 × 420.38 / 590.38 = 71.204 → 71.20, and so is its run-rate (rounding the
    # run-rate margin 476.52 and revenue 669.22 first gave 71.21); Tom's 2026: 21 / 30 = 70.00 % (was 69.98
    # from 23.80 / 34.01)
    assert pf(
        pub,
        "period_type IN ('quarter', 'year') AND ((manager_id = 13 AND metric IN ('revenue', 'margin_pct')) "
        "OR (manager_id = 15 AND metric = 'margin_pct'))",
    ) == expected(
        [
            ("quarter", Q3, RUI, "margin_pct", M("64.14"), NULL, NULL, M("64.14"), NULL, NULL, True),  # 109.09 / 170.09
            ("quarter", Q3, RUI, "revenue", M("170.09"), NULL, NULL, M("170.09"), NULL, NULL, True),
            (
                "quarter",
                Q4,
                RUI,
                "margin_pct",
                M("74.07"),
                NULL,
                NULL,
                M("74.07"),
                NULL,
                NULL,
                False,
            ),  # 311.29 / 420.29
            (
                "quarter",
                Q4,
                RUI,
                "revenue",
                M("420.29"),
                M("300.00"),
                M("350.00"),
                M("789.12"),
                M("180.00"),
                NULL,
                False,
            ),
            ("year", Y26, RUI, "margin_pct", M("71.20"), NULL, NULL, M("71.20"), NULL, NULL, False),
            ("year", Y26, RUI, "revenue", M("590.38"), M("300.00"), M("350.00"), M("669.22"), M("180.00"), NULL, False),
            ("quarter", Q4, TOM, "margin_pct", M("70.00"), NULL, NULL, M("70.00"), NULL, NULL, False),
            ("year", Y26, TOM, "margin_pct", M("70.00"), NULL, NULL, M("70.00"), NULL, NULL, False),
        ]
    )


CH = (
    "report_weekly",
    "report_monthly_deals",
    "report_funnel",
    "report_new_partners",
    "report_cohorts",
    "report_sales_share",
    "report_declining_partners",
    "report_bonus_lines",
    "report_data_quality",
)


@pytest.mark.clickhouse
def test_the_same_on_clickhouse(built, pub):
    """chdb computes the hand-checked reports from the same rows with the same settings (plan-fact's
    non-forecast columns: tests/reports/test_engines.py on the golden and synthetic companies)."""
    params = BuildParams(
        as_of=sc.AS_OF, timezone=sc.ZONE, rules=built.reports, development_pipelines=(sc.DESENVOLVIMENTO,)
    )
    params = dated_for(params, sc.DATA)  # the zone's offsets from the data's first year, as the build writes them
    ch = chdb_reports(sc.DATA, params, only=CH)
    for name in CH:
        assert_same(name, pub.execute(f'SELECT * FROM "{name}"').to_arrow_table(), ch[name])
