"""Options every command shares, defined once so that `--help` says the same thing everywhere."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from salesglass.config import Config

# the most rows a `--sample` may ask for: a database's LIMIT is a 64-bit number (SQLite failed deep inside on
# 99999999999999999999); more than this is the whole table anyway, which is what --full reads
MAX_SAMPLE_ROWS = 1_000_000_000

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
    """A `YYYY-MM-DD` option as a date (None when not given); a wrong or implausible one (2026-02-30, "yesterday",
    year 3000: salesglass/plausible.py) is a message naming the option."""
    from salesglass.errors import SalesglassError
    from salesglass.plausible import FIRST_DAY, LAST_DAY, is_plausible

    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise SalesglassError(f"{option} must be a date like 2025-01-31, got {value!r} (expected YYYY-MM-DD)") from None
    if not is_plausible(day):
        raise SalesglassError(f"{option} must be between {FIRST_DAY} and {LAST_DAY}, got {value}")
    return day


def no_warehouse(cfg: Config, config: Path | None) -> str:
    """What to say when a command that reports on the warehouse finds none: an empty one would be created
    and read as "nothing to report" — after `make demo`, in the clone, without `-c demo/salesglass.toml`.
    It ends with the step to take first, for this config's sources."""
    path = cfg.warehouse_path
    said = f"no warehouse at {path}: nothing was synced or loaded with this config yet"
    if config is None and not Path("salesglass.toml").exists():
        said += "; there is no ./salesglass.toml here, so the defaults were read: name your config with -c"
        if Path("demo", "salesglass.toml").exists():
            said += " (the demo's: -c demo/salesglass.toml)"
        return said
    return f"{said}; {first_steps(cfg, config)}"


def names_a_source(cfg: Config) -> bool:
    """Does this config say where the data comes from: an amoCRM account, back-office inputs or plans?"""
    return bool(cfg.names_amocrm or cfg.platform.inputs or cfg.plans.path or cfg.plans.table or cfg.plans.query)


def first_steps(cfg: Config, config: Path | None) -> str:
    """The commands that fill the warehouse, for the sources this config names (a fresh `salesglass init`
    file names none: `build` before anything said "run `salesglass sync`", which then refused)."""
    c = f" -c {config}" if config is not None else ""
    back_office = bool(cfg.platform.inputs or cfg.plans.path or cfg.plans.table or cfg.plans.query)
    steps = ([f"`salesglass sync{c}`"] if cfg.names_amocrm else []) + ([f"`salesglass load{c}`"] if back_office else [])
    if steps:
        return f"run {' and '.join(steps)} first"
    return (
        "this config names no source yet: set up the back-office with "
        f"`salesglass platform inspect --write{c}` or fill in its [amocrm] section "
        f"(the steps are listed at the top of {config or 'salesglass.toml'})"
    )


def require_warehouse(cfg: Config, config: Path | None) -> None:
    """Refuse a command that works on the warehouse when there is none: opening it would create an empty one
    and `link` said "deals: 0; linked 0" as if all were well, leaving that empty file behind."""
    from salesglass.errors import SalesglassError

    if not cfg.warehouse_path.exists():
        raise SalesglassError(no_warehouse(cfg, config))
