"""The bonus state as the build reads it: the tables of the state file, copied into the build.

The state file (`[warehouse].bonus_state_path`) is written only by salesglass/bonus/store.py; its schema
lives here because the report SQL (reports/bonus_close.py) reads it. Copying it into the new report file
keeps the report logic set-based SQL in one database, and publishes the state with the reports for BI
tools (bonus_periods, bonus_approvals, bonus_locked_lines, …).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from salesglass.errors import SalesglassError

DDL = (
    "CREATE SEQUENCE IF NOT EXISTS bonus_ids START 1",
    """CREATE TABLE IF NOT EXISTS bonus_periods (
        month DATE PRIMARY KEY, state VARCHAR NOT NULL, approval_id BIGINT,
        changed_at TIMESTAMPTZ NOT NULL, changed_by VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS bonus_approvals (
        approval_id BIGINT PRIMARY KEY, month DATE NOT NULL, approved_at TIMESTAMPTZ NOT NULL,
        approved_by VARCHAR NOT NULL, rules VARCHAR NOT NULL, data_as_of DATE, built_at TIMESTAMPTZ,
        total DECIMAL(18,2) NOT NULL, line_count BIGINT NOT NULL,
        paid_at TIMESTAMPTZ, paid_by VARCHAR, reopened_at TIMESTAMPTZ, reopened_by VARCHAR, reopen_reason VARCHAR)""",
    # an approval by an admin with bonus lines in the month (the only admin): says so (state files of before)
    "ALTER TABLE bonus_approvals ADD COLUMN IF NOT EXISTS self_approval VARCHAR",
    """CREATE TABLE IF NOT EXISTS bonus_locked_lines (
        approval_id BIGINT NOT NULL, month DATE NOT NULL, manager_id BIGINT, role VARCHAR, rule VARCHAR,
        partner_id VARCHAR, deal_id BIGINT, base DECIMAL(18,2), rate DECIMAL(18,4), multiplier DECIMAL(18,4),
        amount DECIMAL(18,2), baseline DECIMAL(18,2), corrects_month DATE, corrects_rule VARCHAR, cause VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS bonus_locked_sales (
        approval_id BIGINT NOT NULL, month DATE NOT NULL, sale_id VARCHAR NOT NULL, partner_id VARCHAR,
        revenue DECIMAL(18,2))""",
    """CREATE TABLE IF NOT EXISTS bonus_manual_adjustments (
        adjustment_id BIGINT PRIMARY KEY, month DATE NOT NULL, manager_id BIGINT NOT NULL,
        amount DECIMAL(18,2) NOT NULL, reason VARCHAR NOT NULL, partner_id VARCHAR, corrects_month DATE,
        dispute_id BIGINT, created_at TIMESTAMPTZ NOT NULL, created_by VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS bonus_disputes (
        dispute_id BIGINT PRIMARY KEY, month DATE NOT NULL, manager_id BIGINT NOT NULL, rule VARCHAR NOT NULL,
        partner_id VARCHAR, corrects_month DATE, amount DECIMAL(18,2), comment VARCHAR NOT NULL,
        raised_by VARCHAR NOT NULL, raised_at TIMESTAMPTZ NOT NULL, status VARCHAR NOT NULL,
        answer VARCHAR, resolved_by VARCHAR, resolved_at TIMESTAMPTZ, adjustment_id BIGINT)""",
    """CREATE TABLE IF NOT EXISTS bonus_audit (
        audit_id BIGINT PRIMARY KEY, logged_at TIMESTAMPTZ NOT NULL, actor VARCHAR NOT NULL, action VARCHAR NOT NULL,
        month DATE, object VARCHAR, before VARCHAR, after VARCHAR, reason VARCHAR)""",
)
TABLES = (
    "bonus_periods",
    "bonus_approvals",
    "bonus_locked_lines",
    "bonus_locked_sales",
    "bonus_manual_adjustments",
    "bonus_disputes",
    "bonus_audit",
)


def copy_into(con: Any, path: Path, rules: str | None = None) -> tuple[tuple[date, int], ...]:
    """Copy every state table into the build's DuckDB file (`con`: its Ibis backend), so the report SQL
    reads them there and BI tools find them published; returns the closed months (month, approval_id).

    The state file is created empty when missing (another process writing it is waited for). `rules`
    (the config's bonus rules as JSON) is audited when it differs from the rules the last build saw:
    rule changes come from the config file, and the audit trail says from which build on they applied."""
    import time

    from salesglass.sql import quote_ident
    from salesglass.sql import quote_lit as sql_literal
    from salesglass.warehouse import connect

    state = connect(path)  # read-write, briefly: the schema (idempotent) and a rule change
    try:
        for sql in DDL:
            state.execute(sql)
        if rules is not None:
            last = state.execute(
                "SELECT after FROM bonus_audit WHERE action = 'rules' ORDER BY audit_id DESC LIMIT 1"
            ).fetchone()
            if last is None or last[0] != rules:
                state.execute(
                    "INSERT INTO bonus_audit VALUES (nextval('bonus_ids'), now(), 'config', 'rules', "
                    "NULL, '[reports.bonus]', ?, ?, NULL)",
                    [last[0] if last else None, rules],
                )
    finally:
        state.close()
    for attempt in range(100):
        try:
            con.raw_sql(f"ATTACH {sql_literal(str(path))} AS bonus_state (READ_ONLY)")
            break
        except duckdb.Error as exc:
            if "lock" not in str(exc).lower() or attempt == 99:
                raise SalesglassError(f"cannot read the bonus state {path}: {exc}") from exc
            time.sleep(0.1)
    try:
        for table in TABLES:
            con.raw_sql(f"CREATE TABLE {quote_ident(table)} AS SELECT * FROM bonus_state.{quote_ident(table)}")
    finally:
        con.raw_sql("DETACH bonus_state")
    rows = con.raw_sql(
        "SELECT month, approval_id FROM bonus_periods WHERE state IN ('approved', 'paid') ORDER BY month"
    ).fetchall()
    return tuple((m, int(a)) for m, a in rows)


def frozen_rules_in(con: Any) -> tuple:
    """(month, RuleNumbers) of every closed month, from the copied tables."""
    from salesglass.reports.bonus_rules import RuleNumbers

    rows = con.raw_sql("""SELECT p.month, a.rules FROM bonus_periods p JOIN bonus_approvals a USING (approval_id)
                          WHERE p.state IN ('approved', 'paid') ORDER BY p.month""").fetchall()
    return tuple((m, RuleNumbers.from_json(r)) for m, r in rows)


def closed_months(path: Path) -> list[date]:
    """The approved and paid months of the state file at `path`."""
    from salesglass.warehouse import connect

    con = connect(path, read_only=True)
    try:
        return [
            r[0]
            for r in con.execute(
                "SELECT month FROM bonus_periods WHERE state IN ('approved', 'paid') ORDER BY month"
            ).fetchall()
        ]
    finally:
        con.close()


def reconciliation_summary(con: Any) -> tuple[int, list[tuple]]:
    """(closed months checked, rows whose approved + adjustments ≠ recomputed) of a published file;
    `con` is a DuckDB connection or an Ibis DuckDB backend."""
    run = con.raw_sql if hasattr(con, "raw_sql") else con.execute
    months = run("SELECT count(DISTINCT month) FROM report_bonus_reconciliation").fetchall()[0][0]
    bad = run(
        "SELECT month, manager_id, approved, adjustments, recomputed, difference "
        "FROM report_bonus_reconciliation WHERE difference <> 0 ORDER BY month, manager_id"
    ).fetchall()
    return int(months), bad
