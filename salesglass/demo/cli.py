"""`salesglass demo`: the whole product on a simulated company, in one folder.

The path is the one a real installation takes, with the real pieces: generate a company → serve its
amoCRM account from the emulator on a local port → authorize like an integration (OAuth code exchange)
and sync through the connector → load the SQLite back-office and plans through the platform source →
link deals to partners → build and publish every report → open the dashboard.

Everything stays under DIR (default ./demo): the generated company, the config written for it (a worked
example for users), the tokens, the warehouse and the published reports. Running it again reuses the
company when scale, seed and end date match, and rebuilds the rest.
"""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from salesglass.cli_options import parse_day
from salesglass.private_files import create_private

console = Console()


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    dir: Annotated[Path, typer.Option("--dir", help="Folder for everything the demo makes.")] = Path("demo"),
    scale: Annotated[
        str,
        typer.Option(help="Size of the simulated company: xs, s, m or l (s: seconds; m: minutes and ~3 GB; l: long)."),
    ] = "s",
    seed: Annotated[
        int, typer.Option(min=0, help="Random seed (0 or more); the same seed gives the same company.")
    ] = 7,
    end: Annotated[
        str | None,
        typer.Option(
            help="Last day of the company's history, YYYY-MM-DD (default: today); the reports are built as of this day."
        ),
    ] = None,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve/--no-serve",
            help="Start the dashboard at the end (--no-serve "
            "stops once the reports are built, for scripts and BI tools).",
        ),
    ] = True,
    live: Annotated[
        bool,
        typer.Option(
            "--live",
            help="Keep the company moving: the emulator advances every minute and the dashboard refreshes itself.",
        ),
    ] = False,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Dashboard port (default: [dashboard].port, 8000).")
    ] = None,
    profile: Annotated[
        str,
        typer.Option(
            help="Which company: biletoid (the demo: Moscow, amoCRM, a SQLite "
            "back-office) or sibkassa (Novosibirsk UTC+7, Kommo, other "
            "pipelines and field types, CSV files; its config has no "
            "time-zone key)."
        ),
    ] = "biletoid",
) -> None:
    """Generate a company, sync it through the amoCRM emulator, load, link, build and open the dashboard.

    The whole product on a simulated company, to look around before setting up your own (`salesglass init`).
    Changes: only the --dir folder (company, config, warehouse, reports, demo logins); run again, it reuses
    the company when scale, seed and end match and rebuilds the rest. Ctrl+C stops the dashboard.

    \b
    Examples:
      salesglass demo
      salesglass demo --no-serve
      salesglass demo --scale xs --end 2026-11-30 --port 8001
      salesglass demo --profile sibkassa --dir demo-sibkassa --no-serve
    """
    from salesglass.config import load_config
    from salesglass.demo.amocrm import demo_sync
    from salesglass.simulate.generate import check_company, ensure_company

    end_day = parse_day("--end", end)
    check_company(profile, scale)  # `--scale xxl` left an empty demo folder behind, after the demo's heading
    if serve:  # a taken port is said now, not after minutes of work and a printed URL
        from salesglass.serve.cli import require_free_port
        from salesglass.serve.config import DashboardConfig

        defaults = DashboardConfig()
        require_free_port(defaults.host, port or defaults.port)
    dir.mkdir(parents=True, exist_ok=True)
    company = dir / "company"
    config_path = dir / "salesglass.toml"
    console.rule("[bold]salesglass demo")

    console.print(f"[bold]1/5[/] simulated company {profile} (scale {scale}, seed {seed}) in {company}")
    ensure_company(company, scale=scale, seed=seed, end=end_day, profile=profile)
    manifest = json.loads((company / "manifest.json").read_text(encoding="utf-8"))
    as_of = date.fromisoformat(manifest["end"])
    _write_config(config_path, company, profile)

    console.print("[bold]2/5[/] amoCRM: emulator + OAuth authorization + full sync")
    handle, sync_summary = demo_sync(company, config_path, progress=True)
    try:
        console.print(sync_summary.render(), highlight=False)
        cfg = load_config(config_path)
        _load_link_build(cfg, as_of)
        if not serve:
            _print_next(config_path, cfg)
            return
        _serve(cfg, handle, config_path, live=live, port=port, profile=profile)
    finally:
        handle.stop()


