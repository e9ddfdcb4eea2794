"""The whole bonus cycle on a small company (tests/reports/bonus_company.py): approve, late refund,
re-link, rule change, reopen — every expected number worked out by hand there or here."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from salesglass.bonus.store import BonusStore
from salesglass.config import parse_config
from salesglass.errors import SalesglassError
from salesglass.reports import incremental
from salesglass.reports.build import run_build
from salesglass.warehouse import compact_if_worthwhile, connect
from tests.reports import bonus_company as c
from tests.reports.canon_io import load_duckdb
from tests.reports.conftest import load_company

pytestmark = pytest.mark.slow  # about 45 s of CPU in all: handed out first (tests/conftest.py)

M = Decimal
LINE = "month, manager_id, rule, partner_id, deal_id, base, rate, amount, corrects_month, corrects_rule"


def config(tmp, changes: list[dict] | None = None):
    bonus = dict(c.RULES["bonus"])
    if changes:
        bonus["changes"] = changes
    return parse_config(
        {
            "warehouse": {"path": "wh.duckdb", "published_path": "reports.duckdb", "bonus_state_path": "bonus.duckdb"},
            "account": {"timezone": c.TIMEZONE},
            "reports": {"bonus": bonus},
        },
        base_dir=tmp,
    )


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


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The company loaded and built as of 15 November, once for the module."""
    folder = tmp_path_factory.mktemp("bonus-company")
    cfg = config(folder)
    load_company(cfg, c.DATA)
    run_build(cfg, as_of=c.NOV_15, progress=False)
    return folder


def copied(folder: Path, to: Path):
    """A copy of a built folder: every file with its modification time (copy2), so the next build finds
    the published file its record names and is incremental, as after `run_build` in place."""
    shutil.copytree(folder, to, dirs_exist_ok=True, copy_function=shutil.copy2)
    cfg = config(to)
    assert incremental.previous(cfg.published_path) is not None
    return cfg, BonusStore(cfg.bonus_state_path)


@pytest.fixture
def company(built, tmp_path):
    """A test's own copy of the built folder."""
    return copied(built, tmp_path)


@pytest.fixture(scope="module")
def late_refund(built, tmp_path_factory) -> Path:
    """October approved, then a late refund booked and the reports built again, once for the module (the
    DuckDB test and the ClickHouse one below read it; a test that goes on from there takes a copy)."""
    folder = tmp_path_factory.mktemp("bonus-late-refund")
    cfg, store = copied(built, folder)
    close(store, cfg, c.OCT)
    con = connect(cfg.warehouse_path)
    load_duckdb(con, {"sales": [c.LATE_REFUND]})  # appended: the refund is booked after the approval
    con.close()
    run_build(cfg, as_of=c.NOV_15, progress=False)
    return folder


OCT_LINES = [(c.OCT, 3, "growth", "P1", None, M("5000.00"), M("0.0500"), M("250.00"), None, None)]


def test_approved_october_stays_and_a_late_refund_becomes_a_clawback_in_november(built, late_refund):
    assert lines(config(built), "month = DATE '2026-10-01'") == OCT_LINES  # before the approval
    cfg = config(late_refund)
    store = BonusStore(cfg.bonus_state_path)
    assert store.period(c.OCT).state == "approved" and store.period(c.OCT).total == M("250.00")

    assert lines(cfg, "month = DATE '2026-10-01'") == OCT_LINES  # locked: unchanged
    # recomputed October: revenue 6000 − 1200 = 4800, growth 3800 × 5 % = 190.00 → clawback −60.00
    assert query(cfg, "SELECT amount FROM report_bonus_recomputed WHERE month = DATE '2026-10-01'") == [(M("190.00"),)]
    claw = query(
        cfg,
        "SELECT month, manager_id, rule, partner_id, base, amount, corrects_month, corrects_rule, cause "
        "FROM report_bonus_lines WHERE corrects_month IS NOT NULL",
    )
    assert claw == [
        (
            c.NOV,
            3,
            "clawback",
            "P1",
            M("-1200.00"),
            M("-60.00"),
            c.OCT,
            "growth",
            "refund r-oct of 2026-10-20 (revenue -1200.00)",
        )
    ]
    # November itself is live: P1 baseline (4800 + 3000 + 0) / 3 = 2600, growth 3400 × 5 % = 170.00; P2 16.67
    assert lines(cfg, "month = DATE '2026-11-01' AND corrects_month IS NULL") == [
        (c.NOV, 3, "growth", "P1", None, M("3400.00"), M("0.0500"), M("170.00"), None, None),
        (c.NOV, 3, "growth", "P2", None, M("333.33"), M("0.0500"), M("16.67"), None, None),
    ]
    # paid + later adjustments = recomputed
    assert query(
        cfg,
        "SELECT month, manager_id, state, approved, adjustments, recomputed, difference "
        "FROM report_bonus_reconciliation",
    ) == [(c.OCT, 3, "approved", M("250.00"), M("-60.00"), M("190.00"), M("0.00"))]
    # the summary counts the clawback in November (170 + 16.67 − 60)
    assert query(cfg, "SELECT total, adjustments FROM report_bonus_summary WHERE month = DATE '2026-11-01'") == [
        (M("126.67"), M("-60.00"))
    ]


