# ruff: noqa: E501  (hand-written SQL rows: one row per line reads best)
"""A small hand-made published file: every report table of docs/reports.md, the canonical copies, build_info.

The numbers are written by hand (and kept consistent with the canonical rows, so drill-downs list the
deals behind each figure); tests compare the screen with these, never with the code under test.
as_of 2026-03-15, Europe/Moscow. Managers: Anna (101, sales), Boris (102, development), Vera (103, left).
"""

from __future__ import annotations

import os
from pathlib import Path

from salesglass.warehouse import connect, init_canonical

AS_OF = "2026-03-15"
XSS = "<script>alert(1)</script>"
SQLI = "'; DROP TABLE deals; --"
# an amoCRM pipeline name as hostile as user input gets: markup, emoji, 150 characters
PIPELINE_8 = (f"{XSS} Партнёры 🤝 " + "очень длинное название воронки " * 6)[:150]

REPORT_DDL = {
    "report_weekly": "week_start DATE, client_kind TEXT, deals_created BIGINT, widget_installed BIGINT, first_sale BIGINT",
    "report_monthly_deals": "month DATE, client_kind TEXT, deals_created BIGINT, deals_won BIGINT, "
    "annual_budget_won DECIMAL(18,2), created_reached_first_sale BIGINT",
    "report_funnel": "cohort_month DATE, sales_manager_id BIGINT, client_kind TEXT, stage TEXT, stage_order INTEGER, "
    "deals BIGINT, days_to_reach_sum DOUBLE, lost_at_stage BIGINT",
    "report_plan_fact": "period_type TEXT, period_start DATE, manager_id BIGINT, metric TEXT, fact DECIMAL(18,2), "
    "plan_realistic DECIMAL(18,2), plan_optimistic DECIMAL(18,2), forecast DECIMAL(18,2), "
    "is_complete BOOLEAN, plan_to_date DECIMAL(18,2), attainment_to_date_pct DECIMAL(18,2), "
    "forecast_attainment_pct DECIMAL(18,2)",
    "report_new_partners": "month DATE, sales_manager_id BIGINT, client_kind TEXT, contracts_signed BIGINT, "
    "widgets_installed BIGINT, first_sales BIGINT, signed_then_selling BIGINT",
    "report_sales_share": "month DATE, bucket TEXT, manager_id BIGINT, turnover DECIMAL(18,2), "
    "revenue DECIMAL(18,2), tickets BIGINT",
    "report_cohorts": "cohort_month DATE, kind TEXT, month_offset INTEGER, partners BIGINT, active_partners BIGINT, "
    "turnover DECIMAL(18,2), revenue DECIMAL(18,2), tickets BIGINT",
    "report_declining_partners": "as_of DATE, partner_id TEXT, name TEXT, kind TEXT, development_manager_id BIGINT, "
    "baseline_28d DECIMAL(18,2), recent_28d DECIMAL(18,2), decline_pct DECIMAL(18,2)",
    "report_bonus_lines": "month DATE, manager_id BIGINT, role TEXT, rule TEXT, partner_id TEXT, deal_id BIGINT, "
    "base DECIMAL(18,2), rate DECIMAL(9,4), multiplier DECIMAL(9,4), amount DECIMAL(18,2)",
    "report_bonus_summary": "month DATE, manager_id BIGINT, sales_bonus DECIMAL(18,2), "
    "development_bonus DECIMAL(18,2), total DECIMAL(18,2), lines BIGINT",
    "report_data_quality": "source TEXT, entity TEXT, reason TEXT, rows BIGINT",
    "build_info": "as_of DATE, built_at TIMESTAMPTZ, timezone TEXT, engine TEXT, salesglass_version TEXT",
    "refresh_status": "source TEXT, last_success_at TIMESTAMPTZ, last_error TEXT, rows BIGINT",
}

