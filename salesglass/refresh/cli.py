"""Commands for running unattended: refresh, refresh-status, writeback, publish, digest, webhook-info."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from salesglass.cli_options import ConfigOption, first_steps, names_a_source, require_warehouse
from salesglass.plural import plural

console = Console()


def register(app: typer.Typer) -> None:
    app.command("refresh")(refresh)
    app.command("refresh-status")(refresh_status)
    app.command("writeback")(writeback)
    app.command("publish")(publish)
    app.command("digest")(digest)
    app.command("webhook-info")(webhook_info)
    app.command("backup")(backup)


def backup(
    folder: Annotated[Path, typer.Argument(help="A new or empty folder to copy the installation into.")],
    config: ConfigOption = None,
) -> None:
    """Copy the installation (the config's folder: config, secrets, logins, warehouse, bonus approvals,
    published reports, run log) into FOLDER, consistently, while the dashboard keeps running.

    No refresh runs during the copy (a running one is waited for), and each DuckDB file is copied while
    no process may write it. To restore: stop `salesglass serve`, put the folder's contents back in place
    (or anywhere, and point -c there), start it again. See docs/refresh.md "Backup and restore".

    Changes: writes FOLDER only.

    \b
    Examples:
      salesglass backup /var/backups/salesglass-2026-12-07 -c /srv/salesglass/salesglass.toml
      salesglass backup ../demo-backup -c demo/salesglass.toml
    """
    from salesglass.config import load_config
    from salesglass.refresh.backup import backup as take_backup

    cfg = load_config(config)  # a refusal is an error like any other command's: on stderr, exit code 2
    summary = take_backup(cfg, folder, progress=lambda line: console.print(escape(line), highlight=False))
    console.print(
        f"[green]backup taken:[/] {escape(str(summary.folder))} — {summary.files:,} {plural(summary.files, 'file')}, "
        f"{summary.bytes / 1e6:,.1f} MB; databases copied consistently: {escape(', '.join(summary.databases))}",
        highlight=False,
    )


def refresh(
    once: Annotated[bool, typer.Option("--once", help="Run one refresh now and exit (for cron).")] = False,
    full: Annotated[
        bool, typer.Option("--full", help="Full reconciliation: re-read everything, not just changes.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Refresh the data: sync amoCRM, load the platform, link, rebuild the reports.

    With --once: one refresh in this process, then exit. Without: keep running, one refresh every
    [refresh] interval_minutes and a full one nightly at [refresh] nightly_at (Ctrl-C stops).
    Only one refresh runs at a time (a lock file next to the warehouse); the last good reports stay
    published when a refresh fails.

    Changes: the warehouse, then the published reports (replaced whole when the build succeeds), and the run
    log `salesglass refresh-status` reads.

    \b
    Examples:
      salesglass refresh --once -c demo/salesglass.toml
      salesglass refresh --once --full -c demo/salesglass.toml
      salesglass refresh -c /srv/salesglass/salesglass.toml
    """
    from salesglass.config import load_config
    from salesglass.refresh.lock import LockBusy
    from salesglass.refresh.runner import default_steps, run_refresh

    cfg = load_config(config)
    if not names_a_source(cfg):
        from salesglass.errors import ConfigError

        # a fresh `salesglass init` file: the refresh said "done: platform_load, link, build" and published
        # empty reports, as if all were well
        raise ConfigError(f"nothing to refresh: {first_steps(cfg, config)}")
    if once:
        try:
            with console.status(f"refreshing ({'full' if full else 'incremental'})…"):
                result = run_refresh(cfg, default_steps(cfg), full=full, trigger="manual")
        except LockBusy as busy:
            console.print(f"[yellow]skipped:[/] {escape(str(busy))}")
            return
        if result.ok:
            console.print(f"[green]refresh {result.run_id} done:[/] {', '.join(result.steps_done)}")
            for note in result.notes:
                console.print(f"  {escape(note)}", highlight=False)
            return
        console.print(
            f"[red]refresh {result.run_id} failed at step {result.failed_step}:[/] "
            f"{escape(result.error or '')}\nThe previously published reports stay in place.",
            highlight=False,
        )
        raise typer.Exit(1)
    import logging
    import time

    from salesglass.refresh.scheduler import start_background_refresh

    logging.getLogger("salesglass.refresh").setLevel(logging.ERROR)  # results are printed below instead

    handle = start_background_refresh(cfg)
    zone = handle.zone
    if full:
        handle.trigger(full=True)
    console.print(
        f"refreshing every {cfg.refresh.interval_minutes} min"
        + (
            f", full nightly at {cfg.refresh.nightly_at} ({zone.name}, from {zone.source})"
            if cfg.refresh.nightly_at
            else ""
        )
        + "; Ctrl-C to stop"
    )
    seen = 0
    try:
        while handle.alive:
            time.sleep(1)
            if handle.runs != seen and handle.last_result is not None:
                seen, r = handle.runs, handle.last_result
                state = (
                    ("[green]ok[/]" + (f" ({escape('; '.join(r.notes))})" if r.notes else ""))
                    if r.ok
                    else "[yellow]skipped[/]"
                    if r.skipped
                    else f"[red]failed:[/] {escape(r.error or '')}"
                )
                console.print(f"refresh {r.run_id}: {state}", highlight=False)
    except KeyboardInterrupt:
        console.print("stopping…")
    finally:
        handle.stop()


