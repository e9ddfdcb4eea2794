"""The `[reports]` section: as-of defaults and the numbers of the bonus and declining-partner rules."""

from decimal import Decimal
from pathlib import Path

from pydantic import Field

from salesglass.config_base import Section


class BonusRules(Section):
    """Manager motivation rules (spec/reports.md); defaults are the spec's."""

    first_sale_fixed: Decimal = Field(Decimal("5000.00"), ge=0)
    cold_multiplier: Decimal = Field(Decimal("1.5"), ge=0)
    acquisition_months: int = Field(6, ge=0)
    acquisition_rate: Decimal = Field(Decimal("0.10"), ge=0, le=1)
    growth_rate: Decimal = Field(Decimal("0.05"), ge=0, le=1)


class DecliningRules(Section):
    min_baseline: Decimal = Field(Decimal("10000.00"), ge=0)
    threshold_pct: Decimal = Field(Decimal("30"), ge=0, le=100)


class ReportsConfig(Section):
    bonus: BonusRules = BonusRules()
    declining: DecliningRules = DecliningRules()


def demo_section(company: Path) -> str:
    """This area's part of the demo config (`salesglass demo` writes it; a worked example for users)."""
    return ""