@pytest.mark.clickhouse
def test_approved_october_and_its_clawback_are_the_same_on_clickhouse(late_refund):
    """The same late refund after October's approval on ClickHouse: it keeps October's approved line and
    carries the difference to November as a clawback, exactly as the DuckDB build above did (the ClickHouse
    build used to refuse to run once a month was approved)."""
    import ibis

    from salesglass.model.schema import CANONICAL
    from salesglass.reports.base import BuildParams
    from salesglass.reports.bonus_close import BonusState
    from salesglass.reports.bonus_state import frozen_rules_in
    from tests.reports.canon_io import arrow_schema, chdb_reports, dated
    from tests.reports.compare import assert_same

    cfg = config(late_refund)
    con = connect(cfg.warehouse_path, read_only=True)
    data = {
        t.name: con.execute(f'SELECT {", ".join(t.names)} FROM "{t.name}"').to_arrow_table().cast(arrow_schema(t))
        for t in CANONICAL
    }
    assert c.LATE_REFUND["sale_id"] in data["sales"].column("sale_id").to_pylist()
    first_year = dated(BuildParams(as_of=c.NOV_15, timezone=c.TIMEZONE, rules=cfg.reports), con).first_year
    con.close()

    pub = ibis.duckdb.connect(str(cfg.published_path), read_only=True)  # DuckDB's build: the reference
    closed = pub.raw_sql("SELECT month, approval_id FROM bonus_periods WHERE state = 'approved'").fetchall()
    assert closed == [(c.OCT, closed[0][1])]
    params = BuildParams(
        as_of=c.NOV_15,
        timezone=c.TIMEZONE,
        rules=cfg.reports,
        frozen_bonus_rules=frozen_rules_in(pub),
        first_year=first_year,
    )
    compared = (
        "report_bonus_recomputed",
        "report_bonus_lines",
        "report_bonus_summary",
        "report_bonus_reconciliation",
    )
    # the other reports: tests/reports/test_engines.py
    ch = chdb_reports(data, params, BonusState.of(pub, tuple(closed)), only=compared)
    SEP = date(2026, 9, 1)
    got = sorted(
        (r["month"], r["rule"], r["amount"], r["corrects_month"]) for r in ch["report_bonus_lines"].to_pylist()
    )
    # by hand (tests/reports/bonus_company.py): September's first sale 5000.00 and 10 % × 3000 = 300.00;
    # October stays 250.00 as approved; recomputed October is (6000 − 1200 − 1000) × 5 % = 190.00, so
    # November carries −60.00; November itself 170.00 and 16.67
    assert got == [
        (SEP, "acquisition_share", M("300.00"), None),
        (SEP, "first_sale", M("5000.00"), None),
        (c.OCT, "growth", M("250.00"), None),
        (c.NOV, "clawback", M("-60.00"), c.OCT),
        (c.NOV, "growth", M("16.67"), None),
        (c.NOV, "growth", M("170.00"), None),
    ]
    for name in compared:
        assert_same(name, pub.table(name).to_pyarrow(), ch[name])


