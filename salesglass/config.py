"""The one config file (`salesglass.toml`), validated on load.

Each section's model lives next to the code that uses it (`sources/amocrm/config.py`, …); this module
only assembles them, resolves relative paths against the file's folder, and turns pydantic's errors
into one message per wrong key ("[amocrm].rate_limit: expected …") instead of a traceback.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError, field_validator

from salesglass.config_base import Section, known_time_zone
from salesglass.currency import currency_code
from salesglass.errors import ConfigError, redact_url
from salesglass.link.config import LinkingConfig
from salesglass.refresh.config import DigestConfig, PublishConfig, RefreshConfig, WritebackConfig
from salesglass.reports.config import ReportsConfig
from salesglass.serve.config import DashboardConfig
from salesglass.sources.amocrm.config import AmoCRMConfig
from salesglass.sources.platform.config import PlansConfig, PlatformConfig

DEFAULT_CONFIG_NAME = "salesglass.toml"


class WarehouseConfig(Section):
    """Where the data lives. DuckDB files by default; ClickHouse when data outgrows one machine."""

    # where reports are computed: the embedded DuckDB file, or a ClickHouse server (`clickhouse_url`)
    engine: Literal["duckdb", "clickhouse"] = "duckdb"
    # raw_* layers, the canonical model and sync state; written by sync / load / link
    path: Path = Path("salesglass.duckdb")
    # the published report tables (+ a copy of the canonical model for drill-down), swapped in whole
    published_path: Path = Path("salesglass-reports.duckdb")
    # bonus periods, approvals (locked lines), adjustments, disputes and their audit trail; outlives every
    # build and reload (docs/bonuses.md)
    bonus_state_path: Path = Path("salesglass-bonus.duckdb")
    # e.g. clickhouse://user:password@host:8123/salesglass, used when engine = "clickhouse"
    clickhouse_url: str | None = None
    # DuckDB memory cap while building reports: bigger aggregations spill to disk next to the published
    # file instead of taking the machine's memory (the build peaked at 7 GiB at scale l without it,
    # 3.2 GiB with 3GB, 6 % more CPU; DuckDB's own default is 80 % of RAM; docs/scale.md)
    build_memory_limit: str = "4GB"

    @field_validator("build_memory_limit")
    @classmethod
    def _size(cls, value: str) -> str:
        return PlatformConfig.size(value)


class AccountConfig(Section):
    """Calendar and money conventions."""

    # the IANA time zone calendar periods (day, Monday week, month, quarter, year), "today" and the refresh
    # and digest times are taken in. Unset (the default): the amoCRM account's own setting from the last
    # sync, else (before any sync) [platform] timezone, else Europe/Moscow. Set it only to override the
    # account; `salesglass doctor` shows which is used
    timezone: str | None = None
    # the account currency (money is DECIMAL(18,2) in it): a 3-letter ISO 4217 code. RUB, USD, EUR, KZT, BYN,
    # UAH, GBP, CNY, GEL, AMD, AZN, TRY, BRL and INR are shown by their sign (₽, $, R$, …), any other by its code
    currency: str = "RUB"

    _known_zone = field_validator("timezone")(known_time_zone)
    _currency_code = field_validator("currency")(currency_code)


class Config(Section):
    warehouse: WarehouseConfig = WarehouseConfig()
    account: AccountConfig = AccountConfig()
    amocrm: AmoCRMConfig = AmoCRMConfig()
    platform: PlatformConfig = PlatformConfig()
    plans: PlansConfig = PlansConfig()
    linking: LinkingConfig = LinkingConfig()
    reports: ReportsConfig = ReportsConfig()
    dashboard: DashboardConfig = DashboardConfig()
    refresh: RefreshConfig = RefreshConfig()
    writeback: WritebackConfig = WritebackConfig()
    publish: PublishConfig = PublishConfig()
    digest: DigestConfig = DigestConfig()

    # the folder relative paths in the file are taken from (not a key of the file)
    base_dir: Path = Path(".")

    def resolve(self, path: str | Path) -> Path:
        """A path from the config, taken relative to the config file's folder."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def names_amocrm(self) -> bool:
        """Does this config say which amoCRM account to use? A file set up for the back-office first has no
        [amocrm]; its defaults (the demo's emulator on 127.0.0.1) are then no account of this company.
        No file at all (every section a default) is the demo's own setting, which does."""
        return "amocrm" in self.model_fields_set or not (self.model_fields_set - {"base_dir"})

    @property
    def warehouse_path(self) -> Path:
        return self.resolve(self.warehouse.path)

    @property
    def published_path(self) -> Path:
        return self.resolve(self.warehouse.published_path)

    @property
    def bonus_state_path(self) -> Path:
        return self.resolve(self.warehouse.bonus_state_path)


