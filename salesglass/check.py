"""`salesglass check`: a dry run of both sources before the first load, writing nothing.

The composition root of the check (like `refresh/` is of the load): the back-office's dry run is the
platform source's own (`sources/platform/check.py`: its inputs through the load's own code into a
throwaway database), the amoCRM mapping's check against the live account is the amoCRM source's own
(`sources/amocrm/resolve.py:live_problems`); neither source knows the other, this module runs both and
prints one report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from salesglass.cli_options import MAX_SAMPLE_ROWS, ConfigOption
from salesglass.currency import currency_sign
from salesglass.plural import plural

if TYPE_CHECKING:  # both are heavy imports; `salesglass --help` imports this module
    from salesglass.config import Config
    from salesglass.sources.platform.check import InputCheck, PlatformCheck

console = Console()
SAMPLE_ROWS = 50_000  # rows read per database input unless the whole table is asked for


@dataclass
class CheckReport:
    """The back-office's dry run and the amoCRM mapping's problems together."""

    platform: PlatformCheck
    amocrm: list[str] = field(default_factory=list)  # problems of the amoCRM mapping
    amocrm_checked: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def inputs(self) -> list[InputCheck]:
        return self.platform.inputs

    @property
    def months(self) -> list[tuple[str, float, int, int]]:
        return self.platform.months

    @property
    def errors(self) -> list[str]:
        return self.platform.errors

    @property
    def warnings(self) -> list[str]:
        return self.platform.warnings + self.amocrm

    @property
    def ok(self) -> bool:
        return self.platform.ok and not self.amocrm


def run_check(cfg: Config, *, sample: int | None = SAMPLE_ROWS, amocrm: bool = False) -> CheckReport:
    """Dry-run every back-office input (and the plans) of `cfg`; with `amocrm`, also resolve the amoCRM
    mapping against the live account when the config has an [amocrm] section. Nothing is written."""
    from salesglass.sources.amocrm.resolve import live_problems
    from salesglass.sources.platform.check import dry_run

    zone_note = None
    if amocrm and "amocrm" in cfg.model_fields_set:
        cfg, zone_note = _with_live_zone(cfg)
    report = CheckReport(dry_run(cfg, sample=sample))
    if zone_note:
        report.notes.append(zone_note)
    if amocrm and "amocrm" in cfg.model_fields_set:
        report.amocrm_checked = True
        report.amocrm = live_problems(cfg)
    elif amocrm:
        report.notes.append("amoCRM: not configured yet (no [amocrm] section) — the back-office side is checked alone")
    return report


def _with_live_zone(cfg: Config) -> tuple[Config, str | None]:
    """Before the first sync and with no zone key, months are Moscow's: the live account's own zone is the
    one `load` and `build` will use after `sync`, so `check`'s months match them (and the accounting)."""
    from zoneinfo import ZoneInfo

    from salesglass.account_zone import resolve_zone
    from salesglass.sources.amocrm.resolve import live_zone

    if resolve_zone(cfg).source != "default":
        return cfg, None
    zone = live_zone(cfg)
    if not zone:
        return cfg, None
    try:
        ZoneInfo(zone)
    except (ValueError, KeyError):  # a zone this machine does not know: Moscow's months, as before
        return cfg, None
    account = cfg.account.model_copy(update={"timezone": zone})
    return cfg.model_copy(update={"account": account}), (
        f"months and times in {zone}: the amoCRM account's own zone, read from the account (not synced yet)"
    )


