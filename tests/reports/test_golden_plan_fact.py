"""Golden plan-fact rows of golden_company.py, worked out by hand (Moscow months; as_of 2025-01-15).

Company sales per month (Σ of every sale, refunds and unknown/no partner included):
  Sep 2024: P3 s12 99.00 / 0 / 0, 0 tickets
  Oct: P3 s8 30000 / 3000 / 900, 20 t
  Nov: P3 s9 15000/1500/450/10 + P1 s1 3000/300/90/2 = 18000 / 1800 / 540, 12 t
  Dec: P1 6000/600/180/4 + P3 6000.01/600/180/6 + P4 400/40/12/2 + P404 600/60/18/3 + P5 2000/200/60/4
       = 15000.01 / 1500.00 / 450.00, 19 t
  Jan 2025 (running, 15 of 31 days): P1 4500/455.55/100/3 + P2 1000/110.05/30/1 + s14 200/20/6/1
       + P5 500/50/15/1 = 6200.00 / 635.60 / 151.00, 6 t
New partners (first sale month): Oct P3, Nov P1, Dec P4 + P5, Jan P2.
"""

from __future__ import annotations

from decimal import Decimal as M

from tests.reports.conftest import d, expected, rows

NULL = None
COLS = "period_type, period_start, manager_id, metric, fact, plan_realistic, plan_optimistic, run_rate, is_complete"


def pf(published, where: str) -> list[tuple]:
    return rows(published, "report_plan_fact", COLS, where)


def test_company_december_complete(published):
    dec = d(2024, 12)
    assert pf(published, "period_type = 'month' AND period_start = '2024-12-01' AND manager_id IS NULL") == expected(
        [
            ("month", dec, NULL, "turnover", M("15000.01"), M("20000.00"), M("25000.00"), M("15000.01"), True),
            ("month", dec, NULL, "revenue", M("1500.00"), NULL, NULL, M("1500.00"), True),
            ("month", dec, NULL, "cost", M("450.00"), NULL, NULL, M("450.00"), True),
            ("month", dec, NULL, "margin", M("1050.00"), NULL, NULL, M("1050.00"), True),
            ("month", dec, NULL, "margin_pct", M("70.00"), NULL, NULL, M("70.00"), True),  # 100 × 1050 / 1500
            ("month", dec, NULL, "tickets", M("19.00"), NULL, NULL, M("19.00"), True),
            ("month", dec, NULL, "new_partners", M("2.00"), NULL, NULL, M("2.00"), True),  # P4, P5
        ]
    )


def test_company_january_running_run_rate(published):
    jan = d(2025, 1)
    # run_rate = fact × 31 / 15, rounded half away from zero
    assert pf(published, "period_type = 'month' AND period_start = '2025-01-01' AND manager_id IS NULL") == expected(
        [
            ("month", jan, NULL, "turnover", M("6200.00"), M("30000.00"), M("40000.00"), M("12813.33"), False),
            ("month", jan, NULL, "revenue", M("635.60"), M("3000.00"), M("4000.00"), M("1313.57"), False),
            ("month", jan, NULL, "cost", M("151.00"), NULL, NULL, M("312.07"), False),  # no cost plans exist
            # margin 635.60 − 151.00 = 484.60; forecast 484.60 × 31 / 15 = 1001.5067 → 1001.51
            ("month", jan, NULL, "margin", M("484.60"), M("2000.00"), M("3000.00"), M("1001.51"), False),
            # fact 100 × 484.60 / 635.60 = 76.243 → 76.24; plans 2000/3000 = 66.67, 3000/4000 = 75.00;
            # forecast 100 × 1001.51 / 1313.57 = 76.243 → 76.24
            ("month", jan, NULL, "margin_pct", M("76.24"), M("66.67"), M("75.00"), M("76.24"), False),
            ("month", jan, NULL, "tickets", M("6.00"), NULL, NULL, M("12.40"), False),  # 6 × 31 / 15 = 12.4
            ("month", jan, NULL, "new_partners", M("1.00"), NULL, NULL, M("2.07"), False),  # 31 / 15 = 2.0667
        ]
    )