def test_a_second_refund_after_the_clawback_was_locked_carries_only_the_difference(late_refund, tmp_path):
    cfg, store = copied(late_refund, tmp_path)  # October approved, its late refund booked and built
    close(store, cfg, c.NOV)  # November is locked with its clawback of −60.00 for October
    assert store.period(c.NOV).total == M("126.67")  # 170 + 16.67 − 60
    con = connect(cfg.warehouse_path)
    load_duckdb(con, {"sales": [_refund("r-oct2", 25, "-600.00")]})
    con.close()
    run_build(cfg, as_of=c.DEC_20, progress=False)
    # October now: revenue 4200, growth 3200 × 5 % = 160.00; booked 250.00 − 60.00 = 190.00 → −30.00.
    # November now: baseline (4200 + 3000 + 0) / 3 = 2400, growth 3600 × 5 % = 180.00; booked 170.00 → +10.00.
    # Both name only the refund booked since (r-oct was known when November was approved).
    assert query(
        cfg,
        "SELECT month, rule, amount, corrects_month, cause FROM report_bonus_lines "
        "WHERE corrects_month IS NOT NULL AND month = DATE '2026-12-01' ORDER BY corrects_month",
    ) == [
        (c.DEC, "clawback", M("-30.00"), c.OCT, "refund r-oct2 of 2026-10-25 (revenue -600.00)"),
        (c.DEC, "true_up", M("10.00"), c.NOV, "refund r-oct2 of 2026-10-25 (revenue -600.00)"),
    ]
    assert query(
        cfg,
        "SELECT month, approved, adjustments, recomputed, difference FROM report_bonus_reconciliation ORDER BY month",
    ) == [
        (c.OCT, M("250.00"), M("-90.00"), M("160.00"), M("0.00")),
        (c.NOV, M("186.67"), M("10.00"), M("196.67"), M("0.00")),
    ]


def _refund(sale_id: str, day: int, revenue: str) -> dict:
    from tests.reports.golden_company import _sale, utc

    return _sale(sale_id, "P1", utc(2026, 10, day, 10), -2, "-6000.00", revenue, "0.00")


def test_a_newly_linked_deal_gives_true_up_lines(company):
    cfg, store = company
    close(store, cfg, c.OCT)
    warehouse(cfg, "UPDATE deals SET partner_id = 'P2' WHERE deal_id = 202")  # `salesglass link` found it
    run_build(cfg, as_of=c.NOV_15, progress=False)
    assert lines(cfg, "month = DATE '2026-10-01'") == OCT_LINES
    # October recomputed: P2's first sale (5000.00) and 10 % of its 2000.00 (200.00) now go to Boris
    got = query(
        cfg,
        "SELECT month, manager_id, rule, partner_id, deal_id, amount, corrects_month, corrects_rule, "
        "cause FROM report_bonus_lines WHERE corrects_month IS NOT NULL ORDER BY amount",
    )
    assert got == [
        (c.NOV, 2, "true_up", "P2", 202, M("200.00"), c.OCT, "acquisition_share", "deal 202 linked to partner P2"),
        (c.NOV, 2, "true_up", "P2", 202, M("5000.00"), c.OCT, "first_sale", "deal 202 linked to partner P2"),
    ]
    assert query(
        cfg,
        "SELECT manager_id, approved, adjustments, recomputed, difference "
        "FROM report_bonus_reconciliation ORDER BY manager_id",
    ) == [
        (2, M("0.00"), M("5200.00"), M("5200.00"), M("0.00")),
        (3, M("250.00"), M("0.00"), M("250.00"), M("0.00")),
    ]


