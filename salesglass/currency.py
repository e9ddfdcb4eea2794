"""The account currency's sign, as every output shows it: the dashboard, the digests, `salesglass export`'s
workbook and the build summary. One map, in the foundation every room may import, so the dashboard and a
digest never show a different sign for the same account. A currency the map lacks shows its ISO code.
"""

from __future__ import annotations

import re

SIGNS = {
    "RUB": "₽",
    "USD": "$",
    "EUR": "€",
    "KZT": "₸",
    "BYN": "Br",
    "UAH": "₴",
    "GBP": "£",
    "CNY": "¥",
    "GEL": "₾",
    "AMD": "֏",
    "AZN": "₼",
    "TRY": "₺",
    "BRL": "R$",
    "INR": "₹",
}


def currency_sign(code: str) -> str:
    """`RUB` → `₽`; a code without a sign here → the code itself (`UZS`)."""
    return SIGNS.get(code, code)


def currency_code(value: str) -> str:
    """Validator of `[account] currency`: a 3-letter ISO 4217 code (`rub` is taken as `RUB`)."""
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(f"expected a 3-letter ISO 4217 currency code like 'RUB' or 'USD', got {value!r}")
    return code
