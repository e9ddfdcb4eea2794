"""The account time zone: the one calendar every period, "today" and schedule is taken in.

Resolved in one order everywhere (build, `as_of`'s default, doctor, refresh schedule, digests):

1. an explicit key in the config: `[account] timezone` (the older `[amocrm] timezone` is read as the
   same key when `[account] timezone` is not set, so old configs keep working);
2. the amoCRM account's own setting, as the last sync stored it (`raw_amocrm_account`);
3. before any amoCRM sync (the back-office set up first), `[platform] timezone` when it is set: the
   company's own zone, rather than Moscow's months for a company elsewhere;
4. `Europe/Moscow`.

Why here, at the top of the package and not in the connector: reports, serving and refresh need the
answer, and they may not import sources. The synced account row is read from the warehouse file, which
every one of them already opens. A build records what it used in `build_info` (`timezone`,
`timezone_source`), so the dashboard, digests and exports read the zone of the numbers they show.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

DEFAULT_ZONE = "Europe/Moscow"
ZoneSource = Literal["config", "amocrm", "default"]
_SOURCES: dict[str, ZoneSource] = {"config": "config", "amocrm": "amocrm", "default": "default"}


@dataclass(frozen=True)
class AccountZone:
    """A resolved zone and where it came from (`config`, `amocrm` or `default`)."""

    name: str
    source: ZoneSource
    detail: str = ""  # the config key, or why the account's setting was not used

    def today(self, now: datetime | None = None) -> date:
        """The calendar day it is now in this zone (`now` for tests)."""
        return (now or datetime.now(UTC)).astimezone(ZoneInfo(self.name)).date()

    def describe(self) -> str:
        """One line for people: the zone and where it came from."""
        why = {
            "config": f"from the config: {self.detail or '[account] timezone'}",
            "amocrm": "from amoCRM: the account's own setting, as the last sync saw it",
            "default": "the default: no time-zone key in the config and no amoCRM account synced yet",
        }[self.source]
        note = f"; {self.detail}" if self.detail and self.source != "config" else ""
        return f"{self.name} ({why}{note})"


def configured_zone(cfg: Any) -> tuple[str, str] | None:
    """The zone the user set in the config, with its key; None when no key is set (a default is no choice)."""
    account = getattr(cfg.account, "timezone", None)
    if account:
        return account, "[account] timezone"
    legacy = getattr(getattr(cfg, "amocrm", None), "timezone", None)
    if legacy:
        return legacy, "[amocrm] timezone"
    return None


def synced_zone(con: duckdb.DuckDBPyConnection) -> str | None:
    """The amoCRM account's own time zone from the last sync's account row; None before any sync."""
    try:
        row = con.execute(
            "SELECT data->'$._embedded.datetime_settings'->>'$.timezone' FROM raw_amocrm_account "
            "WHERE data IS NOT NULL LIMIT 1"
        ).fetchone()
    except duckdb.CatalogException:
        return None
    return row[0] if row and row[0] else None


def _known(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone_from(cfg: Any, synced: str | None) -> AccountZone:
    """The resolution order, given what the last sync stored (`synced`, None if nothing)."""
    explicit = configured_zone(cfg)
    if explicit:
        return AccountZone(explicit[0], "config", explicit[1])
    if synced and _known(synced):
        return AccountZone(synced, "amocrm")
    back_office = getattr(getattr(cfg, "platform", None), "timezone", None)
    if not synced and back_office:
        return AccountZone(back_office, "config", "[platform] timezone, until an amoCRM account is synced")
    if synced:
        return AccountZone(DEFAULT_ZONE, "default", f"the account's {synced!r} is not a known IANA zone")
    return AccountZone(DEFAULT_ZONE, "default")


def resolve_zone(cfg: Any, con: duckdb.DuckDBPyConnection | None = None) -> AccountZone:
    """The account zone for `cfg`. `con`: an open warehouse connection; without it the warehouse file is
    opened read-only (when another process holds it, the last build's zone from the published file)."""
    if configured_zone(cfg) or con is not None:
        return zone_from(cfg, synced_zone(con) if con is not None else None)
    return zone_from(cfg, _synced_from_files(cfg))


def published_zone(con: duckdb.DuckDBPyConnection) -> AccountZone | None:
    """The zone a published build used (its `build_info`); None for a file without it."""
    try:
        cols = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'build_info'"
            ).fetchall()
        }
        if "timezone" not in cols:
            return None
        source = "timezone_source" if "timezone_source" in cols else "NULL"
        row = con.execute(f"SELECT timezone, {source} FROM build_info LIMIT 1").fetchone()
    except duckdb.Error:
        return None
    if not row or not row[0]:
        return None
    return AccountZone(row[0], _SOURCES.get(row[1], "config"))


def _synced_from_files(cfg: Any) -> str | None:
    from salesglass.warehouse import connect

    path = Path(cfg.warehouse_path)
    if path.exists():
        with contextlib.suppress(duckdb.Error):
            con = connect(path, read_only=True, retries=20)
            try:
                return synced_zone(con)
            finally:
                con.close()
    published = Path(cfg.published_path)
    if published.exists():  # the warehouse is busy (a sync writes it): the last build saw the same row
        with contextlib.suppress(duckdb.Error):
            con = connect(published, read_only=True, retries=20)
            try:
                zone = published_zone(con)
            finally:
                con.close()
            if zone is not None and zone.source == "amocrm":
                return zone.name
    return None


__all__ = [
    "DEFAULT_ZONE",
    "AccountZone",
    "configured_zone",
    "published_zone",
    "resolve_zone",
    "synced_zone",
    "zone_from",
]
