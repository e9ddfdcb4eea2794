"""The world as it was at the end of the as_of day (account time zone).

Every fact dated at or after the cut-off is ignored as if it had not happened: sales, deal creations,
stage times, partner milestones, and `closed_at` — a deal won or lost later counts as still open.
Deleted deals are dropped here once, so no report can forget to. Plans are not facts: they are kept
whole (future months still count in quarter and year plan totals).
"""

from __future__ import annotations

from dataclasses import replace

import ibis

from salesglass.reports.base import BuildParams, Canon


def visible(canon: Canon, params: BuildParams) -> Canon:
    cut = ibis.literal(params.cutoff)

    def before(ts):  # a timestamp that has happened by as_of, else NULL
        return ibis.ifelse(ts < cut, ts, ibis.null(ts.type()))

    s = canon.sales
    sales = s.filter(s.sold_at < cut)

    d = canon.deals
    closed = before(d.closed_at)
    # a won/lost flag without a close date is trusted as is (nothing says it happened later)
    has_closed = d.closed_at.isnull() | (d.closed_at < cut)
    deals = d.filter(~d.is_deleted.fill_null(False), d.created_at < cut).mutate(
        closed_at=closed,
        is_won=d.is_won.fill_null(False) & has_closed,
        is_lost=d.is_lost.fill_null(False) & has_closed,
    )

    p = canon.partners
    partners = p.mutate(
        created_at=before(p.created_at),
        contract_signed_at=before(p.contract_signed_at),
        widget_installed_at=before(p.widget_installed_at),
    )

    st = canon.deal_stages
    stages = st.filter(st.reached_at < cut)
    return replace(canon, sales=sales, deals=deals, partners=partners, deal_stages=stages)
