"""report_data_quality: what could not be used or joined, counted, so that nothing is lost silently.

Grain: source × entity × reason, column `rows`. Covers quarantined rows (as quarantined, per source),
unlinked deals (those the overrides file marks "no partner" on a line of their own), partners without a
deal (and of them, those that sell: no sales manager is credited with them), partners acquired by a late
deal (derive/acquiring_deal.py), partners whose deals are all in development pipelines, sales of unknown
partners, events of unknown partners, fuzzy link suggestions awaiting review and partners whose
development bonus would have no manager.
Written in Ibis, so it runs on DuckDB and ClickHouse alike; only non-zero counts are listed.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from salesglass.reports.base import BuildParams, Canon

UNLINKED = "unlinked deal (no partner found; see link suggestions or add an override)"
# a deal the overrides file says has no partner: decided, nothing to act on, so not among UNLINKED
MARKED_NO_PARTNER = "deal marked: no partner (in the overrides file; nothing to do)"
NO_DEAL = "partner without a deal"
NO_SALES_MANAGER = (
    "partner with sales but no linked deal (no sales manager: no new-partner credit, no first-sale bonus)"
)
UNKNOWN_PARTNER = "sale of a partner unknown to the platform's partner list"
UNKNOWN_PARTNER_EVENT = "event of a partner unknown to the platform's partner list"
SUGGESTION = "fuzzy link suggestion awaiting review"
LATE_DEAL = (
    "partner with sales whose deals were all created after its first sale and never reached first sale "
    "(a late deal: its sales manager earns the sales bonuses unless [reports] late_deal_acquires = false)"
)
DEVELOPMENT_ONLY = (
    "partner with sales whose linked deals are all in development pipelines "
    "(no acquiring deal: no sales bonus, no new-partner credit; [amocrm] development_pipelines)"
)
NO_MANAGER = "partner with sales but no development manager (no growth bonus line)"
_UNKNOWN = ("platform", "sales", UNKNOWN_PARTNER)  # source, entity, reason


def _count(t: ir.Table, source: str, entity: str, reason: str) -> ir.Table:
    return t.aggregate(rows=t.count().cast("int64")).mutate(
        source=ibis.literal(source, type="string"),
        entity=ibis.literal(entity, type="string"),
        reason=ibis.literal(reason, type="string"),
    )


def _unknown_partner_sales(canon: Canon, known: ir.Table) -> ir.Table:
    """Sales of partners missing from `partners`. From partner_months when the build has it (partner ×
    month with its number of sale rows: a few thousand rows, and a table a moved deal's build keeps), so a
    change of deals or partners never rescans the 10 M sales; `doctor` calls this on the plain canonical
    model, which has no partner_months."""
    pm = canon.partner_months
    if pm is None:
        sales = canon.sales
        return _count(sales.filter(sales.partner_id.notnull()).anti_join(known, "partner_id"), *_UNKNOWN)
    unknown = pm.filter(pm.partner_id.notnull()).anti_join(known, "partner_id")
    return unknown.aggregate(rows=unknown.sale_rows.sum().fill_null(0).cast("int64")).mutate(
        source=ibis.literal(_UNKNOWN[0], type="string"),
        entity=ibis.literal(_UNKNOWN[1], type="string"),
        reason=ibis.literal(_UNKNOWN[2], type="string"),
    )


def _late_acquired(canon: Canon, params: BuildParams) -> ir.Table:
    """Partners whose acquiring deal by the spec's rule is a late deal. Counted whatever
    `late_deal_acquires` says (the same partners: paid through the late deal, or left without an acquiring
    deal). The build passes its derived tables; `doctor` calls this on the plain canonical model, whose
    deal_stages are amoCRM's alone, so the first sales and completed stages are derived here."""
    from dataclasses import replace

    from salesglass.reports.derive import acquiring_deal, as_of, deal_stages, first_sale, partner_months

    if canon.first_sales is None:
        canon = as_of.visible(canon, params)  # deleted deals dropped, as in the build
        if canon.partner_months is None:
            canon = replace(canon, partner_months=partner_months.build(canon, params))
        canon = replace(canon, first_sales=first_sale.build(canon, params))
        canon = replace(canon, deal_stages=deal_stages.build(canon, params))
    return acquiring_deal.late_acquired(canon, params)


def _acquisition_linked(deals: ir.Table, params: BuildParams) -> ir.Table:
    """Partners with a linked deal outside the development pipelines (every linked partner by default)."""
    from salesglass.reports.derive.acquiring_deal import acquisition_deals

    acq = acquisition_deals(deals, params)
    return acq.filter(acq.partner_id.notnull()).select("partner_id").distinct()


def build(canon: Canon, params: BuildParams) -> ir.Table:
    q = canon.quarantine
    quarantined = q.group_by([q.source, q.entity, q.reason]).aggregate(rows=q.count().cast("int64"))
    deals = canon.deals.filter(~canon.deals.is_deleted.fill_null(False))
    linked = deals.filter(deals.partner_id.notnull()).select("partner_id").distinct()
    rej = canon.link_rejections
    marked = rej.filter(rej.partner_id.isnull()).select("deal_id").distinct()
    unlinked = deals.filter(deals.partner_id.isnull())
    partners = canon.partners
    sales = canon.sales
    known = partners.select("partner_id")
    # partners that sold: from partner_months when the build has it (partner × month, already computed) —
    # not a second scan of the 10 M sales; `doctor` calls this on the plain canonical model
    sold = canon.partner_months if canon.partner_months is not None else sales
    selling = sold.filter(sold.partner_id.notnull()).select("partner_id").distinct()
    parts = [
        quarantined,
        _count(unlinked.anti_join(marked, "deal_id"), "linking", "deals", UNLINKED),
        _count(unlinked.semi_join(marked, "deal_id"), "linking", "deals", MARKED_NO_PARTNER),
        _count(
            partners.filter(~partners.is_support.fill_null(False)).anti_join(linked, "partner_id"),
            "linking",
            "partners",
            NO_DEAL,
        ),
        # of those, the ones that sell: a new partner no manager is credited with (docs/platform.md)
        _count(
            partners.filter(~partners.is_support.fill_null(False))
            .anti_join(linked, "partner_id")
            .semi_join(selling, "partner_id"),
            "linking",
            "partners",
            NO_SALES_MANAGER,
        ),
        # a partner that has sold whose acquiring deal is a deal opened after its first sale (default: it pays
        # the sales bonuses; [reports] late_deal_acquires = false: no acquiring deal)
        _count(_late_acquired(canon, params), "reports", "partners", LATE_DEAL),
        # a partner that has sold and whose only deals are development deals: nobody acquired it (only with
        # [amocrm] development_pipelines set; none otherwise)
        _count(
            linked.semi_join(selling, "partner_id").anti_join(_acquisition_linked(deals, params), "partner_id"),
            "reports",
            "partners",
            DEVELOPMENT_ONLY,
        ),
        _unknown_partner_sales(canon, known),
        # an event naming a partner `partners` does not list loads, as such a sale does
        _count(
            canon.events.filter(canon.events.partner_id.notnull()).anti_join(known, "partner_id"),
            "platform",
            "events",
            UNKNOWN_PARTNER_EVENT,
        ),
        _count(canon.link_suggestions, "linking", "link_suggestions", SUGGESTION),
        _count(
            partners.filter(partners.development_manager_id.isnull() & ~partners.is_support.fill_null(False)).semi_join(
                selling, "partner_id"
            ),
            "reports",
            "partners",
            NO_MANAGER,
        ),
    ]
    text, count = dt.String(nullable=True), dt.Int64(nullable=True)  # NOT NULL quarantine columns vs literals
    # ClickHouse's count() is UInt64 where Ibis says int64 (and drops a cast to the type it believes the
    # column has), while the sum of sale rows is Int64: through a whole-number decimal (a type PostgreSQL has
    # too, unlike uint64) every part is Int64 everywhere, or ClickHouse makes the union's column a Variant it
    # refuses to ORDER BY
    out = ibis.union(
        *[
            p.select(
                source=p.source.cast(text),
                entity=p.entity.cast(text),
                reason=p.reason.cast(text),
                rows=p.rows.cast(dt.Decimal(38, 0)).cast(count),
            )
            for p in parts
        ]
    )
    return out.filter(out.rows > 0).order_by([out.source, out.entity, ibis.desc(out.rows), out.reason])
