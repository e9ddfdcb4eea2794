"""Options every command shares, defined once so that `--help` says the same thing everywhere."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (default: ./salesglass.toml, else the demo defaults)."),
]


def parse_day(option: str, value: str | None) -> date | None:
    """A `YYYY-MM-DD` option as a date (None when not given); a wrong one is a message naming the option."""
    from salesglass.errors import SalesglassError

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SalesglassError(f"{option} {value!r} is not a date: expected YYYY-MM-DD, e.g. 2026-01-31") from None
