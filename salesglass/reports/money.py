"""Exact money arithmetic that every engine computes alike.

Engines disagree on DECIMAL division (ClickHouse keeps the dividend's scale and truncates, DuckDB
returns DOUBLE) and on ROUND (ClickHouse rounds floats half to even). So every division and every
rounding goes through whole kopecks (or hundredths of a unit) as BIGINT, with an explicit
"round half away from zero" division built from `%` on non-negative operands only, and the result is
turned back into DECIMAL(18,2) by an exact multiplication. Products stay below 2**53 for companies up
to ~10**13 RUB a year, so even engines that divide integers in DOUBLE (DuckDB `/`) stay exact.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import ibis
import ibis.expr.types as ir

MONEY = "decimal(18,2)"
RATE = "decimal(18,4)"
_WIDE = "decimal(38,2)"  # a different type than MONEY, so Ibis keeps the final cast
# Decimal literals are written as text cast to DECIMAL: Ibis renders them for ClickHouse as
# toDecimal64(0.57, 2), which parses a float and truncates (→ 0.56).
_CENT = ibis.literal("0.01").cast(_WIDE)


def to_cents(value: ir.NumericValue) -> ir.IntegerValue:
    """A DECIMAL(18,2) (or an integer count ×100) as whole hundredths; exact."""
    return (value * 100).cast("int64")


def from_cents(cents: ir.IntegerValue) -> ir.DecimalValue:
    """Whole hundredths back to DECIMAL(18,2); exact (a multiplication, never a division)."""
    return (cents.cast(_WIDE) * _CENT).cast(MONEY)


def _idiv(a: ir.IntegerValue, b: ir.IntegerValue) -> ir.IntegerValue:
    """a div b for a ≥ 0, b > 0; the quotient of an exact multiple, so DOUBLE division is exact too."""
    return ((a - a % b) / b).cast("int64")


def div_round(n: ir.IntegerValue, d: ir.IntegerValue | int) -> ir.IntegerValue:
    """n / d rounded half away from zero, as an integer; NULL when d = 0."""
    d = ibis.literal(d, type="int64") if isinstance(d, int) else d
    # ClickHouse evaluates both branches of IF, and the hidden value under a NULL is 0: never let any
    # branch divide by zero (inf → integer is an error there)
    d = d.fill_null(0)
    an, ad = n.abs(), ibis.ifelse(d == 0, 1, d.abs())
    q = _idiv(2 * an + ad, 2 * ad)
    sign = ibis.ifelse((n < 0) != (d < 0), -1, 1)
    return ibis.ifelse(d == 0, ibis.null("int64"), sign * q)


def pct_cents(num_cents: ir.IntegerValue, den_cents: ir.IntegerValue) -> ir.IntegerValue:
    """round(100 × num / den, 2) in hundredths of a percent; NULL when den is 0 or NULL."""
    return div_round(num_cents * 10000, den_cents)


def rational(rate: Decimal) -> tuple[int, int]:
    """A config rate as numerator / power of ten, so rate × money stays integer arithmetic."""
    exponent = rate.as_tuple().exponent
    if not isinstance(exponent, int):  # NaN or infinity: the config validates rates, so never here
        raise ValueError(f"not a finite rate: {rate}")
    exp = -exponent if exponent < 0 else 0
    return int(rate.scaleb(exp)), 10**exp


def apply_rate(base_cents: ir.IntegerValue, rate: Decimal) -> ir.IntegerValue:
    """round(rate × base, 2) in kopecks, half away from zero."""
    num, den = rational(rate)
    return div_round(base_cents * num, den)


def round_money(value: Decimal) -> Decimal:
    """Python-side rounding of a constant amount, the same rule (half away from zero)."""
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def money_lit(value: Decimal) -> ir.DecimalValue:
    return ibis.literal(str(round_money(value))).cast(MONEY)


def rate_lit(value: Decimal | int) -> ir.DecimalValue:
    return ibis.literal(str(value)).cast(RATE)
