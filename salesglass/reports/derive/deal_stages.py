"""`deal_stages` completed (model.md): amoCRM times + platform milestones + implied stages.

Own time of a stage = the earliest of its amoCRM time (`amocrm` rows; `lead` = the deal's creation,
`created`) and its platform time (the linked partner's contract_signed_at, widget_installed_at,
first_sale_at → `platform`). A stage's `reached_at` is the earliest own time of that stage *or any later
stage*; `source` names where that time came from, `implied` when it came from a later stage.
Everything is as of as_of (the inputs are already cut). Stages are fixed (model/schema.py STAGES).

A platform milestone counts for a deal only if it happened when the deal already existed (at or after
its creation). The spec's words, taken literally, would let a partner's milestone from years ago complete
a deal created today (a development deal, a re-sale): the deal would reach every stage — `lead` too —
before it existed, the funnel would show negative days, new-partner counts would repeat old first sales,
and a development deal could become a partner's acquiring deal, paying sales bonuses for someone else's
acquisition. A deal cannot reach a stage before it exists, so such milestones are not its own.
"""

from __future__ import annotations

import ibis

from salesglass.reports.base import STAGE_ORDER, BuildParams, Canon, left_join, union_all

_SOURCE_RANK = {"created": 0, "amocrm": 1, "platform": 2}  # equal times: prefer the CRM's own record


def _own_times(canon: Canon) -> ibis.Table:
    deals = canon.deals
    st = canon.deal_stages
    crm = st.filter(st.source != "implied").join(deals.select("deal_id"), "deal_id")
    crm = crm.select("deal_id", "stage", at=crm.reached_at, source=crm.source)
    created = deals.select("deal_id", stage=ibis.literal("lead"), at=deals.created_at, source=ibis.literal("created"))
    linked = deals.filter(deals.partner_id.notnull()).select("deal_id", "partner_id", deal_created_at="created_at")
    p = canon.partners
    fs = canon.first_sales
    milestones = left_join(linked.join(p, "partner_id"), fs, "partner_id")
    platform = [
        milestones.filter(milestones[col] >= milestones.deal_created_at).select(
            "deal_id", stage=ibis.literal(stage), at=milestones[col], source=ibis.literal("platform")
        )
        for stage, col in (
            ("contract_signed", "contract_signed_at"),
            ("widget_installed", "widget_installed_at"),
            ("first_sale", "first_sale_at"),
        )
    ]
    own = union_all(crm, created, *platform)
    own = own.filter(own.at.notnull(), own.stage.isin(list(STAGE_ORDER)))
    return own.mutate(
        stage_order=own.stage.cases(*STAGE_ORDER.items()).cast("int32"),
        source_rank=own.source.cases(*_SOURCE_RANK.items(), else_=3).cast("int32"),
    )


def build(canon: Canon, params: BuildParams) -> ibis.Table:
    own = _own_times(canon)
    per_stage = []
    for stage, order in STAGE_ORDER.items():
        cand = own.filter(own.stage_order >= order)
        rank = ibis.row_number().over(group_by=cand.deal_id, order_by=[cand.at, cand.stage_order, cand.source_rank])
        best = cand.mutate(rank=rank)
        best = best.filter(best.rank == 0)  # Ibis row_number() is 0-based
        per_stage.append(
            best.select(
                "deal_id",
                stage=ibis.literal(stage),
                reached_at=best.at,
                source=ibis.ifelse(best.stage_order == order, best.source, ibis.literal("implied")),
                stage_order=ibis.literal(order, type="int32"),
            )
        )
    return union_all(*per_stage)