CANONICAL_ROWS = f"""
INSERT INTO managers VALUES
 (101, 'Anna Petrova', 'anna@demo.test', 'sales', TRUE),
 (102, 'Boris Ivanov', 'boris@demo.test', 'development', TRUE),
 (103, 'Vera Gone', 'vera@demo.test', 'sales', FALSE);
INSERT INTO partners VALUES
 ('P1', 'Театр Луна', 'organizer', '7701000001', '2025-12-01 09:00:00+00', '2026-01-25 09:00:00+00',
  '2026-02-01 09:00:00+00', 102, FALSE),
 ('P2', $${XSS}$$, 'operator', NULL, '2026-01-15 09:00:00+00', '2026-02-10 09:00:00+00', '2026-03-09 09:00:00+00', 102, FALSE),
 ('P3', $${SQLI}$$, 'organizer', NULL, '2025-11-01 09:00:00+00', NULL, NULL, 103, FALSE),
 ('P4', 'Support organizers', 'organizer', NULL, NULL, NULL, NULL, NULL, TRUE);
INSERT INTO deals (deal_id, name, pipeline_id, status_id, stage, price, sales_manager_id, partner_id, client_kind,
                   is_cold, created_at, updated_at, closed_at, is_won, is_lost, loss_reason, is_deleted) VALUES
 (1001, 'Луна — договор', 7, 142, 'first_sale', 1200000.00, 101, 'P1', 'organizer', TRUE,
  '2026-01-10 12:00:00+00', '2026-02-05 12:00:00+00', '2026-02-05 12:00:00+00', TRUE, FALSE, NULL, FALSE),
 (1002, $${XSS} deal$$, 7, 55, 'widget_installed', 500000.00, 101, 'P2', 'operator', FALSE,
  '2026-02-03 12:00:00+00', '2026-03-09 12:00:00+00', NULL, FALSE, FALSE, NULL, FALSE),
 (1003, $${SQLI}$$, 7, 143, 'negotiation', 300000.00, 103, 'P3', 'organizer', FALSE,
  '2026-01-20 12:00:00+00', '2026-02-10 12:00:00+00', '2026-02-10 12:00:00+00', FALSE, TRUE, 'too expensive', FALSE),
 (1004, 'Unlinked deal', 8, 10, 'lead', NULL, 103, NULL, NULL, NULL,
  '2026-03-02 12:00:00+00', '2026-03-02 12:00:00+00', NULL, FALSE, FALSE, NULL, FALSE),
 (1005, 'Deleted deal', 7, 10, 'lead', 1.00, 101, NULL, 'organizer', NULL,
  '2026-03-03 12:00:00+00', '2026-03-03 12:00:00+00', NULL, FALSE, FALSE, NULL, TRUE);
INSERT INTO pipelines VALUES (7, 'Продажи', 20, TRUE, FALSE, TRUE, FALSE),
 (8, $${PIPELINE_8}$$, 10, FALSE, FALSE, TRUE, FALSE);
INSERT INTO deal_stages VALUES
 (1001, 'lead', '2026-01-10 12:00:00+00', 'created'), (1001, 'negotiation', '2026-01-15 12:00:00+00', 'amocrm'),
 (1001, 'proposal', '2026-01-20 12:00:00+00', 'amocrm'), (1001, 'contract_signed', '2026-01-25 12:00:00+00', 'amocrm'),
 (1001, 'widget_installed', '2026-02-01 12:00:00+00', 'platform'), (1001, 'first_sale', '2026-02-05 12:00:00+00', 'platform'),
 (1002, 'lead', '2026-02-03 12:00:00+00', 'created'), (1002, 'negotiation', '2026-02-05 12:00:00+00', 'amocrm'),
 (1002, 'proposal', '2026-02-08 12:00:00+00', 'amocrm'), (1002, 'contract_signed', '2026-02-10 12:00:00+00', 'amocrm'),
 (1002, 'widget_installed', '2026-03-09 12:00:00+00', 'platform'),
 (1003, 'lead', '2026-01-20 12:00:00+00', 'created'), (1003, 'negotiation', '2026-01-25 12:00:00+00', 'amocrm'),
 (1004, 'lead', '2026-03-02 12:00:00+00', 'created');
INSERT INTO sales VALUES
 ('s1', 'P1', 'e1', '2026-02-05 10:00:00+00', 300, 180000.00, 18000.00, 6000.00, 'widget'),
 ('s2', 'P3', 'e2', '2026-02-07 10:00:00+00', 40, 20000.00, 2000.00, 700.00, 'yandex'),
 ('s3', 'P1', 'e1', '2026-03-03 10:00:00+00', 200, 100000.00, 10000.00, 3500.00, 'widget'),
 ('s4', 'P2', 'e3', '2026-03-10 10:00:00+00', 40, 20000.00, 2000.00, 700.00, 'widget'),
 ('s5', 'P3', 'e2', '2026-03-04 10:00:00+00', 40, 20000.00, 2000.00, 700.00, 'kassir'),
 ('s6', NULL, NULL, '2026-03-05 10:00:00+00', 20, 10000.00, 1000.00, 100.00, 'widget');
INSERT INTO plans VALUES ('2026-03-01', NULL, 'turnover', 300000.00, 400000.00);
INSERT INTO deal_partner_links VALUES (1001, 'P1', 'account_id', 100), (1002, 'P2', 'inn', 100),
 (1003, 'P3', 'name', 100);
INSERT INTO link_suggestions VALUES (1004, 'P4', 91.5, 'Unlinked deal', 'Support organizers', 'deal_name', 'open', NULL,
 NULL, NULL, 1, 1, 'possible');
INSERT INTO quarantine VALUES
 ('platform', 'sales', 'x1', 'tickets is not an integer', '{{"tickets": "<img src=x onerror=alert(1)>"}}',
  '2026-03-14 08:00:00+00'),
 ('platform', 'sales', 'x2', 'tickets is not an integer', '{{"tickets": "many"}}', '2026-03-14 08:01:00+00'),
 ('amocrm', 'deals', '77', 'created_at is missing', '{{"id": 77}}', '2026-03-14 08:02:00+00');
"""

