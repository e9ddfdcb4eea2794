"""report_sales_share — whose sales they are: an active development manager's, nobody's ("Пусто"),
Support's, or an unknown partner's. For every month the buckets add up exactly to all sales.

A support partner (`is_support`) is `support` even if it has a development manager (checked first).
A development manager missing from `managers` counts as inactive (→ `empty`). Only `manager` rows
carry a manager_id.
"""

from __future__ import annotations

import ibis

from salesglass.reports.base import BuildParams, Canon, left_join
from salesglass.reports.money import MONEY


def build(canon: Canon, params: BuildParams) -> ibis.Table:
    pm = canon.partner_months
    active = canon.managers.filter(canon.managers.is_active.fill_null(False)).select(
        development_manager_id="manager_id", manager_active=ibis.literal(True)
    )
    partners = canon.partners.select("partner_id", "development_manager_id", "is_support", known=ibis.literal(True))
    partners = left_join(partners, active, "development_manager_id")
    rows = left_join(pm, partners, "partner_id")
    bucket = ibis.cases(
        (rows.partner_id.isnull(), "support"),
        (rows.known.isnull(), "unknown"),
        (rows.is_support.fill_null(False), "support"),
        (rows.manager_active.notnull(), "manager"),
        else_="empty",
    )
    rows = rows.mutate(bucket=bucket)
    rows = rows.mutate(
        manager_id=ibis.ifelse(rows.bucket == "manager", rows.development_manager_id, ibis.null("int64"))
    )
    return (
        rows.group_by("month", "bucket", "manager_id")
        .agg(
            turnover=rows.turnover.sum().cast(MONEY),
            revenue=rows.revenue.sum().cast(MONEY),
            tickets=rows.tickets.sum().cast("int64"),
        )
        .order_by("month", "bucket", "manager_id")
    )
