"""The `[linking]` section: how deals are joined to platform partners."""

from salesglass.config_base import Section


class LinkingConfig(Section):
    overrides_path: str | None = None
    fuzzy_min_score: float = 90.0
