"""The `[refresh]`, `[publish]` and `[digest]` sections: running unattended."""

from pathlib import Path

from salesglass.config_base import Section


class RefreshConfig(Section):
    interval_minutes: int = 15


class PublishConfig(Section):
    postgres_url: str | None = None


class DigestConfig(Section):
    enabled: bool = False


def demo_section(company: Path) -> str:
    """This area's part of the demo config (`salesglass demo` writes it; a worked example for users)."""
    return ""