# pydantic's wording for a wrong kind of value names Python classes ("Input should be a valid dictionary or
# instance of WarehouseConfig"); said in the file's own terms instead
_EXPECTED = {
    "model_type": "expected a table of settings (a [section], or { key = … })",
    "dict_type": "expected a table of settings (a [section], or { key = … })",
    "list_type": "expected a list in brackets: [ … ]",
    "path_type": "expected a file path in quotes",
    "string_type": "expected text in quotes",
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
}


def _near_key(loc: list[Any]) -> str | None:
    """The known key a mistyped one most likely meant, written as the file writes it (`[warehouse].path` for
    `[warehouse].paht`, `[warehouse]` for `[warehose]`), or None when none is close."""
    import difflib
    import types
    import typing

    from pydantic import BaseModel

    model: Any = Config
    keyed = False  # the last field was a table of the user's own keys ([platform.inputs.columns])
    for part in loc[:-1]:
        if isinstance(part, int) or keyed:
            keyed = False
            continue  # an item of a list, or a key of such a table: its type was taken with the field
        field = model.model_fields.get(part)
        if field is None:
            return None
        kinds = [field.annotation]
        while kinds and not (isinstance(kinds[0], type) and issubclass(kinds[0], BaseModel)):
            kind = kinds.pop(0)
            if typing.get_origin(kind) in (list, typing.Union, types.UnionType):
                kinds.extend(typing.get_args(kind))
            elif typing.get_origin(kind) is dict:
                keyed = True
                kinds.append(typing.get_args(kind)[1])
        if not kinds:
            return None
        model = kinds[0]
    known = [field.alias or name for name, field in model.model_fields.items() if name != "base_dir"]
    near = difflib.get_close_matches(str(loc[-1]), known, n=1) if loc else []
    if not near:
        return None
    path = [*loc[:-1], near[0]]
    rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path[1:])
    return f"[{path[0]}]{rest}"


# a branch of a `text | table` key as pydantic names it in an error's location ("str", "int",
# "function-after[_one_source(), ColumnSpec]", "ColumnSpec"): internal names, never a key of the file
_BRANCH = re.compile(r".*[\[(].*|str|int|float|bool|[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+")


def _one_per_key(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A key that takes text or a table (a platform column: "paid", or { column = "paid", unit = "kopecks" })
    was reported once per form, under pydantic's internal names: `sold_at.str: expected text in quotes` and
    `sold_at.function-after[_one_source(), ColumnSpec].unit: …` for one mistyped unit. Now one line per key,
    named as the file names it: the form the value has says what is wrong in it; a value of neither form is
    told both forms it may take."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    order: list[tuple[Any, ...] | dict[str, Any]] = []
    for error in errors:
        loc = list(error["loc"])
        cut = next((i for i, p in enumerate(loc) if isinstance(p, str) and _BRANCH.fullmatch(p)), None)
        if cut is None:
            order.append(error)
            continue
        key = tuple(loc[:cut])
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append({**error, "loc": (*loc[:cut], *loc[cut + 1 :])})
    out: list[dict[str, Any]] = []
    for item in order:
        if isinstance(item, dict):
            out.append(item)
            continue
        group = groups[item]
        inside = [e for e in group if not e["type"].endswith("_type")]  # the form the value has: what is wrong
        if inside:
            out.extend(inside)
        else:  # a value of no form the key takes: each form it may take
            forms = [_EXPECTED.get(e["type"]) or e["msg"] for e in group]
            out.append({**group[0], "type": "forms", "msg": " or ".join(dict.fromkeys(forms))})
    return out


def _describe(error: dict[str, Any], source: str) -> str:
    loc = list(error["loc"])
    # "[amocrm].stages[2].stage": a list item by its index, as the amoCRM mapping's own messages say it
    rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[1:])
    key = f"[{loc[0]}]{rest}" if loc else "(top level)"
    if error["type"] == "extra_forbidden":
        near = _near_key(loc)
        hint = f"did you mean {near}? " if near else "check the spelling; "
        return f"{source}: {key} is not a known setting ({hint}see docs/configuration.md)"
    given = error.get("input")
    said = _EXPECTED.get(error["type"]) or error["msg"].removeprefix("Value error, ")
    if isinstance(given, str) and given:
        masked = redact_url(given)  # a wrong URL is named without its password, wherever the message quotes it
        said, given = said.replace(given, masked), masked
    shown = (
        ""
        # the validator already said what it got ("unknown time zone 'Mars/Olympus'; expected …")
        if isinstance(given, dict) or ", got " in said or (isinstance(given, str) and repr(given) in said)
        else f", got {str(given).lower() if isinstance(given, bool) else repr(given)}"
    )
    return f"{source}: {key}: {said}{shown}"


