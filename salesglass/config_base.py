"""Shared base for every config section: unknown keys are errors (a typo must not pass silently)."""

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)
