"""`first_sale_at` per partner (model.md): the earliest sale with tickets > 0, by as_of.

Only partners of the `partners` table get one: a sale of an unknown partner id makes no new partner.
"""

from __future__ import annotations

import ibis

from salesglass.reports.base import BuildParams, Canon


def build(canon: Canon, params: BuildParams) -> ibis.Table:
    pm = canon.partner_months
    firsts = pm.filter(pm.partner_id.notnull(), pm.first_positive_sale_at.notnull())
    firsts = firsts.group_by("partner_id").agg(first_sale_at=firsts.first_positive_sale_at.min())
    known = canon.partners.select("partner_id")
    firsts = firsts.join(known, "partner_id")
    return firsts.mutate(first_sale_month=params.month(firsts.first_sale_at))
