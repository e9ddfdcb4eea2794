"""The `[refresh]`, `[publish]` and `[digest]` sections: running unattended."""

from salesglass.config_base import Section


class RefreshConfig(Section):
    interval_minutes: int = 15


class PublishConfig(Section):
    postgres_url: str | None = None


class DigestConfig(Section):
    enabled: bool = False