def test_quarters_and_years(published):
    assert pf(published, "manager_id IS NULL AND metric = 'turnover' AND period_type <> 'month'") == expected(
        [
            ("quarter", d(2024, 7), NULL, "turnover", M("99.00"), NULL, NULL, M("99.00"), True),  # Sep only
            # Oct + Nov + Dec = 30000 + 18000 + 15000.01; plan: only December has one
            (
                "quarter",
                d(2024, 10),
                NULL,
                "turnover",
                M("63000.01"),
                M("20000.00"),
                M("25000.00"),
                M("63000.01"),
                True,
            ),
            # Q1 2025: plan = Jan 30000 + Feb 30000 (a future month still counts); forecast 6200 × 90 / 15
            ("quarter", d(2025, 1), NULL, "turnover", M("6200.00"), M("60000.00"), M("80000.00"), M("37200.00"), False),
            ("year", d(2024, 1), NULL, "turnover", M("63099.01"), M("20000.00"), M("25000.00"), M("63099.01"), True),
            # 6200 × 365 / 15 = 150866.667 → 150866.67
            ("year", d(2025, 1), NULL, "turnover", M("6200.00"), M("60000.00"), M("80000.00"), M("150866.67"), False),
        ]
    )
    assert pf(
        published,
        "period_type = 'year' AND period_start = '2024-01-01' AND manager_id IS NULL "
        "AND metric IN ('new_partners', 'margin_pct')",
    ) == expected(
        [
            # P3, P1, P4, P5; margin (0 + 2100 + 1260 + 1050) / revenue (0 + 3000 + 1800 + 1500) = 70.00
            ("year", d(2024, 1), NULL, "new_partners", M("4.00"), NULL, NULL, M("4.00"), True),
            ("year", d(2024, 1), NULL, "margin_pct", M("70.00"), NULL, NULL, M("70.00"), True),
        ]
    )


def test_margin_pct_null_without_revenue(published):
    # September: only P3's zero-ticket 99.00 turnover, revenue 0 → margin_pct NULL
    assert pf(
        published,
        "period_type = 'month' AND period_start = '2024-09-01' AND manager_id IS NULL AND metric = 'margin_pct'",
    ) == [("month", d(2024, 9), NULL, "margin_pct", NULL, NULL, NULL, NULL, True)]


def test_manager_rows(published):
    jan = d(2025, 1)
    # Vera (3) develops P1 and P5: 4500 + 500; plan 10000 / 12000; forecast 5000 × 31 / 15 = 10333.33
    assert pf(
        published, "manager_id = 3 AND period_type = 'month' AND period_start = '2025-01-01' AND metric = 'turnover'"
    ) == [("month", jan, 3, "turnover", M("5000.00"), M("10000.00"), M("12000.00"), M("10333.33"), False)]
    # Gleb (4) left, but P2's money is still his row (attribution does not depend on is_active)
    assert pf(
        published, "manager_id = 4 AND period_start = '2025-01-01' AND period_type = 'month' AND metric = 'turnover'"
    )[0][4] == M("1000.00")
    # new partners go to the acquiring deal's sales manager: Anna (P2 via 107) in January, Boris (P5) in December
    assert pf(
        published,
        "manager_id = 1 AND period_type = 'month' AND period_start = '2025-01-01' AND metric = 'new_partners'",
    ) == [("month", jan, 1, "new_partners", M("1.00"), M("2.00"), M("3.00"), M("2.07"), False)]
    assert pf(published, "manager_id = 2 AND period_type = 'month' AND metric = 'new_partners' AND fact <> 0") == [
        ("month", d(2024, 12), 2, "new_partners", M("1.00"), NULL, NULL, M("1.00"), True)
    ]
    # no manager owns P3, P4's sales are Vera's (P4 has her as development manager), unknown/no partner: none
    assert rows(published, "report_plan_fact", "DISTINCT manager_id") == expected([(NULL,), (1,), (2,), (3,), (4,)])


def test_periods_reported(published):
    # periods starting after as_of (February 2025) are not reported, though their plans count above
    assert rows(published, "report_plan_fact", "DISTINCT period_type, period_start", "manager_id IS NULL") == expected(
        [
            ("month", d(2024, 9)),
            ("month", d(2024, 10)),
            ("month", d(2024, 11)),
            ("month", d(2024, 12)),
            ("month", d(2025, 1)),
            ("quarter", d(2024, 7)),
            ("quarter", d(2024, 10)),
            ("quarter", d(2025, 1)),
            ("year", d(2024, 1)),
            ("year", d(2025, 1)),
        ]
    )


ATT = "metric, fact, plan_realistic, plan_to_date, run_rate, attainment_to_date_pct"


