"""The forecast's parts on the two tiny companies of forecast_company.py, computed by hand.

Day weights are weekday index × month index (seasonality.py); the base is a partner's level (sales per
unit of weight over its last 56 days) × the weights of the days left (existing.py); the pipeline is the
chance of each open deal selling in a week × the cohort curve (pipeline.py).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import duckdb
import ibis
import pytest

from salesglass.reports.base import BuildParams, nullable
from salesglass.reports.build import canon_of, report_exprs
from salesglass.reports.config import ReportsConfig
from salesglass.warehouse import init_canonical
from tests.reports import forecast_company as fc
from tests.reports.canon_io import dated, load_duckdb
from tests.reports.golden_company import _deal, _partner, _st

pytestmark = pytest.mark.slow  # about 140 s of CPU in all: handed out first (tests/conftest.py)

U = (fc.AS_OF - date(1970, 1, 1)).days
RULES = {"backtest_months": 3}
READ = ("report_forecast_backtest", "report_forecast_accuracy", "report_plan_fact")  # the reports read here


def build(data: dict, development: tuple[int, ...] = (), as_of: date = fc.AS_OF, **rules) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    init_canonical(con)
    load_duckdb(con, data)
    backend = ibis.duckdb.from_connection(con)
    params = BuildParams(
        as_of=as_of,
        timezone=fc.TIMEZONE,
        rules=ReportsConfig(forecast={**RULES, **rules}),
        development_pipelines=development,
    )
    params = dated(params, con)  # the zone's offsets from the data's first year, as the build writes them
    from salesglass.reports.registry import DERIVED

    def keep(name: str, e: ibis.Table) -> ibis.Table:
        """Built as the build builds it: each derived helper and the reports read here (the other reports
        are left unbuilt, a fifth of a build's time)."""
        if name in DERIVED or name in READ:
            return backend.create_table(name, nullable(e), overwrite=True)
        return e

    report_exprs(canon_of(backend), params, keep=keep)
    return con


@pytest.fixture(scope="module")
def pipeline() -> duckdb.DuckDBPyConnection:
    # deals are followed for 28 days after a stage (the default half year would not have ended yet); the
    # pace of new deals is taken from the last 28 days
    return build(fc.PIPELINE, pipeline_horizon_days=28, new_deals_days=28)


def weight(con, day: date) -> float:
    n = (day - date(1970, 1, 1)).days
    return con.execute("SELECT wt FROM forecast_weights WHERE as_of = ? AND day = ?", [U, n]).fetchone()[0]


def part(con, table: str, period: str, metric: str = "turnover", mkey: int = -1) -> float:
    return con.execute(
        f"SELECT {metric} FROM {table} WHERE as_of = ? AND period_type = ? AND mkey = ?", [U, period, mkey]
    ).fetchone()[0]


def test_weekday_index(base_con):
    # with weekday_days = 28 only January 2025 counts, and the company sells 88 × g: the index is g itself
    con = base_con
    # Wed 29 Jan: g 1.2 × f(Jan) 0.8; Mon 3 Feb: 1.0 × 0.9; Sat 1 Mar: 0.5 × 1.0; Fri 14 Mar: 1.6 × 1.0
    assert weight(con, date(2025, 1, 29)) == pytest.approx(0.96)
    assert weight(con, date(2025, 2, 3)) == pytest.approx(0.9)
    assert weight(con, date(2025, 3, 1)) == pytest.approx(0.5)
    assert weight(con, date(2025, 3, 14)) == pytest.approx(1.6)


def test_month_index(base_con):
    # complete months Feb 2023 … Dec 2024 (January 2023, the first, is left out); the centred 12-month
    # means exist for Aug 2023 … Jul 2024, one of each month of year, and each is 150 × mean(f) = 150:
    # the month index is f. On a Monday the weekday index is 1.
    mondays = {
        2: date(2025, 2, 3),
        3: date(2025, 3, 3),
        5: date(2025, 5, 5),
        7: date(2025, 7, 7),
        11: date(2025, 11, 3),
        12: date(2025, 12, 1),
    }
    for month, day in mondays.items():
        assert weight(base_con, day) == pytest.approx(float(fc.F[month]))


def with_28_day_weekdays(**rules) -> duckdb.DuckDBPyConnection:
    return build(fc.SEASONAL, weekday_days=28, **rules)


def with_28_day_weekdays_of(data: dict) -> duckdb.DuckDBPyConnection:
    return build(data, weekday_days=28)


@pytest.fixture(scope="module")
def base_con():
    return with_28_day_weekdays()


def test_without_events_the_base_is_as_before(base_con):
    # an empty events table (every company here): no event's sales, no factor, no events part and no cut of
    # the base (reports/forecast/events.py; test_forecast_events.py has a company with events)
    for table in ("forecast_event_days", "forecast_event_cells", "forecast_ladder", "forecast_events"):
        assert base_con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    got = base_con.execute("SELECT count(*), count(*) FILTER (WHERE v_turnover <> 0) FROM forecast_running")
    assert got.fetchone()[1] == 0
    month = base_con.execute(
        "SELECT turnover FROM forecast_base WHERE as_of = ? AND period_type = 'month' AND mkey = -1", [U]
    ).fetchone()[0]
    running = base_con.execute("SELECT b_turnover FROM forecast_running WHERE period_type = 'month' AND mkey = -1")
    assert running.fetchone()[0] == round(month)  # kopecks: the model's base, nothing cut
    events = base_con.execute(
        "SELECT sum(abs(forecast_events)), count(forecast_events), count(*) FROM report_plan_fact "
        "WHERE metric <> 'margin_pct'"
    ).fetchone()
    assert events[0] == 0 and events[1] == events[2] > 0


def test_base_of_a_steady_partner(base_con):
    # A's last 56 days (4 Dec … 28 Jan): Dec 4–31 = 28 days × 120 = 3360, Jan 1–28 = 80 × Σg(4 weeks) = 2240;
    # their weights: 4 weeks × 1.2 = 33.6 plus 4 weeks × 0.8 = 22.4 → level 5600 / 56 = 100 a weight unit.
    # Month: Jan 29, 30, 31 = Wed, Thu, Fri → 0.8 × (1.2 + 1.2 + 1.6) = 3.2 → 320.00.
    # Quarter: + February (4 weeks × 0.9 = 25.2) + March (4 weeks + Sat, Sun, Mon = 28 + 2.0 = 30.0) = 58.4.
    # B is not declining at the default 90 %: its level (0.5 × 3360 + 0.1 × 2240) / 56 = 34.
    # (the parts are in kopecks)
    assert part(base_con, "forecast_base", "month") == pytest.approx((100 * 3.2 + 34 * 3.2) * 100)  # 428.80
    assert part(base_con, "forecast_base", "quarter") == pytest.approx((100 * 58.4 + 34 * 58.4) * 100)
    # both partners are Vera's (development manager 3)
    assert part(base_con, "forecast_base", "month", mkey=3) == pytest.approx(134 * 3.2 * 100)


def test_young_partner_level_starts_at_its_first_sale_and_a_stopped_partner_expects_nothing():
    # N's first sale with tickets is on Wed 15 Jan: its level counts 15–28 Jan only (two whole weeks:
    # 10 × Σg = 140 over weights 0.8 × 14 = 11.2 → 12.5 a unit), not the 50.00 fee of 20 December.
    # S sold every day up to 7 January and nothing since: its level over the last 56 days would be
    # (28 × 24 in December + 16 × Σg = 112 on 1–7 January) / 56 = 14 a unit (+44.80 in the month), and it is
    # not declining (its last 28 days, 112 / 22.4 = 5, are 75 % below the 84 before, not 90 %). But its usual
    # gap between selling days is 1 (91 selling days from 9 October, 112 days back, to 7 January), and it
    # has been silent 21 days: more than 4 gaps and, with stop_days = 14 here (the default 21 would wait a day
    # longer), more than 14 days — it stopped, nothing more is expected.
    # (The fee, N's and S's sales keep the weekday index at g and leave the Jan–Mar month indexes alone:
    # A and B are as in test_base_of_a_steady_partner.)
    con = build(fc.YOUNG, weekday_days=28, stop_days=14)
    assert part(con, "forecast_base", "month") == pytest.approx((100 + 34 + 12.5) * 3.2 * 100)
    assert part(con, "forecast_base", "quarter") == pytest.approx((100 + 34 + 12.5) * 58.4 * 100)


def test_a_partner_launched_today_is_not_expected_to_repeat_its_launch_every_day():
    # L's first sale is on as_of (Tue 28 Jan): 2464.00 in one day, as much as the company's whole January
    # so far. The weekday index (last 28 days: 88 × g every day, + 2464 on one Tuesday) becomes
    # Tue 7 × (352 + 2464) / (2464 + 2464) = 4, other days 28 × 88 × g / 4928 = 0.5 × g: a week still weighs
    # 7, so A's and B's levels stay 100 and 34. L's sales are spread over at least 14 days (15–28 Jan,
    # weights 0.8 × 14 = 11.2): level 2464 / 11.2 = 220, not 2464 / (0.8 × 4) = 770 from its single day.
    # Month: Jan 29–31 (Wed, Thu, Fri) weigh 0.8 × 0.5 × (1.2 + 1.2 + 1.6) = 1.6.
    data = {
        **fc.SEASONAL,
        "partners": [*fc.SEASONAL["partners"], _partner("L", "Launch", "organizer", 3)],
        "sales": [*fc.SEASONAL["sales"], fc._sale("L-launch", "L", fc.AS_OF, Decimal("2464.00"))],
    }
    con = with_28_day_weekdays_of(data)
    assert weight(con, date(2025, 1, 28)) == pytest.approx(0.8 * 4)
    assert part(con, "forecast_base", "month") == pytest.approx((100 + 34 + 220) * 1.6 * 100)  # 566.40, not 1446.40


def test_partner_in_decline():
    # B's last 28 days: 8 × Σg = 224 over weights 22.4 → 10 a unit. Its 84 days before (Oct 9 … Dec 31):
    # 50 × (23 × 1.1 + 30 × 1.2 + 31 × 1.2) = 4925 over weights 1.1 × 23.4 + 1.2 × 30.1 + 1.2 × 30.5 = 98.46
    # (Σg of Oct 9–31 = 3 weeks + Wed + Thu, Nov = 4 weeks + Fri + Sat, Dec = 4 weeks + Sun + Mon + Tue)
    # → 50.02; 10 is 80 % below: declining at 30 %, so B is forecast from its last 28 days.
    con = with_28_day_weekdays(decline_pct="30")
    assert part(con, "forecast_base", "month") == pytest.approx((100 * 3.2 + 10 * 3.2) * 100)  # 352.00
    assert part(con, "forecast_base", "quarter") == pytest.approx((100 * 58.4 + 10 * 58.4) * 100)
    # …and if declines are taken to go on: × the mean of r^(h/28) over the h = 1 … H days left
    con = with_28_day_weekdays(decline_pct="30", decline_keeps_falling=True)
    r = 10 / (4925 / 98.46)
    q = r ** (1 / 28)
    assert part(con, "forecast_base", "month") == pytest.approx((320 + 32 * (q + q**2 + q**3) / 3) * 100)
    quarter_days = 62  # Jan 29 … Mar 31
    keep = sum(q**h for h in range(1, quarter_days + 1)) / quarter_days
    assert part(con, "forecast_base", "quarter") == pytest.approx((5840 + 584 * keep) * 100)


def test_pipeline_weights_and_cohort_curve(pipeline):
    # conversion from `proposal` (organizers, 10 deals): week 1 after the stage 4/10, week 2 1/10.
    # D reached proposal on 21 Jan: as of 28 Jan it is in week 1 (28 Jan … 3 Feb), whose first day is gone
    # without a sale. Of week 1's 0.4, 1/7 is gone with that day: what is left of D's chances is
    # 1 − 0.4/7 = 6.6/7, its chance in the rest of week 1 0.4 × 6/7 ÷ 6.6/7 = 4/11 (counted on 21 Jan + 7 + 3
    # = 31 Jan: inside January), in week 2 0.1 ÷ 6.6/7 = 7/66 (7 Feb: inside the quarter). (The whole of
    # week 1, 0.4, counted as still to come ran the month's new partners 10–14 % high late in the month.)
    week1, week2 = 4 / 11, 7 / 66
    assert part(pipeline, "forecast_pipeline", "month", "new_partners") == pytest.approx(week1)
    assert part(pipeline, "forecast_pipeline", "quarter", "new_partners") == pytest.approx(week1 + week2)
    assert part(pipeline, "forecast_pipeline", "month", "new_partners", mkey=1) == pytest.approx(week1)
    # cohort curve (organizers): C1 sells 490 a week, C2 980 in its first week only; mean cumulative
    # after 1 week 735, after 8 weeks (490 × 8 + 980) / 2 = 2450, after 9 weeks (490 × 9 + 980) / 2 = 2695.
    # January: 1 day left after 31 Jan → the first week's curve: 4/11 × 735 (×100 kopecks).
    assert part(pipeline, "forecast_pipeline", "month") == pytest.approx(week1 * 735 * 100)
    # quarter: 31 Jan → 60 days to 31 Mar → 9 weeks; 7 Feb → 53 days → 8 weeks
    assert part(pipeline, "forecast_pipeline", "quarter") == pytest.approx((week1 * 2695 + week2 * 2450) * 100)
    # the money of a partner not yet selling goes to no manager's row
    assert part(pipeline, "forecast_pipeline", "month", mkey=1) == 0


def _curve(weeks: int) -> float:
    """The organizers' cohort curve (test above): mean of C1 (490 a week) and C2 (980 in its first week)
    after `weeks` weeks, while both are followed that long (up to 11 weeks here)."""
    return (490 * weeks + 980) / 2


def test_deals_not_created_yet(pipeline):
    # Pace: in the last 28 days (1–28 Jan) one deal that may bring a new partner was created (D, 14 Jan;
    # E is a development deal of C1, which sells already): 1/28 of a deal a day, every day after as_of.
    # Conversion from creation (`lead`), organizers: the ten September deals were created on 1 Sep and
    # four sold 9 days later (week 1), one 16 days later (week 2): 0.4 and 0.1 (D is too recent to count).
    # A deal created on day c selling in week j is counted on day c + 7j + 3 (the middle of that week),
    # then sells the cohort curve for the days left to the period end, in weeks rounded (7–13 days = 1).
    rate, weeks = 1 / 28, {1: 0.4, 2: 0.1}

    def expected(last_day: date) -> tuple[float, float]:
        partners = money = 0.0
        c = fc.AS_OF + timedelta(days=1)
        while c <= last_day:
            for j, share in weeks.items():
                sale = c + timedelta(days=7 * j + 3)
                if sale <= last_day:
                    partners += rate * share
                    days_left = (last_day - sale).days + 1
                    money += rate * share * _curve(max(round(days_left / 7), 1))
            c += timedelta(days=1)
        return partners, money

    # January: created 29–31 Jan, the earliest first sale is 10 days later, in February: nothing
    assert expected(date(2025, 1, 31)) == (0, 0)
    assert not pipeline.execute(
        "SELECT count(*) FROM forecast_new_deals WHERE as_of = ? AND period_type = 'month' AND new_partners > 0", [U]
    ).fetchone()[0]
    # quarter: week-1 sales for deals created 29 Jan … 21 Mar (52 days), week-2 for 29 Jan … 14 Mar (45):
    # (0.4 × 52 + 0.1 × 45) / 28 = 0.904 new partners
    partners, money = expected(date(2025, 3, 31))
    assert partners == pytest.approx((0.4 * 52 + 0.1 * 45) / 28)
    assert part(pipeline, "forecast_new_deals", "quarter", "new_partners") == pytest.approx(partners)
    # the money: 10 days of the first week's curve (735) and 7 days of each later week's, for each week j:
    # (0.4 × (10 × 735 + 7 × (980 + 1225 + 1470 + 1715 + 1960 + 2205))
    #  + 0.1 × (10 × 735 + 7 × (980 + 1225 + 1470 + 1715 + 1960))) / 28 = 1270.50 (in kopecks × 100)
    assert money == pytest.approx(35574 / 28)
    assert part(pipeline, "forecast_new_deals", "quarter") == pytest.approx(money * 100)
    # year: (0.4 × 327 + 0.1 × 320) / 28 new partners (deals created up to 21 / 14 December)
    assert part(pipeline, "forecast_new_deals", "year", "new_partners") == pytest.approx((0.4 * 327 + 0.1 * 320) / 28)
    # who will sell to them is not known: the company row only
    assert not pipeline.execute("SELECT count(*) FROM forecast_new_deals WHERE mkey <> -1").fetchone()[0]
    # in plan-fact the part is its own column, and the forecast still adds up its parts
    got = pipeline.execute(
        "SELECT fact, forecast_base, forecast_pipeline, forecast_new_deals, forecast FROM report_plan_fact "
        "WHERE period_type = 'quarter' AND period_start = DATE '2025-01-01' AND manager_id IS NULL "
        "AND metric = 'new_partners'"
    ).fetchone()
    fact, base, pipe, new, total = (float(v) for v in got)
    assert new == pytest.approx(round(partners, 2)) and base == 0
    assert total == pytest.approx(fact + pipe + new)


def test_no_deals_not_created_yet_when_switched_off():
    con = build(fc.PIPELINE, pipeline_horizon_days=28, new_deals_days=0)
    assert not con.execute("SELECT count(*) FROM forecast_new_deals").fetchone()[0]
    got = con.execute(
        "SELECT forecast_new_deals FROM report_plan_fact WHERE period_type = 'year' "
        "AND period_start = DATE '2025-01-01' AND manager_id IS NULL AND metric = 'new_partners'"
    ).fetchone()
    assert float(got[0]) == 0


def test_plan_fact_forecast_is_fact_plus_parts(base_con):
    got = base_con.execute(
        "SELECT fact, run_rate, forecast, forecast_base, forecast_pipeline FROM report_plan_fact "
        "WHERE period_type = 'month' AND period_start = DATE '2025-01-01' AND manager_id IS NULL "
        "AND metric = 'turnover'"
    ).fetchone()
    fact = 88 * 28  # A 2240 + B 224
    run_rate = fact * 31 / 28  # 2728
    # the model's base is 428.80 (test_base_of_a_steady_partner, test_partner_in_decline); with fewer than
    # min_cases backtest cases there is no evidence for the model or the run-rate: half and half
    base = 0.5 * 428.80 + 0.5 * (run_rate - fact)  # 214.40 + 132 = 346.40
    assert [float(v) for v in got] == pytest.approx([fact, run_rate, fact + base, base, 0])


def test_no_attainment_and_no_chance_of_a_plan_of_zero_or_below(base_con):
    """January's margin plan is a planned loss (−100.00, optimistic 0.00), Vera's margin plan 0.00: a
    percentage of them reads backwards (246.40 against −100 × 28 / 31 was "−272.8 %"), so attainment and the
    chance of those plans are undefined; the turnover plan (3100.00) keeps both."""
    rows = base_con.execute(
        "SELECT coalesce(manager_id, -1), metric, plan_to_date, attainment_to_date_pct, forecast_attainment_pct, "
        "chance_realistic_pct, chance_optimistic_pct FROM report_plan_fact WHERE period_type = 'month' "
        "AND period_start = DATE '2025-01-01' AND metric IN ('turnover', 'margin')"
    ).fetchall()
    got = {(r[0], r[1]): r[2:] for r in rows}
    # turnover: plan to date 3100 × 28 / 31 = 2800.00; fact 2464 → 88.00 %; forecast 2810.40 / 3100 → 90.66 %
    to_date, attained, heading, chance_real, chance_opt = got[(-1, "turnover")]
    assert (float(to_date), float(attained), float(heading)) == (2800.0, 88.0, 90.66)
    assert chance_real is not None and chance_opt is not None  # the month has a range: odds exist
    # margin: a planned loss — its plan to date is shown (−90.32), no percentage of it, no chance of it
    to_date, *undefined = got[(-1, "margin")]
    assert float(to_date) == -90.32
    assert undefined == [None, None, None, None]
    assert got[(3, "margin")][1:3] == (None, None)  # Vera's plan of 0.00: no division by zero either


def test_no_forecast_attainment_of_a_plan_that_leaves_months_out(base_con):
    """Only January 2025 has a turnover plan (3100.00): the quarter's and the year's plans are that month's,
    and their whole forecasts against it read 200 … 800 % — the plan of one month, not of the period. The
    month keeps its attainment (test above), the quarter and the year have none, nor any chance of it."""
    rows = base_con.execute(
        "SELECT period_type, plan_realistic, plan_to_date, attainment_to_date_pct, forecast_attainment_pct, "
        "chance_realistic_pct, chance_optimistic_pct FROM report_plan_fact WHERE manager_id IS NULL "
        "AND metric = 'turnover' AND period_start = DATE '2025-01-01'"
    ).fetchall()
    got = {r[0]: r[1:] for r in rows}
    assert float(got["month"][3]) == 90.66
    for period in ("quarter", "year"):
        real, _to_date, attained, heading, *chances = got[period]
        assert float(real) == 3100  # the plan is still shown…
        assert float(attained) == 88.0  # …and the fact to date against January's plan to date (2800.00)
        assert heading is None and chances == [None, None]


def test_backtest_cases_see_only_their_past(base_con):
    # a backtest day's to-date fact is the sum up to that day; its actual the whole period
    got = base_con.execute(
        "SELECT to_date, actual FROM report_forecast_backtest WHERE as_of = DATE '2024-12-08' "
        "AND period_type = 'month' AND metric = 'turnover'"
    ).fetchone()
    assert [float(v) for v in got] == [8 * 150 * 1.2, 31 * 150 * 1.2]
    assert not math.isnan(float(got[0]))


def _moved_today() -> dict:
    """The pipeline company plus deals whose fate is sealed on as_of itself, as a webhook would report it:
    F (created 20 Dec, proposal 10 Jan) lost on 28 Jan, G (created 2 Jan) won on 28 Jan."""
    data = {k: list(v) for k, v in fc.PIPELINE.items()}
    today = fc.at9(fc.AS_OF)
    data["deals"] += [
        _deal(310, 1, None, "organizer", fc.at9(date(2024, 12, 20)), lost=today),
        _deal(311, 1, None, "organizer", fc.at9(date(2025, 1, 2)), won=today),
    ]
    data["deal_stages"] += [
        _st(310, "lead", fc.at9(date(2024, 12, 20)), "created"),
        _st(310, "proposal", fc.at9(date(2025, 1, 10))),
        _st(311, "lead", fc.at9(date(2025, 1, 2)), "created"),
        _st(311, "first_sale", today),
    ]
    return data


def test_backtest_days_apart_give_what_one_query_over_every_day_gives():
    # forecast_past computes the backtest days from forecast_deal_history, where what happened on as_of
    # (F lost, G won) is not there yet; the pipeline and the new deals of every day must be exactly what
    # the deals themselves give when all days are computed in one query (as before the split)
    from salesglass.reports import derive
    from salesglass.reports.forecast import pipeline as pl
    from salesglass.reports.forecast.days import all_origins, periods

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    init_canonical(con)
    load_duckdb(con, _moved_today())
    backend = ibis.duckdb.from_connection(con)
    rules = ReportsConfig(forecast={**RULES, "pipeline_horizon_days": 28, "new_deals_days": 28})
    params = BuildParams(as_of=fc.AS_OF, timezone=fc.TIMEZONE, rules=rules)
    params = dated(params, con)
    canon = derive.derive(
        canon_of(backend), params, lambda name, e: backend.create_table(f"d_{name}", nullable(e), overwrite=True)
    )
    o = all_origins(canon, params)
    cols = ["as_of", "period_type", "mkey", "turnover", "new_partners"]

    def rows(expr) -> list[tuple]:
        return sorted(
            tuple(round(v, 6) if isinstance(v, float) else v for v in r)
            for r in con.execute(ibis.to_sql(expr.select(*cols), dialect="duckdb")).fetchall()
        )

    split = rows(canon.forecast_pipeline)
    assert len({r[0] for r in split}) >= 2  # the build's day and at least one backtest day
    assert split == rows(pl.remainder(canon, params, o, periods(o)))
    assert rows(canon.forecast_new_deals) == rows(pl.future(canon, params, o, periods(o)))
    # on the backtest day 22 Jan, F and G are open deals (lost and won only on 28 Jan)
    day = (date(2025, 1, 22) - date(1970, 1, 1)).days
    history = con.execute(
        "SELECT DISTINCT deal_id FROM d_forecast_deal_history WHERE lost_dn IS NULL AND sold_dn IS NULL"
    ).fetchall()
    assert {(310,), (311,)} <= set(history)
    assert any(r[0] == day and r[4] > 0 for r in split)


def test_a_deal_of_unknown_kind_counts_once_in_the_pooled_conversion():
    # The pipeline company plus two deals of unknown client kind that reached `proposal` on 3 September and
    # never sold, and open deal F of unknown kind at `proposal` since 21 January (created 20 December).
    # Unknown kinds have 2 deals (< 10): F takes the pooled table, 10 organizer + 2 unknown deals = 12,
    # of which 4 sold in week 1: 4/12 = 1/3 (with 13 or 14 if the unknown ones were counted twice). As for D
    # (test_pipeline_weights_and_cohort_curve), the first day of week 1 is gone: F's chance on 31 January is
    # 1/3 × 6/7 ÷ (1 − 1/3 × 1/7) = 2/7 ÷ 20/21 = 0.3. D's own organizer table is unchanged: 4/11.
    data = {k: list(v) for k, v in fc.PIPELINE.items()}
    proposal = fc.at9(date(2024, 9, 3))
    for deal_id in (320, 321):
        data["deals"].append(_deal(deal_id, 1, None, None, proposal - timedelta(days=2)))
        data["deal_stages"] += [
            _st(deal_id, "lead", proposal - timedelta(days=2), "created"),
            _st(deal_id, "proposal", proposal),
        ]
    data["deals"].append(_deal(322, 1, None, None, fc.at9(date(2024, 12, 20))))
    data["deal_stages"] += [
        _st(322, "lead", fc.at9(date(2024, 12, 20)), "created"),
        _st(322, "proposal", fc.at9(date(2025, 1, 21))),
    ]
    con = build(data, pipeline_horizon_days=28, new_deals_days=0)
    assert part(con, "forecast_pipeline", "month", "new_partners") == pytest.approx(4 / 11 + 0.3)
    # F's partner sells the pooled cohort curve (no partner of unknown kind has sold): 735 in its first week
    assert part(con, "forecast_pipeline", "month") == pytest.approx((4 / 11 + 0.3) * 735 * 100)


DEV = 2  # the development pipeline (every other deal is in pipeline 1)


def _with_development_deals() -> dict:
    """The pipeline company plus deals of development pipeline 2, none linked to a partner (a development
    deal whose partner is not linked yet: the forecast cannot see that the partner already sells): ten
    organizer deals created on 1 September that reached `proposal` on 3 September, two of them won
    ("first sale") a week later; and open deal G (organizer, sales manager 2), created on 14 January and at
    `proposal` since 21 January, as D."""
    data = {k: list(v) for k, v in fc.PIPELINE.items()}
    proposal = fc.at9(date(2024, 9, 3))
    for i in range(10):
        deal_id = 400 + i
        won = proposal + timedelta(days=7) if i < 2 else None
        data["deals"].append({**_deal(deal_id, 2, None, "organizer", proposal - timedelta(days=2)), "pipeline_id": DEV})
        data["deal_stages"] += [
            _st(deal_id, "lead", proposal - timedelta(days=2), "created"),
            _st(deal_id, "proposal", proposal),
            *([_st(deal_id, "first_sale", won)] if won else []),
        ]
    created = fc.at9(date(2025, 1, 14))
    data["deals"].append({**_deal(410, 2, None, "organizer", created), "pipeline_id": DEV})
    data["deal_stages"] += [_st(410, "lead", created, "created"), _st(410, "proposal", fc.at9(date(2025, 1, 21)))]
    return data


def deal_parts(
    data: dict, development: tuple[int, ...], upto: str = "forecast_new_deals", **rules
) -> duckdb.DuckDBPyConnection:
    """The derived tables up to the forecast's deal parts (forecast_pipeline, forecast_new_deals; or up to
    `upto`), as the build makes them, without the reports after them (a third of a build's time)."""
    from salesglass.reports.derive import STEPS, as_of

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    init_canonical(con)
    load_duckdb(con, data)
    backend = ibis.duckdb.from_connection(con)
    rules = ReportsConfig(forecast={**RULES, **rules})
    params = BuildParams(as_of=fc.AS_OF, timezone=fc.TIMEZONE, rules=rules, development_pipelines=development)
    params = dated(params, con)
    canon = as_of.visible(canon_of(backend), params)
    for name, step in STEPS[: [n for n, _ in STEPS].index(upto) + 1]:
        canon = replace(canon, **{name: backend.create_table(name, nullable(step(canon, params)), overwrite=True)})
    return con


def test_development_deals_bring_no_new_partner(pipeline):
    # Without the setting (the spec's default) they would be deals like any other: conversion from
    # `proposal`, organizers, 20 deals: week 1 (4 + 2)/20 = 0.3, week 2 1/20; D and G as of 28 Jan (one day
    # of week 1 gone) each 0.3 × 6/7 ÷ (1 − 0.3/7) = 18/67 this month, 36/67 in all; new deals 2/28 a day.
    # Pipeline 2 named a development pipeline: G is no open deal, the ten are no history and G no pace:
    # exactly the pipeline company's numbers (4/11 this month, 0.904 new deals this quarter), on the
    # build's day and on every backtest day, and nothing for G's sales manager
    con = deal_parts(_with_development_deals(), (DEV,), pipeline_horizon_days=28, new_deals_days=28)
    assert part(con, "forecast_pipeline", "month", "new_partners") == pytest.approx(4 / 11)
    assert part(con, "forecast_new_deals", "quarter", "new_partners") == pytest.approx((0.4 * 52 + 0.1 * 45) / 28)
    assert not con.execute("SELECT count(*) FROM forecast_pipeline WHERE mkey = 2").fetchone()[0]
    for table in ("forecast_pipeline", "forecast_new_deals"):
        q = f"SELECT * EXCLUDE (mkey), mkey FROM {table} ORDER BY ALL"
        assert con.execute(q).fetchall() == pipeline.execute(q).fetchall()


def test_last_year_needs_the_history_a_year_and_a_quarter_back(base_con):
    # "last year" = to date + the rest of the same month a year ago × growth (the last 91 days against the
    # same 91 days a year before). The seasonal company sells the same every year: on 8 Dec 2024, 8 days ×
    # 180 = 1440 to date + 9–31 Dec 2023, 23 × 180 = 4140, × growth 1 = 5580, the actual month
    got = base_con.execute(
        "SELECT last_year, actual FROM report_forecast_backtest WHERE as_of = DATE '2024-12-08' "
        "AND period_type = 'month' AND metric = 'turnover'"
    ).fetchone()
    assert [float(v) for v in got] == [5580, 5580]
    # a company selling 100.00 every day since 1 October 2023: on 8 December 2024 the 91 days a year back
    # (9 Sep … 8 Dec 2023) hold only 69 days of its history, so the growth would read 9100 / 6900 = 1.32×
    # ("last year" 800 + 2300 × 1.32 = 3833.33 against an actual of 3100.00): it is not known at all
    steady = {
        **fc.SEASONAL,
        "partners": fc.SEASONAL["partners"][:1],
        "sales": [fc._sale(f"S{d}", "A", d, Decimal("100.00")) for d in fc._days(date(2023, 10, 1), fc.AS_OF)],
    }
    con = build(steady)
    got = con.execute(
        "SELECT count(*), count(last_year), min(actual) FROM report_forecast_backtest "
        "WHERE as_of = DATE '2024-12-08' AND period_type = 'month' AND metric = 'turnover'"
    ).fetchone()
    assert got == (1, 0, 3100)
    # no case of the backtest has the history a year and 91 days back (8 Jan 2025 would need 9 Oct 2023 …)
    # except those from 8 January 2025 on, whose months are not over: no "last year" error is published
    mape = con.execute(
        "SELECT count(*) FROM report_forecast_accuracy WHERE method = 'last_year' AND mape_pct IS NOT NULL "
        "AND period_type = 'month'"
    ).fetchone()
    assert mape == (0,)


def test_a_refund_larger_than_the_month_so_far_is_no_pace_of_refunds():
    """A steady partner sells 100.00 every day since 2023; on Sunday 5 January 2025 a show is cancelled and
    5 000.00 refunded (50 days' sales): January to date is 28 × 100 − 5 000 = −2 200.00. The refund is in the
    fact, but it is no pace: before, the partner read as "declining" (its last 28 days −2 200) at −78.57 a
    day and every Sunday weighed 0.04 of a day — the year's base was −27 132 ₽ for an account selling
    36 500 ₽ a year. Now the level is read from the sales alone and refunds are expected at the account's
    rate of its last 52 weeks (test_forecast_closed.py). (The run-rate's share of the blend, which expected
    refunds every day left too: test_forecast_blend.py.)"""
    sales = [fc._sale(f"A{d}", "A", d, Decimal("100.00")) for d in fc._days(date(2023, 1, 1), fc.AS_OF)]
    sales.append({**fc._sale("A-refund", "A", date(2025, 1, 5), Decimal("-5000.00")), "tickets": -50})
    data = {**fc.SEASONAL, "partners": fc.SEASONAL["partners"][:1], "plans": [], "sales": sales}
    con = deal_parts(data, (), upto="forecast_base")
    # weekday and month indexes read the sales without the refunds: 100 every day, every index 1 (a Sunday
    # weighed 0.04 when the refund counted)
    assert weight(con, date(2025, 2, 2)) == pytest.approx(1)
    # level: the last 56 days sold 56 × 100 over weights 56 → 100, × what the account kept of its sales
    # over its last 52 weeks (30 Jan 2024 … 28 Jan 2025): 1 − 5 000 / 36 400 = 314 / 364
    level = 100 * 314 / 364  # 86.26
    assert part(con, "forecast_base", "month") == pytest.approx(level * 3 * 100)  # Wed 29 … Fri 31 Jan
    # the year: 29 January … 31 December 2025, 337 days
    assert part(con, "forecast_base", "year") == pytest.approx(level * 337 * 100)


def test_the_running_month_has_a_row_before_its_first_sale():
    """As of Sunday 2 February 2025: partner A (Vera's, manager 3) sells 100.00 every day since 1 June 2024,
    partner G (Gleb's, manager 4) 700.00 every Monday. Gleb has no plan and no February sale yet (his first
    is tomorrow): his February had no row at all, so no forecast — nor had the company's running month on
    the morning of any 1st (and then its forecast, blended with a run-rate of 0 × 28, read half the month)."""
    sales = [fc._sale(f"A{d}", "A", d, Decimal("100.00")) for d in fc._days(date(2024, 6, 1), date(2025, 2, 2))]
    sales += [
        fc._sale(f"G{d}", "G", d, Decimal("700.00"))
        for d in fc._days(date(2024, 6, 3), date(2025, 2, 2))
        if d.weekday() == 0
    ]
    partners = [_partner("A", "Alpha", "organizer", 3), _partner("G", "Gamma", "organizer", 4)]
    data = {**fc.SEASONAL, "partners": partners, "plans": [], "sales": sales}
    con = build(data, as_of=date(2025, 2, 2), weekday_days=28)
    rows = con.execute(
        "SELECT coalesce(manager_id, -1), fact, forecast, forecast_base FROM report_plan_fact "
        "WHERE period_type = 'month' AND period_start = DATE '2025-02-01' AND metric = 'turnover'"
    ).fetchall()
    got = {r[0]: [float(v) for v in r[1:]] for r in rows}
    # the weekday index over the last 28 days (6 Jan … 2 Feb): a day sells 200 on average, a Monday 800
    # (index 4), any other day 100 (0.5); the month index is 1 (less than a year of history). G's level:
    # 8 Mondays × 700 over its last 56 days (8 whole weeks, weighing 56) = 100 a unit; 3 … 28 February
    # weigh 4 Mondays × 4 + 22 days × 0.5 = 27 → 2 700.00. With nothing sold yet, there is no pace to blend
    # with: the model's rest is the forecast.
    assert got[4] == [0, 2700, 2700]
    # the company row holds it too (A is in it with its 2 days of February and its own blend)
    assert got[-1][0] == 200 and got[-1][2] > 2700
