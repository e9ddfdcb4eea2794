"""The acquiring deal of each partner (reports.md, plan-fact): who brought the partner in.

Among the non-deleted deals linked to the partner (as of as_of), the one that reached `first_sale`
earliest (ties: smallest deal_id); if none reached it, the most recently created one (ties: smallest
deal_id — our choice, the spec names none).

A *late deal* is one created after its partner's first sale that never reached `first_sale` (deal_stages
gives no deal a platform milestone from before it existed, so for a partner that has sold the fallback
only ever picks such a deal — typically a development deal opened months later). The spec lets it
acquire the partner (`[reports] late_deal_acquires = true`, the default): its sales manager then earns
the first-sale and acquisition-share bonuses and the new-partner credit. With `false` a late deal is no
candidate: a partner whose deals are all late has no acquiring deal (no sales bonus lines, counted in
data quality). Partners that have not sold keep the spec's fallback either way.

A deal of a *development pipeline* (`[amocrm] development_pipelines`: growing partners that already sell)
is never a candidate, whatever stage it reached: amoCRM's "won" there means more sales from a partner
someone else brought in, not a new partner. Default empty: every pipeline's deals are candidates (the spec).
"""

from __future__ import annotations

from datetime import UTC, datetime

import ibis

from salesglass.reports.base import BuildParams, Canon, left_join

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def acquisition_deals(deals: ibis.Table, params: BuildParams) -> ibis.Table:
    """The deals that can bring a partner in: all but those of a development pipeline."""
    if not params.development_pipelines:
        return deals
    return deals.filter(~deals.pipeline_id.isin(list(params.development_pipelines)).fill_null(False))


def candidates(canon: Canon, params: BuildParams) -> ibis.Table:
    """Every linked deal outside the development pipelines with `first_sale_reached_at` (completed stages)
    and `late` (see above). Needs the derived `first_sales` and completed `deal_stages`."""
    d = acquisition_deals(canon.deals, params)
    st = canon.deal_stages
    first = st.filter(st.stage == "first_sale").select("deal_id", first_sale_reached_at="reached_at")
    linked = left_join(d.filter(d.partner_id.notnull()), first, "deal_id")
    fs = canon.first_sales.select("partner_id", partner_first_sale_at="first_sale_at")
    linked = left_join(linked, fs, "partner_id")
    late = (
        linked.first_sale_reached_at.isnull()
        & linked.partner_first_sale_at.notnull()
        & (linked.created_at > linked.partner_first_sale_at)
    )
    return linked.mutate(late=late.fill_null(False)).drop("partner_first_sale_at")


def ranked(linked: ibis.Table) -> ibis.Table:
    """The spec's choice among `linked` (candidates): one row per partner."""
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
    out = linked.mutate(rank=rank)
    return out.filter(out.rank == 0)  # Ibis row_number() is 0-based


def late_acquired(canon: Canon, params: BuildParams) -> ibis.Table:
    """Partners whose acquiring deal by the spec's rule is a late deal (whatever the setting says): the
    ones a late deal pays sales bonuses for by default, and that have no acquiring deal with `false`."""
    best = ranked(candidates(canon, params))
    return best.filter(best.late).select("partner_id")


def build(canon: Canon, params: BuildParams) -> ibis.Table:
    linked = candidates(canon, params)
    if not params.rules.late_deal_acquires:
        linked = linked.filter(~linked.late)
    best = ranked(linked)
    return best.select(
        "partner_id",
        "deal_id",
        "sales_manager_id",
        "is_cold",
        "client_kind",
        reached_first_sale_at=best.first_sale_reached_at,
    )
