"""report_new_partners — contracts, widgets and first sales per month × sales manager × client kind,
and how many of the month's signed contracts have started selling by as_of. Deals of a development pipeline
(`[amocrm] development_pipelines`) are left out: they grow a partner that already sells, not a new one."""

from __future__ import annotations

import ibis

from salesglass.reports.base import BuildParams, Canon, client_kind, left_join
from salesglass.reports.derive.acquiring_deal import acquisition_deals

_COUNTED = {"contract_signed": "contracts_signed", "widget_installed": "widgets_installed", "first_sale": "first_sales"}


def build(canon: Canon, params: BuildParams) -> ibis.Table:
    d = acquisition_deals(canon.deals, params)
    d = d.select("deal_id", "sales_manager_id", client_kind=client_kind(d))
    st = canon.deal_stages
    selling = st.filter(st.stage == "first_sale").select("deal_id", sells=ibis.literal(1))
    rows = left_join(st.filter(st.stage.isin(list(_COUNTED))).join(d, "deal_id"), selling, "deal_id")
    rows = rows.mutate(month=params.month(rows.reached_at))

    def count(cond):  # Σ of 0/1 (PostgreSQL cannot cast a boolean to BIGINT)
        return ibis.ifelse(cond, 1, 0).sum().cast("int64")

    counts = {col: count(rows.stage == stage) for stage, col in _COUNTED.items()}
    counts["signed_then_selling"] = count((rows.stage == "contract_signed") & rows.sells.notnull())
    return (
        rows.group_by("month", "sales_manager_id", "client_kind")
        .agg(**counts)
        .order_by("month", "sales_manager_id", "client_kind")
    )
