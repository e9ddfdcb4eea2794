"""The interface every report follows: a pure function from canonical tables to one report table.

Each report lives in its own module (`reports/funnel.py`, …) and exposes
`build(canon: Canon, params: BuildParams) -> ibis.Table`, an Ibis expression — so the same logic runs
on DuckDB (default), ClickHouse and PostgreSQL, always inside the warehouse.

Reports receive the canonical model *as of* `params.as_of` (`reports/derive/`): facts after the end of
the as_of day are gone, deleted deals are gone, `deal_stages` is completed with platform milestones and
implied stages, and the derived helpers (`partner_months`, `first_sales`, `acquiring_deals`) are filled.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from salesglass.model.schema import STAGES
from salesglass.plausible import FIRST_DAY
from salesglass.reports.config import ReportsConfig

if TYPE_CHECKING:  # Ibis is imported where an expression is built: a build that reuses its SQL never needs it
    import ibis
    import ibis.expr.types as ir

    from salesglass.reports import periods
    from salesglass.reports.bonus_close import BonusState
else:

    class _Periods:
        """`salesglass.reports.periods` (which imports Ibis), imported at its first use."""

        def __getattr__(self, name: str) -> Any:
            from salesglass.reports import periods

            return getattr(periods, name)

    periods = _Periods()


_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class BuildParams:
    as_of: date  # the account-time-zone date the reports are computed for
    timezone: str  # account time zone: calendar periods are taken in it
    rules: ReportsConfig
    # bonus numbers frozen by approvals: (month, RuleNumbers) pairs; they win over the config for that month
    frozen_bonus_rules: tuple = ()
    # ids of `[amocrm] development_pipelines` (reports/derive/acquiring_deal.development_ids): their deals
    # never acquire a partner
    development_pipelines: tuple[int, ...] = ()
    # the year from which the zone's offsets are written into the SQL (reports/periods.py): exact for every
    # instant from its 1 January (UTC). The build sets the year of the data's earliest instant
    # (`dated_from`), so an account whose data starts in 2022 compiles no CASE over 1970–2021's summer
    # times; the default, 1970 (plausible.FIRST_DAY: no older instant loads), is exact for any data.
    first_year: int = FIRST_DAY.year

    def dated_from(self, earliest_us: int | None) -> BuildParams:
        """These parameters for data whose earliest instant is `earliest_us` microseconds since 1970-01-01
        UTC (None: no instant at all): its year, never before 1970 nor after as_of's."""
        epoch, year = datetime(1970, 1, 1, tzinfo=UTC), self.as_of.year
        if earliest_us is not None and earliest_us < (datetime(year + 1, 1, 1, tzinfo=UTC) - epoch) // _MICROSECOND:
            year = (epoch + max(earliest_us, 0) * _MICROSECOND).year
        return replace(self, first_year=max(FIRST_DAY.year, year))

    @property
    def bonus_schedule(self):
        """Which bonus numbers apply to which month (reports/bonus_rules.py)."""
        from salesglass.reports.bonus_rules import Schedule

        return Schedule.of(self.rules.bonus, dict(self.frozen_bonus_rules))

    @property
    def cutoff(self) -> datetime:
        """First UTC instant after the as_of day: every fact at or after it is ignored."""
        return periods.end_of_day_utc(self.as_of, self.timezone)

    @property
    def as_of_month(self) -> date:
        return self.as_of.replace(day=1)

    def local_date(self, ts: ir.TimestampValue) -> ir.DateValue:
        return periods.local_date(ts, self.timezone, self.as_of.year + 1, self.first_year)

    def local_day_number(self, ts: ir.TimestampValue) -> ir.IntegerValue:
        """`local_date` as days since 1970-01-01, faster per row: for the pass over every sale."""
        return periods.local_day_number(ts, self.timezone, self.as_of.year + 1, self.first_year)

    def month(self, ts: ir.TimestampValue) -> ir.DateValue:
        return periods.month_of(ts, self.timezone, self.as_of.year + 1, self.first_year)

    def month_of_many(self, ts: ir.TimestampValue) -> ir.DateValue:
        """The same month, faster per row but a longer query: for the pass over every sale."""
        return periods.month_by_search(ts, self.timezone, self.as_of.year + 1, self.first_year)

    def week(self, ts: ir.TimestampValue) -> ir.DateValue:
        return periods.week_of(ts, self.timezone, self.as_of.year + 1, self.first_year)

    def utc(self, day: date) -> ir.TimestampValue:
        """The instant `day` starts in the account time zone, as a literal."""
        import ibis

        return ibis.literal(periods.local_midnight_utc(day, self.timezone))


