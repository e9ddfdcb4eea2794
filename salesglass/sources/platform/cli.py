"""Commands of this area; `register` adds them to the `salesglass` app.

`salesglass load` reads the back-office and the plans.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console()

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (default: ./salesglass.toml, else the demo defaults)."),
]


def load(
    config: ConfigOption = None,
    full: Annotated[bool, typer.Option("--full", help="Ignore watermarks: re-read every row and replace the "
                                                      "platform tables whole (after a back-office fix).")] = False,
) -> None:
    """Load the platform back-office (partners, sales, widget installs) and the plans into the warehouse.

    Reads only rows changed since the last load (per-input watermarks) unless --full. Rows that cannot
    be used go to quarantine with their reason; see `salesglass doctor`. After --full the warehouse file
    is compacted when the replaced tables left a good share of it free (docs/scale.md).
    """
    from salesglass.config import load_config
    from salesglass.errors import ConfigError
    from salesglass.sources.platform.load import run_load

    cfg = load_config(config)
    if not cfg.platform.inputs and not (cfg.plans.path or cfg.plans.table or cfg.plans.query):
        raise ConfigError("nothing to load: the config has no [[platform.inputs]] and no [plans] source "
                          "(see docs/platform.md)")
    summary = run_load(cfg, full=full, progress=True)
    print_summary(summary)


def print_summary(summary) -> None:  # LoadSummary
    table = Table(title=f"load ({'full' if summary.full else 'incremental'}, {summary.seconds:.1f} s)")
    for col in ("input", "→ table", "read", "loaded", "quarantined", "watermark"):
        table.add_column(col, justify="right" if col in ("read", "loaded", "quarantined") else "left")
    for r in summary.all:
        table.add_row(r.name, r.target, f"{r.read:,}", f"{r.loaded:,}", f"{r.quarantined:,}", r.watermark or "")
    console.print(table)
    for r in summary.all:
        for reason, n in {**r.reasons, **r.warnings}.items():
            console.print(f"  [yellow]{r.name}[/]: {n:,} × {reason}", highlight=False)
    if summary.quarantined:
        console.print("Quarantined rows are kept in the `quarantine` table; `salesglass doctor` lists them.")
    if summary.compaction is not None:
        console.print(summary.compaction.line(), highlight=False)
    if summary.compaction_error:
        console.print(f"[yellow]warning:[/] the warehouse was not compacted (it is unchanged): "
                      f"{escape(summary.compaction_error)}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("load")(load)
