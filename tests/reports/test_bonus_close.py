"""The whole bonus cycle on a small company (tests/reports/bonus_company.py): approve, late refund,
re-link, rule change, reopen — every expected number worked out by hand there or here."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from salesglass.bonus.store import BonusStore
from salesglass.config import parse_config
from salesglass.errors import SalesglassError
from salesglass.reports.build import run_build
from salesglass.warehouse import compact_if_worthwhile, connect
from tests.reports import bonus_company as c
from tests.reports.canon_io import load_duckdb
from tests.reports.conftest import load_company

M = Decimal
LINE = "month, manager_id, rule, partner_id, deal_id, base, rate, amount, corrects_month, corrects_rule"


def config(tmp, changes: list[dict] | None = None):
    bonus = dict(c.RULES["bonus"])
    if changes:
        bonus["changes"] = changes
    return parse_config({"warehouse": {"path": "wh.duckdb", "published_path": "reports.duckdb",
                                       "bonus_state_path": "bonus.duckdb"},
                         "account": {"timezone": c.TIMEZONE}, "reports": {"bonus": bonus}}, base_dir=tmp)


def query(cfg, sql: str) -> list[tuple]:
    con = duckdb.connect(str(cfg.published_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def lines(cfg, where: str) -> list[tuple]:
    return query(cfg, f"SELECT {LINE} FROM report_bonus_lines WHERE {where} ORDER BY ALL")


def warehouse(cfg, sql: str, params=()) -> None:
    con = connect(cfg.warehouse_path)
    con.execute(sql, list(params))
    con.close()


def close(store: BonusStore, cfg, month: date) -> None:
    store.review(month, "admin@x.ru")
    store.approve(month, "admin@x.ru", cfg.published_path)


@pytest.fixture
def company(tmp_path):
    cfg = config(tmp_path)
    load_company(cfg, c.DATA)
    run_build(cfg, as_of=c.NOV_15, progress=False)
    return cfg, BonusStore(cfg.bonus_state_path)


OCT_LINES = [(c.OCT, 3, "growth", "P1", None, M("5000.00"), M("0.0500"), M("250.00"), None, None)]


def test_approved_october_stays_and_a_late_refund_becomes_a_clawback_in_november(company):
    cfg, store = company
    assert lines(cfg, "month = DATE '2026-10-01'") == OCT_LINES
    close(store, cfg, c.OCT)
    assert store.period(c.OCT).state == "approved" and store.period(c.OCT).total == M("250.00")

    con = connect(cfg.warehouse_path)
    load_duckdb(con, {"sales": [c.LATE_REFUND]})  # appended: the refund is booked after the approval
    con.close()
    run_build(cfg, as_of=c.NOV_15, progress=False)

    assert lines(cfg, "month = DATE '2026-10-01'") == OCT_LINES  # locked: unchanged
    # recomputed October: revenue 6000 − 1200 = 4800, growth 3800 × 5 % = 190.00 → clawback −60.00
    assert query(cfg, "SELECT amount FROM report_bonus_recomputed WHERE month = DATE '2026-10-01'") == [(M("190.00"),)]
    claw = query(cfg, "SELECT month, manager_id, rule, partner_id, base, amount, corrects_month, corrects_rule, cause "
                      "FROM report_bonus_lines WHERE corrects_month IS NOT NULL")
    assert claw == [(c.NOV, 3, "clawback", "P1", M("-1200.00"), M("-60.00"), c.OCT, "growth",
                     "refund r-oct of 2026-10-20 (revenue -1200.00)")]
    # November itself is live: P1 baseline (4800 + 3000 + 0) / 3 = 2600, growth 3400 × 5 % = 170.00; P2 16.67
    assert lines(cfg, "month = DATE '2026-11-01' AND corrects_month IS NULL") == [
        (c.NOV, 3, "growth", "P1", None, M("3400.00"), M("0.0500"), M("170.00"), None, None),
        (c.NOV, 3, "growth", "P2", None, M("333.33"), M("0.0500"), M("16.67"), None, None),
    ]
    # paid + later adjustments = recomputed
    assert query(cfg, "SELECT month, manager_id, state, approved, adjustments, recomputed, difference "
                      "FROM report_bonus_reconciliation") == [
        (c.OCT, 3, "approved", M("250.00"), M("-60.00"), M("190.00"), M("0.00"))]
    # the summary counts the clawback in November (170 + 16.67 − 60)
    assert query(cfg, "SELECT total, adjustments FROM report_bonus_summary WHERE month = DATE '2026-11-01'") == [
        (M("126.67"), M("-60.00"))]


def test_a_newly_linked_deal_gives_true_up_lines(company):
    cfg, store = company
    close(store, cfg, c.OCT)
    warehouse(cfg, "UPDATE deals SET partner_id = 'P2' WHERE deal_id = 202")  # `salesglass link` found it
    run_build(cfg, as_of=c.NOV_15, progress=False)
    assert lines(cfg, "month = DATE '2026-10-01'") == OCT_LINES
    # October recomputed: P2's first sale (5000.00) and 10 % of its 2000.00 (200.00) now go to Boris
    got = query(cfg, "SELECT month, manager_id, rule, partner_id, deal_id, amount, corrects_month, corrects_rule, "
                     "cause FROM report_bonus_lines WHERE corrects_month IS NOT NULL ORDER BY amount")
    assert got == [
        (c.NOV, 2, "true_up", "P2", 202, M("200.00"), c.OCT, "acquisition_share", "deal 202 linked to partner P2"),
        (c.NOV, 2, "true_up", "P2", 202, M("5000.00"), c.OCT, "first_sale", "deal 202 linked to partner P2"),
    ]
    assert query(cfg, "SELECT manager_id, approved, adjustments, recomputed, difference "
                      "FROM report_bonus_reconciliation ORDER BY manager_id") == [
        (2, M("0.00"), M("5200.00"), M("5200.00"), M("0.00")),
        (3, M("250.00"), M("0.00"), M("250.00"), M("0.00")),
    ]


def test_a_rule_change_leaves_approved_months_alone(company):
    cfg, store = company
    close(store, cfg, c.OCT)
    close(store, cfg, c.NOV)
    # growth 7 % from December: December at 7 %, October and November keep 5 %
    cfg = config(cfg.base_dir, [{"valid_from": "2026-12", "growth_rate": "0.07"}])
    run_build(cfg, as_of=c.DEC_20, progress=False)
    # December P1: baseline (6000 + 6000 + 3000) / 3 = 5000, growth 4000 × 7 % = 280.00
    # (P2 sold nothing in December: below its baseline, no line)
    assert lines(cfg, "month >= DATE '2026-10-01'") == [
        *OCT_LINES,
        (c.NOV, 3, "growth", "P1", None, M("3000.00"), M("0.0500"), M("150.00"), None, None),
        (c.NOV, 3, "growth", "P2", None, M("333.33"), M("0.0500"), M("16.67"), None, None),
        (c.DEC, 3, "growth", "P1", None, M("4000.00"), M("0.0700"), M("280.00"), None, None),
    ]
    # a retroactive change from October applies to open months only, and makes no adjustment lines
    cfg = config(cfg.base_dir, [{"valid_from": "2026-10", "growth_rate": "0.10"}])
    run_build(cfg, as_of=c.DEC_20, progress=False)
    assert query(cfg, "SELECT month, rate, amount FROM report_bonus_lines WHERE month >= DATE '2026-10-01' "
                      "ORDER BY month, partner_id") == [
        (c.OCT, M("0.0500"), M("250.00")), (c.NOV, M("0.0500"), M("150.00")), (c.NOV, M("0.0500"), M("16.67")),
        (c.DEC, M("0.1000"), M("400.00"))]
    assert query(cfg, "SELECT month, growth_rate, frozen FROM report_bonus_rules WHERE month >= DATE '2026-09-01' "
                      "ORDER BY month") == [
        (date(2026, 9, 1), M("0.0500"), False), (c.OCT, M("0.0500"), True), (c.NOV, M("0.0500"), True),
        (c.DEC, M("0.1000"), False)]


def test_reopen_needs_a_reason_and_is_audited(company):
    cfg, store = company
    close(store, cfg, c.OCT)
    with pytest.raises(SalesglassError, match="reason"):
        store.reopen(c.OCT, "admin@x.ru", "  ")
    store.reopen(c.OCT, "admin@x.ru", "wrong partner on line 3")
    assert store.period(c.OCT).state == "in_review"
    audit = [(a["actor"], a["action"], a["month"], a["before"], a["after"], a["reason"]) for a in store.audit()]
    assert [a[1] for a in audit] == ["review", "approve", "reopen"]
    assert audit[2] == ("admin@x.ru", "reopen", c.OCT, '{"state": "approved"}', '{"state": "in_review"}',
                        "wrong partner on line 3")
    assert all(a["logged_at"] is not None for a in store.audit())
    # reopened: October follows the data again (a refund now changes October itself, no clawback)
    con = connect(cfg.warehouse_path)
    load_duckdb(con, {"sales": [c.LATE_REFUND]})
    con.close()
    run_build(cfg, as_of=c.NOV_15, progress=False)
    assert query(cfg, "SELECT amount FROM report_bonus_lines WHERE month = DATE '2026-10-01'") == [(M("190.00"),)]
    assert query(cfg, "SELECT count(*) FROM report_bonus_lines WHERE corrects_month IS NOT NULL") == [(0,)]


def test_the_lifecycle_keeps_its_order(company):
    cfg, store = company
    with pytest.raises(SalesglassError, match="review it first"):
        store.approve(c.OCT, "a", cfg.published_path)
    close(store, cfg, c.OCT)
    store.review(c.NOV, "a")
    store.review(c.DEC, "a")
    with pytest.raises(SalesglassError, match="approved in order: the next one to approve is 2026-11"):
        store.approve(c.DEC, "a", cfg.published_path)
    store.pay(c.OCT, "a")
    with pytest.raises(SalesglassError, match="paid and cannot be reopened"):
        store.reopen(c.OCT, "a", "late refund")
    with pytest.raises(SalesglassError, match="before the last approved"):
        store.review(date(2026, 9, 1), "a")
    assert {m: p.state for m, p in store.periods().items()} == {c.OCT: "paid", c.NOV: "in_review",
                                                                 c.DEC: "in_review"}


def test_the_state_survives_compaction_and_rebuilds(company):
    cfg, store = company
    close(store, cfg, c.OCT)
    assert compact_if_worthwhile(cfg.warehouse_path, min_free_share=-1, min_bytes=0) is not None
    warehouse(cfg, "UPDATE sales SET revenue = 9000.00 WHERE sale_id = 's-oct'")
    run_build(cfg, as_of=c.NOV_15, progress=False)
    run_build(cfg, as_of=c.NOV_15, progress=False)
    assert lines(cfg, "month = DATE '2026-10-01' AND corrects_month IS NULL") == OCT_LINES
    # published for BI tools with the reports
    assert query(cfg, "SELECT month, state FROM bonus_periods") == [(c.OCT, "approved")]
    # 9000: growth 8000 × 5 % = 400.00 → +150.00; the sale kept its id, so the cause is the base
    assert query(cfg, "SELECT rule, amount, cause FROM report_bonus_lines WHERE corrects_month IS NOT NULL") == [
        ("true_up", M("150.00"), "recomputed: base 5000.00 → 8000.00")]
