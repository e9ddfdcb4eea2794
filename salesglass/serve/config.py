"""The `[dashboard]` section: where the web app listens and who may log in."""

from salesglass.config_base import Section


class DashboardConfig(Section):
    host: str = "127.0.0.1"
    port: int = 8000
