"""The `[dashboard]` section: where the web app listens and who may log in."""

from pathlib import Path

from salesglass.config_base import Section


class DashboardConfig(Section):
    host: str = "127.0.0.1"
    port: int = 8000


def demo_section(company: Path) -> str:
    """This area's part of the demo config (`salesglass demo` writes it; a worked example for users)."""
    return ""
