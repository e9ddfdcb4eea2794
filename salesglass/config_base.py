"""Shared base for every config section: unknown keys are errors (a typo must not pass silently)."""

import types
from decimal import Decimal
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

_NUMBERS = (int, float, Decimal)


def _takes_a_number_not_a_flag(annotation: Any) -> bool:
    kinds = get_args(annotation) if get_origin(annotation) in (Union, types.UnionType) else (annotation,)
    return bool not in kinds and any(kind in _NUMBERS for kind in kinds)


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_flag_for_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        """`workers = true` is a mistake, not 1: pydantic would read a TOML boolean as the number 1 or 0."""
        if (
            isinstance(value, bool)
            and info.field_name
            and _takes_a_number_not_a_flag(cls.model_fields[info.field_name].annotation)
        ):
            raise ValueError("expected a number, not true/false")
        return value


def known_time_zone(value: str | None) -> str | None:
    """Validator for every time-zone setting: an IANA name (None passes: "not overridden")."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if value is not None:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; expected an IANA name like 'Europe/Moscow'") from None
    return value
