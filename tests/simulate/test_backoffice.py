"""The back-office SQLite file: the contract schema, money that adds up, refunds that fit their orders."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from salesglass.simulate.backoffice import schema_sql

TS = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


def _columns(con: sqlite3.Connection) -> dict[str, list[tuple]]:
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {t: [r[1:3] for r in con.execute(f"PRAGMA table_info({t})")] for t in tables}


def test_schema_is_exactly_the_contract(backoffice: sqlite3.Connection) -> None:
    reference = sqlite3.connect(":memory:")
    reference.executescript(schema_sql())
    assert _columns(backoffice) == _columns(reference)


def test_every_table_has_rows(backoffice: sqlite3.Connection) -> None:
    for table in ("managers", "partners", "contracts", "widgets", "events", "orders", "refund_requests"):
        assert backoffice.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0, table


def test_order_money_adds_up(backoffice: sqlite3.Connection) -> None:
    bad = backoffice.execute("""
        SELECT count(*) FROM orders
        WHERE full_kop != nominal_kop + extra_org_kop
           OR nominal_kop < 0 OR extra_org_kop < 0 OR acquiring_cost_kop < 0 OR agent_commission_kop < 0
           OR profit_core_kop < 0
           OR full_kop - agent_commission_kop - profit_core_kop - acquiring_cost_kop < 0  -- organizer's income
           OR acquiring_cost_kop > full_kop * 0.025
           OR (vendor_id = org_id AND agent_commission_kop != 0)
           OR (is_invitation = 1 AND full_kop != 0)
    """).fetchone()[0]
    assert bad == 0
    # the platform's take is the realistic few per cent of nominal
    core, nominal = backoffice.execute(
        "SELECT sum(profit_core_kop), sum(nominal_kop) FROM orders WHERE status = 'done'"
    ).fetchone()
    assert 0.03 < core / nominal < 0.10


def test_agent_sales_pay_a_commission(backoffice: sqlite3.Connection) -> None:
    rows = backoffice.execute("""
        SELECT count(*), sum(o.agent_commission_kop > 0) FROM orders o JOIN partners a ON a.partner_id = o.vendor_id
        WHERE a.role = 'agent' AND o.is_invitation = 0""").fetchone()
    assert rows[0] > 0 and rows[0] == rows[1]


def test_timestamps_are_naive_wall_clock_text(backoffice: sqlite3.Connection) -> None:
    for table, col in (
        ("orders", "created_at"),
        ("orders", "done_at"),
        ("partners", "created_at"),
        ("partners", "approved_at"),
        ("widgets", "installed_at"),
        ("events", "start_at_utc"),
        ("refund_requests", "finished_at"),
    ):
        values = [r[0] for r in backoffice.execute(f"SELECT {col} FROM {table} WHERE {col} IS NOT NULL LIMIT 500")]
        assert values and all(TS.match(v) for v in values), (table, col)
    assert (
        backoffice.execute("SELECT count(*) FROM orders WHERE (status = 'done') != (done_at IS NOT NULL)").fetchone()[0]
        == 0
    )


def test_refunds_fit_their_orders(backoffice: sqlite3.Connection) -> None:
    bad = backoffice.execute("""
        SELECT count(*) FROM refund_requests r JOIN orders o USING (order_id)
        WHERE o.status != 'done' OR o.is_invitation = 1
           OR r.tickets_quantity < 1 OR r.tickets_quantity > o.tickets_quantity
           OR r.refund_full_kop > o.full_kop OR r.refund_core_kop > o.profit_core_kop
           OR r.refund_cost_kop > o.acquiring_cost_kop + o.agent_commission_kop
           OR r.requested_at < o.done_at
           OR (r.status IN ('approved', 'rejected')) != (r.finished_at IS NOT NULL)
           OR r.finished_at < r.requested_at
    """).fetchone()[0]
    assert bad == 0
    partial = backoffice.execute("""SELECT count(*) FROM refund_requests r JOIN orders o USING (order_id)
                                    WHERE r.status = 'approved' AND r.tickets_quantity < o.tickets_quantity""")
    assert partial.fetchone()[0] > 0
    later = backoffice.execute("""SELECT count(*) FROM refund_requests r JOIN orders o USING (order_id)
                                  WHERE r.status = 'approved'
                                    AND substr(r.finished_at, 1, 7) > substr(o.done_at, 1, 7)""")
    assert later.fetchone()[0] > 0


def test_support_and_unknown_partners(backoffice: sqlite3.Connection, injected: dict) -> None:
    assert backoffice.execute("SELECT count(*) FROM partners WHERE is_support = 1").fetchone()[0] == 1
    assert backoffice.execute("SELECT count(*) FROM orders WHERE org_id IS NULL AND status = 'done'").fetchone()[0]
    unknown = backoffice.execute("""SELECT DISTINCT org_id FROM orders WHERE org_id IS NOT NULL
                                    AND org_id NOT IN (SELECT partner_id FROM partners) ORDER BY 1""").fetchall()
    assert [r[0] for r in unknown] == injected["unknown_partner_orders"]["org_ids"]


def test_test_orders_and_invitations(backoffice: sqlite3.Connection, injected: dict) -> None:
    ids = injected["test_orders_below_100_rub"]["order_ids"]
    assert ids
    marks = ",".join("?" * len(ids))
    rows = backoffice.execute(
        f"SELECT status, full_kop, is_invitation FROM orders WHERE order_id IN ({marks})", ids
    ).fetchall()
    assert len(rows) == len(ids)
    assert all(r[0] == "done" and 0 < r[1] < 10_000 and r[2] == 0 for r in rows)
    assert backoffice.execute("SELECT count(*) FROM orders WHERE is_invitation = 1").fetchone()[0] > 0


def test_both_roles_and_seasonal_sales(backoffice: sqlite3.Connection, company: Path) -> None:
    roles = dict(backoffice.execute("SELECT role, count(*) FROM partners GROUP BY role").fetchall())
    assert roles["org"] > roles["agent"] > 0
    weekdays = dict(
        backoffice.execute("""SELECT strftime('%w', done_at), count(*) FROM orders
                                          WHERE status = 'done' GROUP BY 1""").fetchall()
    )
    assert len(weekdays) == 7


def test_sqlite_integrity_and_check_constraints(backoffice: sqlite3.Connection) -> None:
    """Rows are written with CHECKs skipped for speed, so prove they hold: integrity_check re-verifies them."""
    assert backoffice.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    values = {
        col: {r[0] for r in backoffice.execute(f"SELECT DISTINCT {col} FROM {table}")}
        for table, col in (
            ("orders", "origin"),
            ("orders", "status"),
            ("partners", "role"),
            ("refund_requests", "status"),
            ("events", "status"),
            ("managers", "role"),
        )
    }
    assert values["origin"] <= {"widget", "external_widget", "api", "control_panel", "salespoint"}
    assert values["role"] <= {"org", "agent", "sales", "development", "account", "support"}
