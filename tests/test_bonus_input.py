"""What `salesglass bonus adjust` (and the bonus page) takes as a month and an amount: a clear message for
anything else, never a traceback."""

from datetime import date
from decimal import Decimal

import pytest

from salesglass.bonus.store import parse_amount, parse_month
from salesglass.errors import SalesglassError


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("1e30", "an amount must be less than 1 000 000 000 000 000.00 in size, got '1e30'"),  # was InvalidOperation
        ("99999999999999999999.99", "an amount must be less than 1 000 000 000 000 000.00 in size"),
        ("NaN", "an amount looks like -1500.00, got 'NaN'"),
        ("-Infinity", "an amount looks like -1500.00, got '-Infinity'"),
        ("10.001", "an amount has at most 2 decimals (kopecks), got '10.001'"),
        ("abc", "an amount looks like -1500.00, got 'abc'"),
    ],
)
def test_an_amount_that_cannot_be_is_named_for_what_is_wrong(given, said):
    with pytest.raises(SalesglassError) as err:
        parse_amount(given)
    assert str(err.value).startswith(said)


def test_amounts_as_people_type_them():
    assert parse_amount("-1 500,50") == Decimal("-1500.50")
    assert parse_amount("999999999999999.99") == Decimal("999999999999999.99")


@pytest.mark.parametrize("given", ["0001-01", "1969-12", "3000-01", "2101-01"])
def test_a_month_outside_any_bonus_history_is_a_typo(given):
    with pytest.raises(SalesglassError, match=f"a month between 1970-01 and 2100-12, got '{given}'"):
        parse_month(given)


def test_months_in_range_parse():
    assert parse_month("2026-10") == date(2026, 10, 1) and parse_month("1970-01") == date(1970, 1, 1)
