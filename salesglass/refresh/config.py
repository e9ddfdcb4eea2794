"""The `[refresh]`, `[writeback]`, `[publish]` and `[digest]` sections: running unattended.

Secrets never live in these sections as plain values a log could echo: the webhook secret may be
generated into an owner-only file, the SMTP password and the Telegram bot token are read from
environment variables named here.
"""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator

from salesglass.config_base import Section

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _hhmm(value: str) -> str:
    if not _HHMM.match(value):
        raise ValueError('expected a time of day as "HH:MM" (24-hour), e.g. "03:00"')
    return value


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


class RefreshConfig(Section):
    """How often the data is refreshed and how amoCRM webhooks reach us."""

    # one incremental refresh (sync, load, link, build) every N minutes while `salesglass serve` runs
    interval_minutes: int = Field(15, ge=1, le=24 * 60)
    # full reconciliation once a day at this account-time-zone time ("" switches it off)
    nightly_at: str = "03:00"
    # a lock whose heartbeat is older than this is stale and taken over (the holder hung or died)
    stale_lock_minutes: int = Field(10, ge=1)
    # a refresh still running after this many minutes is stopped (a step hung, e.g. on a database that
    # stopped answering) and recorded as such, so the next one can run; 0 = never
    max_run_minutes: float = Field(360, ge=0)
    # the secret part of the webhook URL /hooks/amocrm/<secret>; when empty one is generated into
    # `webhook_secret_file` (owner-only, 0600) on first use
    webhook_secret: SecretStr | None = None
    webhook_secret_file: Path = Path("webhook-secret")  # where a generated webhook secret is kept (owner-only)
    # a webhook's lead ids are re-fetched after this many quiet seconds (a burst of moves is batched);
    # a moved deal reaches the dashboard this much later at least (webhook to screen: docs/scale.md)
    webhook_debounce_seconds: float = Field(2.0, ge=0, le=60)
    # build the reports as of this fixed day instead of today (a simulated company whose history ends
    # on a known day, or re-running a past day); unset = today in the account time zone
    reports_as_of: date | None = None

    @field_validator("nightly_at")
    @classmethod
    def _time_or_off(cls, value: str) -> str:
        return value if value == "" else _hhmm(value)

    @field_validator("webhook_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("expected at least 16 characters (it is the only thing protecting the hook URL)")
        return value


class TargetStatus(Section):
    """An amoCRM stage: status ids repeat across pipelines (142/143), so both ids are needed."""

    pipeline_id: int = Field(gt=0)
    status_id: int = Field(gt=0)


class WritebackConfig(Section):
    """Opt-in: move a deal in amoCRM when the platform sees its partner reach a milestone."""

    enabled: bool = False  # write-back is off unless this is true
    # only list the planned moves, change nothing in amoCRM and write no audit rows
    dry_run: bool = False
    widget_installed_status: TargetStatus | None = None  # move the deal here when its widget is installed
    first_sale_status: TargetStatus | None = None  # move the deal here at its first sale
    # also leave a note on the deal saying why it moved (notes are never re-sent)
    add_note: bool = False
    batch_size: int = Field(50, ge=1, le=50)  # deals per amoCRM request (the API takes at most 50)

    @model_validator(mode="after")
    def _targets_when_enabled(self) -> WritebackConfig:
        if self.enabled and self.widget_installed_status is None and self.first_sale_status is None:
            raise ValueError(
                "enabled = true needs widget_installed_status and/or first_sale_status "
                "({pipeline_id = …, status_id = …})"
            )
        return self


class PublishConfig(Section):
    """Copy the published reports into PostgreSQL for BI tools (`salesglass publish`)."""

    # postgresql://user@host:5432/db; a password here is allowed but prefer ~/.pgpass or PGPASSWORD
    postgres_url: str | None = None
    schema_name: str = Field("salesglass", alias="schema")  # the PostgreSQL schema BI tools read
    # roles granted read access to the freshly published schema on every publish
    grant_select_to: list[str] = Field(default_factory=list)
    # how long the swap waits for BI transactions still reading the old tables
    swap_wait_seconds: float = Field(60.0, ge=0)

    @field_validator("postgres_url")
    @classmethod
    def _postgres_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("postgres://", "postgresql://")):
            raise ValueError("expected a URL starting with postgresql:// (e.g. postgresql://bi@db:5432/analytics)")
        return value

    @field_validator("schema_name")
    @classmethod
    def _schema_ident(cls, value: str) -> str:
        if not _IDENT.match(value):
            raise ValueError('expected a plain identifier (letters, digits, _), e.g. "salesglass"')
        return value

    @field_validator("grant_select_to")
    @classmethod
    def _role_idents(cls, value: list[str]) -> list[str]:
        for role in value:
            if not _IDENT.match(role):
                raise ValueError(f"role {role!r} is not a plain identifier")
        return value


