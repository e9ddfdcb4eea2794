"""The `[dashboard]` section: where the web app listens and who may log in."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from salesglass.config_base import Section


class DashboardConfig(Section):
    """Web dashboard settings. Paths are relative to the config file's folder."""

    # listen address; 0.0.0.0 only behind a reverse proxy (empty is refused: it would listen on every address)
    host: str = Field("127.0.0.1", min_length=1)
    port: int = Field(8000, ge=1, le=65535)  # the dashboard's HTTP port
    # dashboard logins (argon2 hashes); kept next to the warehouse, never in the published file
    users_path: Path = Path("salesglass-users.json")
    # the key that signs session cookies; generated (0600) on first start when missing
    secret_path: Path = Path(".salesglass/dashboard-secret")
    # may a manager see company-wide totals? (a user's own flag, set with `users add`, wins)
    managers_see_company_totals: bool = False
    # language for browsers that ask for neither Russian nor English
    default_language: Literal["ru", "en"] = "ru"
    # how long a login lasts at most, from the moment of login (activity does not extend it)
    session_hours: int = Field(12, ge=1, le=24 * 30)
    # a login also ends after this many minutes without any request
    session_idle_minutes: int = Field(120, ge=5, le=24 * 60)
    # send the session cookie over HTTPS only, and HSTS (turn on when served behind TLS; on by itself when
    # public_url starts with https://)
    secure_cookies: bool = False
    # rows per drill-down page
    page_size: int = Field(50, ge=10, le=1000)
    # rendered views kept in memory per published version (0 = render every request)
    cache_entries: int = Field(256, ge=0, le=100_000)
    # dashboard processes serving requests side by side (each reads the published file read-only); more
    # than 1 uses more CPU cores under many simultaneous users. `salesglass serve --workers N` overrides it
    workers: int = Field(1, ge=1, le=64)
    # wrong passwords for one e-mail (any letter case) within the window before it is locked for the window
    login_max_failures: int = Field(5, ge=1, le=1000)
    # wrong passwords from one client address (any e-mails) before that address is locked; higher, as
    # an office behind one NAT address shares it
    login_max_failures_per_address: int = Field(20, ge=1, le=10_000)
    # the counting window and the lock's length, in minutes (counters live in the serving process's memory,
    # or in a file beside the logins file shared by all workers when workers > 1)
    login_window_minutes: int = Field(15, ge=1, le=24 * 60)
    # the dashboard's address as users open it, e.g. "https://sales.example.com" (empty = the Host header);
    # POSTs from any other origin are refused. Set it when a reverse proxy rewrites the Host header.
    public_url: str = ""
    # addresses (or CIDR networks) of your reverse proxies; only from them is X-Forwarded-For believed
    # (the login limit counts per client address). Empty = no proxy: the peer address is the client.
    trusted_proxies: list[str] = Field(default_factory=list)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        import ipaddress

        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network such as 10.0.0.0/8") from None
        return value

    @field_validator("public_url")
    @classmethod
    def _origin(cls, value: str) -> str:
        from urllib.parse import urlsplit

        parts = urlsplit(value)
        if value and (parts.scheme not in ("http", "https") or not parts.hostname):
            raise ValueError(f"expected an address like https://sales.example.com, got {value!r}")
        return value

    @property
    def https(self) -> bool:
        """Served over HTTPS: the cookie is Secure and browsers get HSTS. `secure_cookies`, or a `public_url`
        of https:// (users open it over TLS; a cookie without Secure would also travel over plain http)."""
        return self.secure_cookies or self.public_url.lower().startswith("https://")


def demo_section(company: Path) -> str:
    """This area's part of the demo config (`salesglass demo` writes it; a worked example for users)."""
    return """
[dashboard]
host = "127.0.0.1"                      # listen address; use 0.0.0.0 behind a reverse proxy only
port = 8000
users_path = "salesglass-users.json"    # logins (argon2 hashes); manage with `salesglass users …`
secret_path = ".salesglass/dashboard-secret"  # session-signing key, created 0600 on first start
managers_see_company_totals = false     # managers see only their own figures unless this is true
default_language = "ru"                 # when the browser asks for neither ru nor en
session_hours = 12                      # how long a login lasts at most (activity does not extend it)
session_idle_minutes = 120              # … and without any request
secure_cookies = false                  # true when the dashboard is served over HTTPS
page_size = 50                          # rows per drill-down page
cache_entries = 256                     # rendered views kept per published version (0 = off)
workers = 1                             # dashboard processes; 2+ on a machine with several cores and many users
login_max_failures = 5                  # wrong passwords for one e-mail before it is locked …
login_max_failures_per_address = 20     # … or from one client address (any e-mails)
login_window_minutes = 15               # counting window and lock length (HTTP 429 meanwhile)
public_url = ""                         # e.g. "https://sales.example.com"; POSTs from other origins are refused
trusted_proxies = []                    # your reverse proxy's address, e.g. ["127.0.0.1"]; X-Forwarded-For
                                        # is believed only from these
"""