def refresh_status(
    limit: Annotated[int, typer.Option(min=1, help="How many recent runs to show.")] = 10,
    config: ConfigOption = None,
) -> None:
    """Show the recent refreshes: when, which steps, and why one failed.

    Also whether one is running now. Changes: nothing.

    \b
    Examples:
      salesglass refresh-status -c demo/salesglass.toml
      salesglass refresh-status -c demo/salesglass.toml --limit 3
    """
    from salesglass.config import load_config
    from salesglass.refresh.lock import is_stale, lock_path_for, read_holder
    from salesglass.runs import read_runs, runs_path_for

    cfg = load_config(config)
    holder = read_holder(lock_path_for(cfg.warehouse_path))
    if holder and is_stale(holder, cfg.refresh.stale_lock_minutes * 60.0):
        console.print(
            f"not running: the lock of pid {holder.get('pid')} on {holder.get('host')} is left from a refresh that was "
            "killed or crashed (or hangs); the next refresh takes it over by itself"
        )
    elif holder:
        console.print(f"running now: pid {holder.get('pid')} on {holder.get('host')}")
    table = Table("run", "trigger", "started (UTC)", "result", "steps / error")
    for run in read_runs(runs_path_for(cfg.warehouse_path), limit=limit):
        result = "skipped" if run.skipped else {True: "ok", False: "FAILED", None: "running"}[run.ok]
        steps = " → ".join(
            f"{s.step}{'' if s.ok else ' ✗' if s.ok is False else ' …'}{' (unchanged)' if s.changed is False else ''}"
            for s in run.steps
        )
        said = "".join(f"\n{note}" for note in run.notes) + (f"\n{run.error}" if run.error else "")
        table.add_row(run.run_id, run.trigger or "", run.started or "", result, steps + said)
    console.print(table)


