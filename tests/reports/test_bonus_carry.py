"""A negative net is not paid but carried forward: the bonus company (tests/reports/bonus_company.py) plus
Gleb (development), whose only partners are P3 and P4 (no deals: growth lines only). Numbers by hand:

- P3 revenue: Sep 15 000 (first sale), Oct 125 000, Nov 50 000; P4: Nov 30 000 (first sale), Dec 90 000.
- Oct: P3 baseline (15 000 + 0 + 0) / 3 = 5 000 → growth 120 000 × 5 % = 6 000.00 (approved, paid).
- A refund of 50 000 dated 20 October is booked in November: October recomputed 75 000 − 5 000 = 70 000
  × 5 % = 3 500.00 → clawback −2 500.00 in November.
- Nov: P3 baseline (75 000 + 15 000 + 0) / 3 = 30 000 → growth 20 000 × 5 % = 1 000.00; P4 month 0.
  Net 1 000.00 − 2 500.00 = −1 500.00 → pays 0.00, −1 500.00 carried forward.
- Dec: P4 baseline (30 000 + 0 + 0) / 3 = 10 000 → growth 80 000 × 5 % = 4 000.00; P3 has no sales (no
  line). 4 000.00 − 1 500.00 carried = 2 500.00 to pay.
- Paid Oct–Dec: 6 000 + 0 + 2 500 = 8 500 = earned 6 000 + 1 000 + 4 000 − clawback 2 500.
"""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from salesglass.bonus.statement import write_payroll
from salesglass.bonus.store import BonusStore
from salesglass.reports.build import run_build
from salesglass.warehouse import connect
from tests.reports import bonus_company as c
from tests.reports.canon_io import load_duckdb
from tests.reports.conftest import load_company
from tests.reports.golden_company import _mgr, _partner, _sale, utc
from tests.reports.test_bonus_close import close, config, query, warehouse

M = Decimal
GLEB = 4
DATA = {
    **c.DATA,
    "managers": [*c.MANAGERS, _mgr(GLEB, "Gleb", "development", True)],
    "partners": [*c.PARTNERS, _partner("P3", "Gamma", "organizer", GLEB), _partner("P4", "Delta", "organizer", GLEB)],
    "sales": [
        *c.SALES,
        _sale("g-sep", "P3", utc(2026, 9, 10, 10), 1, "150000.00", "15000.00", "0.00"),
        _sale("g-oct", "P3", utc(2026, 10, 10, 10), 1, "1250000.00", "125000.00", "0.00"),
        _sale("g-nov", "P3", utc(2026, 11, 10, 10), 1, "500000.00", "50000.00", "0.00"),
        _sale("d-nov", "P4", utc(2026, 11, 5, 10), 1, "300000.00", "30000.00", "0.00"),
        _sale("d-dec", "P4", utc(2026, 12, 10, 10), 1, "900000.00", "90000.00", "0.00"),
    ],
}
REFUND = _sale("g-ref", "P3", utc(2026, 10, 20, 10), -1, "-500000.00", "-50000.00", "0.00")


@pytest.fixture
def gleb(tmp_path):
    cfg = config(tmp_path)
    load_company(cfg, DATA)
    run_build(cfg, as_of=c.NOV_15, progress=False)
    store = BonusStore(cfg.bonus_state_path)
    close(store, cfg, c.OCT)
    store.pay(c.OCT, "admin@x.ru")
    con = connect(cfg.warehouse_path)
    load_duckdb(con, {"sales": [REFUND]})  # booked after October was paid
    con.close()
    run_build(cfg, as_of=c.NOV_15, progress=False)
    return cfg, store


def totals(cfg, manager_id: int) -> list[tuple]:
    return query(
        cfg,
        f"SELECT month, sum(amount) FROM report_bonus_lines WHERE manager_id = {manager_id} GROUP BY month ORDER BY 1",
    )


def carry_lines(cfg) -> list[tuple]:
    return query(
        cfg,
        "SELECT month, manager_id, amount, corrects_month, cause FROM report_bonus_lines "
        "WHERE rule = 'carry_forward' ORDER BY month, amount DESC",
    )


def test_a_negative_november_pays_nothing_and_december_pays_the_rest(gleb):
    cfg, store = gleb
    nov = query(
        cfg,
        f"SELECT rule, amount FROM report_bonus_lines WHERE manager_id = {GLEB} AND month = DATE '2026-11-01' "
        "ORDER BY amount",
    )
    assert nov == [("clawback", M("-2500.00")), ("growth", M("1000.00")), ("carry_forward", M("1500.00"))]
    assert carry_lines(cfg) == [
        (c.NOV, GLEB, M("1500.00"), c.NOV, "net -1500.00 is not paid: carried forward to the next month")
    ]
    assert totals(cfg, GLEB) == [(c.OCT, M("6000.00")), (c.NOV, M("0.00"))]
    # the summary: the clawback is an adjustment, the carried 1 500.00 is in the total and says so
    summary = f"SELECT month, total, adjustments, carried FROM report_bonus_summary WHERE manager_id = {GLEB}"
    assert query(cfg, summary + " AND month = DATE '2026-11-01'") == [(c.NOV, M("0.00"), M("-2500.00"), M("1500.00"))]

    close(store, cfg, c.NOV)
    assert store.period(c.NOV).total == M("166.67")  # Vera 150.00 + 16.67, Gleb 0.00: the month pays no negative
    run_build(cfg, as_of=c.DEC_20, progress=False)
    assert carry_lines(cfg) == [
        (c.NOV, GLEB, M("1500.00"), c.NOV, "net -1500.00 is not paid: carried forward to the next month"),
        (
            c.DEC,
            GLEB,
            M("-1500.00"),
            c.NOV,
            "carried from 2026-11: a negative net is paid off from later bonuses",
        ),
    ]
    assert totals(cfg, GLEB) == [(c.OCT, M("6000.00")), (c.NOV, M("0.00")), (c.DEC, M("2500.00"))]
    # December: 4 000.00 earned, the 1 500.00 of November taken off
    assert query(cfg, summary + " AND month = DATE '2026-12-01'") == [(c.DEC, M("2500.00"), M("0.00"), M("-1500.00"))]
    # nothing lost, nothing paid twice: 6 000 + 0 + 2 500 = (6 000 + 1 000 + 4 000) − 2 500
    assert sum(t for _, t in totals(cfg, GLEB)) == M("6000.00") + M("1000.00") + M("4000.00") - M("2500.00")


