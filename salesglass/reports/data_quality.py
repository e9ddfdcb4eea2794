"""report_data_quality: what could not be used or joined, counted, so that nothing is lost silently.

Grain: source × entity × reason, column `rows`. Covers quarantined rows (as quarantined, per source),
unlinked deals, partners without a deal, sales of unknown partners, fuzzy link suggestions awaiting
review and partners whose development bonus would have no manager. Written in Ibis, so it runs on
DuckDB and ClickHouse alike; only non-zero counts are listed.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from salesglass.reports.base import BuildParams, Canon

UNLINKED = "unlinked deal (no partner found; see link suggestions or add an override)"
NO_DEAL = "partner without a deal"
UNKNOWN_PARTNER = "sale of a partner unknown to the platform's partner list"
SUGGESTION = "fuzzy link suggestion awaiting review"
NO_MANAGER = "partner with sales but no development manager (no growth bonus line)"


def _count(t: ir.Table, source: str, entity: str, reason: str) -> ir.Table:
    return t.aggregate(rows=t.count().cast("int64")).mutate(
        source=ibis.literal(source, type="string"),
        entity=ibis.literal(entity, type="string"),
        reason=ibis.literal(reason, type="string"),
    )


def build(canon: Canon, params: BuildParams) -> ir.Table:
    q = canon.quarantine
    quarantined = q.group_by([q.source, q.entity, q.reason]).aggregate(rows=q.count().cast("int64"))
    deals = canon.deals.filter(~canon.deals.is_deleted.fill_null(False))
    linked = deals.filter(deals.partner_id.notnull()).select("partner_id").distinct()
    partners = canon.partners
    sales = canon.sales
    known = partners.select("partner_id")
    # partners that sold: from partner_months when the build has it (partner × month, already computed) —
    # not a second scan of the 10 M sales; `doctor` calls this on the plain canonical model
    sold = canon.partner_months if canon.partner_months is not None else sales
    selling = sold.filter(sold.partner_id.notnull()).select("partner_id").distinct()
    parts = [
        quarantined,
        _count(deals.filter(deals.partner_id.isnull()), "linking", "deals", UNLINKED),
        _count(
            partners.filter(~partners.is_support.fill_null(False)).anti_join(linked, "partner_id"),
            "linking",
            "partners",
            NO_DEAL,
        ),
        _count(
            sales.filter(sales.partner_id.notnull()).anti_join(known, "partner_id"),
            "platform",
            "sales",
            UNKNOWN_PARTNER,
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
    out = ibis.union(
        *[
            p.select(
                source=p.source.cast(text),
                entity=p.entity.cast(text),
                reason=p.reason.cast(text),
                rows=p.rows.cast(count),
            )
            for p in parts
        ]
    )
    return out.filter(out.rows > 0).order_by([out.source, out.entity, ibis.desc(out.rows), out.reason])
