"""The `salesglass` command. Thin: each command parses its options and calls one step.

Commands live next to the code they drive (`simulate/cli.py`, `sources/amocrm/cli.py`, …); each of
those modules has a `register(app)` that adds its commands here. Heavy imports happen inside the
commands, so `salesglass --help` stays instant.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from salesglass.errors import SalesglassError

app = typer.Typer(
    name="salesglass",
    help="Sales analytics for amoCRM / Kommo + your own platform database. Start with `salesglass demo`.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (default: ./salesglass.toml, else the demo defaults)."),
]


@app.command("init")
def init(config: ConfigOption = None) -> None:
    """Create the warehouse file with every canonical table (safe to run again)."""
    from salesglass.config import load_config
    from salesglass.warehouse import open_warehouse, table_counts

    cfg = load_config(config)
    with open_warehouse(cfg.warehouse_path) as con:
        counts = table_counts(con)
    console.print(f"warehouse {cfg.warehouse_path}: {len(counts)} tables ready")


@app.command("model-docs")
def model_docs(out: Annotated[Path, typer.Option(help="Where to write the page.")] = Path("docs/model.md")) -> None:
    """Write docs/model.md from the canonical schema definition."""
    from salesglass.model.docs import render

    out.write_text(render(), encoding="utf-8")
    console.print(f"wrote {out}")


@app.command("config-docs")
def config_docs(
    out: Annotated[Path, typer.Option(help="Where to write the page.")] = Path("docs/configuration.md"),
) -> None:
    """Write docs/configuration.md (every config key, its default and meaning) from the config models."""
    from salesglass.config_docs import render

    out.write_text(render(), encoding="utf-8")
    console.print(f"wrote {out}")


def _register_all() -> None:
    from salesglass.demo import cli as demo_cli
    from salesglass.emulator import cli as emulator_cli
    from salesglass.link import cli as link_cli
    from salesglass.refresh import cli as refresh_cli
    from salesglass.reports import cli as reports_cli
    from salesglass.serve import cli as serve_cli
    from salesglass.simulate import cli as simulate_cli
    from salesglass.sources.amocrm import cli as amocrm_cli
    from salesglass.sources.platform import cli as platform_cli

    for module in (demo_cli, simulate_cli, emulator_cli, amocrm_cli, platform_cli, link_cli, reports_cli,
                   serve_cli, refresh_cli):
        module.register(app)


_register_all()


def main() -> None:
    """Entry point: user-facing errors become one red message and exit code 2, never a traceback."""
    try:
        app()
    except SalesglassError as exc:
        err = Console(stderr=True)
        err.print("error:", style="bold red", end=" ")
        err.print(str(exc), highlight=False, markup=False)  # "[section].key" must print as written
        sys.exit(2)


if __name__ == "__main__":
    main()
