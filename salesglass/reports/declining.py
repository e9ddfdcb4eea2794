"""report_declining_partners — whom to call: partners whose last 28 days fell well below their usual.

recent_28d = Σ turnover over the 28 days ending on as_of; baseline_28d = Σ over the 84 days before,
÷ 3, rounded; decline_pct = round(100 × (1 − recent / baseline), 2) from the rounded baseline, at most
100: a partner whose refunds exceed its sales (recent < 0) has stopped, and "decline 310 %" means nothing
to a head of sales; the money lost (baseline − recent) still counts the refunds.
Windows are account-time-zone days, compared as UTC instants (no per-row zone arithmetic).
"""

from __future__ import annotations

from datetime import timedelta

import ibis

from salesglass.reports.base import BuildParams, Canon
from salesglass.reports.money import MONEY, div_round, from_cents, money_lit, pct_cents, to_cents


def build(canon: Canon, params: BuildParams) -> ibis.Table:
    rules = params.rules.declining
    recent_from = params.utc(params.as_of - timedelta(days=27))
    baseline_from = params.utc(params.as_of - timedelta(days=27 + 84))
    s = canon.sales
    window = s.filter(s.partner_id.notnull(), s.sold_at >= baseline_from)
    sums = window.group_by("partner_id").agg(
        recent=to_cents(window.turnover.sum(where=window.sold_at >= recent_from).fill_null(0)),
        before=to_cents(window.turnover.sum(where=window.sold_at < recent_from).fill_null(0)),
    )
    sums = sums.mutate(baseline=div_round(sums.before, 3))
    # capped at 100.00 %: refunds larger than sales make the formula run past 100 (the page says why)
    decline = pct_cents(sums.baseline - sums.recent, sums.baseline)
    sums = sums.mutate(decline=ibis.ifelse(decline > 10000, 10000, decline))
    p = canon.partners
    rows = sums.join(p.select("partner_id", "name", "kind", "development_manager_id"), "partner_id")
    rows = rows.filter(
        from_cents(rows.baseline) >= money_lit(rules.min_baseline),
        from_cents(rows.decline) >= money_lit(rules.threshold_pct),
    )
    out = rows.select(
        as_of=ibis.literal(params.as_of, type="date"),
        partner_id=rows.partner_id,
        name=rows.name,
        kind=rows.kind,
        development_manager_id=rows.development_manager_id,
        baseline_28d=from_cents(rows.baseline),
        recent_28d=from_cents(rows.recent),
        decline_pct=from_cents(rows.decline).cast(MONEY),
    )
    return out.order_by(ibis.desc(out.baseline_28d - out.recent_28d), out.partner_id)
