"""`salesglass link`: join amoCRM deals to platform partners, in one transaction, and report how."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from salesglass.config import Config
from salesglass.link import rules
from salesglass.link.overrides import load_overrides
from salesglass.link.suggest import suggest
from salesglass.sql import transaction


@dataclass
class LinkSummary:
    deals: int = 0
    linked: dict[str, int] = field(default_factory=dict)  # method → deals
    unlinked: int = 0
    ambiguous: dict[str, int] = field(default_factory=dict)  # method → deals a rule found 2+ partners for
    suggestions: int = 0
    bad_overrides: int = 0
    client_kinds_filled: int = 0
    managers_filled: int = 0

    @property
    def linked_total(self) -> int:
        return sum(self.linked.values())


def run_link(cfg: Config) -> LinkSummary:
    """Link the deals of the warehouse at `[warehouse].path`."""
    from salesglass.warehouse import open_warehouse

    with open_warehouse(cfg.warehouse_path) as con:
        return link_into(con, cfg)


def link_into(con: duckdb.DuckDBPyConnection, cfg: Config) -> LinkSummary:
    """Link inside an open canonical warehouse (the demo and the tests pass their own connection)."""
    overrides = cfg.resolve(cfg.linking.overrides_path) if cfg.linking.overrides_path else None
    summary = LinkSummary()
    with transaction(con):
        summary.bad_overrides = load_overrides(con, overrides)
        rules.build_keys(con)
        rules.decide(con)
        summary.client_kinds_filled, summary.managers_filled = rules.apply(
            con, fill_managers=cfg.linking.development_manager_fallback)
        summary.suggestions = suggest(con, cfg.linking.fuzzy_min_score)
    summary.deals = con.execute("SELECT count(*) FROM deals").fetchone()[0]
    summary.linked = dict(con.execute("SELECT method, count(*) FROM deal_partner_links GROUP BY 1").fetchall())
    summary.unlinked = summary.deals - summary.linked_total
    summary.ambiguous = dict(con.execute("SELECT method, count(DISTINCT deal_id) FROM __ambiguous GROUP BY 1")
                             .fetchall())
    for t in ("__deal_keys", "__partner_keys", "__rule_results", "__links", "__ambiguous", "__overrides"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return summary
