"""A build redoes only the steps whose inputs changed (reports/incremental.py) and publishes exactly what a
full build of the same warehouse publishes. Built from copies of the golden company's warehouse."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from salesglass.errors import SalesglassError
from salesglass.reports import compiled, data_quality, incremental, registry
from salesglass.reports.build import run_build
from salesglass.warehouse import note_change
from tests.reports import golden_company as g
from tests.reports.conftest import make_config
from tests.reports.test_compiled import _tables

SALES_STEPS = ("partner_months", "partner_days", "first_sales", "forecast_base", "report_cohorts")


def _copy_of(golden_cfg, tmp: Path, rules: dict = g.RULES):
    tmp.mkdir(parents=True, exist_ok=True)
    cfg = make_config(tmp, rules, g.TIMEZONE)
    shutil.copyfile(golden_cfg.warehouse_path, cfg.warehouse_path)
    return cfg


def _change(cfg, *sql: str, source: str | None = None) -> None:
    con = duckdb.connect(str(cfg.warehouse_path))
    for statement in sql:
        con.execute(statement)
    if source:
        note_change(con, source)
    con.close()


def _full_build_of(cfg, tmp: Path, rules: dict = g.RULES) -> dict:
    """The same warehouse built in full elsewhere: what every published table must hold."""
    tmp.mkdir(parents=True, exist_ok=True)
    other = make_config(tmp, rules, g.TIMEZONE)
    shutil.copyfile(cfg.warehouse_path, other.warehouse_path)
    run_build(other, as_of=g.AS_OF, progress=False, full=True)
    return _tables(other.published_path)


def _kept(out: str) -> set[str]:
    return {line.split()[0] for line in out.splitlines() if "kept (inputs unchanged)" in line}


# deal 102 (P5, open) is won on 10 January: deals and their stages change, the sales do not
MOVE_A_DEAL = (
    "UPDATE deals SET status_id = 142, is_won = TRUE, closed_at = TIMESTAMPTZ '2025-01-10 10:00:00+00' "
    "WHERE deal_id = 102",
    "INSERT INTO deal_stages VALUES (102, 'first_sale', TIMESTAMPTZ '2025-01-10 10:00:00+00', 'amocrm')",
)
# one more sale of P3 before as_of and one of P1's changed
CHANGE_SALES = (
    "INSERT INTO sales VALUES ('s99', 'P3', NULL, TIMESTAMPTZ '2025-01-12 10:00:00+00', 4, 4000, 400, 120, 'widget')",
    "UPDATE sales SET turnover = 8000, revenue = 800 WHERE sale_id = 's2'",
)


def test_a_moved_deal_reruns_the_deal_steps_keeps_the_sales_ones_and_publishes_what_a_full_build_does(
    golden_cfg, tmp_path, capsys
):
    cfg = _copy_of(golden_cfg, tmp_path / "inc")
    run_build(cfg, as_of=g.AS_OF, progress=False)
    before = _tables(cfg.published_path)
    _change(cfg, *MOVE_A_DEAL)
    run_build(cfg, as_of=g.AS_OF, progress=True)
    out = capsys.readouterr().out
    assert "canonical tables changed since: deals, deal_stages" in " ".join(out.split())
    kept = _kept(out)
    assert set(SALES_STEPS) <= kept
    # the forecast reads the deals through forecast_deals (rerun); a deal won without its partner's first
    # sale is still an open deal there (same rows), so the forecast's deal parts and plan-fact, which reads
    # the deals only through them and acquiring_deals (same rows too), keep their tables
    assert not {"deal_stages", "report_funnel", "report_weekly", "forecast_deals", "acquiring_deals"} & kept
    assert {"forecast_pipeline", "forecast_new_deals", "report_plan_fact"} <= kept
    after = _tables(cfg.published_path)
    assert after == _full_build_of(cfg, tmp_path / "full")
    assert after["deals"] != before["deals"]  # the change is published
    assert after["partner_months"] == before["partner_months"]


# deal 102 (P5, open since November) reaches `contract_signed` on as_of itself, 15 January: what a webhook
# brings during the day
MOVE_A_DEAL_TODAY = (
    "UPDATE deals SET updated_at = TIMESTAMPTZ '2025-01-15 10:00:00+00' WHERE deal_id = 102",
    "INSERT INTO deal_stages VALUES (102, 'contract_signed', TIMESTAMPTZ '2025-01-15 10:00:00+00', 'amocrm')",
)


def test_a_deal_moved_today_keeps_the_backtest_days_of_the_forecast(golden_cfg, tmp_path, capsys):
    # the backtest days see the deals as they were before today (forecast_deal_history): a move today
    # reruns the history (same rows) and the build's own day of the deals (forecast_deals; same rows too
    # here, deal 102 had its contract signed in November), not the backtest days.
    # (The golden company's history is short: backtest days from 28 days of it, deals followed for 28 days.)
    rules = {**g.RULES, "forecast": {"min_history_days": 28, "pipeline_horizon_days": 28}}
    cfg = _copy_of(golden_cfg, tmp_path / "inc", rules)
    run_build(cfg, as_of=g.AS_OF, progress=False)
    _change(cfg, *MOVE_A_DEAL_TODAY)
    run_build(cfg, as_of=g.AS_OF, progress=True)
    kept = _kept(capsys.readouterr().out)
    assert "forecast_past" in kept
    assert not {"deal_stages", "forecast_deal_history", "forecast_deals"} & kept
    after = _tables(cfg.published_path)
    assert after["forecast_past"]  # there are backtest days with deals to keep
    assert after == _full_build_of(cfg, tmp_path / "full", rules)


def test_changed_sales_rerun_the_sales_steps_and_publish_what_a_full_build_does(golden_cfg, tmp_path, capsys):
    cfg = _copy_of(golden_cfg, tmp_path / "inc")
    run_build(cfg, as_of=g.AS_OF, progress=False)
    before = _tables(cfg.published_path)
    _change(cfg, *CHANGE_SALES)
    run_build(cfg, as_of=g.AS_OF, progress=True)
    out = capsys.readouterr().out
    assert "canonical tables changed since: sales" in " ".join(out.split())
    assert not {*SALES_STEPS, "report_plan_fact"} & _kept(out)
    after = _tables(cfg.published_path)
    assert after == _full_build_of(cfg, tmp_path / "full")
    assert after["partner_months"] != before["partner_months"]
    assert after["report_plan_fact"] != before["report_plan_fact"]


# the platform now lists P404, the partner of sale s15 (3 tickets on 20 Dec): the sales themselves do not change
LIST_P404 = ("INSERT INTO partners (partner_id, name, kind, is_support) VALUES ('P404', 'Late', 'organizer', FALSE)",)


def _reads(cfg, step: str) -> set[str]:
    """The tables the kept SQL of `step` reads."""
    _key, steps = compiled.store_path(cfg.published_path).read_text(encoding="utf-8").split("\n", 1)
    return {r for s in json.loads(steps) if s["name"] == step for r in s["reads"]}


def test_data_quality_counts_unknown_partners_sales_without_reading_the_sales(golden_cfg, tmp_path, capsys):
    cfg = _copy_of(golden_cfg, tmp_path / "inc")
    run_build(cfg, as_of=g.AS_OF, progress=False)
    unknown = ("platform", "sales", data_quality.UNKNOWN_PARTNER, 1)  # s15 of P404, by hand
    assert unknown in _tables(cfg.published_path)["report_data_quality"]
    # from partner_months (kept when only deals or partners change), not from a pass over the sales
    assert "partner_months" in _reads(cfg, "report_data_quality")
    assert "sales" not in _reads(cfg, "report_data_quality")
    _change(cfg, *LIST_P404)
    run_build(cfg, as_of=g.AS_OF, progress=True)
    out = capsys.readouterr().out
    assert "canonical tables changed since: partners" in " ".join(out.split())
    assert "partner_months" in _kept(out) and "report_data_quality" not in _kept(out)
    after = _tables(cfg.published_path)
    assert unknown not in after["report_data_quality"]
    assert after == _full_build_of(cfg, tmp_path / "full")


def _poison(cfg, step: str) -> None:
    """Make the kept SQL of `step` fail if it is ever run (the key stays: a build reuses it)."""
    store = compiled.store_path(cfg.published_path)
    key, steps = store.read_text(encoding="utf-8").split("\n", 1)
    kept = json.loads(steps)
    for s in kept:
        if s["name"] == step:
            s["insert"] = f"SELECT error('{step} was run again')"
    store.write_text(key + "\n" + json.dumps(kept), encoding="utf-8")
    compiled._MEMORY.clear()  # as a new process: the file is all that is kept


def test_a_kept_step_is_not_run_at_all(golden_cfg, tmp_path):
    cfg = _copy_of(golden_cfg, tmp_path)
    run_build(cfg, as_of=g.AS_OF, progress=False)
    _poison(cfg, "partner_days")
    try:
        _change(cfg, *MOVE_A_DEAL)
        run_build(cfg, as_of=g.AS_OF, progress=False)  # partner_days reads only the sales: not run
        # the poison is real: once the sales change, partner_days runs and the build fails, leaving the
        # published file as it was
        _change(cfg, *CHANGE_SALES)
        with pytest.raises(SalesglassError, match="partner_days was run again"):
            run_build(cfg, as_of=g.AS_OF, progress=False)
    finally:
        compiled._MEMORY.clear()  # the poisoned statements must not reach other tests' builds


def test_a_big_table_is_judged_by_the_change_stamps_of_the_sources_that_may_write_it(
    golden_cfg, tmp_path, capsys, monkeypatch
):
    # with 20 more sales (after as_of), the sales are the only table of more than 20 rows: a big one
    monkeypatch.setattr(incremental, "BIG_ROWS", 20)
    cfg = _copy_of(golden_cfg, tmp_path)
    more = "SELECT 'late' || i, 'P1', NULL, TIMESTAMPTZ '2025-02-01 10:00:00+00', 1, 100, 10, 3, 'widget'"
    _change(cfg, f"INSERT INTO sales {more} FROM range(20) r(i)", source="platform")
    run_build(cfg, as_of=g.AS_OF, progress=False)
    # amoCRM never writes sales: its stamp leaves them as they were, the sales steps are kept
    _change(cfg, *MOVE_A_DEAL, source="amocrm")
    run_build(cfg, as_of=g.AS_OF, progress=True)
    out = capsys.readouterr().out
    assert set(SALES_STEPS) <= _kept(out)
    # the platform load's stamp: a full build from the warehouse
    _change(cfg, *CHANGE_SALES, source="platform")
    run_build(cfg, as_of=g.AS_OF, progress=True)
    out = capsys.readouterr().out
    assert "canonical tables from" in out and not _kept(out)  # copied table by table, not a byte copy
    assert _tables(cfg.published_path) == _full_build_of(cfg, tmp_path / "full")


def test_nothing_changed_keeps_every_step_and_full_runs_every_step(golden_cfg, tmp_path, capsys):
    cfg = _copy_of(golden_cfg, tmp_path)
    run_build(cfg, as_of=g.AS_OF, progress=False)
    first = _tables(cfg.published_path)
    run_build(cfg, as_of=g.AS_OF, progress=True)
    assert _kept(capsys.readouterr().out) == set(registry.DERIVED) | set(registry.all_reports())
    assert _tables(cfg.published_path) == first
    run_build(cfg, as_of=g.AS_OF, progress=True, full=True)
    out = capsys.readouterr().out
    assert "canonical tables from" in out and not _kept(out)  # copied table by table, not a byte copy
    assert _tables(cfg.published_path) == first