def test_running_month_attainment_to_date_and_forecast_attainment(published):
    """January 2025 runs (as_of the 15th of 31 days): fact to date against plan to date, the forecast
    against the whole month's plan. Plan to date = plan × 15 / 31, rounded to kopecks. (The run-rate is the
    naive projection; forecast attainment, against the product's forecast, is checked below.)"""
    got = rows(
        published,
        "report_plan_fact",
        ATT,
        "period_type = 'month' AND period_start = '2025-01-01' AND manager_id IS NULL",
    )
    assert got == expected(
        [
            # 30000 × 15 / 31 = 14516.129 → 14516.13; 100 × 6200 / 14516.13 = 42.711 → 42.71;
            # run-rate 6200 × 31 / 15 = 12813.33
            ("turnover", M("6200.00"), M("30000.00"), M("14516.13"), M("12813.33"), M("42.71")),
            # 3000 × 15 / 31 = 1451.61; 100 × 635.60 / 1451.61 = 43.786 → 43.79
            ("revenue", M("635.60"), M("3000.00"), M("1451.61"), M("1313.57"), M("43.79")),
            # 2000 × 15 / 31 = 967.74; 100 × 484.60 / 967.74 = 50.075 → 50.08
            ("margin", M("484.60"), M("2000.00"), M("967.74"), M("1001.51"), M("50.08")),
            # a ratio's plan to date is the ratio of the plans to date (967.74 / 1451.61 = 66.67 %); no attainment
            ("margin_pct", M("76.24"), M("66.67"), M("66.67"), M("76.24"), NULL),
            ("cost", M("151.00"), NULL, NULL, M("312.07"), NULL),  # no plan, no attainment
            ("tickets", M("6.00"), NULL, NULL, M("12.40"), NULL),
            ("new_partners", M("1.00"), NULL, NULL, M("2.07"), NULL),
        ]
    )
    # Vera (3): 10000 × 15 / 31 = 4838.71; 100 × 5000 / 4838.71 = 103.333 → 103.33; run-rate 5000 × 31 / 15
    assert rows(
        published,
        "report_plan_fact",
        ATT,
        "period_type = 'month' AND period_start = '2025-01-01' AND manager_id = 3 AND metric = 'turnover'",
    ) == [("turnover", M("5000.00"), M("10000.00"), M("4838.71"), M("10333.33"), M("103.33"))]


def test_forecast_attainment_is_the_forecast_against_the_whole_plan(published):
    got = rows(
        published,
        "report_plan_fact",
        "forecast, plan_realistic, forecast_attainment_pct",
        "plan_realistic IS NOT NULL AND plan_realistic <> 0 AND metric <> 'margin_pct' AND period_type = 'month'",
    )
    assert got
    for forecast, plan, att in got:
        assert att == (100 * forecast / plan).quantize(M("0.01"), rounding="ROUND_HALF_UP")
    # every quarter and year here has months without a plan (Q1 2025: January and February, not March; Q4
    # 2024: December only): the plan is of part of the period, and the whole forecast against it is none.
    # 14 such rows: the company's Q4 2024 and 2024 turnover (2), Q1 2025 and 2025 turnover, revenue, margin
    # and margin % (8); Vera's Q1 2025 and 2025 turnover (2); Anna's Q1 2025 and 2025 new partners (2)
    assert rows(
        published,
        "report_plan_fact",
        "count(*), count(forecast_attainment_pct), count(chance_realistic_pct)",
        "plan_realistic IS NOT NULL AND plan_realistic <> 0 AND period_type <> 'month'",
    ) == [(14, 0, 0)]


def test_running_quarter_and_year_plan_to_date_counts_only_elapsed_months(published):
    # Q1 2025: January pro rata (14516.13) + February not yet (0); the whole quarter's plan is 60000
    # run-rate 6200 × 90 / 15 = 37200; to date 42.71 as in January
    # year 2025: the same plan to date; run-rate 6200 × 365 / 15 = 150866.67
    # complete December 2024: plan to date = the plan 20000; 100 × 15000.01 / 20000 = 75.00005 → 75.00
    assert rows(
        published,
        "report_plan_fact",
        "period_type, period_start, " + ATT,
        "manager_id IS NULL AND metric = 'turnover' AND period_start >= '2024-12-01'",
    ) == expected(
        [
            ("month", d(2024, 12), "turnover", M("15000.01"), M("20000.00"), M("20000.00"), M("15000.01"), M("75.00")),
            ("month", d(2025, 1), "turnover", M("6200.00"), M("30000.00"), M("14516.13"), M("12813.33"), M("42.71")),
            ("quarter", d(2025, 1), "turnover", M("6200.00"), M("60000.00"), M("14516.13"), M("37200.00"), M("42.71")),
            ("year", d(2025, 1), "turnover", M("6200.00"), M("60000.00"), M("14516.13"), M("150866.67"), M("42.71")),
        ]
    )