def parse_config(data: dict[str, Any], *, base_dir: Path = Path("."), source: str = "config") -> Config:
    """Validate a config mapping; every problem is reported, each naming its key."""
    if "base_dir" in data:
        raise ConfigError(f"{source}: base_dir is not a setting")
    try:
        cfg = Config(**data, base_dir=base_dir)
    except ValidationError as exc:
        lines = [_describe(e, source) for e in _one_per_key([dict(e) for e in exc.errors()])]
        raise ConfigError("\n".join(lines)) from None
    _file_keys_name_files(cfg, source)
    return cfg


def _file_keys_name_files(cfg: Config, source: str) -> None:
    """Every path-typed key names a file (a warehouse, a token, the logins): an empty value (the config's own
    folder) or an existing folder is said now, naming the key, instead of as an error deep in a command."""
    lines = []
    for section_name in Config.model_fields:
        section = getattr(cfg, section_name)
        if not isinstance(section, Section):
            continue
        for key in type(section).model_fields:
            value = getattr(section, key)
            if isinstance(value, Path) and (str(value) in ("", ".") or cfg.resolve(value).is_dir()):
                lines.append(
                    f"{source}: [{section_name}].{key}: expected a file name, got "
                    f"{'an empty path' if str(value) in ('', '.') else 'the folder ' + str(cfg.resolve(value))}"
                )
    if lines:
        raise ConfigError("\n".join(lines))


def load_config(path: str | Path | None = None) -> Config:
    """Load `path`, or `./salesglass.toml` if it exists, or the demo defaults."""
    if path is None:
        candidate = Path(DEFAULT_CONFIG_NAME)
        if not candidate.exists():
            return Config(base_dir=Path.cwd())
        path = candidate
    path = Path(path)
    if not path.exists():
        raise ConfigError(
            f"config file {path} does not exist: write one with `salesglass init {path}` "
            "(or name another with -c; the demo's is demo/salesglass.toml)"
        )
    if path.is_dir():
        raise ConfigError(f"{path} is a folder; --config expects a TOML file such as {path / DEFAULT_CONFIG_NAME}")
    try:
        # utf-8-sig: Windows Notepad saves UTF-8 with a byte-order mark, which TOML does not allow
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save the config file as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    cfg = parse_config(data, base_dir=path.resolve().parent, source=str(path))
    if holds_secret(data):  # written in by hand: others must not read it (narrowed with a warning, as tokens are)
        from salesglass.private_files import keep_private

        keep_private(path, what="config file holding a password or secret")
    return cfg


# a key whose value is a secret itself (not the name of its variable, nor the path of its file)
_SECRET_KEY = re.compile(r"(secret|password|token)$")
# a URL carrying a password that is not a ${VARIABLE}: scheme://user:password@host, or …?password=… (libpq and
# SQLAlchemy take it as a query parameter too)
_PASSWORD_IN_URL = re.compile(r"://[^/@\s:]*:(?!\$\{)[^@\s]+@|[?&](?:password|passwd|pwd)=(?!\$\{)[^&#\s]")


def holds_secret(data: Any) -> bool:
    """Does the parsed config hold a password or secret literally (`webhook_secret = "…"`, a client secret,
    `postgresql://reader:pw@db/x`)? `${VAR}` references and `*_env` / `*_path` / `*_file` keys do not count."""
    if isinstance(data, dict):
        return any(
            (isinstance(v, str) and v and not v.startswith("${") and _SECRET_KEY.search(str(k).lower()))
            or holds_secret(v)
            for k, v in data.items()
        )
    if isinstance(data, list):
        return any(holds_secret(v) for v in data)
    return isinstance(data, str) and bool(_PASSWORD_IN_URL.search(data))
