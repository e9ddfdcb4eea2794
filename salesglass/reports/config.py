"""The `[reports]` section: the numbers of the bonus and declining-partner rules (docs/reports.md).

The rule *kinds* are fixed by the report contract; only their numbers are configurable; the defaults are its own.
Write rates as strings or plain numbers ("0.10" or 0.10); money as "5000.00".
"""

from decimal import Decimal
from pathlib import Path

from pydantic import Field, field_validator

from salesglass.config_base import Section


def _month_text(value: str) -> str:
    """A `valid_from` month: "YYYY-MM" (a first-of-month date "YYYY-MM-01" is accepted too)."""
    import re

    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})(-01)?", text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f'expected a month like "2026-12", got {value!r}')
    return f"{m.group(1)}-{m.group(2)}"


class BonusRuleChange(Section):
    """A change of the bonus numbers from one month on (`[[reports.bonus.changes]]`); keys left out keep
    the value in force before. Months already approved keep the rules they were approved with."""

    # the first month the change applies to, "YYYY-MM"
    valid_from: str
    # the new [reports.bonus] first_sale_fixed from valid_from on
    first_sale_fixed: Decimal | None = Field(None, ge=0, le=Decimal("100000000"), decimal_places=2)
    # the new [reports.bonus] cold_multiplier from valid_from on
    cold_multiplier: Decimal | None = Field(None, ge=0, le=100, decimal_places=4)
    # the new [reports.bonus] acquisition_months from valid_from on
    acquisition_months: int | None = Field(None, ge=0, le=120)
    # the new [reports.bonus] acquisition_rate from valid_from on
    acquisition_rate: Decimal | None = Field(None, ge=0, le=1, decimal_places=4)
    # the new [reports.bonus] growth_rate from valid_from on
    growth_rate: Decimal | None = Field(None, ge=0, le=1, decimal_places=4)

    _month = field_validator("valid_from", mode="before")(_month_text)


class BonusRules(Section):
    """Manager motivation rules; every amount is rounded half away from zero to kopecks per line."""

    # fixed bonus per new partner (first sale in the month) to the acquiring deal's sales manager
    first_sale_fixed: Decimal = Field(Decimal("5000.00"), ge=0, le=Decimal("100000000"), decimal_places=2)
    # the fixed bonus is multiplied by this when the acquiring deal is a cold one
    cold_multiplier: Decimal = Field(Decimal("1.5"), ge=0, le=100, decimal_places=4)
    # months 0 … acquisition_months−1 after the first sale pay acquisition_share; from then on, growth
    acquisition_months: int = Field(6, ge=0, le=120)
    # rates: at most 4 decimal places, which keeps the kopeck integer arithmetic exact (reports/money.py)
    acquisition_rate: Decimal = Field(Decimal("0.10"), ge=0, le=1, decimal_places=4)
    # share of revenue above the 3-month baseline paid for growth
    growth_rate: Decimal = Field(Decimal("0.05"), ge=0, le=1, decimal_places=4)
    # changes of the numbers above from a month on (effective-dated rules), e.g.
    # [[reports.bonus.changes]] valid_from = "2026-12", growth_rate = "0.07"; none by default
    changes: list[BonusRuleChange] = Field(default_factory=list)

    @field_validator("changes")
    @classmethod
    def _distinct_months(cls, changes: list[BonusRuleChange]) -> list[BonusRuleChange]:
        months = [c.valid_from for c in changes]
        if len(set(months)) != len(months):
            raise ValueError(f"two changes share a valid_from month ({', '.join(sorted(months))}); merge them")
        return sorted(changes, key=lambda c: c.valid_from)


class DecliningRules(Section):
    """Who lands on the "whom to call" list."""

    # a partner's usual 28 days (the 84 days before the last 28, ÷ 3) must be at least this much turnover
    min_baseline: Decimal = Field(Decimal("10000.00"), ge=0, decimal_places=2)
    # … and the last 28 days must be at least this many percent below it
    threshold_pct: Decimal = Field(Decimal("30"), ge=0, le=100, decimal_places=2)


