"""The blend of the seasonal model with the period's own pace, and the range from few periods, computed by
hand on small tables of backtest cases (backtest.blend_weights / blend / spread, plan.with_range)."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import ibis
import pytest

from salesglass.reports.base import BuildParams
from salesglass.reports.config import ReportsConfig
from salesglass.reports.forecast import backtest, plan

PARAMS = BuildParams(as_of=date(2025, 1, 28), timezone="UTC", rules=ReportsConfig(forecast={"min_cases": 2}))
DEFAULTS = BuildParams(as_of=date(2025, 1, 28), timezone="UTC", rules=ReportsConfig())
FLOWS = ("turnover", "revenue", "cost", "tickets", "new_partners")


def _case(as_of: int, pe: int, td: int, b: int, p: int, actual: int, n: int = 0, v: int = 0) -> dict:
    """One month case at point 2 (day 10 of 30: run-rate = 3 × to date), every metric alike; n = new deals,
    v = the events on sale."""
    row = dict(as_of=as_of, period_type="month", point=2, pe=pe, days_total=30, days_elapsed=10)
    for m in FLOWS:
        row |= {f"td_{m}": td, f"b_{m}": b, f"p_{m}": p, f"n_{m}": n, f"v_{m}": v, f"ac_{m}": actual}
    return row


def _rows(expr) -> list[dict]:
    return ibis.duckdb.connect().execute(expr).sort_values("as_of").to_dict("records")


def test_blend_weight_is_chosen_on_earlier_periods_only():
    cases = ibis.memtable(
        [
            # ended on day 40: actual 300; model 100 + 200 + 30 = 330 (+10 %), run-rate 3 × 100 = 300 (0 %)
            _case(31, 40, td=100, b=200, p=30, actual=300),
            # ended on day 70: actual 300; model 110 + 150 + 10 = 270 (−10 %), run-rate 3 × 110 = 330 (+10 %)
            _case(61, 70, td=110, b=150, p=10, actual=300),
            # ended more than a year (365 days) before every later day: too old to choose a weight (model +100 %)
            _case(-450, -400, td=100, b=500, p=0, actual=300),
            # day 50 sees only the first case (one case < min_cases 2): no evidence, half and half
            _case(50, 80, td=100, b=150, p=10, actual=0),
            # day 91 sees both
            _case(91, 100, td=100, b=150, p=10, actual=0),
        ]
    )
    w = {r["as_of"]: r["w"] for r in _rows(backtest.blend_weights(cases, PARAMS))}
    # Σ ef² = .01 + .01 = .02, Σ er² = 0 + .01 = .01, Σ ef·er = 0 − .01 = −.01
    # w = (Σ er² − Σ ef·er) / (Σ ef² + Σ er² − 2 Σ ef·er) = .02 / .05 = 0.4
    assert w[91] == pytest.approx(0.4)
    assert w[50] == 0.5 and w[31] == 0.5  # nothing recent enough had ended before day 31

    blended = {r["as_of"]: r for r in _rows(backtest.blend(cases, backtest.blend_weights(cases, PARAMS), "td_{}"))}
    day91 = blended[91]
    # rest = 0.4 × (150 + 10) + 0.6 × (300 − 100) = 64 + 120 = 184; base = rest − pipeline = 174
    assert day91["b_turnover"] == 174 and day91["b_tickets"] == 174
    assert day91["bm_turnover"] == 150  # the model's own base is kept
    assert day91["p_turnover"] == 10  # the pipeline is not touched
    assert day91["b_new_partners"] == 150  # new partners are not blended
    # w = 0.5: rest = 0.5 × (150 + 10) + 0.5 × (300 − 100) = 180; base = 180 − 10 = 170
    assert blended[50]["b_turnover"] == 170


def test_blend_keeps_the_new_deals_part_and_takes_it_out_of_the_base():
    # one case, no evidence (w = 0.5): rest = 0.5 × (150 + 10 + 40) + 0.5 × (300 − 100) = 100 + 100 = 200;
    # the pipeline (10) and the deals not created yet (40) stay, the base is what is left: 150
    cases = ibis.memtable([_case(50, 80, td=100, b=150, p=10, n=40, actual=0)])
    (row,) = _rows(backtest.blend(cases, backtest.blend_weights(cases, PARAMS), "td_{}"))
    assert row["b_turnover"] == 150 and row["n_turnover"] == 40 and row["p_turnover"] == 10
    assert row["b_turnover"] + row["p_turnover"] + row["n_turnover"] == 200


def test_blend_keeps_the_events_part_and_takes_it_out_of_the_base():
    # one case, no evidence (w = 0.5): rest = 0.5 × (90 + 10 + 40 + 60) + 0.5 × (300 − 100) = 100 + 100 = 200;
    # the pipeline (10), the new deals (40) and the events on sale (60) stay, the base is what is left: 90
    cases = ibis.memtable([_case(50, 80, td=100, b=90, p=10, n=40, v=60, actual=0)])
    (row,) = _rows(backtest.blend(cases, backtest.blend_weights(cases, PARAMS), "td_{}"))
    assert (row["b_turnover"], row["p_turnover"], row["n_turnover"], row["v_turnover"]) == (90, 10, 40, 60)


def test_a_slow_pace_takes_the_events_part_down_before_the_base_goes_below_zero():
    """A manager whose month started slowly (10 to date on day 10 of 30) while the events on sale promise
    120: the blend kept the events part and took the rest out of the base, which read −40 — a head of sales
    saw a negative base beside the events part. The base stops at 0 and the events part gives the rest."""
    # no evidence (w = 0.5); run-rate rest = 3 × 10 − 10 = 20
    # as_of 50: model rest 20 + 10 + 120 = 150; rest = 0.5 × 150 + 0.5 × 20 = 85; existing = 85 − 10 = 75 < 120
    # as_of 51: model rest 100 + 10 + 30 = 140; rest = 0.5 × 140 + 0.5 × 20 = 80; existing = 70 ≥ 30: base 40
    cases = ibis.memtable(
        [_case(50, 80, td=10, b=20, p=10, v=120, actual=0), _case(51, 80, td=10, b=100, p=10, v=30, actual=0)]
    )
    rows = {r["as_of"]: r for r in _rows(backtest.blend(cases, backtest.blend_weights(cases, PARAMS), "td_{}"))}
    assert (rows[50]["b_turnover"], rows[50]["p_turnover"], rows[50]["v_turnover"]) == (0, 10, 75)
    assert (rows[51]["b_turnover"], rows[51]["p_turnover"], rows[51]["v_turnover"]) == (40, 10, 30)


def test_a_quarter_that_takes_its_months_rest_keeps_its_base_at_zero_or_more():
    """In the last month of a quarter the quarter takes its month's rest (nest_running); a quarter whose own
    pipeline is larger than the month's then had a base below zero (55 − 20 − 50 = −15)."""
    rows = [_period("month", 0, 5, 0, v=50), _period("quarter", 100, 20, 0, v=50)]  # rests 55 and 170
    december = {"month": date(2025, 12, 31), "quarter": date(2025, 12, 31), "year": date(2025, 12, 31)}
    got = ibis.duckdb.connect().execute(plan.nest_running(ibis.memtable(rows), december)).to_dict("records")
    quarter = next(r for r in got if r["period_type"] == "quarter")
    # the month's rest 55 − the quarter's pipeline 20 = 35 for the existing partners: below the events' 50
    assert (quarter["b_turnover"], quarter["p_turnover"], quarter["v_turnover"]) == (0, 20, 35)


