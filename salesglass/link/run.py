"""`salesglass link`: join amoCRM deals to platform partners, in one transaction, and report how."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from salesglass.config import Config
from salesglass.link import incremental, rules
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
    relinked: int = 0  # deals decided again this run (all of them on a full run)
    full: bool = True  # False: only the deals whose evidence changed were relinked

    @property
    def linked_total(self) -> int:
        return sum(self.linked.values())

    changed: bool = True  # False: links, suggestions, deals' partners and kinds, partners' managers as before


def run_link(cfg: Config, *, full: bool = False) -> LinkSummary:
    """Link the deals of the warehouse at `[warehouse].path`; `full` relinks every deal."""
    from salesglass.warehouse import open_warehouse

    with open_warehouse(cfg.warehouse_path) as con:
        return link_into(con, cfg, full=full)


def link_into(con: duckdb.DuckDBPyConnection, cfg: Config, *, full: bool = False) -> LinkSummary:
    """Link inside an open canonical warehouse (the demo and the tests pass their own connection).

    By default only the deals whose evidence changed since the last run are decided again
    (link/incremental.py); the result equals a full relink, which `full=True` forces.
    """
    overrides = cfg.resolve(cfg.linking.overrides_path) if cfg.linking.overrides_path else None
    settings = incremental.settings_key(cfg.linking.fuzzy_min_score)
    summary = LinkSummary()
    before = _outcome(con)
    with transaction(con):
        summary.bad_overrides = load_overrides(con, overrides)
        # the reviewer's "no partner" and "not this partner", for the reports (data quality)
        con.execute("DELETE FROM link_rejections")
        con.execute("""INSERT INTO link_rejections SELECT deal_id, NULL FROM __overrides WHERE partner_id IS NULL
                       UNION ALL SELECT deal_id, partner_id FROM __rejections""")
        summary.full = full or not incremental.state_usable(con, settings)
        rules.build_keys(con, reuse_names=not summary.full)
        if summary.full:
            incremental.full_scope(con)
            con.execute("DELETE FROM deal_partner_links")
            con.execute(f"DROP TABLE IF EXISTS {incremental.AMBIGUOUS}")
        else:
            incremental.changed_scope(con)
        summary.relinked = con.execute("SELECT count(*) FROM __scope").fetchall()[0][0]
        rules.decide(con)
        summary.client_kinds_filled, summary.managers_filled = rules.apply(
            con, fill_managers=cfg.linking.development_manager_fallback
        )
        summary.suggestions = suggest(con, cfg.linking.fuzzy_min_score, full=summary.full)
        incremental.save_state(con, settings)
        summary.changed = summary.full or _outcome(con) != before
        if summary.changed:
            from salesglass.warehouse import note_change

            note_change(con, "link")
    summary.deals = con.execute("SELECT count(*) FROM deals").fetchall()[0][0]
    summary.linked = dict(con.execute("SELECT method, count(*) FROM deal_partner_links GROUP BY 1").fetchall())
    summary.unlinked = summary.deals - summary.linked_total
    summary.ambiguous = dict(
        con.execute(f"SELECT method, count(DISTINCT deal_id) FROM {incremental.AMBIGUOUS} GROUP BY 1").fetchall()
    )
    for t in (
        "__deal_keys",
        "__partner_keys",
        "__rule_results",
        "__links",
        "__ambiguous",
        "__overrides",
        "__rejections",
        "__scope",
        "__changed_partners",
    ):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return summary


def _outcome(con: duckdb.DuckDBPyConnection) -> tuple:
    """A fingerprint of everything linking writes that the reports read (order aside): compared before and
    after a run, it tells whether the run changed anything (the manager fallback is undone and redone
    every run, so counting its updates would always say yes)."""
    return tuple(
        con.execute("""SELECT (SELECT sum(hash(deal_id, partner_id, client_kind)) FROM deals),
                              (SELECT sum(hash(partner_id, development_manager_id)) FROM partners),
                              (SELECT sum(hash(l)) FROM deal_partner_links l),
                              (SELECT sum(hash(s)) FROM link_suggestions s),
                              (SELECT sum(hash(r)) FROM link_rejections r)""").fetchall()[0]
    )
