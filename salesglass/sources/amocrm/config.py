"""The `[amocrm]` section: how to reach the account and how its pipeline maps to the canonical model.

Everything that names something in the account (a pipeline, a status, a custom field, a user group) may
be given by its numeric id or by its name, so a config written from `salesglass amocrm inspect` keeps
working and a hand-written one stays readable. Names are resolved against the live account at sync
time (`mapping.resolve`); a name that does not exist there is a ConfigError naming the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator, model_validator

from salesglass.config_base import Section, known_time_zone
from salesglass.model.schema import MANAGER_ROLES, STAGES

AMOCRM_HOSTS = (".amocrm.ru", ".amocrm.com", ".kommo.com")  # where amoCRM / Kommo accounts live

Ref = int | str
"""A pipeline / status / field / group given by id (int) or by its name as shown in amoCRM (str)."""


def known_stage(value: str) -> str:
    """Validator for every setting naming a canonical stage (docs/model.md, Funnel stages)."""
    if value not in STAGES:
        raise ValueError(f"unknown stage {value!r}; expected one of: {', '.join(STAGES)}")
    return value


class StageRule(Section):
    """One status → canonical stage rule. `pipeline` omitted: the status name matches in every mapped pipeline."""

    status: Ref  # an amoCRM status: its id, or its name as amoCRM shows it
    stage: str  # the canonical stage this status means (docs/model.md, Funnel stages)
    pipeline: Ref | None = None  # the pipeline (id or name) when the status name is not unique

    _known_stage = field_validator("stage")(known_stage)


class FieldMapping(Section):
    """Which custom fields carry the values the canonical model needs (id or field name; omit if absent)."""

    client_kind: Ref | None = None  # lead field (select): organizer or operator
    organizer_values: list[str] = Field(default_factory=list)  # enum values of client_kind meaning organizer
    operator_values: list[str] = Field(default_factory=list)  # … meaning ticket operator
    cold_deal: Ref | None = None  # lead field (checkbox): a cold deal
    lead_platform_account_id: Ref | None = None  # lead field: the partner's platform account id
    company_platform_account_id: Ref | None = None  # company field: the partner's platform account id
    company_inn: Ref | None = None  # company field: tax id (ИНН); digits are kept
    loss_reason: Ref | None = None  # lead field with the loss reason, if not amoCRM's own loss reasons

    @model_validator(mode="after")
    def _kind_values(self) -> FieldMapping:
        if self.client_kind is not None and not (self.organizer_values or self.operator_values):
            raise ValueError(
                "client_kind is set but organizer_values and operator_values are both empty; "
                "list the field's enum values that mean each kind"
            )
        overlap = set(self.organizer_values) & set(self.operator_values)
        if overlap:
            raise ValueError(f"values listed as both organizer and operator: {sorted(overlap)}")
        return self


class RoleMapping(Section):
    """amoCRM users and groups → manager roles. A user rule wins over a group rule; else `default`."""

    default: str = "sales"  # the role of a user no rule names: sales, development, both or other
    users: dict[str, str] = Field(default_factory=dict)  # user id or e-mail → role
    groups: dict[str, str] = Field(default_factory=dict)  # group id or name → role

    @field_validator("default")
    @classmethod
    def _role(cls, value: str) -> str:
        return _check_role(value)

    @field_validator("users", "groups")
    @classmethod
    def _roles(cls, value: dict[str, str]) -> dict[str, str]:
        for key, role in value.items():
            try:
                _check_role(role)
            except ValueError as exc:
                raise ValueError(f"{key!r}: {exc}") from None
        return value


def _check_role(value: str) -> str:
    if value not in MANAGER_ROLES:
        raise ValueError(f"unknown role {value!r}; expected one of: {', '.join(MANAGER_ROLES)}")
    return value


class AmoCRMConfig(Section):
    """amoCRM / Kommo account access and mapping."""

    # where the API lives: https://<subdomain>.amocrm.ru (or .kommo.com); the emulator's URL in the demo
    base_url: str = "http://127.0.0.1:8765"
    subdomain: str = "demo"  # the account's subdomain: <subdomain>.amocrm.ru (or .kommo.com)
    # `long_lived`: a private integration's long-lived token (recommended for your own account);
    # `oauth`: authorization code + rotating refresh tokens (`salesglass amocrm auth --code …`)
    auth: Literal["long_lived", "oauth"] = "long_lived"
    # the file holding the token(s); created 0600; never printed
    token_path: Path = Path("secrets/amocrm-token.json")
    client_id: str | None = None  # oauth only
    client_secret: str | None = None  # oauth only; env SALESGLASS_AMOCRM_CLIENT_SECRET wins
    redirect_uri: str | None = None  # oauth only
    # amoCRM's own limit: this many requests arriving within any account_window; the client never lets out
    # more than could arrive within one, whatever the network does to them (docs/amocrm.md)
    account_limit: int = 7
    # seconds amoCRM counts account_limit over (1); a request counts until a window after its answer
    account_window: float = 1.0
    # the client's pace in requests per second, below amoCRM's limit: its spare takes small delays on the
    # way to amoCRM without waiting
    rate_limit: float = 6.0
    # requests kept in flight at once, so amoCRM's 200-600 ms per answer does not cap the rate at
    # 1/latency; every send still passes the rate limit. 1 = one request at a time
    in_flight: int = 5
    timeout: float = 60.0  # seconds for one whole response, last byte included (lists of 250 can be slow)
    max_retries: int = 5  # for GETs on 5xx / timeouts / 429
    backoff_base: float = 1.0  # first wait after a 429 or 5xx, doubled each time (with jitter)
    backoff_max: float = 60.0  # seconds: the longest wait between retries after 429 or 5xx
    overlap_seconds: int = 600  # incremental windows start this much before the watermark
    timezone: str | None = None  # older spelling of [account] timezone, read when that is unset
    # which pipelines become deals (ids or names); empty = all
    pipelines: list[Ref] = Field(default_factory=list)
    # development pipelines (ids or names), e.g. ["Развитие клиентов"]: growing partners that already sell.
    # Their deals are synced, linked and listed like any other, but never acquire a partner (a won one
    # reaches `won_stage` without earning the first-sale and acquisition-share bonuses) and are left out of
    # the deal reports (new partners, funnel, weekly and monthly deals: new business only). Empty
    # (default): every mapped pipeline acquires and counts, as the report contract says (docs/amocrm.md)
    development_pipelines: list[Ref] = Field(default_factory=list)
    stages: list[StageRule] = Field(default_factory=list)
    won_stage: str = "first_sale"  # the stage won (142) counts as
    fields: FieldMapping = FieldMapping()
    roles: RoleMapping = RoleMapping()

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected a URL like https://example.amocrm.ru")
        parts = urlsplit(value)
        if (parts.hostname or "").endswith(AMOCRM_HOSTS) and parts.path.strip("/"):
            # copied from the browser's address bar: the API lives at the account's root
            raise ValueError(
                f"expected the account's address without a path, i.e. {parts.scheme}://{parts.netloc}"
                f" (not …{parts.path})"
            )
        return value.rstrip("/")

    @field_validator("account_limit")
    @classmethod
    def _account_limit(cls, value: int) -> int:
        if not 1 <= value <= 100:
            raise ValueError("expected 1 to 100 requests (amoCRM documents 7 per second)")
        return value

    @field_validator("rate_limit")
    @classmethod
    def _rate(cls, value: float, info: ValidationInfo) -> float:
        limit, window = info.data.get("account_limit"), info.data.get("account_window")
        most = limit / window if limit and window else 7
        if not 0 < value <= most:
            raise ValueError(
                f"expected requests per second in (0, {most:g}]; amoCRM blocks clients above "
                f"account_limit = {limit or 7} per account_window = {window or 1:g} s"
            )
        return value

    @field_validator("account_window", "timeout", "backoff_base", "backoff_max")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("expected a positive number of seconds")
        return value

    @field_validator("in_flight")
    @classmethod
    def _in_flight(cls, value: int) -> int:
        if not 1 <= value <= 16:
            raise ValueError("expected 1 to 16 requests at once")
        return value

    @field_validator("max_retries", "overlap_seconds")
    @classmethod
    def _non_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("expected 0 or more")
        return value

    _won = field_validator("won_stage")(known_stage)

    _zone = field_validator("timezone")(known_time_zone)

    def web_url(self) -> str:
        """Where people open the account in a browser: the API's own host for amoCRM and Kommo
        (`https://x.amocrm.ru`, `https://x.kommo.com`), else (the emulator, a proxy) the subdomain's
        amoCRM address."""
        host = urlsplit(self.base_url).hostname or ""
        if host.endswith(AMOCRM_HOSTS):
            return f"https://{host}"
        return f"https://{self.subdomain}.amocrm.ru"

    @model_validator(mode="after")
    def _oauth_keys(self) -> AmoCRMConfig:
        if self.auth == "oauth":
            missing = [k for k in ("client_id", "redirect_uri") if not getattr(self, k)]
            if missing:
                raise ValueError(f"auth = 'oauth' needs {', '.join(missing)}")
        return self
