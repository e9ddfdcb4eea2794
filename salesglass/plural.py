"""A counted noun's form for messages: "1 row" / "2 rows", "1 партнёр" / "2 партнёра" / "5 партнёров".

The callers keep formatting their numbers as they like (`{n:,}`); these give the word that goes after it.
"""

from __future__ import annotations


def plural(n: int, one: str, many: str | None = None) -> str:
    """English: `one` for exactly 1, else `many` (default `one` + "s")."""
    return one if n == 1 else (many if many is not None else one + "s")


def plural_ru(n: int, one: str, few: str, many: str) -> str:
    """Russian: `one` for 1, 21, 101 …; `few` for 2–4, 22–24 …; `many` for 0, 5–20, 25–30, 111–114 …"""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many