def test_a_fact_to_date_of_zero_or_below_is_no_pace_to_blend_with():
    # refunds larger than the sales so far: −100 to date on day 10 of 30, the model expects 150 + 10 more.
    # The run-rate would expect 3 × −100 − (−100) = −200 more (refunds every day left), and half and half
    # gave a rest of 0.5 × 160 + 0.5 × −200 = −20; a negative fact is no pace, so the rest is the model's
    cases = ibis.memtable(
        [
            _case(50, 80, td=-100, b=150, p=10, actual=0),
            _case(51, 80, td=100, b=150, p=10, actual=0),
            _case(52, 80, td=0, b=150, p=10, actual=0),
        ]
    )
    rows = {r["as_of"]: r for r in _rows(backtest.blend(cases, backtest.blend_weights(cases, PARAMS), "td_{}"))}
    assert rows[50]["b_turnover"] == 150 and rows[50]["b_tickets"] == 150
    # nothing sold yet (the morning of the 1st): the run-rate would expect 0 more, half and half 80; the
    # model's rest is all there is
    assert rows[52]["b_turnover"] == 150
    # a positive fact keeps the blend (w = 0.5): 0.5 × 160 + 0.5 × (300 − 100) = 180, base 170
    assert rows[51]["b_turnover"] == 170


