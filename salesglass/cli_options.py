"""Options every command shares, defined once so that `--help` says the same thing everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (default: ./salesglass.toml, else the demo defaults)."),
]
