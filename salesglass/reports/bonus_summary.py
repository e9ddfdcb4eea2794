"""report_bonus_summary — each manager's bonus per month; every total is the sum of its lines."""

from __future__ import annotations

import ibis

from salesglass.reports import bonus_lines
from salesglass.reports.base import BuildParams, Canon
from salesglass.reports.money import MONEY


def build(canon: Canon, params: BuildParams) -> ibis.Table:
    lines = canon.bonus_lines if canon.bonus_lines is not None else bonus_lines.build(canon, params)
    return lines.group_by("month", "manager_id").agg(
        sales_bonus=lines.amount.sum(where=lines.role == "sales").fill_null(0).cast(MONEY),
        development_bonus=lines.amount.sum(where=lines.role == "development").fill_null(0).cast(MONEY),
        total=lines.amount.sum().cast(MONEY),
        lines=lines.count().cast("int64"),
    ).order_by("month", "manager_id")
