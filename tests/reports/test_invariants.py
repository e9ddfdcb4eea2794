"""Invariants on a larger synthetic company (built and published like production): the numbers must
agree with each other and with an independent DuckDB computation straight from the canonical sales.
The checks live in tests/reports/invariants.py (shared with the simulated company, tests/pipeline)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from salesglass.reports.build import run_build
from tests.reports import invariants as inv
from tests.reports import synthetic
from tests.reports.conftest import make_config

TZ = "Europe/Moscow"
AS_OF = synthetic.AS_OF


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    tmp: Path = tmp_path_factory.mktemp("invariants")
    cfg = make_config(tmp, {"bonus": {"acquisition_months": 3}}, TZ)
    con = duckdb.connect(str(cfg.warehouse_path))
    synthetic.synthesize(con, managers=60, partners=1500, deals=4000, sales=150_000)
    con.close()
    run_build(cfg, as_of=AS_OF, progress=False)
    con = duckdb.connect(str(cfg.published_path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    yield con
    con.close()


def test_sales_share_buckets_add_up_to_all_sales(built):
    assert inv.sales_share_adds_up(built, AS_OF, TZ) >= 23
    assert inv.sales_share_buckets(built) == {"manager", "empty", "support", "unknown"}


def test_funnel_never_grows_from_a_stage_to_the_next(built):
    assert inv.funnel_never_grows(built, AS_OF, TZ) > 1000


def test_completed_stages_are_monotonic(built):
    assert inv.completed_stages_monotonic(built, AS_OF, TZ) > 4000


def test_bonus_summaries_equal_the_sum_of_their_lines(built):
    assert inv.bonus_summaries_equal_lines(built, AS_OF, TZ) > 100
    assert inv.bonus_rules(built) == {"first_sale", "acquisition_share", "growth"}


@pytest.mark.parametrize("period", ["quarter", "year"])
def test_plan_fact_quarter_and_year_are_sums_of_months(built, period):
    assert inv.plan_fact_periods_sum_months(built, AS_OF, TZ, period) > 20
