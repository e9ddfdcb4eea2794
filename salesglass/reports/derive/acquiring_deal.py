"""The acquiring deal of each partner (reports.md, plan-fact): who brought the partner in.

Among the non-deleted deals linked to the partner (as of as_of), the one that reached `first_sale`
earliest (ties: smallest deal_id); if none reached it, the most recently created one (ties: smallest
deal_id — our choice, the spec names none).
"""

from __future__ import annotations

from datetime import UTC, datetime

import ibis

from salesglass.reports.base import BuildParams, Canon, left_join

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def build(canon: Canon, params: BuildParams) -> ibis.Table:
    d = canon.deals
    st = canon.deal_stages
    first = st.filter(st.stage == "first_sale").select("deal_id", first_sale_reached_at="reached_at")
    linked = left_join(d.filter(d.partner_id.notnull()), first, "deal_id")
    reached = linked.first_sale_reached_at.notnull()
    rank = ibis.row_number().over(
        group_by=linked.partner_id,
        order_by=[
            ibis.ifelse(reached, 0, 1),  # deals that reached first_sale come first
            linked.first_sale_reached_at.asc(),  # …earliest first
            # otherwise the most recently created (a constant for the reached ones: their tie is deal_id)
            ibis.ifelse(reached, ibis.literal(_EPOCH), linked.created_at).desc(),
            linked.deal_id.asc(),
        ],
    )
    ranked = linked.mutate(rank=rank)
    return ranked.filter(ranked.rank == 0).select(  # Ibis row_number() is 0-based
        "partner_id",
        "deal_id",
        "sales_manager_id",
        "is_cold",
        "client_kind",
        reached_first_sale_at=(ranked.first_sale_reached_at),
    )
