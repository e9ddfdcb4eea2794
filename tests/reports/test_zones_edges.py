"""Every report with a period, on a tiny company whose events sit on calendar edges in zones that break
naive code (tests/reports/zone_company.py: the wall times and where each must count are written there).

The expected rows below are read off those wall times by hand and are the same in every zone: a sale at
23:59 on 31 December is December's in Kiritimati (+14, 09:59 UTC the same day) and in Pago Pago (−11,
10:59 UTC the next day) alike. The reports run on DuckDB as the build runs them (derived helpers
materialised); a ClickHouse comparison (chdb, a server whose own zone is another one) follows.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import duckdb
import ibis
import pyarrow as pa
import pytest

from salesglass.model.schema import CANONICAL, Kind
from salesglass.reports import bonus_lines, cohorts, declining, funnel, monthly_deals, new_partners, plan_fact, weekly
from salesglass.reports.base import BuildParams, Canon, nullable
from salesglass.reports.config import ReportsConfig
from salesglass.reports.derive import STEPS, as_of
from salesglass.warehouse import init_canonical
from tests.reports import zone_company as zc
from tests.reports.canon_io import dated_for, load_duckdb

M = Decimal
D = date
DERIVED = ("partner_months", "partner_days", "first_sales", "deal_stages", "acquiring_deals")
# the reports checked on ClickHouse too: one of each way a period is taken (a week, a month of a deal,
# a month of life, a window of days); the funnel, new partners and bonus lines take theirs the same way
CH_REPORTS = ("report_weekly", "report_monthly_deals", "report_cohorts", "report_declining_partners")


def params(zone: str) -> BuildParams:
    """The build's parameters for the company in `zone`: its offsets from the data's first year (canon_io.dated)."""
    return dated_for(BuildParams(as_of=zc.AS_OF, timezone=zone, rules=ReportsConfig()), zc.data(zone))


def report_exprs(canon: Canon, p: BuildParams, keep) -> dict[str, ibis.Table]:
    """The derived helpers the period reports read, then the reports; plan-fact's periods without the
    forecast (its months rolled up to quarters and years, with the days elapsed)."""
    canon = as_of.visible(canon, p)
    for name, step in STEPS[: len(DERIVED)]:
        canon = replace(canon, **{name: keep(name, step(canon, p))})
    facts, plans = plan_fact._month_facts(canon, p), plan_fact._month_plans(canon, p)
    rollups = [
        plan_fact._rollup(facts, plans, kind, unit, p)
        for kind, unit in (("month", "M"), ("quarter", "Q"), ("year", "Y"))
    ]
    return {
        **{name: getattr(canon, name) for name in DERIVED},
        "report_weekly": weekly.build(canon, p),
        "report_monthly_deals": monthly_deals.build(canon, p),
        "report_funnel": funnel.build(canon, p),
        "report_new_partners": new_partners.build(canon, p),
        "report_cohorts": cohorts.build(canon, p),
        "report_declining_partners": declining.build(canon, p),
        "report_bonus_lines": bonus_lines.build(canon, p),
        "plan_fact_periods": ibis.union(*rollups),
    }


def on_duckdb(zone: str) -> dict[str, list[dict]]:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    init_canonical(con)
    load_duckdb(con, zc.data(zone))
    backend = ibis.duckdb.from_connection(con)
    canon = Canon(**{t.name: backend.table(t.name) for t in CANONICAL})
    keep = lambda n, e: backend.create_table(f"derived_{n}", nullable(e), overwrite=True)  # noqa: E731
    try:
        return {n: backend.to_pyarrow(e).to_pylist() for n, e in report_exprs(canon, params(zone), keep).items()}
    finally:
        con.close()


def pick(rows: list[dict], *cols: str, where=lambda r: True) -> set[tuple]:
    return {tuple(r[c] for c in cols) for r in rows if where(r)}


def check_sales_land_on_their_wall_clock_day_and_month(got: dict[str, list[dict]]) -> None:
    assert pick(got["partner_days"], "partner_id", "day") == {
        ("PL", D(2024, 2, 29)),
        ("PL", D(2024, 3, 1)),
        ("PS", D(2026, 5, 31)),
        ("PS", D(2026, 6, 1)),
        ("PY", D(2026, 12, 31)),
        ("PY", D(2027, 1, 1)),
        ("PY", D(2027, 1, 3)),  # 23:59 on as_of counts; 00:00 on 4 Jan does not
        ("PD", D(2026, 9, 13)),
        ("PD", D(2026, 9, 14)),
        ("PD", D(2026, 12, 6)),
        ("PD", D(2026, 12, 7)),
    }
    assert pick(got["partner_months"], "partner_id", "month", "turnover") == {
        ("PL", D(2024, 2, 1), M("1000.00")),
        ("PL", D(2024, 3, 1), M("2000.00")),
        ("PS", D(2026, 5, 1), M("1000.00")),
        ("PS", D(2026, 6, 1), M("2000.00")),
        ("PY", D(2026, 12, 1), M("4000.00")),
        ("PY", D(2027, 1, 1), M("24000.00")),  # 8 000 + 16 000; the 32 000 of 4 Jan is after as_of
        ("PD", D(2026, 9, 1), M("129000.00")),  # 99 000 + 30 000
        ("PD", D(2026, 12, 1), M("33000.00")),
    }
    assert pick(got["first_sales"], "partner_id", "first_sale_month") == {
        ("PL", D(2024, 2, 1)),  # 23:59 on 29 February
        ("PS", D(2026, 5, 1)),  # 23:59 on Sunday 31 May
        ("PY", D(2026, 12, 1)),  # 23:59 on 31 December
        ("PD", D(2026, 9, 1)),
    }


def check_plan_fact_months_quarters_years_and_days_elapsed(got: dict[str, list[dict]]) -> None:
    company = [r for r in got["plan_fact_periods"] if r["mkey"] == plan_fact.COMPANY]
    turnover = pick(company, "period_type", "period_start", "turnover", "is_complete")
    # money in hundredths (kopecks)
    assert turnover == {
        ("month", D(2024, 2, 1), 100000, True),
        ("month", D(2024, 3, 1), 200000, True),
        ("month", D(2026, 5, 1), 100000, True),
        ("month", D(2026, 6, 1), 200000, True),
        ("month", D(2026, 9, 1), 12900000, True),
        ("month", D(2026, 12, 1), 3700000, True),  # PY's 4 000 + PD's 33 000
        ("month", D(2027, 1, 1), 2400000, False),  # running
        ("quarter", D(2024, 1, 1), 300000, True),
        ("quarter", D(2026, 4, 1), 300000, True),
        ("quarter", D(2026, 7, 1), 12900000, True),
        ("quarter", D(2026, 10, 1), 3700000, True),
        ("quarter", D(2027, 1, 1), 2400000, False),
        ("year", D(2024, 1, 1), 300000, True),
        ("year", D(2026, 1, 1), 16900000, True),
        ("year", D(2027, 1, 1), 2400000, False),
    }
    # the running periods' days: 1–3 January of 31, of Q1's 90 (2027 is no leap year), of 365
    assert pick(company, "period_type", "days_elapsed", "days_total", where=lambda r: r["running"]) == {
        ("month", 3, 31),
        ("quarter", 3, 90),
        ("year", 3, 365),
    }
    new = pick(company, "period_type", "period_start", "new_partners", where=lambda r: r["new_partners"])
    assert new == {  # ×100 (counts are kept in hundredths like money)
        ("month", D(2024, 2, 1), 100),
        ("month", D(2026, 5, 1), 100),
        ("month", D(2026, 9, 1), 100),
        ("month", D(2026, 12, 1), 100),
        ("quarter", D(2024, 1, 1), 100),
        ("quarter", D(2026, 4, 1), 100),
        ("quarter", D(2026, 7, 1), 100),
        ("quarter", D(2026, 10, 1), 100),
        ("year", D(2024, 1, 1), 100),
        ("year", D(2026, 1, 1), 300),
    }


def check_weeks_and_months_of_deals(got: dict[str, list[dict]]) -> None:
    # ISO week 53 of 2026 (Mon 28 Dec – Sun 3 Jan); Sunday 27 Dec ends week 52; Sunday 31 May ends its week
    assert pick(got["report_weekly"], "week_start", "deals_created", "first_sale") == {
        (D(2026, 5, 25), 1, 1),  # deal 2 created, and its partner's first sale, at 23:59 on Sun 31 May
        (D(2026, 12, 21), 1, 0),  # deal 3, 23:59 on Sun 27 Dec
        (D(2026, 12, 28), 1, 1),  # deal 1 created 00:00 Mon 28 Dec, first sale 23:59 Thu 31 Dec
    }
    assert pick(
        got["report_monthly_deals"],
        "month",
        "deals_created",
        "deals_won",
        "annual_budget_won",
        "created_reached_first_sale",
    ) == {
        (D(2026, 5, 1), 1, 0, M("0.00"), 1),
        (D(2026, 6, 1), 0, 1, M("60000.00"), 0),  # deal 2 won at 00:00 on 1 June
        (D(2026, 12, 1), 2, 1, M("120000.00"), 1),  # deal 1 won at 23:59 on 31 December
    }


def check_funnel_and_new_partners(got: dict[str, list[dict]]) -> None:
    assert pick(got["report_funnel"], "cohort_month", "stage", "deals", where=lambda r: r["stage"] == "lead") == {
        (D(2026, 5, 1), "lead", 1),
        (D(2026, 12, 1), "lead", 2),
    }
    first = [r for r in got["report_funnel"] if r["stage"] == "first_sale"]
    assert pick(first, "cohort_month", "deals") == {(D(2026, 5, 1), 1), (D(2026, 12, 1), 1)}
    # deal 1: 00:00 Mon 28 Dec → 23:59 Thu 31 Dec = 3 days 23 h 59 min (no clock change in between)
    assert sum(r["days_to_reach_sum"] for r in first) == pytest.approx((3 * 1440 + 1439) / 1440)
    assert pick(got["report_new_partners"], "month", "first_sales") == {(D(2026, 5, 1), 1), (D(2026, 12, 1), 1)}


def check_cohorts_and_declining(got: dict[str, list[dict]]) -> None:
    cells = pick(got["report_cohorts"], "cohort_month", "month_offset", "turnover", where=lambda r: r["turnover"])
    assert cells == {
        (D(2024, 2, 1), 0, M("1000.00")),
        (D(2024, 2, 1), 1, M("2000.00")),  # 00:00 on 1 March: the leap-day cohort's month 1
        (D(2026, 5, 1), 0, M("1000.00")),
        (D(2026, 5, 1), 1, M("2000.00")),
        (D(2026, 9, 1), 0, M("129000.00")),
        (D(2026, 9, 1), 3, M("33000.00")),
        (D(2026, 12, 1), 0, M("4000.00")),
        (D(2026, 12, 1), 1, M("24000.00")),  # January is month 1 of December's cohort, across the year
    }
    # baseline: the 84 days 14 Sep – 6 Dec hold 30 000 + 30 000 (the 99 000 at 23:59 on 13 Sep is outside)
    # → 20 000 per 28 days; recent: 7 Dec – 3 Jan hold the 3 000 of 00:00 on 7 Dec → 85 % down
    assert pick(got["report_declining_partners"], "partner_id", "baseline_28d", "recent_28d", "decline_pct") == {
        ("PD", M("20000.00"), M("3000.00"), M("85.00"))
    }


def check_bonus_months(got: dict[str, list[dict]]) -> None:
    assert pick(got["report_bonus_lines"], "month", "rule", "partner_id", "deal_id", "amount") == {
        (D(2026, 5, 1), "first_sale", "PS", 2, M("5000.00")),
        (D(2026, 5, 1), "acquisition_share", "PS", 2, M("10.00")),  # 10 % of May's revenue 100
        (D(2026, 6, 1), "acquisition_share", "PS", 2, M("20.00")),
        (D(2026, 12, 1), "first_sale", "PY", 1, M("5000.00")),
        (D(2026, 12, 1), "acquisition_share", "PY", 1, M("40.00")),
        (D(2027, 1, 1), "acquisition_share", "PY", 1, M("240.00")),  # revenue 800 + 1 600 in January
    }


CHECKS = (
    check_sales_land_on_their_wall_clock_day_and_month,
    check_plan_fact_months_quarters_years_and_days_elapsed,
    check_weeks_and_months_of_deals,
    check_funnel_and_new_partners,
    check_cohorts_and_declining,
    check_bonus_months,
)


# the whole report set on three zones (each compiles its zone's transitions into every query: ~1 CPU-s a
# zone); every zone of zc.ZONES gets the period functions themselves below
@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Australia/Lord_Howe"])
def test_every_period_report_counts_each_edge_where_its_wall_clock_says(zone):
    got = on_duckdb(zone)
    for check in CHECKS:
        check(got)


@pytest.mark.clickhouse
def test_clickhouse_in_another_zone_counts_them_the_same(monkeypatch):
    """The reports compiled for ClickHouse, run by chdb whose own (server) zone is Pago Pago's while the
    account is in Kiritimati: 25 hours apart, so a date taken in the server's zone (toDate, toStartOfMonth
    or toMonday of a DateTime without an explicit zone) would move every edge."""
    from tests.reports import canon_io

    sessions = []

    def in_pago_pago(data):
        s = plain(data)
        s.query("SET session_timezone = 'Pacific/Pago_Pago'")
        sessions.append(s)
        return s

    plain = canon_io.chdb_session
    monkeypatch.setattr(canon_io, "chdb_session", in_pago_pago)
    names = ("partner_days", "partner_months", "first_sales", *CH_REPORTS)
    try:
        tables = canon_io.chdb_reports(zc.data("Pacific/Kiritimati"), params("Pacific/Kiritimati"), only=names)
        assert sessions and str(sessions[0].query("SELECT timezone()", "CSV")).strip() == '"Pacific/Pago_Pago"'
    finally:
        for s in sessions:
            s.query("SET session_timezone = ''")
    got = {name: t.to_pylist() for name, t in tables.items()}
    check_sales_land_on_their_wall_clock_day_and_month(got)
    check_weeks_and_months_of_deals(got)
    check_cohorts_and_declining(got)


# every wall time of the company (sales, deal creations and wins) and of the clock-change nights: each must
# get its own wall date, month and Monday, in the one-pass functions over the sales too
WALLS = sorted(
    {
        (2024, 2, 29, 23, 59), (2024, 3, 1, 0, 0), (2026, 5, 31, 23, 59), (2026, 6, 1, 0, 0),
        (2026, 12, 27, 23, 59), (2026, 12, 28, 0, 0), (2026, 12, 31, 23, 59), (2027, 1, 1, 0, 0),
        (2027, 1, 3, 23, 59), (2027, 1, 4, 0, 0), (2026, 9, 13, 23, 59), (2026, 9, 14, 0, 0),
        (2026, 12, 6, 23, 59), (2026, 12, 7, 0, 0),
        (2026, 3, 29, 1, 59), (2026, 3, 29, 3, 0), (2026, 10, 25, 2, 30), (2026, 10, 25, 3, 0),  # Berlin
        (2026, 4, 5, 1, 45), (2026, 10, 4, 2, 45), (2026, 3, 8, 3, 30), (2026, 11, 1, 1, 30),  # Lord Howe, St John's
    }
)  # fmt: skip


@pytest.mark.parametrize("zone", zc.ZONES)
def test_each_wall_time_gets_its_own_day_month_and_week(zone):
    from salesglass.reports import periods

    t = ibis.memtable(pa.table({"ts": pa.array([zc.at(zone, *w) for w in WALLS], pa.timestamp("us", tz="UTC"))}))
    until = zc.AS_OF.year + 1
    got = ibis.duckdb.connect().to_pyarrow(
        t.select(
            day=periods.local_date(t.ts, zone, until),
            n=periods.local_day_number(t.ts, zone, until),
            month=periods.month_of(t.ts, zone, until),
            searched=periods.month_by_search(t.ts, zone, until),
            week=periods.week_of(t.ts, zone, until),
        )
    )
    days = [D(*w[:3]) for w in WALLS]
    assert got.column("day").to_pylist() == days
    assert got.column("n").to_pylist() == [(d - D(1970, 1, 1)).days for d in days]
    assert got.column("month").to_pylist() == got.column("searched").to_pylist() == [d.replace(day=1) for d in days]
    assert got.column("week").to_pylist() == [d - timedelta(days=d.weekday()) for d in days]


@pytest.mark.parametrize(
    ("zone", "wall", "utc"),
    [
        # the spring-forward night: 02:30 never shows on the clock; read with the offset before the jump
        ("Europe/Berlin", "2026-03-29 02:30", datetime(2026, 3, 29, 1, 30)),  # = 03:30 CEST
        ("Australia/Lord_Howe", "2026-10-04 02:15", datetime(2026, 10, 3, 15, 45)),  # = 02:45 (+11)
        ("America/St_Johns", "2026-03-08 02:30", datetime(2026, 3, 8, 6, 0)),  # = 03:30 NDT
        # the fall-back night: the time shows twice; read as the second (standard-time) one
        ("Europe/Berlin", "2026-10-25 02:30", datetime(2026, 10, 25, 1, 30)),  # 02:30 CET, not CEST
        ("Australia/Lord_Howe", "2026-04-05 01:45", datetime(2026, 4, 4, 15, 15)),  # 01:45 at +10:30
        ("America/St_Johns", "2026-11-01 01:30", datetime(2026, 11, 1, 5, 0)),  # 01:30 NST, not NDT
    ],
)
def test_a_back_office_wall_time_that_does_not_exist_or_happens_twice(zone, wall, utc):
    """A naive back-office time on a clock-change night (docs/reports.md): one reading, and the day it
    was written on whichever reading it gets, so no period moves."""
    from salesglass.reports import periods
    from salesglass.sources.platform.zones import local_to_utc_sql

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for few_rows in (False, True):  # the bulk path and timezone() itself
        sql = local_to_utc_sql(f"TIMESTAMP '{wall}'", zone, few_rows=few_rows)
        assert con.execute(f"SELECT {sql}").fetchone()[0] == utc.replace(tzinfo=UTC)
    t = ibis.memtable(pa.table({"ts": pa.array([utc.replace(tzinfo=UTC)], pa.timestamp("us", tz="UTC"))}))
    day = ibis.duckdb.connect().to_pyarrow(t.select(d=periods.local_date(t.ts, zone, 2027))).column("d")
    assert day.to_pylist() == [D.fromisoformat(wall[:10])]


@pytest.mark.parametrize("zone", ["Europe/Moscow", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_a_plan_month_stored_as_a_zoned_midnight_stays_its_month(zone):
    """A back-office keeping plan months as PostgreSQL timestamptz values (00:00 on the 1st, local time):
    January's plan is January's, though that instant is still 31 December in UTC east of Greenwich."""
    from salesglass.sources.platform.config import ColumnSpec
    from salesglass.sources.platform.mapping import column_sql

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")  # as the load runs
    con.execute("CREATE TABLE plans_src (m TIMESTAMPTZ)")
    con.execute("INSERT INTO plans_src VALUES (?), (?)", [zc.at(zone, 2027, 1, 1), zc.at(zone, 2024, 3, 1)])
    sql, _ = column_sql("month", ColumnSpec(column="m"), Kind.DATE, {"m": "TIMESTAMP WITH TIME ZONE"}, zone)
    assert [r[0] for r in con.execute(f"SELECT {sql} FROM plans_src").fetchall()] == [D(2027, 1, 1), D(2024, 3, 1)]
