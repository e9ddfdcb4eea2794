"""Options every command shares, defined once so that `--help` says the same thing everywhere."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Config file (default: ./salesglass.toml; without one, the built-in defaults: every file in this "
        "folder; the demo's config is demo/salesglass.toml).",
    ),
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


def no_warehouse(path: Path, config: Path | None) -> str:
    """What to say when a command that reports on the warehouse finds none: an empty one would be created
    and read as "nothing to report" — after `make demo`, in the clone, without `-c demo/salesglass.toml`."""
    said = f"no warehouse at {path}: nothing was synced or loaded with this config yet"
    if config is None and not Path("salesglass.toml").exists():
        said += "; there is no ./salesglass.toml here, so the defaults were read: name your config with -c"
        if Path("demo", "salesglass.toml").exists():
            said += " (the demo's: -c demo/salesglass.toml)"
    return said
