"""The `[platform]` and `[plans]` sections: where the back-office data lives and how it maps."""

from pathlib import Path

from salesglass.config_base import Section


class PlatformConfig(Section):
    """The company's own back-office (SQL database or files). Filled in by the platform-source issue."""

    url: str | None = None


class PlansConfig(Section):
    """Where management's monthly targets come from."""

    path: str | None = None


def demo_section(company: Path) -> str:
    """This area's part of the demo config (`salesglass demo` writes it; a worked example for users)."""
    return ""
