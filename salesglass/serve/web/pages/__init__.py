"""The report pages (one module per report family) and the drill-downs behind their numbers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from salesglass.serve.web.context import Ctx
from salesglass.serve.web.pages import bonuses, cohorts, drill, funnel, partners, planfact, quality, sales
from salesglass.serve.web.pages.drill import DrillView
from salesglass.serve.web.view import PageView

MONEY_ICON = "¤"  # a page about money: the menu shows the account currency's sign (base.html), not always ₽


@dataclass(frozen=True)
class Page:
    name: str
    title: str  # string key
    icon: str
    filters: tuple[str, ...]
    build: Callable[[Ctx], PageView]
    admin_only: bool = False
    # shows only company-wide figures: not in the menu of a manager who may not see them
    company_only: bool = False
    # shows more than the published file (the refresh journal): never served from the response cache
    volatile: bool = False


PAGES: dict[str, Page] = {
    p.name: p
    for p in (
        Page("sales", "page_sales", "▤", ("months", "kind"), sales.build, company_only=True),
        Page("funnel", "page_funnel", "▽", ("months", "manager", "kind"), funnel.build),
        Page("planfact", "page_planfact", "◎", ("period_type", "at", "manager"), planfact.build),
        Page("partners", "page_partners", "✚", ("months", "manager", "kind"), partners.build),
        Page("cohorts", "page_cohorts", "▦", ("months", "kind", "measure", "mode"), cohorts.build),
        Page("bonuses", "page_bonuses", MONEY_ICON, ("months", "manager"), bonuses.build),
        Page("quality", "page_quality", "✓", (), quality.build, admin_only=True, volatile=True),
    )
}

DRILLS: dict[str, Callable[[Ctx], DrillView]] = {
    "deals": drill.deals,
    "partners": drill.partners,
    "bonus": drill.bonus_lines,
    "quarantine": drill.quarantine,
}


def nav_items(ctx: Ctx) -> list[Page]:
    return [
        p
        for p in PAGES.values()
        if (not p.admin_only or ctx.viewer.is_admin) and (not p.company_only or ctx.may_see_company)
    ]