def check(
    config: ConfigOption = None,
    full: Annotated[bool, typer.Option("--full", help="Read every row (default: a sample per input).")] = False,
    sample: Annotated[
        int, typer.Option(min=1, max=MAX_SAMPLE_ROWS, help="Rows read per database input without --full.")
    ] = SAMPLE_ROWS,
) -> None:
    """Dry run: map and validate every input exactly as `load` would, and write nothing.

    Per input: rows read, rows that would load, what would be quarantined and why (with examples), the
    range of dates and amounts, and what to confirm (a money unit off by 100, times in the wrong zone,
    status values the `where` leaves out). Then turnover, tickets and orders of the last three months
    to compare with your accounting, and the amoCRM mapping against the live account when configured.
    Exit code 0 only when everything would load and nothing needs confirming; 1 otherwise; 2 when an
    input cannot be read as configured (the message names the input and the key).

    Changes: nothing (the step between `platform inspect --write` and the first `load`).

    \b
    Examples:
      salesglass check -c salesglass.toml
      salesglass check -c demo/salesglass.toml --full
      salesglass check -c demo/salesglass.toml --sample 1000
    """
    from salesglass.config import load_config
    from salesglass.errors import ConfigError
    from salesglass.sources.platform.check import dumps_example

    cfg = load_config(config)
    if not cfg.platform.inputs and not (cfg.plans.path or cfg.plans.table or cfg.plans.query):
        raise ConfigError(
            "nothing to check: the config has no [[platform.inputs]]; "
            "`salesglass platform inspect --write` proposes them"
        )
    report = run_check(cfg, sample=None if full else sample, amocrm=True)
    for ic in report.inputs:
        if ic.error:  # not "0 rows read, all would load": nothing could be read (the error is below)
            console.print(f"\n[bold]{escape(ic.name)}[/] → {ic.target}: [red]cannot be read[/] (see the error below)")
            continue
        would = "[green]all would load[/]" if not ic.quarantined else f"[yellow]{ic.quarantined:,} would not[/]"
        console.print(
            f"\n[bold]{escape(ic.name)}[/] → {ic.target}: {ic.read:,} {plural(ic.read, 'row')} read"
            f"{' (a sample; --full reads all)' if ic.sampled else ''}, {ic.loaded:,} would load, {would}",
            highlight=False,
        )
        for reason, n in ic.reasons.items():
            console.print(f"  quarantine: {n:,} × {escape(reason)}", highlight=False)
            for raw in ic.examples.get(reason, []):
                console.print(f"    e.g. {escape(dumps_example(raw))}", highlight=False)
        for col, (lo, hi) in ic.ranges.items():
            console.print(f"  {col}: {lo} … {hi}", highlight=False)
        for fact in ic.facts:
            console.print(f"  {escape(fact)}", highlight=False)
        for w in ic.warnings:
            console.print(f"  [yellow]confirm:[/] {escape(w)}", highlight=False)
    if report.months:
        sampled = [ic for ic in report.inputs if ic.sampled and ic.target == "sales"]
        since = report.platform.months_from
        if any(not ic.newest for ic in sampled):
            how = (
                " — from samples that need not be the newest rows (sold_at does not sort in the source): "
                "run with --full for the last three months"
            )
        elif since:
            how = f" — from the newest rows of each sample, sold since {since:%Y-%m-%d %H:%M}: --full for whole months"
        else:
            how = ""
        t = Table(
            "month",
            f"turnover, {currency_sign(cfg.account.currency)}",
            "tickets",
            "orders",
            title="Sales of the last three months (all sales inputs; compare with your accounting)" + how,
        )
        for m, turnover, tickets, orders in report.months:
            part = f" (from {since:%Y-%m-%d})" if since and m == f"{since:%Y-%m}" else ""
            t.add_row(m + part, f"{turnover:,.2f}", f"{tickets:,}", f"{orders:,}")
        console.print(t)
    for line in report.amocrm:
        console.print(f"[yellow]confirm:[/] {escape(line)}", highlight=False)
    if report.amocrm_checked and not report.amocrm:
        console.print("amoCRM: the mapping resolves against the live account", highlight=False)
    for line in report.notes:
        console.print(escape(line), highlight=False)
    for line in report.errors:
        console.print(f"[red]error:[/] {escape(line)}", highlight=False)
    console.print(
        "[green]check passed: everything would load[/]"
        if report.ok
        else "[yellow]check: see the lines above before loading[/] (nothing was written)"
    )
    raise typer.Exit(2 if report.errors else 0 if report.ok else 1)


def register(app: typer.Typer) -> None:
    app.command("check")(check)
