"""`salesglass demo`: the longest path that exists, on a simulated company, in one folder.

Everything stays under DIR (default ./demo): the generated company, the config written for it (a worked
example for users), the warehouse and the published reports. Running it again reuses the company when
it was generated with the same seed and scale, and rebuilds the rest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    dir: Annotated[Path, typer.Option("--dir", help="Folder for everything the demo makes.")] = Path("demo"),
    scale: Annotated[str, typer.Option(help="Size of the simulated company: s, m or l.")] = "s",
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same company.")] = 7,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the dashboard at the end.")] = True,
) -> None:
    """Generate a company, load it, build the reports and (by default) open the dashboard."""
    from salesglass.config import load_config
    from salesglass.warehouse import open_warehouse, table_counts

    dir.mkdir(parents=True, exist_ok=True)
    company = dir / "company"
    console.rule("[bold]salesglass demo")
    _step_generate(company, scale, seed)
    config_path = dir / "salesglass.toml"
    _write_config(config_path, company)
    cfg = load_config(config_path)
    with open_warehouse(cfg.warehouse_path) as con:
        counts = table_counts(con)
    console.print(f"warehouse {cfg.warehouse_path}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    console.print(f"\nNext: read {config_path} — the worked example of a config for your own account.")


def _step_generate(company: Path, scale: str, seed: int) -> None:
    from salesglass.simulate.generate import ensure_company

    ensure_company(company, scale=scale, seed=seed)


def _write_config(path: Path, company: Path) -> None:
    from salesglass.simulate.democonfig import demo_config_text

    path.write_text(demo_config_text(company.resolve()), encoding="utf-8")
