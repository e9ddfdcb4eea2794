"""The `[platform]` and `[plans]` sections: where the back-office data lives and how it maps.

Every company's back-office is different, so the mapping is configuration, not code: each *input*
(a table, a SQL query or a file) names the canonical table it feeds and how each canonical column is
computed from the source columns. The conversions real back-offices need — kopecks, naive local
timestamps, status filters, refund signs, value maps, digits-only tax ids — are declared per column.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from salesglass.config_base import Section, known_time_zone


class ColumnSpec(Section):
    """How one canonical column is computed. A plain string in the config means `{ column = "..." }`."""

    column: str | None = None  # the source column
    sql: str | None = None  # or a DuckDB SQL expression over source columns, e.g. "a_kop + b_kop"
    unit: Literal["units", "kopecks", "cents"] = "units"  # money/number unit: kopecks → ÷ 100
    negate: bool = False  # refunds stored as positive numbers become negative sales
    timezone: str | None = None  # zone of naive timestamps (default: the input's, then [platform].timezone)
    format: str | None = None  # strptime format of text timestamps, e.g. "%d.%m.%Y %H:%M"
    map: dict[str, str] | None = None  # value map, e.g. { org = "organizer", agent = "operator" }
    digits_only: bool = False  # keep digits only ("77 01-234567" → "7701234567"); empty → NULL
    prefix: str | None = None  # text put in front, e.g. "refund:" so refund ids never clash with order ids

    _check_tz = field_validator("timezone")(known_time_zone)

    @model_validator(mode="after")
    def _one_source(self) -> ColumnSpec:
        if (self.column is None) == (self.sql is None):
            raise ValueError("give exactly one of `column` (a source column) or `sql` (an expression)")
        return self


class SourceSpec(Section):
    """Where rows come from: a table or a query of a SQL database, or a CSV / XLSX file."""

    url: str | None = None  # SQLAlchemy URL; default [platform].url; `${VAR}` is taken from the environment
    table: str | None = None  # a table (or schema.table) to read whole
    query: str | None = None  # result columns are what `columns` refers to
    path: str | None = None  # .csv / .txt / .xlsx file, relative to the config file's folder
    sheet: str | None = None  # XLSX sheet (default: the first)
    delimiter: str | None = None  # CSV delimiter (default: detected; Excel in Russia writes ';')
    encoding: str | None = None  # CSV encoding (default: detected; e.g. "cp1251", "utf-8")
    where: str | None = None  # filter over source columns, e.g. "status = 'done' AND is_invitation = 0"
    timezone: str | None = None  # zone of this input's naive timestamps (default [platform].timezone)
    columns: dict[str, str | ColumnSpec] = Field(default_factory=dict)  # canonical name → source; empty: as is

    _check_tz = field_validator("timezone")(known_time_zone)

    def places(self) -> list[str]:
        return [k for k in ("table", "query", "path") if getattr(self, k)]

    def spec(self, name: str) -> ColumnSpec | None:
        value = self.columns.get(name)
        return ColumnSpec(column=value) if isinstance(value, str) else value


class InputSpec(SourceSpec):
    """One back-office input feeding one canonical table. Several inputs may feed the same table."""

    name: str  # short id: names the input in quarantine (`platform:<name>`) and its watermark
    target: Literal["partners", "sales", "widget_installs", "events"]  # the canonical table these rows become
    watermark: str | None = None  # source column that grows on every change (updated_at, id): incremental reads

    @field_validator("name")
    @classmethod
    def _simple_name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", value):
            raise ValueError("expected letters, digits and _ (starting with a letter), e.g. 'orders'")
        return value

    @model_validator(mode="after")
    def _one_place(self) -> InputSpec:
        places = self.places()
        if len(places) != 1:
            raise ValueError(
                f"input {self.name!r}: give exactly one of `table`, `query` or `path` "
                f"(got {', '.join(places) or 'none'})"
            )
        return self


class PlatformConfig(Section):
    """The company's own back-office (a SQL database or files), mapped input by input."""

    url: str | None = None  # default SQLAlchemy URL of the inputs: postgresql://…, mysql+pymysql://…, sqlite:///…
    # a folder of CSV/XLSX exports that `salesglass platform inspect` reads (each input still names its
    # file with `path`)
    folder: str | None = None
    # zone of naive timestamps in the back-office (default: the account time zone — [account] timezone,
    # else the amoCRM account's own setting from the last sync, else Europe/Moscow); until an amoCRM account
    # is synced it is also the zone of calendar periods, when [account] timezone is not set
    timezone: str | None = None
    batch_rows: int = Field(250_000, ge=1000)  # rows per Arrow batch when reading SQL
    # DuckDB memory cap while loading: bigger inputs spill to disk next to the warehouse instead of
    # taking the machine's memory (DuckDB's own default is 80 % of RAM)
    memory_limit: str = "1GB"

    @field_validator("memory_limit")
    @classmethod
    def size(cls, value: str) -> str:
        """A DuckDB memory size such as '1GB' (also [warehouse] build_memory_limit)."""
        if not re.fullmatch(r"\s*\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", value, flags=re.I):
            raise ValueError("expected a size like '1GB' or '512MB'")
        return value.strip()

    inputs: list[InputSpec] = Field(default_factory=list)

    _check_tz = field_validator("timezone")(known_time_zone)

    @model_validator(mode="after")
    def _unique_names(self) -> PlatformConfig:
        seen: set[str] = set()
        for inp in self.inputs:
            if inp.name in seen:
                raise ValueError(f"input name {inp.name!r} is used twice; each input needs its own name")
            seen.add(inp.name)
        return self


def with_naive_zone(cfg, zone: str):  # cfg: Config -> Config
    """`cfg` with `[platform].timezone` filled in with `zone` when the user left it unset."""
    if cfg.platform.timezone is not None:
        return cfg
    return cfg.model_copy(update={"platform": cfg.platform.model_copy(update={"timezone": zone})})


class PlansConfig(SourceSpec):
    """Where management's monthly targets come from: a CSV / XLSX file or a SQL table/query.

    Canonical columns: month, manager (amoCRM user id, e-mail or name; empty = whole company) or
    manager_id, metric, realistic, optimistic.
    """
