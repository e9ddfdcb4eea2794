"""Commands of this area: `salesglass link` and `salesglass doctor`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from salesglass.cli_options import ConfigOption, require_warehouse
from salesglass.plural import plural

console = Console()


def link(
    config: ConfigOption = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Relink every deal, not only those whose evidence changed since the last run "
            "(the result is the same; use it to rule out doubt).",
        ),
    ] = False,
) -> None:
    """Join amoCRM deals to platform partners (override → account id → ИНН → name) and suggest the rest.

    Only deals whose evidence changed since the last run are relinked (their own or their company's
    account id, ИНН or name; a partner with a matching account id, ИНН or name added, changed or deleted;
    their override). The result is the same as `--full`.

    The overrides file ([linking].overrides_path, CSV deal_id,partner_id): a partner id links the deal; an
    empty one (or -) says "no partner" (counted apart from the unlinked deals); !partner_id says "not this
    partner": that pair is never suggested nor linked again, the deal's other candidates still are.

    Changes: the warehouse's links, suggestions and what links fill in (a deal's client kind, a partner's
    development manager); the published reports only change at the next `build`.

    \b
    Examples:
      salesglass link -c demo/salesglass.toml
      salesglass link -c demo/salesglass.toml --full
    """
    from salesglass.config import load_config
    from salesglass.link.run import run_link

    cfg = load_config(config)
    require_warehouse(cfg, config)
    with console.status("linking deals to partners…"):
        s = run_link(cfg, full=full)
    print_link_summary(s)


def print_link_summary(s) -> None:  # LinkSummary
    """What linking did, in the words of the linking rules (shared with `salesglass demo`)."""
    console.print(
        f"relinked {s.relinked:,} of {s.deals:,} {plural(s.deals, 'deal')} ({'full' if s.full else 'incremental'})"
    )
    console.print(
        f"deals: {s.deals:,}; linked {s.linked_total:,} "
        f"({', '.join(f'{m} {n:,}' for m, n in sorted(s.linked.items())) or 'none'}); "
        f"unlinked {s.unlinked:,}"
    )
    if s.ambiguous:
        console.print(
            "not linked because a rule found several partners: "
            + ", ".join(f"{m} {n:,}" for m, n in sorted(s.ambiguous.items()))
        )
    console.print(f"suggestions for review: {s.suggestions:,} (`salesglass doctor --export FILE`)")
    if s.bad_overrides:
        console.print(
            f"[yellow]{s.bad_overrides:,} override {plural(s.bad_overrides, 'row')} could not be used "
            "(see `salesglass doctor`)"
        )
    console.print(
        f"filled from links: client kind of {s.client_kinds_filled:,} {plural(s.client_kinds_filled, 'deal')}, "
        f"development manager of {s.managers_filled:,} {plural(s.managers_filled, 'partner')}"
    )


def doctor(
    config: ConfigOption = None,
    export: Annotated[
        Path | None,
        typer.Option(
            "--export",
            help="Write the link suggestions to this CSV (not over your overrides file): copy the rows you accept "
            "into [linking].overrides_path, or, with none yet, keep the right rows and name this file there; "
            "blank a partner_id for 'no partner', or write !partner_id for 'not this partner'.",
        ),
    ] = None,
) -> None:
    """Show what could not be used or joined: quarantined rows by reason, unlinked deals, and more.

    Also the time zone the reports use and whether approved bonus months still reconcile.
    Changes: nothing, unless --export: then that CSV file (never the overrides file).

    \b
    Examples:
      salesglass doctor -c demo/salesglass.toml
      salesglass doctor -c demo/salesglass.toml --export suggestions.csv
    """
    from salesglass.account_zone import resolve_zone
    from salesglass.config import load_config
    from salesglass.errors import SalesglassError
    from salesglass.reports.doctor import export_suggestions, last_build_zone, quality_rows
    from salesglass.warehouse import open_warehouse

    cfg = load_config(config)
    require_warehouse(cfg, config)
    overrides = cfg.resolve(cfg.linking.overrides_path) if cfg.linking.overrides_path else None
    if export is not None and overrides is not None and export.resolve() == overrides.resolve():
        # the suggestions are for the deals no override links: written over the overrides file, they would
        # take every decision in it away (the review workflow's second round did exactly that)
        raise SalesglassError(
            f"{export} is your overrides file ([linking].overrides_path): the suggestions written over it would "
            "lose every decision in it. Export to another file and copy the rows you accept into it."
        )
    with open_warehouse(cfg.warehouse_path) as con:
        zone = resolve_zone(cfg, con)
        rows = quality_rows(con, zone, cfg.amocrm.development_pipelines, cfg.reports)
        exported = export_suggestions(con, export) if export else None
    console.print(f"time zone: {escape(zone.describe())}")
    built = last_build_zone(cfg.published_path)
    if built is not None and built.name != zone.name:
        console.print(
            f"[yellow]the published reports were built in {built.name}: run `salesglass build` "
            f"to take their periods in {zone.name}"
        )
    if (
        zone.source == "config"
        and cfg.account.timezone
        and cfg.amocrm.timezone
        and cfg.amocrm.timezone != cfg.account.timezone
    ):
        console.print(
            escape(f"[amocrm] timezone = {cfg.amocrm.timezone!r} is ignored: [account] timezone is set"), style="yellow"
        )
    if not rows:
        console.print("[green]nothing to report: every row was used and every deal is linked")
    else:
        table = Table(title="data quality")
        for col in ("source", "entity", "reason", "rows"):
            table.add_column(col, justify="right" if col == "rows" else "left")
        for source, entity, reason, n in rows:
            table.add_row(source, entity, reason, f"{n:,}")
        console.print(table)
    if export is not None:
        console.print(f"wrote {exported:,} suggestions to {export}")
    _bonus_reconciliation(cfg)


def _bonus_reconciliation(cfg) -> None:
    """Approved bonus months: paid + later adjustments must equal what the data gives now."""
    from salesglass.reports.bonus_state import reconciliation_summary
    from salesglass.warehouse import connect

    if not cfg.published_path.exists():
        return
    con = connect(cfg.published_path, read_only=True)
    try:
        has = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'report_bonus_reconciliation'"
        ).fetchall()[0][0]
        if not has:
            return
        months, bad = reconciliation_summary(con)
    finally:
        con.close()
    if not months:
        since = _approved_since_build(cfg)
        if since:  # approved after the last build: its reconciliation is not computed yet (not "none approved")
            console.print(
                f"[yellow]bonus: {since} approved {plural(since, 'month is', 'months are')} not in the last build "
                "yet:[/] run `salesglass build` to reconcile"
            )
        else:
            console.print("bonus: no month approved yet, nothing to reconcile")
    elif not bad:
        console.print(
            f"[green]bonus: {months} approved {plural(months, 'month reconciles', 'months reconcile')}: "
            "approved + later adjustments = recomputed"
        )
    else:
        table = Table(title="bonus reconciliation: approved + adjustments ≠ recomputed")
        for col in ("month", "manager", "approved", "adjustments", "recomputed", "difference"):
            table.add_column(col, justify="left" if col in ("month", "manager") else "right")
        for month, manager, *money in bad:
            table.add_row(f"{month:%Y-%m}", str(manager), *[f"{v:,.2f}" for v in money])
        console.print(table)


def register(app: typer.Typer) -> None:
    app.command("link")(link)
    app.command("doctor")(doctor)


def _approved_since_build(cfg) -> int:
    """Closed months in the bonus state file (the published reconciliation lists none of them yet)."""
    from salesglass.bonus.store import BonusStore

    if not cfg.bonus_state_path.exists():
        return 0
    return sum(p.closed for p in BonusStore(cfg.bonus_state_path).periods().values())
