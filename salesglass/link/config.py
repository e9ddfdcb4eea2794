"""The `[linking]` section: how deals are joined to platform partners."""

from pathlib import Path

from pydantic import Field

from salesglass.config_base import Section


class LinkingConfig(Section):
    # CSV deal_id,partner_id of manual links (empty partner_id: "no partner"); relative to the config file
    overrides_path: str | None = None
    # fuzzy name similarity (0–100) from which an unlinked deal gets a suggestion (never applied)
    fuzzy_min_score: float = Field(90.0, ge=0, le=100)
    # a partner with no development manager on the platform takes the responsible user of the amoCRM
    # company of its acquiring deal (docs/model.md); false keeps it empty ("Пусто" in the sales share)
    development_manager_fallback: bool = True


def demo_section(company: Path) -> str:
    """This area's part of the demo config (`salesglass demo` writes it; a worked example for users)."""
    return """
# ---------------------------------------------------------------------------------------------------
# [linking]: how amoCRM deals are joined to platform partners. In order, the first rule that finds
# exactly one partner wins: overrides file → platform account id field (deal, else its company) →
# company ИНН → normalised company name. The rest get fuzzy suggestions (`salesglass doctor --export
# suggestions.csv`); copy the rows you accept into the overrides file named here (the first time,
# keep the right rows of that file and name it here).
# ---------------------------------------------------------------------------------------------------
[linking]
# overrides_path = "link-overrides.csv"   # columns deal_id,partner_id; empty partner_id = "no partner"
fuzzy_min_score = 90
development_manager_fallback = true   # no platform manager → the linked company's responsible user
"""