@dataclass(frozen=True)
class Canon:
    """The canonical tables as Ibis tables of one backend (names as in model/schema.py).

    The derived ones are None until `reports/derive` sets them; they are typed as tables because every
    report runs after that.
    """

    managers: ibis.Table
    partners: ibis.Table
    deals: ibis.Table
    pipelines: ibis.Table
    companies: ibis.Table
    deal_stages: ibis.Table
    sales: ibis.Table
    events: ibis.Table
    plans: ibis.Table
    deal_partner_links: ibis.Table
    link_suggestions: ibis.Table
    link_rejections: ibis.Table
    quarantine: ibis.Table
    # partner_id × month (account zone): Σ turnover/revenue/cost/tickets, first positive sale in the month
    partner_months: ibis.Table = None
    # partner_id, first_sale_at, first_sale_month (partners of `partners` that have sold by as_of)
    first_sales: ibis.Table = None
    # partner_id, deal_id, sales_manager_id, is_cold: the partner's acquiring deal (reports.md)
    acquiring_deals: ibis.Table = None
    # partner_id × day (account zone): Σ turnover/revenue/cost in kopecks, tickets (the forecast's daily series)
    partner_days: ibis.Table = None
    # the forecast's steps for as_of and every backtest day (reports/forecast/model.py)
    forecast_weights: ibis.Table = None
    forecast_base: ibis.Table = None
    forecast_curve: ibis.Table = None
    forecast_deal_history: ibis.Table = None
    forecast_conversion: ibis.Table = None
    forecast_past: ibis.Table = None
    forecast_deals: ibis.Table = None
    forecast_pipeline: ibis.Table = None
    forecast_new_deals: ibis.Table = None
    # the events on sale (forecast/events.py): their sales by day, the ladder's factors, the part per as-of day
    forecast_event_days: ibis.Table = None
    forecast_event_cells: ibis.Table = None
    forecast_event_index: ibis.Table = None
    forecast_ladder: ibis.Table = None
    forecast_events: ibis.Table = None
    # the running periods' forecast parts plan-fact reads (forecast/plan.running_parts)
    forecast_running: ibis.Table = None
    # the backtest's cases: wide (to date, parts, actual per metric) and then blended and one row per metric
    forecast_wide: ibis.Table = None
    forecast_cases: ibis.Table = None
    # report_forecast_backtest once built, so plan-fact's range reads the published cases (None: recompute)
    forecast_backtest: ibis.Table = None
    # report_bonus_lines once built, so the summary sums exactly the published lines (None: recompute)
    bonus_lines: ibis.Table = None
    # report_bonus_recomputed once built: every month as today's data and the month's rules make it
    bonus_recomputed: ibis.Table = None
    # approvals, locked lines and adjustments (reports/bonus_close.py); None: no month is closed anywhere
    bonus_state: BonusState | None = None


def client_kind(deals: ibis.Table) -> ir.StringValue:
    """`client_kind` NULL is reported as `unknown`."""
    return deals.client_kind.fill_null("unknown")


STAGE_ORDER: dict[str, int] = {s: i + 1 for i, s in enumerate(STAGES)}  # `stage_order`: 1-based position


def union_all(*tables: ibis.Table, distinct: bool = False) -> ibis.Table:
    """UNION ALL that tolerates NOT NULL vs nullable columns of the same type (they differ per source)."""
    import ibis

    first = tables[0].schema()
    common = {name: dtype.copy(nullable=True) for name, dtype in first.items()}
    return ibis.union(*[t.cast(common) for t in tables], distinct=distinct)


def left_join(left: ibis.Table, right: ibis.Table, on: str | list[str]) -> ibis.Table:
    """LEFT JOIN on equally named keys, keeping the left keys only (Ibis would add `<key>_right`)."""
    keys = [on] if isinstance(on, str) else list(on)
    joined = left.left_join(right, keys)
    return joined.select(*left.columns, *[c for c in right.columns if c not in keys and c not in left.columns])


def nullable(table: ibis.Table) -> ibis.Table:
    """The same table with every column nullable: Ibis infers NOT NULL too eagerly (e.g. min(x, where=…) of a
    NOT NULL column), and create_table turns that into a constraint that the data then violates."""
    return table.cast({name: dtype.copy(nullable=True) for name, dtype in table.schema().items()})


def fetch_rows(con: ibis.BaseBackend, expr: ir.Expr) -> list[tuple]:
    """Rows of an Ibis expression on a DuckDB backend (the published file), read through DuckDB's own
    cursor: Ibis's `execute` and `to_pyarrow` import pandas, 1–1.6 s of every build."""
    return con.raw_sql(con.compile(expr)).fetchall()
