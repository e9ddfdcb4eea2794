"""Shared base for every config section: unknown keys are errors (a typo must not pass silently)."""

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def known_time_zone(value: str | None) -> str | None:
    """Validator for every time-zone setting: an IANA name (None passes: "not overridden")."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if value is not None:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; expected an IANA name like 'Europe/Moscow'") from None
    return value
