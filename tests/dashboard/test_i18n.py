"""Number, money and language choice per language (golden strings written by hand)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from salesglass.serve.i18n import Formatter, pick_language


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ru-RU,ru;q=0.9,en-US;q=0.8", "ru"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,en;q=0.5,ru;q=0.7", "ru"),
        ("de-DE", "ru"),  # neither: the configured default
        (None, "ru"),
    ],
)
def test_language_from_accept_language(header, expected) -> None:
    assert pick_language(header, "ru") == expected


def test_money_and_numbers_in_russian() -> None:
    f = Formatter("ru")
    assert f.money(Decimal("1234567.89")) == "1\u202f234\u202f567,89\u00a0₽"
    assert f.money(Decimal("-0.5")) == "−0,50\u00a0₽"
    assert f.number(1234) == "1\u202f234"
    assert f.pct(Decimal("66.666")) == "66,7\u00a0%"
    assert f.month(date(2026, 3, 1)) == "мар 2026"
    assert f.period("quarter", date(2026, 4, 1)) == "2 кв. 2026"
    assert f.money(None) == "—"


def test_money_and_numbers_in_english() -> None:
    f = Formatter("en")
    assert f.money(Decimal("1234567.885")) == "1,234,567.89\u00a0₽"  # half away from zero
    assert f.number(999) == "999"
    assert f.pct(Decimal("50")) == "50.0%"
    assert f.period("quarter", date(2026, 1, 1)) == "Q1 2026"
    assert f.t("page_sales") == "Sales" and Formatter("ru").t("page_sales") == "Продажи"
