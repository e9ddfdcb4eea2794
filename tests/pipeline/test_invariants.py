"""The report invariants (tests/reports/invariants.py) on the simulated company after the real pipeline."""

from __future__ import annotations

import pytest

from tests.reports import invariants as inv
from tests.simulated import END

TZ = "Europe/Moscow"


def test_sales_share_buckets_add_up_to_all_sales(published):
    assert inv.sales_share_adds_up(published, END, TZ) == 25  # Nov 2024 … Nov 2026 (2 years + the running month)
    # the simulated company has every kind of sale: managed, unmanaged, support, hard-deleted partners
    assert inv.sales_share_buckets(published) == {"manager", "empty", "support", "unknown"}


def test_funnel_never_grows_from_a_stage_to_the_next(published):
    assert inv.funnel_never_grows(published, END, TZ) > 1900  # 2 000 deals, 13 of them deleted


def test_completed_stages_are_monotonic(published):
    assert inv.completed_stages_monotonic(published, END, TZ) > 4000


def test_bonus_summaries_equal_the_sum_of_their_lines(published):
    assert inv.bonus_summaries_equal_lines(published, END, TZ) > 100
    assert inv.bonus_rules(published) == {"first_sale", "acquisition_share", "growth"}


@pytest.mark.parametrize("period", ["quarter", "year"])
def test_plan_fact_quarter_and_year_are_sums_of_months(published, period):
    assert inv.plan_fact_periods_sum_months(published, END, TZ, period) > 20
