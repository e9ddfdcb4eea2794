"""The `[platform]` and `[plans]` sections: where the back-office data lives and how it maps.

Every company's back-office is different, so the mapping is configuration, not code: each *input*
(a table, a SQL query or a file) names the canonical table it feeds and how each canonical column is
computed from the source columns. The conversions real back-offices need — kopecks, naive local
timestamps, status filters, refund signs, value maps, digits-only tax ids — are declared per column.
"""

from __future__ import annotations

import re
from pathlib import Path
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
    table: str | None = None
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
    target: Literal["partners", "sales", "widget_installs"]
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
            raise ValueError(f"input {self.name!r}: give exactly one of `table`, `query` or `path` "
                             f"(got {', '.join(places) or 'none'})")
        return self


class PlatformConfig(Section):
    """The company's own back-office (a SQL database or files), mapped input by input."""

    url: str | None = None  # default SQLAlchemy URL of the inputs: postgresql://…, mysql+pymysql://…, sqlite:///…
    # a folder of CSV/XLSX exports that `salesglass platform inspect` reads (each input still names its
    # file with `path`)
    folder: str | None = None
    timezone: str = "Europe/Moscow"  # zone of naive timestamps in the back-office
    batch_rows: int = Field(250_000, ge=1000)  # rows per Arrow batch when reading SQL
    # DuckDB memory cap while loading: bigger inputs spill to disk next to the warehouse instead of
    # taking the machine's memory (DuckDB's own default is 80 % of RAM)
    memory_limit: str = "1GB"

    @field_validator("memory_limit")
    @classmethod
    def _size(cls, value: str) -> str:
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


class PlansConfig(SourceSpec):
    """Where management's monthly targets come from: a CSV / XLSX file or a SQL table/query.

    Canonical columns: month, manager (amoCRM user id, e-mail or name; empty = whole company) or
    manager_id, metric, realistic, optimistic.
    """


def demo_section(company: Path) -> str:
    """This area's part of the demo config (`salesglass demo` writes it; a worked example for users)."""
    db = (company / "backoffice.sqlite").as_posix()
    plans = (company / "plans.xlsx").as_posix()
    return f'''
# ---------------------------------------------------------------------------------------------------
# [platform]: your back-office database, mapped into the canonical `partners` and `sales` tables.
# Each [[platform.inputs]] reads one table, SQL query or file and says how every canonical column is
# computed. A value is a source column name, or an inline table with conversions:
#   column / sql        the source column, or a SQL expression over source columns
#   unit = "kopecks"    integer kopecks → rubles (÷ 100)
#   negate = true       refunds stored as positive numbers
#   timezone = "…"      zone of naive timestamps (default: [platform].timezone)
#   map = {{ a = "b" }}   value map;  digits_only = true: keep digits (tax ids);  prefix = "…"
# `where` filters rows in the source (only real sales); `watermark` names a column that grows on every
# change so the daily refresh reads only new and changed rows (`salesglass load --full` reloads all).
# Rows that cannot be used go to the `quarantine` table with the reason (`salesglass doctor`).
# ---------------------------------------------------------------------------------------------------
[platform]
url = "sqlite:///{db}"   # any SQLAlchemy URL: postgresql://user@host/db, mysql+pymysql://…
timezone = "Europe/Moscow"   # the back-office writes Moscow wall-clock time without a zone

# partners: organizers (role org) and ticket operators (role agent)
[[platform.inputs]]
name = "partners"
target = "partners"
table = "partners"
watermark = "updated_at"
[platform.inputs.columns]
partner_id = "partner_id"
name = "name"
kind = {{ column = "role", map = {{ org = "organizer", agent = "operator" }} }}
inn = {{ column = "inn", digits_only = true }}
created_at = "created_at"
contract_signed_at = "approved_at"       # "когда подписал договор"
development_manager_email = "account_manager_email"   # matched to amoCRM users by e-mail
is_support = "is_support"

# widget installs: a partner's widget_installed_at is the earliest install of its widgets
[[platform.inputs]]
name = "widgets"
target = "widget_installs"
table = "widgets"
where = "installed_at IS NOT NULL"
[platform.inputs.columns]
widget_id = "widget_id"
partner_id = "owner_partner_id"
installed_at = "installed_at"

# sales: only orders that were paid (status done) and are not free invitations
[[platform.inputs]]
name = "orders"
target = "sales"
query = """
SELECT o.order_id, o.org_id, o.event_id, o.done_at, o.tickets_quantity, o.full_kop, o.profit_core_kop,
       o.acquiring_cost_kop, o.agent_commission_kop, o.updated_at,
       CASE WHEN o.vendor_id IS NULL OR o.vendor_id = o.org_id THEN 'widget'
            ELSE COALESCE(v.name, o.vendor_id) END AS channel
FROM orders o LEFT JOIN partners v ON v.partner_id = o.vendor_id
WHERE o.status = 'done' AND o.is_invitation = 0"""
watermark = "updated_at"
[platform.inputs.columns]
sale_id = "order_id"
partner_id = "org_id"                     # NULL: sold by support without an account
event_id = "event_id"
sold_at = "done_at"
tickets = "tickets_quantity"
turnover = {{ column = "full_kop", unit = "kopecks" }}
revenue = {{ column = "profit_core_kop", unit = "kopecks" }}
cost = {{ sql = "acquiring_cost_kop + agent_commission_kop", unit = "kopecks" }}
channel = "channel"

# refunds: approved refund requests become negative sales of the order's partner
[[platform.inputs]]
name = "refunds"
target = "sales"
query = """
SELECT r.refund_id, r.finished_at, r.tickets_quantity, r.refund_full_kop, r.refund_core_kop,
       r.refund_cost_kop, r.updated_at, o.org_id, o.event_id,
       CASE WHEN o.vendor_id IS NULL OR o.vendor_id = o.org_id THEN 'widget'
            ELSE COALESCE(v.name, o.vendor_id) END AS channel
FROM refund_requests r JOIN orders o ON o.order_id = r.order_id
     LEFT JOIN partners v ON v.partner_id = o.vendor_id
WHERE r.status = 'approved'"""
watermark = "updated_at"
[platform.inputs.columns]
sale_id = {{ column = "refund_id", prefix = "refund:" }}
partner_id = "org_id"
event_id = "event_id"
sold_at = "finished_at"
tickets = {{ column = "tickets_quantity", negate = true }}
turnover = {{ column = "refund_full_kop", unit = "kopecks", negate = true }}
revenue = {{ column = "refund_core_kop", unit = "kopecks", negate = true }}
cost = {{ column = "refund_cost_kop", unit = "kopecks", negate = true }}
channel = "channel"                       # the refunded order's channel

# ---------------------------------------------------------------------------------------------------
# [plans]: monthly targets (CSV, XLSX or a SQL table/query). manager = amoCRM user id, e-mail or
# name; empty = the whole company. metric: turnover, revenue, margin, tickets, new_partners.
# ---------------------------------------------------------------------------------------------------
[plans]
path = "{plans}"
'''
