"""Invariants every built report set must satisfy, whatever the company: checks shared by the synthetic
company (tests/reports/test_invariants.py) and the simulated one (tests/pipeline/test_invariants.py).

Each check takes a connection to a published reports file (the canonical tables are published with the
reports), the as_of date and the account time zone; it asserts the invariant and returns how many
items it compared, so that callers can also assert the comparison was not between empty tables.
"""

from __future__ import annotations

from datetime import date

import duckdb

from salesglass.reports.periods import end_of_day_utc


def sales_share_adds_up(con: duckdb.DuckDBPyConnection, as_of: date, tz: str) -> int:
    """For every month, the buckets of report_sales_share add up exactly to all sales. Returns the months."""
    cutoff = end_of_day_utc(as_of, tz).isoformat()
    bad, months = con.execute(f"""
        WITH truth AS (
            SELECT date_trunc('month', timezone('{tz}', sold_at))::DATE AS month,
                   sum(turnover) AS turnover, sum(revenue) AS revenue, sum(tickets) AS tickets
            FROM sales WHERE sold_at < TIMESTAMPTZ '{cutoff}' GROUP BY 1),
        share AS (SELECT month, sum(turnover) AS turnover, sum(revenue) AS revenue, sum(tickets) AS tickets
                  FROM report_sales_share GROUP BY 1)
        SELECT count(*) FILTER (WHERE t.turnover IS DISTINCT FROM s.turnover OR t.revenue IS DISTINCT FROM s.revenue
                                   OR t.tickets IS DISTINCT FROM s.tickets), count(*)
        FROM truth t FULL JOIN share s USING (month)""").fetchone()
    assert bad == 0, f"{bad} of {months} months: report_sales_share buckets do not add up to all sales"
    return months


def sales_share_buckets(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {b for (b,) in con.execute("SELECT DISTINCT bucket FROM report_sales_share").fetchall()}


def funnel_never_grows(con: duckdb.DuckDBPyConnection, as_of: date, tz: str) -> int:
    """No funnel cell has more deals at stage k+1 than at stage k (a missing row counts 0); the lead stage
    counts every deal created by as_of. Returns the lead count."""
    grows = con.execute("""
        WITH cells AS (SELECT DISTINCT cohort_month, sales_manager_id, client_kind FROM report_funnel),
        grid AS (SELECT c.*, o.k FROM cells c, range(1, 7) o(k)),
        filled AS (SELECT g.*, coalesce(f.deals, 0) AS deals FROM grid g LEFT JOIN report_funnel f
                   ON f.cohort_month = g.cohort_month AND f.sales_manager_id IS NOT DISTINCT FROM g.sales_manager_id
                   AND f.client_kind = g.client_kind AND f.stage_order = g.k)
        SELECT count(*) FROM filled a JOIN filled b ON a.cohort_month = b.cohort_month
            AND a.sales_manager_id IS NOT DISTINCT FROM b.sales_manager_id AND a.client_kind = b.client_kind
            AND b.k = a.k + 1
        WHERE b.deals > a.deals""").fetchone()[0]
    assert grows == 0, f"{grows} funnel cells grow from a stage to the next"
    leads = con.execute("SELECT sum(deals) FROM report_funnel WHERE stage = 'lead'").fetchone()[0]
    weekly = con.execute("SELECT sum(deals_created) FROM report_weekly").fetchone()[0]
    cutoff = end_of_day_utc(as_of, tz).isoformat()
    created = con.execute(f"""SELECT count(*) FROM deals
                              WHERE NOT is_deleted AND created_at < TIMESTAMPTZ '{cutoff}'""").fetchone()[0]
    assert leads == weekly == created, (leads, weekly, created)
    return leads


def completed_stages_monotonic(con: duckdb.DuckDBPyConnection, as_of: date, tz: str) -> int:
    """In the published deal_stages, a later stage is never reached before an earlier one, and reaching a
    stage implies every earlier one. Returns the number of stage rows."""
    backwards = con.execute("""
        SELECT count(*) FROM deal_stages a JOIN deal_stages b
          ON a.deal_id = b.deal_id AND b.stage_order = a.stage_order + 1
        WHERE b.reached_at < a.reached_at""").fetchone()[0]
    assert backwards == 0, f"{backwards} stages reached before the previous one"
    gaps = con.execute("""
        SELECT count(*) FROM (SELECT deal_id, max(stage_order) AS top, count(*) AS n FROM deal_stages GROUP BY 1)
        WHERE top <> n""").fetchone()[0]
    assert gaps == 0, f"{gaps} deals reached a stage without all earlier ones"
    return con.execute("SELECT count(*) FROM deal_stages").fetchone()[0]


def bonus_summaries_equal_lines(con: duckdb.DuckDBPyConnection, as_of: date, tz: str) -> int:
    """Every bonus summary (month × manager) equals the sum of its lines. Returns the summary rows."""
    bad = con.execute("""
        WITH l AS (SELECT month, manager_id, sum(amount) AS total, count(*) AS n,
                          sum(amount) FILTER (WHERE role = 'sales') AS sales,
                          sum(amount) FILTER (WHERE role = 'development') AS dev
                   FROM report_bonus_lines GROUP BY ALL)
        SELECT count(*) FROM l FULL JOIN report_bonus_summary s USING (month, manager_id)
        WHERE l.total IS DISTINCT FROM s.total OR l.n IS DISTINCT FROM s.lines
           OR coalesce(l.sales, 0) <> s.sales_bonus OR coalesce(l.dev, 0) <> s.development_bonus
           OR s.total <> s.sales_bonus + s.development_bonus""").fetchone()[0]
    assert bad == 0, f"{bad} bonus summaries differ from the sum of their lines"
    return con.execute("SELECT count(*) FROM report_bonus_summary").fetchone()[0]


def bonus_rules(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r for (r,) in con.execute("SELECT DISTINCT rule FROM report_bonus_lines").fetchall()}


def plan_fact_periods_sum_months(con: duckdb.DuckDBPyConnection, as_of: date, tz: str, period: str) -> int:
    """Facts of a quarter / year equal the sum of its months; so do plans of complete periods (plans of
    months after as_of count in the running period's plan). Returns the compared rows."""
    bad_fact, bad_plan, n = con.execute(f"""
        WITH months AS (
            SELECT date_trunc('{period}', period_start)::DATE AS p, manager_id, metric,
                   sum(fact) AS fact, sum(plan_realistic) AS plan_r, sum(plan_optimistic) AS plan_o
            FROM report_plan_fact WHERE period_type = 'month' AND metric <> 'margin_pct' GROUP BY ALL),
        big AS (SELECT period_start AS p, manager_id, metric, fact, plan_realistic, plan_optimistic, is_complete
                FROM report_plan_fact WHERE period_type = '{period}' AND metric <> 'margin_pct')
        SELECT count(*) FILTER (WHERE m.fact IS DISTINCT FROM b.fact),
               count(*) FILTER (WHERE b.is_complete AND (m.plan_r IS DISTINCT FROM b.plan_realistic
                                                         OR m.plan_o IS DISTINCT FROM b.plan_optimistic)),
               count(*)
        FROM months m FULL JOIN big b ON m.p = b.p AND m.manager_id IS NOT DISTINCT FROM b.manager_id
                                       AND m.metric = b.metric""").fetchone()
    assert bad_fact == 0, f"{bad_fact} {period} facts differ from the sum of their months"
    assert bad_plan == 0, f"{bad_plan} complete {period} plans differ from the sum of their months"
    return n
