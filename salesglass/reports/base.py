"""The interface every report follows: a pure function from canonical tables to one report table.

Each report lives in its own module (`reports/funnel.py`, …) and exposes
`build(canon: Canon, params: BuildParams) -> ibis.Table`, an Ibis expression — so the same logic runs
on DuckDB (default), ClickHouse and PostgreSQL, always inside the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import ibis

from salesglass.reports.config import ReportsConfig


@dataclass(frozen=True)
class BuildParams:
    as_of: date  # the account-time-zone date the reports are computed for
    timezone: str  # account time zone: calendar periods are taken in it
    rules: ReportsConfig


@dataclass(frozen=True)
class Canon:
    """The canonical tables as Ibis tables of one backend (names as in model/schema.py)."""

    managers: ibis.Table
    partners: ibis.Table
    deals: ibis.Table
    companies: ibis.Table
    deal_stages: ibis.Table
    sales: ibis.Table
    plans: ibis.Table
    deal_partner_links: ibis.Table
    link_suggestions: ibis.Table
    quarantine: ibis.Table