def test_a_new_development_manager_moves_the_line_with_a_clawback_and_a_true_up(company):
    cfg, store = company
    close(store, cfg, c.OCT)
    warehouse(cfg, "UPDATE partners SET development_manager_id = 2 WHERE partner_id = 'P1'")  # Vera → Boris
    run_build(cfg, as_of=c.NOV_15, progress=False)
    assert lines(cfg, "month = DATE '2026-10-01'") == OCT_LINES
    assert query(
        cfg,
        "SELECT manager_id, rule, amount, corrects_month, cause FROM report_bonus_lines "
        "WHERE corrects_month IS NOT NULL AND rule <> 'carry_forward' ORDER BY manager_id",
    ) == [
        (2, "true_up", M("250.00"), c.OCT, "partner P1 now credited to this manager (was manager 3)"),
        (3, "clawback", M("-250.00"), c.OCT, "partner P1 now credited to manager 2"),
    ]
    # Vera's November: P2 growth 16.67 − 250.00 = −233.33, not paid but carried forward
    assert query(cfg, "SELECT manager_id, amount FROM report_bonus_lines WHERE rule = 'carry_forward'") == [
        (3, M("233.33"))
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
    # the rule change is in the audit trail, before → after
    rules = [a for a in store.audit() if a["action"] == "rules"]
    assert len(rules) == 2 and rules[1]["actor"] == "config" and rules[1]["before"] == rules[0]["after"]
    assert '"growth_rate": "0.07", "valid_from": "2026-12"' in rules[1]["after"]
    # a retroactive change from October applies to open months only, and makes no adjustment lines
    cfg = config(cfg.base_dir, [{"valid_from": "2026-10", "growth_rate": "0.10"}])
    run_build(cfg, as_of=c.DEC_20, progress=False)
    assert query(
        cfg,
        "SELECT month, rate, amount FROM report_bonus_lines WHERE month >= DATE '2026-10-01' "
        "ORDER BY month, partner_id",
    ) == [
        (c.OCT, M("0.0500"), M("250.00")),
        (c.NOV, M("0.0500"), M("150.00")),
        (c.NOV, M("0.0500"), M("16.67")),
        (c.DEC, M("0.1000"), M("400.00")),
    ]
    assert query(
        cfg, "SELECT month, growth_rate, frozen FROM report_bonus_rules WHERE month >= DATE '2026-09-01' ORDER BY month"
    ) == [
        (date(2026, 9, 1), M("0.0500"), False),
        (c.OCT, M("0.0500"), True),
        (c.NOV, M("0.0500"), True),
        (c.DEC, M("0.1000"), False),
    ]


def test_reopen_needs_a_reason_and_is_audited(company):
    cfg, store = company
    close(store, cfg, c.OCT)
    with pytest.raises(SalesglassError, match="reason"):
        store.reopen(c.OCT, "admin@x.ru", "  ")
    store.reopen(c.OCT, "admin@x.ru", "wrong partner on line 3")
    assert store.period(c.OCT).state == "in_review"
    audit = [(a["actor"], a["action"], a["month"], a["before"], a["after"], a["reason"]) for a in store.audit()]
    # the first build recorded the config's rules ("rules", by "config")
    assert [a[1] for a in audit] == ["rules", "review", "approve", "reopen"]
    assert audit[3] == (
        "admin@x.ru",
        "reopen",
        c.OCT,
        '{"state": "approved"}',
        '{"state": "in_review"}',
        "wrong partner on line 3",
    )
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
    assert {m: p.state for m, p in store.periods().items()} == {c.OCT: "paid", c.NOV: "in_review", c.DEC: "in_review"}


def test_an_adjustment_for_a_month_before_the_last_approved_goes_to_the_first_open_month(company):
    """September stays open history once October is approved: an adjustment stored in September was never
    paid (nobody approves or pays September again); it belongs to November, naming what it corrects."""
    cfg, store = company
    close(store, cfg, c.OCT)
    sep = date(2026, 9, 1)
    with pytest.raises(
        SalesglassError, match=r"2026-09 is before the last approved month 2026-10 .* add the adjustment to 2026-11"
    ):
        store.add_adjustment(sep, 1, "500", "cold partner", "admin@x.ru")
    # Anna disputes her September first-sale line; the admin agrees: the line lands in November
    dispute = store.raise_dispute(sep, 1, "first_sale", "P1", None, M("5000.00"), "P1 was cold", "anna@x.ru")
    store.resolve_dispute(dispute, "adjust", "agreed: 1.5×", "admin@x.ru", amount="2500")
    assert [(a["month"], a["manager_id"], a["amount"], a["corrects_month"]) for a in store.manual_adjustments()] == [
        (c.NOV, 1, M("2500.00"), sep)
    ]


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
        ("true_up", M("150.00"), "recomputed: base 5000.00 → 8000.00")
    ]


def test_a_sale_dated_into_another_month_is_moved_not_removed(company):
    """October approved (Vera growth P1 250.00); then P1's October sale s-oct (6 000.00 revenue) is re-dated
    2 November in the back office. October recomputed: revenue 0 < baseline 1 000 → no growth → clawback
    −250.00 in November. Its cause said "sale s-oct removed", and the accountant looked for a deletion."""
    cfg, store = company
    close(store, cfg, c.OCT)
    warehouse(cfg, "UPDATE sales SET sold_at = TIMESTAMPTZ '2026-11-02 10:00:00+00' WHERE sale_id = 's-oct'")
    run_build(cfg, as_of=c.NOV_15, progress=False)
    assert query(
        cfg,
        "SELECT month, manager_id, rule, amount, corrects_month, cause FROM report_bonus_lines WHERE rule = 'clawback'",
    ) == [(c.NOV, 3, "clawback", M("-250.00"), c.OCT, "sale s-oct moved to 2026-11 (revenue 6000.00)")]