def test_range_from_few_periods_is_a_t_prediction_interval():
    # four periods, one ratio each: mean 1, sample sd √((.01 + 0 + .01 + 0) / 3) = .08165
    j = ibis.memtable({"g": ["a"] * 4, "period": ["p1", "p2", "p3", "p4"], "rho": [0.9, 1.0, 1.1, 1.0]})
    (r,) = _rows(backtest.spread(j, ["g"], "rho", "period", PARAMS).mutate(as_of=1))
    # t(0.9, 3 df) = 1.638 (table); half-width = 1.638 × .08165 × √(1 + 1/4) = .1495
    half = 1.638 * math.sqrt(0.02 / 3) * math.sqrt(1.25)
    assert r["hi_"] == pytest.approx(1 + half, abs=0.002)
    assert r["lo_"] == pytest.approx(1 - half, abs=0.002)
    assert r["n_"] == 4


def test_the_range_goes_below_the_fact_to_date_only_where_a_past_case_did():
    # four periods with ρ 0, 0, 0, 3 (an account closed in summer: three times nothing came after the day,
    # once three times what was expected): mean .75, sd √((3 × .75² + 2.25²) / 3) = 1.5; the interval's
    # low end .75 − 1.638 × 1.5 × √1.25 = −2.0 would expect the rest to be negative, which no case was: 0
    j = ibis.memtable({"g": ["a"] * 4, "period": ["p1", "p2", "p3", "p4"], "rho": [0.0, 0.0, 0.0, 3.0]})
    (r,) = _rows(backtest.spread(j, ["g"], "rho", "period", PARAMS).mutate(as_of=1))
    half = 1.638 * 1.5 * math.sqrt(1.25)
    assert r["lo_"] == 0 and r["hi_"] == pytest.approx(0.75 + half, rel=0.01)  # t: within 1 % of the table
    # one case went below 0 (ρ −.5: refunds): the interval's low end stays, .625 − 1.638 × .75 × √1.25
    j = ibis.memtable({"g": ["a"] * 4, "period": ["p1", "p2", "p3", "p4"], "rho": [-0.5, 1.0, 1.0, 1.0]})
    (r,) = _rows(backtest.spread(j, ["g"], "rho", "period", PARAMS).mutate(as_of=1))
    assert r["lo_"] == pytest.approx(0.625 - 1.638 * 0.75 * math.sqrt(1.25), abs=0.02)


def test_no_range_from_fewer_than_three_periods():
    # two years' worth of cases are two experiences: no range rather than a falsely narrow one
    j = ibis.memtable({"g": ["a"] * 6, "period": ["y1"] * 3 + ["y2"] * 3, "rho": [0.9, 1.0, 1.1, 0.95, 1.0, 1.05]})
    (r,) = _rows(backtest.spread(j, ["g"], "rho", "period", PARAMS).mutate(as_of=1))
    assert r["lo_"] is None or math.isnan(r["lo_"])
    assert r["hi_"] is None or math.isnan(r["hi_"])


