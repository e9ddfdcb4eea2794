"""The canonical model (docs/model.md) as one definition in code.

This single list of tables drives the DDL of every engine (`model/ddl.py`), the validation of incoming
rows (`model/validate.py`) and the docs page `docs/model.md` (`model/docs.py`), so the three can never
disagree. Column names and meanings are a contract; a table may gain columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Kind(Enum):
    """Portable column types; each engine renders its own SQL type from these."""

    BIGINT = "BIGINT"
    INTEGER = "INTEGER"
    TEXT = "TEXT"
    MONEY = "DECIMAL(18,2)"
    TIMESTAMPTZ = "TIMESTAMPTZ"
    DATE = "DATE"
    BOOLEAN = "BOOLEAN"
    DOUBLE = "DOUBLE"
    JSON = "JSON"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    doc: str
    key: bool = False  # part of the table's key (unique together, never NULL)
    required: bool = False  # NULL makes the row unusable
    allowed: tuple[str, ...] | None = None  # closed vocabulary for TEXT columns

    @property
    def not_null(self) -> bool:
        return self.key or self.required


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    notes: tuple[str, ...] = field(default=())
    # columns a new row replaces an old one by; defaults to the key (plans add the nullable manager_id)
    merge_on: tuple[str, ...] | None = None
    # rules over several columns of one row: (SQL condition naming columns as {column}, reason); a row
    # meeting one is quarantined. Checked only when every column it names is staged
    row_checks: tuple[tuple[str, str], ...] = field(default=())

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.key)

    @property
    def merge_key(self) -> tuple[str, ...]:
        return self.merge_on or self.key

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


STAGES: tuple[str, ...] = (
    "lead",
    "negotiation",
    "proposal",
    "contract_signed",
    "widget_installed",
    "first_sale",
)
"""Canonical funnel stages in order; `stage_order` is the 1-based position."""

MANAGER_ROLES = ("sales", "development", "both", "other")
PARTNER_KINDS = ("organizer", "operator")
PLAN_METRICS = ("turnover", "revenue", "margin", "tickets", "new_partners")
STAGE_SOURCES = ("amocrm", "platform", "created", "implied")
LINK_METHODS = ("override", "account_id", "inn", "name")

C = Column
MANAGERS = Table(
    "managers",
    "One row per amoCRM user (plus any manager named only by the platform).",
    (
        C("manager_id", Kind.BIGINT, "amoCRM user id", key=True),
        C("name", Kind.TEXT, "display name"),
        C("email", Kind.TEXT, "login e-mail (used to match dashboard users)"),
        C("role", Kind.TEXT, "config maps users or groups to roles", required=True, allowed=MANAGER_ROLES),
        C(
            "is_active",
            Kind.BOOLEAN,
            "false once deactivated/removed in amoCRM or marked gone in config",
            required=True,
        ),
    ),
)
PARTNERS = Table(
    "partners",
    "One row per client account on the platform (organizer or ticket operator).",
    (
        C("partner_id", Kind.TEXT, "platform account id", key=True),
        C("name", Kind.TEXT, "account name"),
        C("kind", Kind.TEXT, "`organizer` or `operator`", required=True, allowed=PARTNER_KINDS),
        C("inn", Kind.TEXT, "tax id, digits only, NULL if unknown"),
        C("created_at", Kind.TIMESTAMPTZ, "account created on the platform"),
        C("contract_signed_at", Kind.TIMESTAMPTZ, "contract date per platform, NULL if unknown"),
        C("widget_installed_at", Kind.TIMESTAMPTZ, "first time the widget was seen live, NULL if never"),
        C("development_manager_id", Kind.BIGINT, "manager responsible for growing this partner, NULL if none"),
        C("is_support", Kind.BOOLEAN, "small organizer served by support without an account of its own"),
    ),
    notes=("Derived by the pipeline: `first_sale_at` = earliest `sold_at` of a sale with `tickets > 0`.",),
)
DEALS = Table(
    "deals",
    "One row per amoCRM lead in the mapped pipelines (deleted ones kept with `is_deleted`).",
    (
        C("deal_id", Kind.BIGINT, "amoCRM lead id", key=True),
        C("name", Kind.TEXT, "deal name"),
        C("pipeline_id", Kind.BIGINT, "amoCRM pipeline id as it is now (its name: `pipelines`)"),
        C("status_id", Kind.BIGINT, "amoCRM status id as it is now"),
        C("stage", Kind.TEXT, "canonical stage the status maps to"),
        C("price", Kind.MONEY, "amoCRM budget (the partner's expected annual turnover)"),
        C("sales_manager_id", Kind.BIGINT, "amoCRM responsible user"),
        C("partner_id", Kind.TEXT, "linked platform partner, NULL if not linked"),
        C(
            "client_kind",
            Kind.TEXT,
            "`organizer` / `operator`; falls back to the linked partner's kind",
            allowed=PARTNER_KINDS,
        ),
        C("is_cold", Kind.BOOLEAN, "cold deal flag (NULL if the field is absent)"),
        C("created_at", Kind.TIMESTAMPTZ, "created in amoCRM", required=True),
        C("updated_at", Kind.TIMESTAMPTZ, "last updated in amoCRM"),
        C("closed_at", Kind.TIMESTAMPTZ, "set when moved to won (142) or lost (143)"),
        C("is_won", Kind.BOOLEAN, "status 142"),
        C("is_lost", Kind.BOOLEAN, "status 143"),
        C("loss_reason", Kind.TEXT, "why the deal was lost"),
        C("is_deleted", Kind.BOOLEAN, "deleted in amoCRM after it was synced"),
        C("company_id", Kind.BIGINT, "the lead's main amoCRM company (for linking), NULL if none"),
        C("platform_account_id", Kind.TEXT, "the lead's own platform-account-id field, raw, NULL if empty"),
    ),
)
PIPELINES = Table(
    "pipelines",
    "One row per amoCRM pipeline (sales funnel) the account has or had: its name as the sales team knows it.",
    (
        C("pipeline_id", Kind.BIGINT, "amoCRM pipeline id (`deals.pipeline_id`)", key=True),
        C("name", Kind.TEXT, "pipeline name as it is now in amoCRM (as last seen, once deleted)"),
        C("sort", Kind.INTEGER, "amoCRM's order of the pipelines (smallest first)"),
        C("is_main", Kind.BOOLEAN, "the account's main pipeline"),
        C("is_archive", Kind.BOOLEAN, "archived in amoCRM (its deals stay readable)"),
        C("is_mapped", Kind.BOOLEAN, "its leads become `deals` (named in `[amocrm] pipelines`, or that list is empty)"),
        C("is_deleted", Kind.BOOLEAN, "no longer in the account; kept so that older deals still show a name"),
    ),
    notes=("Written by every amoCRM sync (renames show after the next one); empty for an account without amoCRM.",),
)
COMPANIES = Table(
    "companies",
    "amoCRM companies, as far as linking deals to partners needs them.",
    (
        C("company_id", Kind.BIGINT, "amoCRM company id", key=True),
        C("name", Kind.TEXT, "company name as typed in amoCRM"),
        C("inn", Kind.TEXT, "tax id field, digits only, NULL if empty"),
        C("platform_account_id", Kind.TEXT, "the company's platform-account-id field, raw, NULL if empty"),
        C("responsible_user_id", Kind.BIGINT, "amoCRM responsible user (fallback development manager)"),
        C("is_deleted", Kind.BOOLEAN, "deleted in amoCRM"),
    ),
)
DEAL_STAGES = Table(
    "deal_stages",
    "First time each deal reached each canonical stage.",
    (
        C("deal_id", Kind.BIGINT, "amoCRM lead id", key=True),
        C("stage", Kind.TEXT, "canonical stage", key=True, allowed=STAGES),
        C("reached_at", Kind.TIMESTAMPTZ, "first time it was reached", required=True),
        C("source", Kind.TEXT, "`amocrm`, `platform`, `created` or `implied`", required=True, allowed=STAGE_SOURCES),
    ),
)
SIGNS_DISAGREE = "tickets and turnover have opposite signs (a sale is positive in both, a refund negative in both)"
SALES = Table(
    "sales",
    "One row per sale or refund on the platform (an order line or a pre-aggregated row).",
    (
        C("sale_id", Kind.TEXT, "sale or refund id", key=True),
        C("partner_id", Kind.TEXT, "NULL when the platform does not know the account (Support)"),
        C("event_id", Kind.TEXT, "event (show) the tickets are for, NULL if unknown"),
        C("sold_at", Kind.TIMESTAMPTZ, "time of sale, or of refund for a refund row", required=True),
        C("tickets", Kind.INTEGER, "tickets sold; negative for a refund", required=True),
        C("turnover", Kind.MONEY, "gross ticket money; negative for a refund", required=True),
        C("revenue", Kind.MONEY, "platform's commission; negative for a refund", required=True),
        C("cost", Kind.MONEY, "platform's cost of the sale; negative for a refund", required=True),
        C("channel", Kind.TEXT, "`widget` or the distributor"),
    ),
    notes=(
        "A row whose tickets and turnover have opposite signs (tickets sold for negative money, a refund that "
        "pays money out with tickets coming back positive) is quarantined: a sale is positive in both, a "
        "refund negative in both; either may be 0 (free tickets, money-only refunds).",
    ),
    row_checks=(
        (
            "({tickets} > 0 AND {turnover} < 0) OR ({tickets} < 0 AND {turnover} > 0)",
            SIGNS_DISAGREE,
        ),
    ),
)
EVENTS = Table(
    "events",
    "One row per event (show) on the platform: what `sales.event_id` points at. Optional: empty when no input "
    "feeds it, and every report works with it empty.",
    (
        C("event_id", Kind.TEXT, "event id as the back-office writes it (`sales.event_id`)", key=True),
        C("partner_id", Kind.TEXT, "the organizer's platform account, NULL if unknown (Support)"),
        C("name", Kind.TEXT, "event name"),
        C("show_at", Kind.TIMESTAMPTZ, "when the show starts", required=True),
        C("created_at", Kind.TIMESTAMPTZ, "created or put on sale on the platform, NULL if unknown"),
    ),
    notes=(
        "Optional: a back-office without an events table leaves it empty. Loaded, it tells the forecast when "
        "each event's show is (about half of an event's tickets sell in its last days before the show). "
        "`show_at` may lie ahead of the load (a show on sale), unlike the times of facts.",
        "No status column: a back-office's status (`canceled`, `finished`) is known only as of today, while the "
        "forecast's backtest replays past days; a current status would leak the future into them. A canceled "
        "event shows in its refunds.",
    ),
)
PLANS = Table(
    "plans",
    "Targets set by management.",
    (
        C("month", Kind.DATE, "first day of the month", key=True),
        C("manager_id", Kind.BIGINT, "NULL = the whole company"),
        C("metric", Kind.TEXT, "what the target is for", key=True, allowed=PLAN_METRICS),
        C("realistic", Kind.MONEY, "realistic target"),
        C("optimistic", Kind.MONEY, "optimistic target"),
    ),
    notes=("Key: (month, manager_id, metric); manager_id NULL is the company row.",),
    merge_on=("month", "manager_id", "metric"),
)
DEAL_PARTNER_LINKS = Table(
    "deal_partner_links",
    "How each deal was joined to a platform partner (docs/reports.md, Linking deals to partners).",
    (
        C("deal_id", Kind.BIGINT, "amoCRM lead id", key=True),
        C("partner_id", Kind.TEXT, "platform account id", required=True),
        C("method", Kind.TEXT, "`override`, `account_id`, `inn` or `name`", required=True, allowed=LINK_METHODS),
        C("score", Kind.DOUBLE, "100 for exact methods"),
    ),
)
LINK_SUGGESTIONS = Table(
    "link_suggestions",
    "Fuzzy deal → partner candidates (similarity ≥ the configured minimum), for review; never applied.",
    (
        C("deal_id", Kind.BIGINT, "amoCRM lead id", key=True),
        C("partner_id", Kind.TEXT, "candidate platform account id", key=True),
        C("score", Kind.DOUBLE, "similarity 0–100", required=True),
        C("deal_name", Kind.TEXT, "the deal's (or its company's) name that was compared"),
        C("partner_name", Kind.TEXT, "the candidate partner's name"),
        C(
            "matched",
            Kind.TEXT,
            "what was compared with the partner's name: `company_name` or `deal_name`; `inn`: the company's ИНН "
            "equals the partner's, and other partners have it too (score 100); `initials`: a sole trader's "
            "surname and initials fit the other name's surname and given names (score 100)",
        ),
        C("deal_state", Kind.TEXT, "the deal now: `open`, `won` or `lost`"),
        C("closed_at", Kind.TIMESTAMPTZ, "when the deal was won or lost, NULL if open"),
        C(
            "partner_linked_deal_id",
            Kind.BIGINT,
            "another deal the partner is linked to by override, account id or ИНН",
        ),
        C("partner_linked_by", Kind.TEXT, "how that deal is linked (`override`, `account_id`, `inn`), NULL if none"),
        C("deal_candidates", Kind.INTEGER, "partners suggested for this deal (more than 1: ambiguous)"),
        C("partner_candidates", Kind.INTEGER, "deals this partner is suggested for (more than 1: ambiguous)"),
        C("confidence", Kind.TEXT, "`possible` (open or won, one to one, partner not linked elsewhere) or `weak`"),
    ),
)
LINK_REJECTIONS = Table(
    "link_rejections",
    "What the reviewer's overrides file says a deal is not linked to (docs/reports.md, the overrides file); "
    "rewritten on every link run.",
    (
        C("deal_id", Kind.BIGINT, "amoCRM lead id", key=True),
        C(
            "partner_id",
            Kind.TEXT,
            "a partner this deal is not (a `!partner_id` row: never suggested nor linked by a rule); "
            "NULL: the deal has no partner at all (an empty partner_id)",
        ),
    ),
)
QUARANTINE = Table(
    "quarantine",
    "Every source row that could not be used, with the reason; shown in data quality, never dropped.",
    (
        C("source", Kind.TEXT, "e.g. `amocrm`, `platform`, `plans`", required=True),
        C("entity", Kind.TEXT, "canonical table the row was meant for", required=True),
        C("source_key", Kind.TEXT, "the row's key in its source, if it has one"),
        C("reason", Kind.TEXT, "why it was not usable", required=True),
        C("raw", Kind.JSON, "the original row as JSON"),
        C("seen_at", Kind.TIMESTAMPTZ, "when it was quarantined", required=True),
    ),
)

CANONICAL: tuple[Table, ...] = (
    MANAGERS,
    PARTNERS,
    DEALS,
    PIPELINES,
    COMPANIES,
    DEAL_STAGES,
    SALES,
    EVENTS,
    PLANS,
    DEAL_PARTNER_LINKS,
    LINK_SUGGESTIONS,
    LINK_REJECTIONS,
    QUARANTINE,
)
TABLES: dict[str, Table] = {t.name: t for t in CANONICAL}
ADDED_LATER: tuple[str, ...] = ("pipelines", "link_rejections", "events")
"""Tables the model gained after warehouses were in use: one an older version wrote lacks them, and a build
creates them empty (`warehouse.add_missing_canonical`). Any other missing table is an error to report."""
