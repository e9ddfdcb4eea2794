"""report_weekly — deals created, widgets installed and first sales per ISO week (Monday) × client kind.
Deals of a development pipeline (`[amocrm] development_pipelines`) are left out: new business only."""

from __future__ import annotations

import ibis

from salesglass.reports.base import BuildParams, Canon, client_kind, union_all
from salesglass.reports.derive.acquiring_deal import acquisition_deals


def build(canon: Canon, params: BuildParams) -> ibis.Table:
    d = acquisition_deals(canon.deals, params)
    d = d.mutate(client_kind=client_kind(d))
    created = d.select(
        "client_kind",
        week_start=params.week(d.created_at),
        deals_created=ibis.literal(1),
        widget_installed=ibis.literal(0),
        first_sale=ibis.literal(0),
    )
    st = canon.deal_stages.join(d.select("deal_id", "client_kind"), "deal_id")
    reached = st.filter(st.stage.isin(["widget_installed", "first_sale"]))
    reached = reached.select(
        "client_kind",
        week_start=params.week(reached.reached_at),
        deals_created=ibis.literal(0),
        widget_installed=ibis.ifelse(reached.stage == "widget_installed", 1, 0),
        first_sale=ibis.ifelse(reached.stage == "first_sale", 1, 0),
    )
    rows = union_all(created, reached)
    return (
        rows.group_by("week_start", "client_kind")
        .agg(
            deals_created=rows.deals_created.sum().cast("int64"),
            widget_installed=rows.widget_installed.sum().cast("int64"),
            first_sale=rows.first_sale.sum().cast("int64"),
        )
        .order_by("week_start", "client_kind")
    )