def test_range_from_many_periods_is_the_empirical_p10_p90():
    # twelve periods with ratios .1 … 1.2: P10 at position 11 × .1 = 1.1 → .2 + .1 × .1 = .21; P90 at 9.9 → 1.09
    j = ibis.memtable({"g": ["a"] * 12, "period": [f"p{i}" for i in range(12)], "rho": [i / 10 for i in range(1, 13)]})
    (r,) = _rows(backtest.spread(j, ["g"], "rho", "period", PARAMS).mutate(as_of=1))
    assert r["lo_"] == pytest.approx(0.21) and r["hi_"] == pytest.approx(1.09)


def _bt_case(period_type: str, start: date, rho: float) -> dict:
    """A backtest case at point 1: 100.00 to date, the forecast expected 100.00 more, ρ × 100.00 came."""
    return dict(
        period_type=period_type,
        period_start=start,
        metric="turnover",
        point=1,
        to_date=Decimal("100.00"),
        forecast=Decimal("200.00"),
        actual=Decimal("100.00") + Decimal(str(rho)) * 100,
    )


def _running(period_type: str, real: int, opt: int, whole: bool = True) -> dict:
    """A running period at point 1 in hundredths: 100.00 to date, forecast 200.00; whole: every month of the
    period has a plan."""
    return dict(
        period_type=period_type,
        period_start=date(2025, 1, 1),
        mkey=-1,
        metric="turnover",
        point=1,
        running=True,
        fact=10000,
        fc=20000,
        real=real,
        opt=opt,
        whole=whole,
    )


def test_range_holds_the_forecast_and_no_chances_without_a_range():
    # twelve months whose forecast ran low every time: ρ = 1.10, 1.12 … 1.32; two quarters (ρ = 1)
    months = [_bt_case("month", date(2024, m, 1), 1.10 + 0.02 * (m - 1)) for m in range(1, 13)]
    quarters = [_bt_case("quarter", date(2024, q, 1), 1.0) for q in (1, 4) for _ in range(4)]
    canon = SimpleNamespace(forecast_backtest=ibis.memtable(months + quarters))
    x = ibis.memtable([_running("month", real=21500, opt=23000), _running("quarter", real=15000, opt=15000)])
    got = {
        r["period_type"]: r
        for r in ibis.duckdb.connect().execute(plan.with_range(x, canon, DEFAULTS)).to_dict("records")
    }
    month = got["month"]
    # P10 of ρ at position 11 × .1 = 1.1: 1.12 + .1 × .02 = 1.122 → 100 + 112.2 = 212.20, above the forecast
    # (200.00): the range is widened down to the forecast; P90 at 9.9: 1.28 + .9 × .02 = 1.298 → 229.80
    assert (month["lo"], month["fc"], month["hi"]) == (20000, 20000, 22980)
    # the realistic plan 215.00 needs ρ ≥ 1.15: 1.16 … 1.32, 9 of 12; the optimistic 230.00: 1.30, 1.32
    assert month["chance_real"] == pytest.approx(75.0)
    assert month["chance_opt"] == pytest.approx(100 * 2 / 12)
    quarter = got["quarter"]
    # eight cases, but from two quarters only: no range, and no chance either (it would say 100 %)
    assert quarter["lo"] is None or math.isnan(quarter["lo"])
    assert quarter["chance_real"] is None or math.isnan(quarter["chance_real"])


def test_no_chance_of_a_plan_that_leaves_months_out():
    # the months of test_range_holds_the_forecast…: 75 % of reaching 215.00 — but where the plan holds only
    # some of the period's months, beating it says nothing (a year's forecast against its first quarter's
    # plan had "100 %"): no chance
    months = [_bt_case("month", date(2024, m, 1), 1.10 + 0.02 * (m - 1)) for m in range(1, 13)]
    canon = SimpleNamespace(forecast_backtest=ibis.memtable(months))
    x = ibis.memtable([_running("month", real=21500, opt=23000, whole=False)])
    (row,) = ibis.duckdb.connect().execute(plan.with_range(x, canon, DEFAULTS)).to_dict("records")
    assert (row["lo"], row["hi"]) == (20000, 22980)  # the range stays
    assert row["chance_real"] is None or math.isnan(row["chance_real"])
    assert row["chance_opt"] is None or math.isnan(row["chance_opt"])


