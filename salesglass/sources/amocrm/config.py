"""The `[amocrm]` section: how to reach the account and how its pipeline maps to the canonical model."""

from pathlib import Path

from salesglass.config_base import Section


class AmoCRMConfig(Section):
    """amoCRM / Kommo account access and mapping. Filled in by the connector issue."""

    base_url: str = "http://127.0.0.1:8765"
    subdomain: str = "demo"


def demo_section(company: Path) -> str:
    """This area's part of the demo config (`salesglass demo` writes it; a worked example for users)."""
    return ""
