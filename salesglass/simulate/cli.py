"""Commands of this area; `register` adds them to the `salesglass` app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from salesglass.cli_options import parse_day


def register(app: typer.Typer) -> None:
    app.command("generate")(generate_command)


def generate_command(
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Folder to write the company into (created; an earlier generated company there is replaced)."
        ),
    ] = Path("company"),
    scale: Annotated[
        str,
        typer.Option(help="Size: xs (tests), s (demo: ~800 partners, 200k orders), m (~10M orders), l (~100M orders)."),
    ] = "s",
    seed: Annotated[
        int, typer.Option(min=0, help="Random seed (0 or more); same scale + seed + end → identical files.")
    ] = 7,
    end: Annotated[str | None, typer.Option(help="Last day of the history, YYYY-MM-DD (default: today, UTC).")] = None,
    profile: Annotated[
        str,
        typer.Option(
            help="Which company: biletoid (the demo: Moscow, amoCRM, a SQLite "
            "back-office) or sibkassa (Novosibirsk UTC+7, Kommo, other pipelines "
            "and field types, canonical CSV files)."
        ),
    ] = "biletoid",
) -> None:
    """Write a simulated ticketing company: amoCRM snapshot, back-office SQLite, plans.xlsx and truth/.

    For tests and benchmarks (`salesglass demo` generates its own). Changes: writes --out only, replacing an
    earlier generated company there whole.

    \b
    Examples:
      salesglass generate --scale xs --out company
      salesglass generate --scale s --seed 7 --end 2026-11-30 --out company
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from salesglass.simulate.generate import check_company, generate

    end_day = parse_day("--end", end)
    check_company(profile, scale)  # before the progress display starts (it left an empty line)
    console = Console()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        path = generate(out, scale, seed, end_day, progress=report, profile=profile)
    manifest = (path / "manifest.json").read_text(encoding="utf-8")
    console.print(f"wrote {path}")
    console.print(manifest, highlight=False, markup=False)
