"""report_funnel — the cohort funnel: deals of a creation month that reached each stage, and where lost
deals leaked out. Conversion k → k+1 = deals(k+1) / deals(k), computed on read for any filter.
Deals of a development pipeline (`[amocrm] development_pipelines`) are left out: the funnel is the way
from a lead to a new partner, and a development deal starts from a partner that already sells."""

from __future__ import annotations

import ibis

from salesglass.reports.base import BuildParams, Canon, client_kind
from salesglass.reports.derive.acquiring_deal import acquisition_deals

_DAY = 86400.0


def _epoch(ts):  # whole seconds: engines disagree on sub-second epoch precision
    return ts.truncate("s").epoch_seconds().cast("int64")


def build(canon: Canon, params: BuildParams) -> ibis.Table:
    d = acquisition_deals(canon.deals, params)
    cell = d.select(
        "deal_id",
        "sales_manager_id",
        "is_lost",
        "created_at",
        cohort_month=params.month(d.created_at),
        client_kind=client_kind(d),
    )
    st = canon.deal_stages.join(cell, "deal_id")
    furthest = st.group_by("deal_id").agg(furthest=st.stage_order.max())
    st = st.join(furthest, "deal_id")
    st = st.mutate(
        days=(_epoch(st.reached_at) - _epoch(st.created_at)).cast("float64") / _DAY,
        leaked=ibis.ifelse(st.is_lost & (st.stage_order == st.furthest), 1, 0),
    )
    return (
        st.group_by("cohort_month", "sales_manager_id", "client_kind", "stage")
        .agg(
            stage_order=st.stage_order.max().cast("int32"),
            deals=st.count().cast("int64"),
            days_to_reach_sum=st.days.sum(),
            lost_at_stage=st.leaked.sum().cast("int64"),
        )
        .order_by("cohort_month", "sales_manager_id", "client_kind", "stage_order")
    )
