"""Commands of this area: `salesglass link` and `salesglass doctor`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console()

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (default: ./salesglass.toml, else the demo defaults)."),
]


def link(config: ConfigOption = None) -> None:
    """Join amoCRM deals to platform partners (override → account id → ИНН → name) and suggest the rest."""
    from salesglass.config import load_config
    from salesglass.link.run import run_link

    cfg = load_config(config)
    with console.status("linking deals to partners…"):
        s = run_link(cfg)
    print_link_summary(s)


def print_link_summary(s) -> None:  # LinkSummary
    """What linking did, in the words of the linking rules (shared with `salesglass demo`)."""
    console.print(f"deals: {s.deals:,}; linked {s.linked_total:,} "
                  f"({', '.join(f'{m} {n:,}' for m, n in sorted(s.linked.items())) or 'none'}); "
                  f"unlinked {s.unlinked:,}")
    if s.ambiguous:
        console.print("not linked because a rule found several partners: "
                      + ", ".join(f"{m} {n:,}" for m, n in sorted(s.ambiguous.items())))
    console.print(f"suggestions for review: {s.suggestions:,} (`salesglass doctor --export FILE`)")
    if s.bad_overrides:
        console.print(f"[yellow]{s.bad_overrides:,} override rows could not be used (see `salesglass doctor`)")
    console.print(f"filled from links: client kind of {s.client_kinds_filled:,} deals, "
                  f"development manager of {s.managers_filled:,} partners")


def doctor(
    config: ConfigOption = None,
    export: Annotated[Path | None, typer.Option(
        "--export", help="Write the link suggestions to this CSV: keep the right rows and use it as "
                         "[linking].overrides_path.")] = None,
) -> None:
    """Show what could not be used or joined: quarantined rows by reason, unlinked deals, and more."""
    from salesglass.config import load_config
    from salesglass.reports.doctor import export_suggestions, quality_rows
    from salesglass.warehouse import open_warehouse

    cfg = load_config(config)
    with open_warehouse(cfg.warehouse_path) as con:
        rows = quality_rows(con, cfg.account.timezone)
        exported = export_suggestions(con, export) if export else None
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


def register(app: typer.Typer) -> None:
    app.command("link")(link)
    app.command("doctor")(doctor)