def test_a_carry_that_leaves_the_next_month_negative_carries_again(gleb):
    cfg, store = gleb
    close(store, cfg, c.NOV)
    # December earns 4 000.00; a manual −5 000.00 (an advance repaid) makes it 4 000 − 5 000 − 1 500 = −2 500
    store.add_adjustment(c.DEC, GLEB, "-5000.00", "advance repaid", "admin@x.ru")
    run_build(cfg, as_of=c.DEC_20, progress=False)
    assert totals(cfg, GLEB) == [(c.OCT, M("6000.00")), (c.NOV, M("0.00")), (c.DEC, M("0.00"))]
    assert [(m, a, cm) for m, _, a, cm, _ in carry_lines(cfg)] == [
        (c.NOV, M("1500.00"), c.NOV),
        (c.DEC, M("2500.00"), c.DEC),
        (c.DEC, M("-1500.00"), c.NOV),
    ]


def test_a_manager_who_left_is_named_on_the_carried_line(gleb):
    cfg, _ = gleb
    warehouse(cfg, f"UPDATE managers SET is_active = false WHERE manager_id = {GLEB}")
    run_build(cfg, as_of=c.NOV_15, progress=False)
    assert [cause for *_, cause in carry_lines(cfg)] == [
        "net -1500.00 is not paid: carried forward to the next month; "
        "the manager has left: the company decides whether to write it off"
    ]


def test_the_payroll_file_pays_0_and_says_why_and_a_positive_net_is_unaffected(gleb, tmp_path):
    cfg, _ = gleb
    out = tmp_path / "payroll.csv"
    out.write_text("last month's")
    out.chmod(0o644)  # written before: every manager's pay stayed readable by all (opening keeps the mode)
    assert len(write_payroll(cfg, c.NOV, out)) == 2
    assert out.stat().st_mode & 0o777 == 0o600
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = {r["manager"]: r for r in csv.DictReader(f)}
    # Gleb: 1 000.00 earned − 2 500.00 clawback + 1 500.00 carried = 0.00
    # Vera: 150.00 + 16.67 as earned, nothing carried
    assert [rows["Gleb"][k] for k in ("total", "adjustments", "carried")] == ["0.00", "-2500.00", "1500.00"]
    assert rows["Gleb"]["note"] == (
        "net -1500.00 is not paid: carried forward to the next month / "
        "отрицательный итог -1500.00 не выплачивается: переносится на следующий месяц"
    )
    assert [rows["Vera"][k] for k in ("total", "adjustments", "carried", "note")] == ["166.67", "0.00", "0.00", ""]


def test_clickhouse_carries_the_same_negative_net(gleb):
    """The carry (window functions over the month's nets) gives the same lines under ClickHouse SQL (chdb)."""
    import ibis

    from salesglass.model.schema import CANONICAL
    from salesglass.reports.base import BuildParams
    from salesglass.reports.bonus_close import BonusState
    from salesglass.reports.bonus_state import frozen_rules_in
    from tests.reports.canon_io import arrow_schema, chdb_reports, dated_for

    cfg, _ = gleb
    con = connect(cfg.warehouse_path)
    data = {
        t.name: con.execute(f'SELECT {", ".join(t.names)} FROM "{t.name}"').to_arrow_table().cast(arrow_schema(t))
        for t in CANONICAL
    }
    con.close()
    pub = ibis.duckdb.connect(str(cfg.published_path), read_only=True)
    closed = pub.raw_sql("SELECT month, approval_id FROM bonus_periods WHERE state IN ('approved', 'paid')").fetchall()
    state = BonusState.of(pub, tuple(closed))
    params = BuildParams(
        as_of=c.NOV_15, timezone=c.TIMEZONE, rules=cfg.reports, frozen_bonus_rules=frozen_rules_in(pub)
    )
    params = dated_for(params, data)  # the zone's offsets from the data's first year, as the build writes them
    ch = chdb_reports(data, params, state, only=("report_bonus_lines",))
    got = sorted(
        (r["month"], r["manager_id"], r["amount"], r["corrects_month"], r["cause"])
        for r in ch["report_bonus_lines"].to_pylist()
        if r["rule"] == "carry_forward"
    )
    assert got == [(c.NOV, GLEB, M("1500.00"), c.NOV, "net -1500.00 is not paid: carried forward to the next month")]
