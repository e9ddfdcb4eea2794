"""The forecast's events on sale (reports/forecast/events.py) on a tiny company, computed by hand.

Partner A (Vera's, development manager 3) sells 50.00 every day of 2025 without an event, and one event a
month: put on sale on the 1st, its show on the 20th (19:00 Moscow), 100.00 a day on days 1–10 and 200.00 a
day on days 11–20 (one ticket per sale, revenue a tenth). Built as of Sunday 8 June 2025: June's event has
sold 8 days × 100.00 = 800.00 and has 12 days to its show. A second June event, "E6b", went on sale on
7 June (100.00 on the 7th and on the 8th) for a show on 28 June: it has just begun to sell.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.reports import forecast_company as fc
from tests.reports.golden_company import _partner
from tests.reports.test_forecast import build

AS_OF = date(2025, 6, 8)
U = (AS_OF - date(1970, 1, 1)).days


def _sale(sid: str, d: date, amount: str, event: str | None) -> dict:
    return {**fc._sale(sid, "A", d, fc.Decimal(amount)), "event_id": event}


def _company(with_events: bool) -> dict:
    sales, events = [], []
    for d in fc._days(date(2025, 1, 1), AS_OF):
        sales.append(_sale(f"A{d}", d, "50.00", None))
        if d.day <= 20:
            sales.append(_sale(f"E{d}", d, "100.00" if d.day <= 10 else "200.00", f"E{d.month}"))
    sales += [_sale(f"F{d}", d, "100.00", "E6b") for d in (date(2025, 6, 7), AS_OF)]
    events.append(
        dict(
            event_id="E6b",
            partner_id="A",
            name="Late show",
            show_at=datetime(2025, 6, 28, 16, tzinfo=UTC),
            created_at=datetime(2025, 6, 7, 9, tzinfo=UTC),
        )
    )
    for month in range(1, 7):
        events.append(
            dict(
                event_id=f"E{month}",
                partner_id="A",
                name=f"Show {month}",
                show_at=datetime(2025, month, 20, 16, tzinfo=UTC),
                created_at=datetime(2025, month, 1, 9, tzinfo=UTC),
            )
        )
    return {
        **fc.SEASONAL,
        "partners": [_partner("A", "Alpha", "organizer", 3)],
        "plans": [],
        "sales": sales,
        "events": events if with_events else [],
    }


@pytest.fixture(scope="module")
def with_events():
    return build(_company(True), as_of=AS_OF)


def _running(con, period: str, col: str, mkey: int = -1) -> int:
    got = con.execute(
        f"SELECT {col} FROM forecast_running WHERE period_type = ? AND mkey = ?", [period, mkey]
    ).fetchone()
    return got[0]


def _base(con, period: str, metric: str = "turnover", mkey: int = -1) -> float:
    got = con.execute(
        f"SELECT {metric} FROM forecast_base WHERE as_of = ? AND period_type = ? AND mkey = ?", [U, period, mkey]
    ).fetchone()
    return got[0]


def test_an_event_on_sale_is_expected_at_its_development_factor(with_events):
    # June's event: lead 19 days (first sale 1 June → show 20 June), 12 days to its show on 8 June; the rest
    # of June (22 days) holds its show, so the factor is of all it will still sell. Learnt from January–May's
    # events (shown before 1 June), each of which by k days before its show had sold 100 × (20 − k) (k ≥ 10)
    # and sold 3 000 − that after; pooled over k = 12 ± 2:
    #   after: 2 000 + 2 100 + 2 200 + 2 300 + 2 400 = 11 000; by then: 1 000 + 900 + 800 + 700 + 600 = 4 000
    #   f = 11 000 / 4 000 = 2.75
    # June's event: 800.00 so far × 2.75 = 2 200.00 (no refunds: the account keeps all it sells).
    # E6b: lead 21 (7 → 28 June, the same bin, 15–21 days), 20 days to its show, pooled over 20 ± 4, i.e.
    # 16 … 24: the past events (lead 19) count at 16–19 only (at 20 and more days before the show they had
    # not begun to sell), by then 400, 300, 200, 100 and after it 2 600, 2 700, 2 800, 2 900:
    #   f = 11 000 / 1 000 = 11; 200.00 so far × 11 = 2 200.00
    assert _running(with_events, "month", "v_turnover") == 440_000  # kopecks: 2 200.00 + 2 200.00
    assert _running(with_events, "month", "v_revenue") == 44_000  # 80.00 × 2.75 + 20.00 × 11
    assert _running(with_events, "month", "v_tickets") == 4_400  # 8 × 2.75 + 2 × 11 tickets, in hundredths
    # the manager's row gets its partner's events; the quarter and year the same rest of June
    assert _running(with_events, "month", "v_turnover", mkey=3) == 440_000
    assert _running(with_events, "quarter", "v_turnover") == 440_000
    assert _running(with_events, "year", "v_turnover") == 440_000


def test_the_base_gives_up_what_the_events_on_sale_sold_nothing_is_counted_twice(with_events):
    # the company's rest of June by what is not yet on sale, at the account's recent pace: over the months
    # of the last year whose 56 days up to their 8th lie within the history (March, April, May; January's
    # and February's begin before 1 January), what the events then on sale did not sell after the 8th —
    # the 50.00 a day: 50 × (23 + 22 + 23) = 3 400 (the month's event's days 9–20, 2 200, are the events')
    # — ÷ the account's sales of those 56 days:
    #   to 8 March (12 Jan – 8 Mar): 56 × 50 + Jan 12–20 9 × 200 + Feb 3 000 + Mar 1–8 800 = 8 400
    #   to 8 April (12 Feb – 8 Apr): 2 800 + 1 800 + 3 000 + 800 = 8 400
    #   to 8 May (14 Mar – 8 May): 2 800 + Mar 14–20 7 × 200 + 3 000 + 800 = 8 000      (Σ 24 800)
    # × the same 56 days to 8 June (14 Apr – 8 Jun): 2 800 + 1 400 + 3 000 + 800 + E6b 200 = 8 200
    #   3 400 / 24 800 × 8 200 = 1 124.19 (no refunds: all kept)
    month = _base(with_events, "month")  # the model's base of the rest of June (kopecks, float)
    rest = 340_000 / 2_480_000 * 820_000  # kopecks
    assert _running(with_events, "month", "b_turnover") == round(rest)
    # the quarter and the year lose the same: only the running month's rest is the events' (later months:
    # the base's, as before)
    for period in ("quarter", "year"):
        assert _running(with_events, period, "b_turnover") == round(_base(with_events, period) - month + rest)
    # a manager's keeps the share of a month's rest after its 8th that the events then on sale did NOT
    # sell, January–May:
    #   the events' days 9–20: 2 × 100 + 10 × 200 = 2 200 a month, 5 months: 11 000
    #   the 50.00 a day after the 8th: 23 + 20 + 23 + 22 + 23 = 111 days = 5 550
    #   q = 5 550 / (11 000 + 5 550) = 5 550 / 16 550
    q = 5550 / 16550
    assert _running(with_events, "month", "b_turnover", mkey=3) == round(_base(with_events, "month", mkey=3) * q)


def test_plan_fact_shows_the_events_part_and_the_parts_add_up(with_events):
    got = with_events.execute(
        "SELECT fact, forecast, forecast_base, forecast_pipeline, forecast_new_deals, forecast_events "
        "FROM report_plan_fact WHERE period_type = 'month' AND period_start = DATE '2025-06-01' "
        "AND manager_id IS NULL AND metric = 'turnover'"
    ).fetchone()
    fact, forecast, base, pipe, new, events = (float(v) for v in got)
    assert events == 4400.00
    assert fact == 8 * 50 + 800 + 200  # 1 400.00
    assert forecast == pytest.approx(fact + base + pipe + new + events)


@pytest.mark.clickhouse
def test_the_events_part_is_the_same_on_clickhouse(with_events):
    """forecast_events, its factors and plan-fact on ClickHouse (chdb) against the DuckDB build above."""
    from salesglass.reports.base import BuildParams
    from salesglass.reports.config import ReportsConfig
    from tests.reports.canon_io import chdb_reports, dated
    from tests.reports.compare import assert_same
    from tests.reports.test_forecast import RULES

    params = dated(BuildParams(as_of=AS_OF, timezone=fc.TIMEZONE, rules=ReportsConfig(forecast=RULES)), with_events)
    names = ("forecast_events", "report_plan_fact")
    ch = chdb_reports(_company(True), params, only=names)
    for name in names:
        duck = with_events.execute(f"SELECT * FROM {name}").to_arrow_table()
        assert duck.num_rows > 0
        assert_same(name, duck, ch[name])


def _index_company() -> dict:
    """Two shows of one partner, each on sale for four days (first sale → show, lead 3 days), sold as if
    February sold twice what January and March do: "T1" 100, 100 (30, 31 January), 200, 200 (1, 2 February,
    its show); "T2" 200, 200, 200 (26, 27, 28 February), 100 (1 March, its show)."""
    days = {
        "T1": [(date(2025, 1, 30), "100.00"), (date(2025, 1, 31), "100.00"), (date(2025, 2, 1), "200.00")],
        "T2": [(date(2025, 2, 26), "200.00"), (date(2025, 2, 27), "200.00"), (date(2025, 2, 28), "200.00")],
    }
    days["T1"].append((date(2025, 2, 2), "200.00"))
    days["T2"].append((date(2025, 3, 1), "100.00"))
    sales = [_sale(f"{e}{d}", d, amount, e) for e, rows in days.items() for d, amount in rows]
    shows = {"T1": datetime(2025, 2, 2, 16, tzinfo=UTC), "T2": datetime(2025, 3, 1, 16, tzinfo=UTC)}
    events = [dict(event_id=e, partner_id="A", name=e, show_at=t, created_at=None) for e, t in shows.items()]
    return {
        **fc.SEASONAL,
        "partners": [_partner("A", "Alpha", "organizer", 3)],
        "plans": [],
        "sales": sales,
        "events": events,
    }


def test_the_month_index_is_fitted_within_events():
    """forecast_event_index as of 1 April 2025, one pass of the fit (index_sweeps = 1), by hand.
    Cells (event, days to show k, month, sales); days since the start (3 − k) group the cells as k does:
      T1: k 3 Jan 100, k 2 Jan 100, k 1 Feb 200, k 0 Feb 200;  T2: k 3 Feb 200, k 2 Feb 200, k 1 Feb 200, k 0 Mar 100
    fitted = 1 everywhere, then each factor × Σ sales ÷ Σ fitted over its cells:
      event: T1 600 / 4 = 150, T2 700 / 4 = 175 (the fitted values of their cells);
      days to show (both lead 3): k 3, 2, 0: 300 / 325 = 12/13; k 1: 400 / 325 = 16/13;
        T1's cells 150 × (12, 12, 16, 12) / 13, T2's 175 × (12, 12, 16, 12) / 13;
      days since the start: every group already sums to its sales (× 1);
      month: Jan 200 / (3 600 / 13) = 13/18; Feb 1 000 / (11 200 / 13) = 65/56; Mar 100 / (2 100 / 13) = 13/21;
    ÷ their mean 13 × (1/18 + 5/56 + 1/21) / 3 = 13 × 97 / 1 512: Jan 84/97, Feb 135/97, Mar 72/97; other
    months (not seen) 1. February leans up although each event, whole, sells alike in every month."""
    from dataclasses import replace

    import duckdb
    import ibis

    from salesglass.reports.base import BuildParams
    from salesglass.reports.build import canon_of
    from salesglass.reports.config import ReportsConfig
    from salesglass.reports.derive import STEPS, as_of
    from salesglass.warehouse import init_canonical
    from tests.reports.canon_io import dated, load_duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    init_canonical(con)
    load_duckdb(con, _index_company())
    backend = ibis.duckdb.from_connection(con)
    rules = ReportsConfig(forecast={"backtest_months": 3, "index_sweeps": 1})
    params = dated(BuildParams(as_of=date(2025, 4, 8), timezone=fc.TIMEZONE, rules=rules), con)
    canon = as_of.visible(canon_of(backend), params)
    for name, step in STEPS:  # the steps up to the index and the ladder only
        canon = replace(canon, **{name: backend.create_table(name, step(canon, params), overwrite=True)})
        if name == "forecast_ladder":
            break
    lo = (date(2025, 4, 1) - date(1970, 1, 1)).days
    got = dict(con.execute("SELECT moy, m FROM forecast_event_index WHERE lo = ?", [lo]).fetchall())
    want = {1: 84 / 97, 2: 135 / 97, 3: 72 / 97} | {m: 1.0 for m in range(4, 13)}
    assert got == pytest.approx(want, rel=1e-12)
    # the ladder learns from T1's and T2's sales ÷ these (100 / (84/97) = 115.476…): its running sums are
    # kept in whole kopecks, so that a factor, a difference of two of them, is exactly 0 where nothing sold
    # (float sums left 1e-9 on one engine and 0 on another: a factor read from nothing)
    n, fractional = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE pn <> floor(pn) OR pd <> floor(pd)) FROM forecast_ladder WHERE lo = ?",
        [lo],
    ).fetchone()
    assert n > 0 and fractional == 0
