"""Small helpers shared by the pages: month ranges, ratios, drill links."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from salesglass.serve.web.context import NOBODY, Ctx, add_months


def months(ctx: Ctx) -> tuple[date, date]:
    """[first day of `from`, first day after `to`) — the half-open range of the month filter."""
    return ctx.month_from, add_months(ctx.month_to, 1)


def month_axis(lo: date, hi: date) -> list[date]:
    """Every month of [lo, hi): a chart's month axis, so a month without rows shows as an empty slot and is
    never silently dropped (a month with no sales would otherwise vanish between its neighbours)."""
    out, m = [], lo
    while m < hi:
        out.append(m)
        m = add_months(m, 1)
    return out


def pipeline_names(ctx: Ctx) -> dict[int, str]:
    """amoCRM pipeline id → its name (the `pipelines` table), read once per published version; {} for a
    file published before that table existed (pages then show the ids)."""

    def read() -> dict[int, str]:
        if not ctx.snap.has("pipelines", "name"):
            return {}
        rows = ctx.q.rows("SELECT pipeline_id, name FROM pipelines WHERE name IS NOT NULL AND trim(name) <> ''")
        return {int(r["pipeline_id"]): str(r["name"]).strip() for r in rows}

    return ctx.snap.once("pipeline_names", read)


def ratio(num: Any, den: Any, scale: int = 100) -> Decimal | None:
    """num / den × scale, computed on read (never stored); None when the denominator is 0/NULL."""
    if num is None or not den:
        return None
    return (Decimal(str(num)) * scale / Decimal(str(den))).quantize(Decimal("0.1"))


def drill(ctx: Ctx, what: str, **params: Any) -> str | None:
    """URL of a drill-down list, carrying the page's kind filter unless overridden; None (the number is not a
    link) when a manager looks at company-wide figures: their drill-downs list only their own rows, so the
    company's number would open a list that does not add up to it."""
    if company_wide_for_a_manager(ctx):
        return None
    base: dict[str, Any] = {}
    if ctx.kind and "kind" not in params:
        base["kind"] = ctx.kind
    # NOBODY (a login tied to no amoCRM user) is the server's own "no rows" scope, not an id a URL may carry:
    # the drill-down applies the viewer's scope itself, so such a link simply names no manager
    base.update({k: v for k, v in params.items() if v is not None and not (k == "manager" and v == NOBODY)})
    return ctx.url(f"/drill/{what}", **base)


def company_wide_for_a_manager(ctx: Ctx) -> bool:
    """A manager allowed company totals who picked "Company" in the manager filter."""
    return not ctx.viewer.is_admin and ctx.manager is None


def manager_condition(column: str, manager: int | None) -> tuple[str, list]:
    if manager is None:
        return "TRUE", []
    return f"{column} = ?", [manager]


def empty_notice(ctx: Ctx) -> str | None:
    if not ctx.viewer.is_admin and ctx.viewer.manager_id is None:
        return ctx.t("not_linked", email=ctx.viewer.email)
    return None
