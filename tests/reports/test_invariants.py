"""Invariants on a larger synthetic company (built and published like production): the numbers must
agree with each other and with an independent DuckDB computation straight from the canonical sales."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from salesglass.reports.build import run_build
from salesglass.reports.periods import end_of_day_utc
from tests.reports import synthetic
from tests.reports.conftest import make_config

TZ = "Europe/Moscow"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    tmp: Path = tmp_path_factory.mktemp("invariants")
    cfg = make_config(tmp, {"bonus": {"acquisition_months": 3}}, TZ)
    con = duckdb.connect(str(cfg.warehouse_path))
    synthetic.synthesize(con, managers=60, partners=1500, deals=4000, sales=150_000)
    con.close()
    run_build(cfg, as_of=synthetic.AS_OF, progress=False)
    con = duckdb.connect(str(cfg.published_path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    yield con
    con.close()


def test_sales_share_buckets_add_up_to_all_sales(built):
    cutoff = end_of_day_utc(synthetic.AS_OF, TZ).isoformat()
    diff = built.execute(f"""
        WITH truth AS (
            SELECT date_trunc('month', timezone('{TZ}', sold_at))::DATE AS month,
                   sum(turnover) AS turnover, sum(revenue) AS revenue, sum(tickets) AS tickets
            FROM sales WHERE sold_at < TIMESTAMPTZ '{cutoff}' GROUP BY 1),
        share AS (SELECT month, sum(turnover) AS turnover, sum(revenue) AS revenue, sum(tickets) AS tickets
                  FROM report_sales_share GROUP BY 1)
        SELECT count(*) FILTER (WHERE t.turnover IS DISTINCT FROM s.turnover OR t.revenue IS DISTINCT FROM s.revenue
                                   OR t.tickets IS DISTINCT FROM s.tickets), count(*)
        FROM truth t FULL JOIN share s USING (month)""").fetchone()
    assert diff[0] == 0 and diff[1] >= 23
    assert {b for (b,) in built.execute("SELECT DISTINCT bucket FROM report_sales_share").fetchall()} == {
        "manager", "empty", "support", "unknown"}


def test_funnel_never_grows_from_a_stage_to_the_next(built):
    grows = built.execute("""
        WITH cells AS (SELECT DISTINCT cohort_month, sales_manager_id, client_kind FROM report_funnel),
        grid AS (SELECT c.*, o.k FROM cells c, range(1, 7) o(k)),
        filled AS (SELECT g.*, coalesce(f.deals, 0) AS deals FROM grid g LEFT JOIN report_funnel f
                   ON f.cohort_month = g.cohort_month AND f.sales_manager_id IS NOT DISTINCT FROM g.sales_manager_id
                   AND f.client_kind = g.client_kind AND f.stage_order = g.k)
        SELECT count(*) FROM filled a JOIN filled b ON a.cohort_month = b.cohort_month
            AND a.sales_manager_id IS NOT DISTINCT FROM b.sales_manager_id AND a.client_kind = b.client_kind
            AND b.k = a.k + 1
        WHERE b.deals > a.deals""").fetchone()[0]
    assert grows == 0
    assert built.execute("SELECT sum(deals) FROM report_funnel WHERE stage = 'lead'").fetchone()[0] == \
        built.execute("SELECT sum(deals_created) FROM report_weekly").fetchone()[0] > 1000


def test_completed_stages_are_monotonic(built):
    assert built.execute("""
        SELECT count(*) FROM deal_stages a JOIN deal_stages b
          ON a.deal_id = b.deal_id AND b.stage_order = a.stage_order + 1
        WHERE b.reached_at < a.reached_at""").fetchone()[0] == 0
    # every reached stage implies all earlier ones
    assert built.execute("""
        SELECT count(*) FROM (SELECT deal_id, max(stage_order) AS top, count(*) AS n FROM deal_stages GROUP BY 1)
        WHERE top <> n""").fetchone()[0] == 0


def test_bonus_summaries_equal_the_sum_of_their_lines(built):
    assert built.execute("""
        WITH l AS (SELECT month, manager_id, sum(amount) AS total, count(*) AS n,
                          sum(amount) FILTER (WHERE role = 'sales') AS sales,
                          sum(amount) FILTER (WHERE role = 'development') AS dev
                   FROM report_bonus_lines GROUP BY ALL)
        SELECT count(*) FROM l FULL JOIN report_bonus_summary s USING (month, manager_id)
        WHERE l.total IS DISTINCT FROM s.total OR l.n IS DISTINCT FROM s.lines
           OR coalesce(l.sales, 0) <> s.sales_bonus OR coalesce(l.dev, 0) <> s.development_bonus
           OR s.total <> s.sales_bonus + s.development_bonus""").fetchone()[0] == 0
    rules = {r for (r,) in built.execute("SELECT DISTINCT rule FROM report_bonus_lines").fetchall()}
    assert rules == {"first_sale", "acquisition_share", "growth"}


@pytest.mark.parametrize("period, unit", [("quarter", "quarter"), ("year", "year")])
def test_plan_fact_quarter_and_year_are_sums_of_months(built, period, unit):
    bad = built.execute(f"""
        WITH months AS (
            SELECT date_trunc('{unit}', period_start)::DATE AS p, manager_id, metric,
                   sum(fact) AS fact, sum(plan_realistic) AS plan_r, sum(plan_optimistic) AS plan_o
            FROM report_plan_fact WHERE period_type = 'month' AND metric <> 'margin_pct' GROUP BY ALL),
        big AS (SELECT period_start AS p, manager_id, metric, fact, plan_realistic, plan_optimistic, is_complete
                FROM report_plan_fact WHERE period_type = '{period}' AND metric <> 'margin_pct')
        SELECT count(*) FILTER (WHERE m.fact IS DISTINCT FROM b.fact),
               -- plans of months after as_of count in the running period's plan, so compare complete ones
               count(*) FILTER (WHERE b.is_complete AND (m.plan_r IS DISTINCT FROM b.plan_realistic
                                                         OR m.plan_o IS DISTINCT FROM b.plan_optimistic)),
               count(*)
        FROM months m FULL JOIN big b ON m.p = b.p AND m.manager_id IS NOT DISTINCT FROM b.manager_id
                                       AND m.metric = b.metric""").fetchone()
    assert bad[0] == 0 and bad[1] == 0 and bad[2] > 20
