"""report_bonus_summary — each manager's bonus per month; every total is the sum of its lines.

`adjustments` is the part of the total that corrects other months or was added by hand (clawback,
true_up and manual lines); clawbacks and true-ups also count in the sales / development column of the
rule they correct, manual lines only in the total. `carry_forward` lines (a negative net carried to
the next month) are not corrections, they move money between months: `carried` is their part of the
total (+ a negative net not paid this month, − an earlier one taken off), as in the payroll file.
"""

from __future__ import annotations

import ibis

from salesglass.reports import bonus_close
from salesglass.reports.base import BuildParams, Canon
from salesglass.reports.money import MONEY


def build(canon: Canon, params: BuildParams) -> ibis.Table:
    lines = canon.bonus_lines if canon.bonus_lines is not None else bonus_close.build(canon, params)
    return (
        lines.group_by("month", "manager_id")
        .agg(
            sales_bonus=lines.amount.sum(where=lines.role == "sales").fill_null(0).cast(MONEY),
            development_bonus=lines.amount.sum(where=lines.role == "development").fill_null(0).cast(MONEY),
            total=lines.amount.sum().cast(MONEY),
            lines=lines.count().cast("int64"),
            adjustments=lines.amount.sum(
                where=(lines.corrects_month.notnull() | (lines.rule == "manual")) & (lines.rule != bonus_close.CARRY)
            )
            .fill_null(0)
            .cast(MONEY),
            carried=lines.amount.sum(where=lines.rule == bonus_close.CARRY).fill_null(0).cast(MONEY),
        )
        .order_by("month", "manager_id")
    )
