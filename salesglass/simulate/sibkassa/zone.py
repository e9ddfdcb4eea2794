"""Novosibirsk time: the engine's Moscow wall-clock becomes Сибкасса's local wall-clock.

The engine makes a Moscow company (UTC+3). Moving every moment by −4 hours keeps each wall-clock time
and makes it Novosibirsk's (UTC+7 all year since 24 July 2016): a sale at 21:00 in Moscow's evening
becomes a sale at 21:00 in Novosibirsk's evening. Text times of the engine's back-office are that
wall-clock already; they only gain their `+07:00`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

TIMEZONE = "Asia/Novosibirsk"
OFFSET = "+07:00"
LOCAL = timezone(timedelta(hours=7))
SHIFT = -4 * 3600  # engine UTC seconds → Сибкасса UTC seconds
FIXED_SINCE = date(2016, 8, 1)  # Novosibirsk moved from UTC+6 to UTC+7 on 2016-07-24


def shift(ts: int | None) -> int | None:
    return None if ts is None else int(ts) + SHIFT


def zoned(wall_clock: str | None) -> str | None:
    """'YYYY-MM-DD HH:MM:SS' local wall-clock → the same with its offset, as the back-office exports it."""
    return None if wall_clock is None else f"{wall_clock}{OFFSET}"


def epoch(wall_clock: str) -> int:
    """UTC seconds of a local wall-clock text."""
    return int(datetime.fromisoformat(wall_clock).replace(tzinfo=LOCAL).timestamp())


def local_at(day: date, hour: int, minute: int) -> int:
    """UTC seconds of `day` at hour:minute in Novosibirsk."""
    return int(datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL).timestamp())


def wall_clock(ts: int) -> str:
    """Local wall-clock text of UTC seconds."""
    return datetime.fromtimestamp(ts, tz=UTC).astimezone(LOCAL).strftime("%Y-%m-%d %H:%M:%S")