def _write_config(path: Path, company: Path, profile: str) -> None:
    from salesglass.demo.config import demo_config_text

    create_private(path)  # it holds the demo integration's client secret
    path.write_text(demo_config_text(company.resolve(), profile), encoding="utf-8")


def _load_link_build(cfg, as_of: date) -> None:  # cfg: Config
    from salesglass.link.cli import print_link_summary
    from salesglass.link.run import run_link
    from salesglass.reports.build import run_build
    from salesglass.sources.platform.cli import print_summary
    from salesglass.sources.platform.load import run_load

    console.print("[bold]3/5[/] platform back-office and plans")
    print_summary(run_load(cfg, full=True, progress=True))
    console.print("[bold]4/5[/] linking deals to partners")
    print_link_summary(run_link(cfg))
    console.print(f"[bold]5/5[/] reports as of {as_of}")
    run_build(cfg, as_of=as_of, progress=True)


def _print_next(config_path: Path, cfg) -> None:  # cfg: Config
    console.rule("[bold green]done")
    console.print(
        f"Reports: {cfg.published_path} (DuckDB; every report_* table, the canonical model, build_info)\n"
        f"Config:  {config_path} — the worked example for your own account (docs/configuration.md)\n"
        "Next:",
        highlight=False,
    )
    # one command a line, quoted for the shell (a folder named `my demo` or `O'Brien`), never wrapped: each
    # line is pasted as it is
    for line in next_commands(config_path):
        console.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)


def next_commands(config_path: Path) -> list[str]:
    """What to run after `demo --no-serve`, as shell lines: the program as it was started (`.venv/bin/
    salesglass` after `make demo`), the config path quoted."""
    import shlex
    import sys

    started = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    program = shlex.quote(sys.argv[0]) if started and started.name == "salesglass" else "salesglass"
    c = shlex.quote(str(config_path))
    return [
        f"{program} export -c {c} --format xlsx",
        f"{program} doctor -c {c}",
        f"{program} serve -c {c}",
    ]


def _serve(
    cfg, handle, config_path: Path, *, live: bool, port: int | None, profile: str = "biletoid"
) -> None:  # cfg: Config
    from salesglass.demo.logins import demo_logins, ensure_demo_users
    from salesglass.serve.cli import require_free_port, run_server

    if port:
        cfg.dashboard.port = port
    require_free_port(cfg.dashboard.host, cfg.dashboard.port)
    admin, manager = demo_logins(cfg, profile)
    ensure_demo_users(cfg, admin=admin, manager=manager)
    url = f"http://{cfg.dashboard.host}:{cfg.dashboard.port}/"
    console.rule("[bold green]dashboard")
    console.print(
        f"Open {url}\n"
        f"  admin:   {admin[0]} / {admin[1]}\n"
        f"  manager: {manager[0]} / {manager[1]} (sees only their own deals and bonus)\n"
        f"  amoCRM emulator: {handle.url}   config: {config_path}\n"
        "Ctrl+C stops everything.",
        highlight=False,
    )
    stop = threading.Event()
    if live:
        # the emulator's company moves in real time (a minute of changes every minute: stage moves, new and
        # deleted leads); the refresh loop follows it and builds as of today
        def advance() -> None:
            while not stop.wait(60):
                handle.advance(seconds=60, change_fraction=0.005)

        threading.Thread(target=advance, name="emulator-advance", daemon=True).start()
        console.print("live mode: the company advances every minute; the dashboard refreshes every minute")
    try:
        run_server(cfg, refresh=live, webhooks=live, refresh_interval_seconds=60 if live else None)
    finally:
        stop.set()