def writeback(
    send: Annotated[
        bool, typer.Option("--send/--dry-run", help="Really move the deals in amoCRM (default: only list them).")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """List (or, with --send, make) the amoCRM stage moves for partners that installed the widget or sold.

    Changes: nothing by default (a dry run); with --send, the deals' stages in amoCRM, each move recorded in
    the warehouse's writeback_audit table. [writeback] enabled must be true to send.

    \b
    Examples:
      salesglass writeback -c demo/salesglass.toml
      salesglass writeback -c demo/salesglass.toml --send
    """
    from salesglass.config import load_config
    from salesglass.errors import ConfigError
    from salesglass.refresh.writeback import run_writeback

    cfg = load_config(config)
    require_warehouse(cfg, config)  # it reads the synced deals: before any sync, DuckDB's traceback
    wb = getattr(cfg, "writeback", None)
    if wb is None:
        raise ConfigError("this version has no [writeback] section")
    if send and not wb.enabled:
        raise ConfigError("[writeback].enabled is false: set it to true (with the target statuses) to send moves")
    if wb.widget_installed_status is None and wb.first_sale_status is None:
        # (an empty table said nothing about why: no move can be planned without a target status)
        what = "[writeback] names no target status" if "writeback" in cfg.model_fields_set else "no [writeback] section"
        console.print(
            f"nothing to write back: {escape(what)} in the config. To move deals in amoCRM when their partner "
            "installs the widget or first sells, add the statuses to move them to (the ids: `salesglass amocrm "
            "inspect`), and enabled = true to --send:\n"
            + escape("  [writeback]\n")
            + "  widget_installed_status = { pipeline_id = …, status_id = … }\n"
            "  first_sale_status = { pipeline_id = …, status_id = … }\n"
            "  enabled = true\n"
            "(docs/refresh.md, «Write-back to amoCRM»)",
            highlight=False,
        )
        return
    summary = run_writeback(cfg, dry_run=not send)
    table = Table("deal", "from status", "to status", "why")
    for m in summary.planned:
        table.add_row(str(m.deal_id), str(m.from_status), f"{m.to_status} ({m.target_stage})", m.reason)
    console.print(table)
    if summary.dry_run:
        console.print(
            f"{len(summary.planned)} {plural(len(summary.planned), 'move')} planned; dry run: nothing was changed"
        )
    else:
        console.print(f"moved {len(summary.moved)}, failed {len(summary.failed)} (see table writeback_audit)")
        if summary.failed:
            raise typer.Exit(1)


def publish(
    url: Annotated[
        str | None, typer.Argument(help="postgresql://user@host:5432/db (default: [publish] postgres_url).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Copy the published reports and the canonical model into PostgreSQL for BI tools (atomic swap).

    Changes: the [publish] schema in that database, swapped whole at the end (a BI tool reading it sees the old
    tables or the new ones, never half); the published reports are only read.

    \b
    Examples:
      salesglass publish -c demo/salesglass.toml
      salesglass publish postgresql://bi_writer@db.yourco.ru:5432/analytics -c demo/salesglass.toml
    """
    from salesglass.config import load_config
    from salesglass.outputs.publish import publish_from_config

    cfg = load_config(config)
    with console.status("publishing to PostgreSQL…"):
        summary = publish_from_config(cfg, url)
    tables, rows = len(summary.tables), sum(summary.tables.values())
    console.print(
        f"[green]published[/] {tables} {plural(tables, 'table')}, {rows} {plural(rows, 'row')} into "
        f"schema {summary.schema} in {summary.seconds:.1f} s"
    )
    for warning in summary.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)


def digest(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be sent; send nothing.")] = False,
    config: ConfigOption = None,
) -> None:
    """Send the weekly digests: declining partners to their managers, plan vs fact to the head of sales.

    Changes: nothing on disk; sends e-mails and Telegram messages ([digest] enabled), or with --dry-run
    prints them only.

    \b
    Examples:
      salesglass digest --dry-run -c demo/salesglass.toml
      salesglass digest -c /srv/salesglass/salesglass.toml
    """
    from salesglass.config import load_config
    from salesglass.errors import ConfigError
    from salesglass.outputs.digest import send_digests

    cfg = load_config(config)
    if not dry_run and not cfg.digest.enabled:
        raise ConfigError("[digest].enabled is false: enable it, or preview with `salesglass digest --dry-run`")
    report = send_digests(cfg, dry_run=dry_run)
    for d in report.plan.digests:
        console.rule(f"to {', '.join(d.to)}: {d.subject}")
        if dry_run:
            console.print(d.text, highlight=False, markup=False)
    for note in report.plan.notes:
        console.print(f"[yellow]note:[/] {escape(note)}", highlight=False)
    if not report.plan.digests:
        console.print("nothing to say this week: no digest")
    elif dry_run:
        console.print(f"dry run: {len(report.plan.digests)} {plural(len(report.plan.digests), 'digest')} not sent")
    else:
        console.print(
            f"sent {report.emails_sent} {plural(report.emails_sent, 'e-mail')}, "
            f"{report.telegram_sent} Telegram {plural(report.telegram_sent, 'message')}"
        )


def webhook_info(config: ConfigOption = None) -> None:
    """How to point amoCRM's webhooks at salesglass (the secret itself is never printed).

    Changes: creates the owner-only webhook secret file the first time, if the config sets no secret.

    \b
    Examples:
      salesglass webhook-info -c demo/salesglass.toml
    """
    from salesglass.config import load_config
    from salesglass.refresh.webhooks import webhook_secret

    cfg = load_config(config)
    webhook_secret(cfg)  # make sure it exists
    where = (
        "[refresh] webhook_secret in your config"
        if cfg.refresh.webhook_secret is not None
        else f"the file {cfg.resolve(cfg.refresh.webhook_secret_file)} (owner-only)"
    )
    console.print(
        "In amoCRM: Settings → Integrations → Web hooks, add\n"
        "  https://<your salesglass host>/hooks/amocrm/<secret>\n"
        f"where <secret> is in {where}. Events: lead added, status changed, deleted, restored.",
        highlight=False,
    )
