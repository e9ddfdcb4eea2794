"""`salesglass emulate-amocrm`: serve a simulated company's amoCRM on localhost until Ctrl+C."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()


def register(app: typer.Typer) -> None:
    app.command("emulate-amocrm")(emulate)


def emulate(
    company: Annotated[Path, typer.Option(help="A generated company folder (with amocrm/ inside).")] = Path(
        "demo/company"
    ),
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on (0 = any free port).")] = 8765,
    rate_limit: Annotated[int, typer.Option(min=1, help="Requests per second before 429 (amoCRM: 7).")] = 7,
    error_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of API requests answered 500/502/503 (0 to 1).")
    ] = 0.0,
    timeout_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of API requests left unanswered (0 to 1).")
    ] = 0.0,
    slow: Annotated[
        float,
        typer.Option(min=0.0, help="Seconds added to every API response (real amoCRM from Russia: 0.2-0.6)."),
    ] = 0.0,
    slow_jitter: Annotated[
        float,
        typer.Option(
            min=0.0, help="Vary --slow by up to ± this many seconds, uniformly (e.g. --slow 0.4 --slow-jitter 0.1)."
        ),
    ] = 0.0,
    seed: Annotated[int, typer.Option(help="Seed for injected faults and for advancing time.")] = 0,
    api_filter: Annotated[
        bool,
        typer.Option(
            help="Emulate an account with amoCRM API filtering on (the default). --no-api-filter serves one "
            "where it is off: filter[...] on leads/companies is ignored and the account says "
            "is_api_filter_enabled = false."
        ),
    ] = True,
) -> None:
    """Run the amoCRM API v4 emulator (OAuth, rate limit with ban, faults; POST /_emulator/advance moves time).

    For tests and trying the connector without an account: serves a generated company until Ctrl+C.
    Changes: nothing on disk (the company's changes live in memory).

    \b
    Examples:
      salesglass emulate-amocrm --company demo/company
      salesglass emulate-amocrm --company demo/company --port 8765 --error-rate 0.05 --slow 0.4
    """
    from salesglass.emulator.server import start_emulator

    handle = start_emulator(
        company,
        host,
        port,
        rate_limit=rate_limit,
        seed=seed,
        error_rate=error_rate,
        timeout_rate=timeout_rate,
        slow_seconds=slow,
        slow_jitter=slow_jitter,
        api_filter=api_filter,
    )
    console.print(
        f"amoCRM emulator for {company} at {handle.url} (Ctrl+C stops it)"
        + ("" if api_filter else "; API filtering off (filter[...] ignored)")
        + "\n"
        f"  long-lived token and OAuth client: {company / 'amocrm' / 'oauth.json'}\n"
        f"  advance time: curl -X POST {handle.url}/_emulator/advance -d '{{\"change_fraction\": 0.01}}'"
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        handle.stop()
