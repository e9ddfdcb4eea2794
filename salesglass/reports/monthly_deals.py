"""report_monthly_deals — deals created and won, won budget, and how many created deals got selling.
Deals of a development pipeline (`[amocrm] development_pipelines`) are left out: a development deal's budget
is more turnover of a partner that was won already, not new business."""

from __future__ import annotations

import ibis

from salesglass.reports.base import BuildParams, Canon, client_kind, left_join, union_all
from salesglass.reports.derive.acquiring_deal import acquisition_deals
from salesglass.reports.money import MONEY


def build(canon: Canon, params: BuildParams) -> ibis.Table:
    d = acquisition_deals(canon.deals, params)
    d = d.mutate(client_kind=client_kind(d))
    st = canon.deal_stages
    selling = st.filter(st.stage == "first_sale").select("deal_id", sells=ibis.literal(1))
    created = left_join(d, selling, "deal_id")
    created = created.select(
        "client_kind",
        month=params.month(created.created_at),
        deals_created=ibis.literal(1),
        deals_won=ibis.literal(0),
        annual_budget_won=ibis.literal(0).cast(MONEY),
        created_reached_first_sale=created.sells.fill_null(0),
    )
    won = d.filter(d.is_won, d.closed_at.notnull())  # closed_at is already NULL if after as_of
    won = won.select(
        "client_kind",
        month=params.month(won.closed_at),
        deals_created=ibis.literal(0),
        deals_won=ibis.literal(1),
        annual_budget_won=won.price.fill_null(0).cast(MONEY),
        created_reached_first_sale=ibis.literal(0),
    )
    rows = union_all(created, won)
    return (
        rows.group_by("month", "client_kind")
        .agg(
            deals_created=rows.deals_created.sum().cast("int64"),
            deals_won=rows.deals_won.sum().cast("int64"),
            annual_budget_won=rows.annual_budget_won.sum().cast(MONEY),
            created_reached_first_sale=rows.created_reached_first_sale.sum().cast("int64"),
        )
        .order_by("month", "client_kind")
    )
