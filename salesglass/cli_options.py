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


def require_as_of_in_data(cfg: Config, day: date | None, option: str = "--as-of") -> None:
    """Refuse an as-of day the warehouse has no history for: `forecast backtest --as-of 2099-01-01` and `build
    --as-of 2099-01-01` ran without a word (reports of a century with no data). The valid range: from a month
    after the first sale or deal to the later of today and the last day with data (a back-office may hold
    sales ahead of the clock; a weekend without sales is still a day one may report on). No data at all, or a
    warehouse another process holds: nothing to judge by, and the command says its own word."""
    import duckdb

    from salesglass.account_zone import resolve_zone
    from salesglass.errors import SalesglassError
    from salesglass.sql import quote_lit
    from salesglass.warehouse import connect

    if day is None or not cfg.warehouse_path.exists():
        return
    zone = resolve_zone(cfg)
    local = f"CAST(timezone({quote_lit(zone.name)}, {{}}) AS DATE)"
    try:
        con = connect(cfg.warehouse_path, read_only=True, retries=1)
    except duckdb.Error:
        return
    try:
        span = con.execute(
            f"SELECT min(d), max(d) FROM (SELECT {local.format('sold_at')} AS d FROM sales "
            f"UNION ALL SELECT {local.format('created_at')} FROM deals)"
        ).fetchone()
    except duckdb.Error:  # a warehouse of an older version: the command upgrades or names it
        return
    finally:
        con.close()
    first, last = span if span else (None, None)
    if first is None or last is None:
        return
    today = zone.today()
    earliest, latest = _a_month_after(first), max(last, today)
    if earliest <= day <= latest:
        return
    end = "today" if latest == today and last <= today else "the last day with data"
    raise SalesglassError(
        f"{option} {day}: expected a day from {earliest} (a month after the first sale or deal, {first}) "
        f"to {latest} ({end})"
    )


def _a_month_after(day: date) -> date:
    """The same day a month later (31 January → the last day of February)."""
    import calendar

    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