class TelegramConfig(Section):
    """Send the same digests to one Telegram chat through a bot."""

    enabled: bool = False  # also send the digests to a Telegram chat
    api_url: str = "https://api.telegram.org"  # the Bot API address (a proxy or a local Bot API server)
    # name of the environment variable holding the bot token (never the token itself)
    bot_token_env: str = "SALESGLASS_TELEGRAM_TOKEN"
    chat_id: str | None = None  # the chat (or channel) id the bot posts to

    @field_validator("bot_token_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not _ENV.match(value):
            raise ValueError("expected the NAME of an environment variable, e.g. SALESGLASS_TELEGRAM_TOKEN")
        return value

    @model_validator(mode="after")
    def _chat_when_enabled(self) -> TelegramConfig:
        if self.enabled and not self.chat_id:
            raise ValueError("enabled = true needs chat_id (the numeric id of the chat, or @channelname)")
        return self


class DigestConfig(Section):
    """The weekly alert e-mails: declining partners to their managers, plan vs fact to the head."""

    enabled: bool = False  # send the weekly digests
    # the SMTP server; with enabled = true it must be written out ("localhost" for a mail server on this machine)
    smtp_host: str = "localhost"
    smtp_port: int = Field(25, ge=1, le=65535)  # its port
    starttls: bool = False  # upgrade the connection with STARTTLS (usually port 587)
    # implicit TLS (SMTPS, usually port 465)
    ssl: bool = False
    username: str | None = None  # SMTP login, if the server wants one
    # name of the environment variable holding the SMTP password (never the password itself)
    password_env: str = "SALESGLASS_SMTP_PASSWORD"
    # the sender address; with enabled = true it must be written out, else it is `username` when that is an
    # e-mail address (the default salesglass@localhost is refused by real mail servers, only when sending)
    from_address: str = Field("salesglass@localhost", alias="from")
    head_of_sales: list[str] = Field(default_factory=list)  # who gets the plan-vs-fact digest
    weekday: str = "monday"  # the day the digests go out
    at: str = "08:00"  # the time they go out (HH:MM, account time zone)
    telegram: TelegramConfig = TelegramConfig()

    @field_validator("weekday")
    @classmethod
    def _weekday(cls, value: str) -> str:
        if value.lower() not in _WEEKDAYS:
            raise ValueError(f"expected a day name: {', '.join(_WEEKDAYS)}")
        return value.lower()

    @field_validator("at")
    @classmethod
    def _at(cls, value: str) -> str:
        return _hhmm(value)

    @field_validator("password_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not _ENV.match(value):
            raise ValueError("expected the NAME of an environment variable, e.g. SALESGLASS_SMTP_PASSWORD")
        return value

    @field_validator("head_of_sales")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        for address in value:
            if "@" not in address:
                raise ValueError(f"{address!r} is not an e-mail address")
        return value

    @model_validator(mode="after")
    def _server_when_enabled(self) -> DigestConfig:
        # the default localhost:25 is rarely a mail server: unnoticed, the first Monday's digests would fail
        if self.enabled and "smtp_host" not in self.model_fields_set:
            raise ValueError(
                'enabled = true needs smtp_host, the SMTP server the mail goes through (e.g. "smtp.yandex.ru" '
                'with smtp_port = 587 and starttls = true; write smtp_host = "localhost" if a mail server runs '
                "on this machine)"
            )
        if self.enabled and "from_address" not in self.model_fields_set:
            if not (self.username and "@" in self.username):
                raise ValueError(
                    'enabled = true needs from, the sender address (e.g. from = "reports@example.ru"; a mail '
                    "server refuses the default salesglass@localhost, and only when the first digest is sent)"
                )
            # the SMTP login is an e-mail address: most servers (Yandex, Mail.ru, Gmail) send only as it
            object.__setattr__(self, "from_address", self.username)
        return self

    @property
    def weekday_index(self) -> int:
        return _WEEKDAYS.index(self.weekday)


def demo_section(company: Path) -> str:
    """This area's part of the demo config (`salesglass demo` writes it; a worked example for users)."""
    return _DEMO


_WRITEBACK_DEMO = """
[writeback]
enabled = false                # opt-in: move deals in amoCRM when the platform sees a milestone
dry_run = true                 # `salesglass writeback` only lists what it would change
add_note = false               # also leave a note on the deal saying why it moved
# widget_installed_status = { pipeline_id = 1001, status_id = 10005 }
# first_sale_status = { pipeline_id = 1001, status_id = 142 }
"""

_DEMO = (
    """
[refresh]
interval_minutes = 15          # incremental sync + load + link + build while `salesglass serve` runs
nightly_at = "03:00"           # full reconciliation, account time zone ("" = off)
stale_lock_minutes = 10        # a refresh lock without heartbeat for this long is taken over
max_run_minutes = 360          # a refresh running longer is stopped (a hung step) so the next can run
# webhook URL: POST https://<your host>/hooks/amocrm/<secret>; the secret is generated into this
# owner-only file on first start (or set webhook_secret = "…" with at least 16 characters)
webhook_secret_file = "webhook-secret"
webhook_debounce_seconds = 2
# reports_as_of = 2026-11-27   # build as of this day instead of today (unset: today)
"""
    + _WRITEBACK_DEMO
    + """
[publish]
# postgres_url = "postgresql://salesglass@localhost:5432/analytics"   # `salesglass publish` copies here
schema = "salesglass"          # BI tools read this schema; replaced atomically on each publish
grant_select_to = []           # e.g. ["bi_reader"]: read access re-granted on every publish

[digest]
enabled = false                # weekly e-mails: declining partners → their manager, plan vs fact → head
smtp_host = "localhost"
smtp_port = 25
starttls = false
# username = "salesglass@example.ru"
password_env = "SALESGLASS_SMTP_PASSWORD"   # the NAME of the variable holding the password
from = "salesglass@localhost"
head_of_sales = []             # e.g. ["head@example.ru"]
weekday = "monday"
at = "08:00"                   # account time zone

[digest.telegram]
enabled = false
api_url = "https://api.telegram.org"
bot_token_env = "SALESGLASS_TELEGRAM_TOKEN"  # the NAME of the variable holding the bot token
# chat_id = "-1001234567890"
"""
)