REPORT_ROWS = f"""
INSERT INTO report_weekly VALUES
 ('2026-01-05', 'organizer', 1, 0, 0), ('2026-01-19', 'organizer', 1, 0, 0), ('2026-01-26', 'organizer', 0, 1, 0),
 ('2026-02-02', 'operator', 1, 0, 0), ('2026-02-02', 'organizer', 0, 0, 1), ('2026-03-02', 'unknown', 1, 0, 0),
 ('2026-03-09', 'operator', 0, 1, 0);
INSERT INTO report_monthly_deals VALUES
 ('2026-01-01', 'organizer', 2, 0, 0.00, 1), ('2026-02-01', 'organizer', 0, 1, 1200000.00, 0),
 ('2026-02-01', 'operator', 1, 0, 0.00, 0), ('2026-03-01', 'unknown', 1, 0, 0.00, 0);
INSERT INTO report_funnel VALUES
 ('2026-01-01', 101, 'organizer', 'lead', 1, 1, 0, 0), ('2026-01-01', 101, 'organizer', 'negotiation', 2, 1, 5, 0),
 ('2026-01-01', 101, 'organizer', 'proposal', 3, 1, 10, 0),
 ('2026-01-01', 101, 'organizer', 'contract_signed', 4, 1, 15, 0),
 ('2026-01-01', 101, 'organizer', 'widget_installed', 5, 1, 22, 0),
 ('2026-01-01', 101, 'organizer', 'first_sale', 6, 1, 26, 0),
 ('2026-01-01', 103, 'organizer', 'lead', 1, 1, 0, 0), ('2026-01-01', 103, 'organizer', 'negotiation', 2, 1, 5, 1),
 ('2026-02-01', 101, 'operator', 'lead', 1, 1, 0, 0), ('2026-02-01', 101, 'operator', 'negotiation', 2, 1, 2, 0),
 ('2026-02-01', 101, 'operator', 'proposal', 3, 1, 5, 0),
 ('2026-02-01', 101, 'operator', 'contract_signed', 4, 1, 7, 0),
 ('2026-02-01', 101, 'operator', 'widget_installed', 5, 1, 34, 0),
 ('2026-03-01', 103, 'unknown', 'lead', 1, 1, 0, 0);
INSERT INTO report_plan_fact (period_type, period_start, manager_id, metric, fact, plan_realistic, plan_optimistic,
                              forecast, is_complete) VALUES
 ('month', '2026-03-01', NULL, 'turnover', 150000.00, 300000.00, 400000.00, 310000.00, FALSE),
 ('month', '2026-03-01', NULL, 'revenue', 15000.00, NULL, NULL, 31000.00, FALSE),
 ('month', '2026-03-01', NULL, 'cost', 5000.00, NULL, NULL, 10333.33, FALSE),
 ('month', '2026-03-01', NULL, 'margin', 10000.00, NULL, NULL, 20666.67, FALSE),
 ('month', '2026-03-01', NULL, 'margin_pct', 66.67, NULL, NULL, 66.67, FALSE),
 ('month', '2026-03-01', NULL, 'tickets', 300, NULL, NULL, 620.00, FALSE),
 ('month', '2026-03-01', NULL, 'new_partners', 1, NULL, NULL, 2.07, FALSE),
 ('month', '2026-02-01', NULL, 'turnover', 200000.00, 250000.00, 300000.00, 200000.00, TRUE),
 ('month', '2026-02-01', NULL, 'margin', 13300.00, NULL, NULL, 13300.00, TRUE),
 ('month', '2026-01-01', NULL, 'turnover', 0.00, 100000.00, 150000.00, 0.00, TRUE),
 ('month', '2026-03-01', 102, 'turnover', 120000.00, 200000.00, 250000.00, 248000.00, FALSE),
 ('month', '2026-03-01', 102, 'margin', 7800.00, NULL, NULL, 16120.00, FALSE),
 ('quarter', '2026-01-01', NULL, 'turnover', 350000.00, 650000.00, 850000.00, 460000.00, FALSE),
 ('year', '2026-01-01', NULL, 'turnover', 350000.00, 3000000.00, 4000000.00, 1702777.78, FALSE);
-- plan to date: March pro rata 15/31 (300000 → 145161.29; Boris 200000 → 96774.19), whole earlier months
UPDATE report_plan_fact SET plan_to_date = plan_realistic, attainment_to_date_pct = round(100 * fact / plan_realistic, 2),
 forecast_attainment_pct = round(100 * forecast / plan_realistic, 2) WHERE plan_realistic IS NOT NULL AND is_complete;
UPDATE report_plan_fact SET plan_to_date = 145161.29, attainment_to_date_pct = 103.33, forecast_attainment_pct = 103.33
 WHERE period_type = 'month' AND period_start = '2026-03-01' AND manager_id IS NULL AND metric = 'turnover';
UPDATE report_plan_fact SET plan_to_date = 96774.19, attainment_to_date_pct = 124.00, forecast_attainment_pct = 124.00
 WHERE period_type = 'month' AND manager_id = 102 AND metric = 'turnover';
UPDATE report_plan_fact SET plan_to_date = 495161.29, attainment_to_date_pct = 70.68, forecast_attainment_pct = 70.77
 WHERE period_type = 'quarter' AND metric = 'turnover';
-- the year's plan holds no month after March: no attainment of the whole year (report_plan_fact)
UPDATE report_plan_fact SET plan_to_date = 495161.29, attainment_to_date_pct = 70.68, forecast_attainment_pct = NULL
 WHERE period_type = 'year' AND metric = 'turnover';
INSERT INTO report_new_partners VALUES
 ('2026-01-01', 101, 'organizer', 1, 0, 0, 1), ('2026-02-01', 101, 'organizer', 0, 1, 1, 0),
 ('2026-02-01', 101, 'operator', 1, 0, 0, 0), ('2026-03-01', 101, 'operator', 0, 1, 0, 0);
INSERT INTO report_sales_share VALUES
 ('2026-02-01', 'manager', 102, 180000.00, 18000.00, 300), ('2026-02-01', 'empty', NULL, 20000.00, 2000.00, 40),
 ('2026-03-01', 'manager', 102, 120000.00, 12000.00, 240), ('2026-03-01', 'empty', NULL, 20000.00, 2000.00, 40),
 ('2026-03-01', 'support', NULL, 10000.00, 1000.00, 20);
INSERT INTO report_cohorts VALUES
 ('2026-02-01', 'organizer', 0, 2, 2, 200000.00, 20000.00, 340),
 ('2026-02-01', 'organizer', 1, 2, 2, 120000.00, 12000.00, 240),
 ('2026-03-01', 'operator', 0, 1, 1, 20000.00, 2000.00, 40);
INSERT INTO report_declining_partners VALUES
 ('2026-03-15', 'P3', $${SQLI}$$, 'organizer', 103, 40000.00, 20000.00, 50.00),
 ('2026-03-15', 'P2', $${XSS}$$, 'operator', 102, 30000.00, 5000.00, 83.33);
INSERT INTO report_bonus_lines VALUES
 ('2026-02-01', 101, 'sales', 'first_sale', 'P1', 1001, NULL, NULL, 1.5, 7500.00),
 ('2026-02-01', 101, 'sales', 'acquisition_share', 'P1', 1001, 18000.00, 0.10, NULL, 1800.00),
 ('2026-03-01', 101, 'sales', 'acquisition_share', 'P1', 1001, 10000.00, 0.10, NULL, 1000.00),
 ('2026-03-01', 101, 'sales', 'first_sale', 'P2', 1002, NULL, NULL, 1.0, 5000.00),
 ('2026-03-01', 102, 'development', 'growth', 'P2', NULL, 4000.00, 0.05, NULL, 200.00);
INSERT INTO report_bonus_summary VALUES
 ('2026-02-01', 101, 9300.00, 0.00, 9300.00, 2), ('2026-03-01', 101, 6000.00, 0.00, 6000.00, 2),
 ('2026-03-01', 102, 0.00, 200.00, 200.00, 1);
INSERT INTO report_data_quality VALUES ('platform', 'sales', 'tickets is not an integer', 2),
 ('amocrm', 'deals', 'unlinked deal', 1);
INSERT INTO build_info VALUES ('{AS_OF}', '2026-03-15 06:00:00+00', 'Europe/Moscow', 'duckdb', 'test');
INSERT INTO refresh_status VALUES ('amocrm', '2026-03-15 05:50:00+00', NULL, 5),
 ('platform', '2026-03-15 05:55:00+00', 'timeout reading sales (retried)', 6);
"""


def write_published(path: Path, *, extra_sql: str = "") -> Path:
    """Write the fixture file under a temporary name and swap it in, as the real builder does."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    con = connect(tmp)
    try:
        init_canonical(con)
        for name, cols in REPORT_DDL.items():
            con.execute(f"CREATE TABLE {name} ({cols})")
        con.execute(CANONICAL_ROWS)
        con.execute(REPORT_ROWS)
        if extra_sql:
            con.execute(extra_sql)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, path)
    return path