class ForecastRules(Section):
    """The forecast of the running month, quarter and year (docs/forecast.md) and its backtest."""

    # days of a partner's recent sales its level is taken from (seasonally adjusted)
    level_days: int = Field(56, ge=7, le=365)
    # days of the account's history the weekday index is estimated from
    weekday_days: int = Field(364, ge=28, le=1092)
    # a partner whose last 28 days are this many percent below its 84 days before (seasonally adjusted)
    # counts as declining: its forecast starts from its last 28 days (90: only partners that nearly stopped)
    decline_pct: Decimal = Field(Decimal("90"), ge=0, le=100, decimal_places=2)
    # … and, if true, keeps falling at that pace through the period (off by default: on the simulated company
    # it made the forecast too low, most declines being the gap between two events)
    decline_keeps_falling: bool = False
    # a steady seller (it sold on at least half of its last 112 days) silent for more than this many times its
    # usual gap between selling days and more than stop_days days has stopped: nothing more is expected of
    # it (0: never)
    stop_gaps: Decimal = Field(Decimal("4"), ge=0, le=100, decimal_places=2)
    # … and silent for more than this many days (a daily seller quiet for two weeks may be between two
    # events: at 14 the scale-m backtest got worse on day 22)
    stop_days: int = Field(21, ge=1, le=365)
    # deals of the last N days (by the day they reached a stage) give the stage → first-sale conversion
    pipeline_history_days: int = Field(730, ge=90, le=3650)
    # a deal that has not sold within this many days of reaching a stage counts as not converted
    pipeline_horizon_days: int = Field(182, ge=28, le=730)
    # deals not created yet: expected at the pace the account created deals over its last N days (0: not
    # forecast, the forecast counts on the open deals only)
    new_deals_days: int = Field(91, ge=0, le=730)
    # months of history replayed by the backtest (as of the 1st, 8th, 15th and 22nd of each month)
    backtest_months: int = Field(24, ge=3, le=60)
    # backtest days need at least this much history before them
    min_history_days: int = Field(112, ge=28, le=730)
    # the range's low end: this quantile of the backtest's errors at the same point of the period (P10)
    low_quantile: float = Field(0.1, gt=0, lt=0.5)
    # the range's high end (P90)
    high_quantile: float = Field(0.9, gt=0.5, lt=1)
    # fewer backtest cases than this at a point of the period: the range pools every point of that period
    # type, and the base is blended half and half with the period's own pace (no evidence for either)
    min_cases: int = Field(8, ge=2, le=1000)
    # with an events table: passes of the fit of the month index within events (iterative proportional
    # fitting; 0: no month index on the events' sales). At most 4: DuckDB's planner takes exponentially
    # longer with each pass (0.1 s at 3, 1 s at 4, 17 s at 5)
    index_sweeps: int = Field(3, ge=0, le=4)
    # … fitted on at most about this many event × day cells (above it, every n-th event)
    index_cells: int = Field(400_000, ge=1000, le=100_000_000)


class ReportsConfig(Section):
    # true (the report contract): a deal created after the partner's first sale that never reached the
    # first-sale stage can be its acquiring deal — for a partner that has sold, the only deals the "most
    # recently created" fallback can pick are such late deals, typically a development deal opened months
    # later, whose sales manager then earns the first-sale and acquisition-share bonuses and the new-partner
    # credit. false: such a deal is never the acquiring deal of a partner that has sold; a partner whose deals
    # are all late then has no acquiring deal (no sales bonus lines; data quality counts it). Trade-off: a
    # rep who logs the acquisition deal late and never moves it to the first-sale status loses the bonus.
    # Partners that have not sold keep the fallback either way (docs/reports.md)
    late_deal_acquires: bool = True
    bonus: BonusRules = BonusRules()
    declining: DecliningRules = DecliningRules()
    forecast: ForecastRules = ForecastRules()


def demo_section(company: Path) -> str:
    """This area's part of the demo config (`salesglass demo` writes it; a worked example for users)."""
    return """
[reports]
# Report rules (docs/reports.md). The lines below are the defaults: uncomment and change
# a value to use your own. Reports are built with `salesglass build [--as-of YYYY-MM-DD]`.
# late_deal_acquires = true      # false: a deal opened after a partner's first sale that never reached
#                                # first sale (a development deal) earns no sales bonus (docs/reports.md)

[reports.bonus]
# first_sale_fixed = "5000.00"   # ₽ per new partner (its first ticket sale) to the acquiring deal's sales manager
# cold_multiplier = "1.5"        # … multiplied by this when that deal was a cold one
# acquisition_months = 6         # months 0…5 after the first sale pay the acquisition share, later months growth
# acquisition_rate = "0.10"      # acquisition share: 10 % of the partner's monthly revenue (sales manager)
# growth_rate = "0.05"           # growth: 5 % of revenue above the mean of the 3 previous months (development)
# A change from a month on (approved months keep the rules they were approved with; docs/bonuses.md):
# [[reports.bonus.changes]]
# valid_from = "2026-12"
# growth_rate = "0.07"

[reports.declining]
# min_baseline = "10000.00"      # ₽: partners whose usual 28 days of turnover are below this are not listed
# threshold_pct = "30"           # listed when the last 28 days are at least 30 % below their usual

[reports.forecast]
# level_days = 56                # a partner's level: its last 56 days, seasonally adjusted
# weekday_days = 364             # the weekday index comes from the last 364 days of the account
# decline_pct = "90"             # a partner 90 % below its usual is forecast from its last 28 days
# stop_days = 21                 # a steady seller silent for more than 21 days …
# stop_gaps = "4"                # … and 4 of its usual gaps between sales has stopped: nothing more expected
# pipeline_history_days = 730    # stage → first-sale conversion from the deals of the last two years
# pipeline_horizon_days = 182    # … a deal not selling within 182 days of a stage counts as lost
# new_deals_days = 91            # deals not created yet: at the pace of the deals created in the last 91 days
# backtest_months = 24           # the backtest replays the 1st, 8th, 15th and 22nd of the last 24 months
# min_history_days = 112         # … of days with at least 112 days of history before them
# low_quantile = 0.1             # the range: P10 …
# high_quantile = 0.9            # … P90 of the backtest errors at the same point of the period
# min_cases = 8                  # fewer cases at that point: pool all points of the period type
# index_sweeps = 3               # with an events table: passes of the fit of the month index within events
# index_cells = 400000           # … on at most ~400 000 event × day cells (above: every n-th event)
"""