def test_docs_quote_the_blend_and_stop_rules_the_code_uses():
    """docs/forecast.md quoted blend weights the code no longer had: the fixed parts of the rules it explains
    (the weight without evidence, the cases that make evidence, the year the weights are learnt from, the
    stopped-partner defaults) must be the code's."""
    from pathlib import Path

    from salesglass.reports.forecast import existing

    doc = " ".join((Path(__file__).parents[2] / "docs" / "forecast.md").read_text(encoding="utf-8").split())
    rules = ReportsConfig().forecast
    assert f"*w* = {backtest.NO_EVIDENCE}" in doc
    assert f"fewer than `min_cases` = {rules.min_cases} cases" in doc
    assert f"half and half until {rules.min_cases} such periods exist" in doc
    assert backtest.BLEND_DAYS == 365 and "learnt from the periods that ended in the last year" in doc
    assert f"more than `stop_days` ({rules.stop_days}) days and more than `stop_gaps` ({rules.stop_gaps})" in doc
    assert existing.STOP_MIN_SOLD_DAYS * 2 == existing.PRIOR_END and "at least half of its last 112 days" in doc


def _period(ptype: str, b: int, p: int, n: int, running: bool = True, mkey: int = -1, v: int = 0) -> dict:
    row = dict(period_type=ptype, mkey=mkey, running=running)
    for m in backtest.BLENDED:
        row |= {f"b_{m}": b, f"p_{m}": p, f"n_{m}": n, f"v_{m}": v}
    return row


def _rests(rows: list[dict], ends: dict[str, date]) -> dict[tuple, int]:
    got = ibis.duckdb.connect().execute(plan.nest_running(ibis.memtable(rows), ends)).to_dict("records")
    for r in got:  # every blended metric moves alike, and the parts still add up: only the base moved
        assert {r[f"b_{m}"] for m in backtest.BLENDED} == {r["b_turnover"]}
    return {
        (r["period_type"], r["running"], r["mkey"]): r["b_turnover"]
        + r["p_turnover"]
        + r["n_turnover"]
        + r["v_turnover"]
        for r in got
    }


def test_the_running_month_quarter_and_year_agree():
    """Each period type is blended with its own weights: a quarter expected 75 after as_of while its own
    month expected 110 of the same days — the months after would have to sell −35."""
    rows = [
        _period("month", 60, 10, 0, v=40),  # rest 110 (40 of it the events on sale)
        _period("quarter", 10, 20, 5, v=40),  # rest 75: below its own month's 110 → 110 (base 45)
        _period("year", 460, 30, 5, v=40),  # rest 535: more than the quarter's, stays
        _period("quarter", 7, 0, 0, running=False),  # a past quarter: untouched
        _period("quarter", 1, 0, 0, mkey=3),  # Vera's quarter, no month row of hers: untouched
    ]
    january = {"month": date(2025, 1, 31), "quarter": date(2025, 3, 31), "year": date(2025, 12, 31)}
    got = _rests(rows, january)
    assert got == {
        ("month", True, -1): 110,
        ("quarter", True, -1): 110,
        ("year", True, -1): 535,
        ("quarter", False, -1): 7,
        ("quarter", True, 3): 1,
    }
    # as of a day of December the month, the fourth quarter and the year have the same days left: one rest,
    # the month's (the year's 535 had counted on more than the quarter's own days could hold)
    december = {"month": date(2025, 12, 31), "quarter": date(2025, 12, 31), "year": date(2025, 12, 31)}
    got = _rests(rows, december)
    assert got[("quarter", True, -1)] == got[("year", True, -1)] == 110
