"""The `[linking]` section: how deals are joined to platform partners."""

from pathlib import Path

from salesglass.config_base import Section


class LinkingConfig(Section):
    overrides_path: str | None = None
    fuzzy_min_score: float = 90.0


def demo_section(company: Path) -> str:
    """This area's part of the demo config (`salesglass demo` writes it; a worked example for users)."""
    return ""
