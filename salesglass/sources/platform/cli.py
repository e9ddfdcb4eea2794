"""Commands of this area; `register` adds them to the `salesglass` app.

`salesglass load` reads the back-office and the plans.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from salesglass.cli_options import MAX_SAMPLE_ROWS, ConfigOption
from salesglass.plural import plural

console = Console()


def load(
    config: ConfigOption = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Ignore watermarks: re-read every row and replace the "
            "platform tables whole (after a back-office fix).",
        ),
    ] = False,
) -> None:
    """Load the platform back-office (partners, sales, widget installs) and the plans into the warehouse.

    Reads only rows changed since the last load (per-input watermarks) unless --full. Rows that cannot
    be used go to quarantine with their reason; see `salesglass doctor`. After --full the warehouse file
    is compacted when the replaced tables left a good share of it free (docs/scale.md).

    Changes: the warehouse's platform and plan tables and the quarantine (the published reports only change
    at the next `build`); the back-office itself is only read.

    \b
    Examples:
      salesglass load -c demo/salesglass.toml
      salesglass load -c demo/salesglass.toml --full
    """
    from salesglass.config import load_config
    from salesglass.errors import ConfigError
    from salesglass.refresh.compaction import load_platform

    cfg = load_config(config)
    if not cfg.platform.inputs and not (cfg.plans.path or cfg.plans.table or cfg.plans.query):
        if "amocrm" in cfg.model_fields_set:  # amoCRM set up first: `sync && load && link && build` goes on
            console.print(
                "load: no back-office inputs yet, nothing loaded ([[platform.inputs]]: `salesglass platform "
                "inspect --write`); the reports are built from amoCRM alone",
                highlight=False,
            )
            return
        raise ConfigError(
            "nothing to load: the config has no [[platform.inputs]] and no [plans] source (see docs/platform.md)"
        )
    from salesglass.warehouse import none_left_if_failed

    with none_left_if_failed(cfg.warehouse_path):
        summary = load_platform(cfg, full=full, progress=True)
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
        console.print(
            f"[yellow]warning:[/] the warehouse was not compacted (it is unchanged): "
            f"{escape(summary.compaction_error)}",
            highlight=False,
        )


platform_app = typer.Typer(
    help="Your back-office: what it holds and how it maps (`salesglass platform inspect`).",
    no_args_is_help=True,
    suggest_commands=False,
)


@platform_app.command("inspect")
def inspect(
    config: ConfigOption = None,
    write: Annotated[
        bool,
        typer.Option("--write", help="Add the proposed inputs to the config file in place (the reasons as comments)."),
    ] = False,
    sample: Annotated[
        int, typer.Option(min=1, max=MAX_SAMPLE_ROWS, help="Rows read per table to judge columns by.")
    ] = 5000,
) -> None:
    """List the back-office's tables and columns and propose the [[platform.inputs]] for them.

    Reads [platform].url (a database) or [platform].folder (CSV/XLSX files); read-only. Every guess —
    keys, money units, time zones, paid statuses, refunds, test orders, partner kinds, ИНН, manager
    e-mails — comes with its reason and a confidence; `salesglass check` then shows what to confirm.

    Changes: nothing, unless --write: then the config file gets the proposed inputs.

    \b
    Examples:
      salesglass platform inspect -c salesglass.toml
      salesglass platform inspect -c salesglass.toml --write
      salesglass platform inspect -c demo/salesglass.toml --sample 500
    """
    from salesglass.config import DEFAULT_CONFIG_NAME, load_config
    from salesglass.errors import ConfigError
    from salesglass.sources.platform.inspect import inspect_source
    from salesglass.sources.platform.propose import insert_into_config, plans_toml, propose, to_toml

    cfg = load_config(config)
    catalog = inspect_source(cfg.platform.url, cfg.platform.folder, cfg.base_dir, sample=sample)
    for t in catalog.tables:
        title = f"{t.name} — {t.rows:,} {plural(t.rows, 'row')}" + (f" ({t.encoding})" if t.encoding else "")
        table = Table("column", "type", "filled", "distinct", "values", title=title, title_justify="left")
        for c in t.columns:
            shown = ", ".join(f"{v} ({n})" for v, n in c.top[:6]) if c.top else ", ".join(c.samples)
            table.add_row(
                c.name + (" (key)" if c.primary_key else ""),
                c.type,
                f"{c.values:,}",
                f"{c.distinct:,}",
                escape(shown[:80]),
            )
        console.print(table)
    from salesglass.account_zone import resolve_zone

    zone_note = ""
    if cfg.platform.timezone:
        proposal = propose(catalog, timezone=cfg.platform.timezone)
    else:  # no [platform] timezone: naive times are read in the account zone, which a sync may still change
        zone = resolve_zone(cfg)
        zone_from = {
            "config": zone.detail or "[account] timezone",
            "amocrm": "the amoCRM account's zone, as synced",
            "default": "the default: no [account] timezone set and no amoCRM account synced yet; "
            "once synced, the account's own zone",
        }[zone.source]
        proposal = propose(catalog, timezone=zone.name, zone_from=zone_from)
        naive = any("naive times" in c.reason for i in proposal.inputs for c in i.columns.values())
        if naive:  # said only when some time has no offset: those with one need no zone
            zone_note = (
                f"\nnaive times (no offset) are read in {zone.name} ({zone_from}); if the back-office writes "
                f'another zone, set it under [platform]: timezone = "Area/City" (e.g. "America/Sao_Paulo")'
            )
    if not write:
        console.print(
            "\n# ---- paste under [platform] in your config (or run with --write) ----", highlight=False, markup=False
        )
        console.print(escape(to_toml(proposal)), highlight=False, soft_wrap=True)
        if proposal.plans:
            console.print(escape(plans_toml(proposal)), highlight=False, soft_wrap=True)
        if zone_note:
            console.print(zone_note, highlight=False, markup=False, soft_wrap=True)
        return
    path = config or __import__("pathlib").Path(DEFAULT_CONFIG_NAME)
    if not path.exists():
        raise ConfigError(f"--write: {path} does not exist; create it with `salesglass init`")
    if cfg.platform.inputs:
        raise ConfigError(
            f"--write: {path} already has [[platform.inputs]]; run without --write and paste what you need"
        )
    import stat
    import tomllib

    from salesglass.config import parse_config
    from salesglass.processes import replace_whole

    text = insert_into_config(path.read_text(encoding="utf-8-sig"), proposal)
    parse_config(tomllib.loads(text), base_dir=path.resolve().parent, source=f"{path} (as proposed)")
    # whole or not at all (a Ctrl-C mid-write cut the user's config short), with the mode it had
    replace_whole(path, text, mode=stat.S_IMODE(path.stat().st_mode))
    console.print(
        f"added {len(proposal.inputs)} inputs{' and [plans]' if proposal.plans else ''} to {path}; "
        f"next: salesglass check -c {path}",
        highlight=False,
        markup=False,  # "[plans]" is text, not a rich style tag (it vanished: "added 4 inputs and  to …")
    )
    if zone_note:
        console.print(zone_note, highlight=False, markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("load")(load)
    app.add_typer(platform_app, name="platform")
