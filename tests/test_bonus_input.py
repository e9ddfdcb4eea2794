"""What `salesglass bonus adjust` (and the bonus page) takes as a month and an amount: a clear message for
anything else, never a traceback."""

import json
from datetime import date
from decimal import Decimal

import pytest

from salesglass.bonus.store import BonusStore, parse_amount, parse_month
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
        # read two ways: 1.50 with the decimal comma, 1 500 to an English reader; refused, not guessed
        ("1,500", "an amount has at most 2 decimals (kopecks), got '1,500' (the comma is the decimal mark"),
        ("1e3", "an amount looks like -1500.00, got '1e3'"),  # was stored as 1.00
        ("-0", "an adjustment of 0.00 changes nothing"),
    ],
)
def test_an_amount_that_cannot_be_is_named_for_what_is_wrong(given, said):
    with pytest.raises(SalesglassError) as err:
        parse_amount(given)
    assert str(err.value).startswith(said)


def test_amounts_as_people_type_them():
    assert parse_amount("-1 500,50") == Decimal("-1500.50")
    assert parse_amount("1\u00a0500,00") == Decimal("1500.00")  # copied from the dashboard (no-break space)
    assert parse_amount("999999999999999.99") == Decimal("999999999999999.99")


@pytest.mark.parametrize("given", ["0001-01", "1969-12", "3000-01", "2101-01"])
def test_a_month_outside_any_bonus_history_is_a_typo(given):
    with pytest.raises(SalesglassError, match=f"a month between 1970-01 and 2100-12, got '{given}'"):
        parse_month(given)


def test_months_in_range_parse():
    assert parse_month("2026-10") == date(2026, 10, 1) and parse_month("1970-01") == date(1970, 1, 1)


def test_an_adjustment_is_stored_and_audited_as_the_money_typed(tmp_path):
    """Decimal("1E+3") went into the state file's DECIMAL(18,2) as 1.00; every amount is now stored with
    its two decimals, so what is stored, audited and paid is what the admin typed."""
    store = BonusStore(tmp_path / "bonus.duckdb")
    store.add_adjustment(date(2026, 10, 1), 7, "1000", "bonus for the fair", "admin@x.com")
    store.add_adjustment(date(2026, 10, 1), 7, "-2 500,5", "advance repaid", "admin@x.com")
    assert [a["amount"] for a in store.manual_adjustments()] == [Decimal("1000.00"), Decimal("-2500.50")]
    assert [json.loads(a["after"])["amount"] for a in store.audit()] == ["1000.00", "-2500.50"]


@pytest.mark.parametrize("reason", ["late\x00payment", "\x1b[31mred"])
def test_a_reason_with_control_characters_is_refused(tmp_path, reason):
    store = BonusStore(tmp_path / "bonus.duckdb")
    with pytest.raises(SalesglassError, match="a reason for the adjustment has control characters"):
        store.add_adjustment(date(2026, 10, 1), 7, "10", reason, "admin@x.com")
    assert store.manual_adjustments() == []


def test_a_manager_id_no_column_holds_is_a_clear_error(tmp_path):
    store = BonusStore(tmp_path / "bonus.duckdb")
    with pytest.raises(SalesglassError, match="a manager id is an amoCRM user id, got 99999999999999999999"):
        store.add_adjustment(date(2026, 10, 1), 99999999999999999999, "10", "x", "admin@x.com")
