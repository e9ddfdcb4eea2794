"""The ИНН as every source and the linking read it: digits only, with a КПП typed into the same field dropped.

Accountants often keep an organisation's ИНН and КПП in one field: "7701234567/770101001",
"7701234567 770101001", "ИНН 7701234567 КПП 770101001". Kept as all its digits that is a 19-digit
number matching nothing, so the deal never linked. A 10-digit ИНН followed by a 9-digit КПП has
exactly 19 digits (an ИП's 12-digit ИНН has no КПП), so 19 digits mean "the first 10 are the ИНН".

An ИНН kept in a number column or spreadsheet cell comes as "7701234567.0" (DuckDB's text of a DOUBLE):
its zero fraction is dropped, not read as an eleventh digit.
"""

from __future__ import annotations

INN_KPP_DIGITS = 19  # a legal entity's 10-digit ИНН + its 9-digit КПП


def inn_digits_sql(expr: str) -> str:
    """SQL (DuckDB): the ИНН in the text `expr` — its digits, or the first 10 of an ИНН+КПП; NULL if none."""
    whole = f"regexp_replace(trim(coalesce(CAST({expr} AS VARCHAR), '')), '^([0-9]+)[.,]0+$', '\\1')"
    digits = f"regexp_replace({whole}, '[^0-9]', '', 'g')"
    return f"NULLIF(CASE WHEN length({digits}) = {INN_KPP_DIGITS} THEN left({digits}, 10) ELSE {digits} END, '')"


INN_DIGITS = "ИНН does not have 10 or 12 digits (kept empty)"  # (the note of a record kept without it)
# the ИНН's check digits: each is the weighted sum of the digits before it, mod 11, mod 10
_WEIGHTS_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def inn_checksum_sql(digits: str) -> str:
    """SQL: the text `digits` (digits only) is an ИНН whose check digits agree — 10 digits (an organisation)
    or 12 (a person, a sole trader); FALSE for any other length."""

    def check(weights: tuple[int, ...]) -> str:
        total = " + ".join(f"{w} * CAST(substr({digits}, {i + 1}, 1) AS INTEGER)" for i, w in enumerate(weights))
        return f"(({total}) % 11 % 10 = CAST(substr({digits}, {len(weights) + 1}, 1) AS INTEGER))"

    return (
        f"CASE length({digits}) WHEN 10 THEN {check(_WEIGHTS_10)} "
        f"WHEN 12 THEN {check(_WEIGHTS_11)} AND {check(_WEIGHTS_12)} ELSE FALSE END"
    )


def inn_value_sql(digits: str) -> str:
    """SQL: the ИНН in `digits` (`inn_digits_sql`'s result) as it is kept — 10 or 12 digits as they are (a
    check digit that does not agree is kept too: such a typo can only equal the same typo elsewhere, never
    another partner's real ИНН, so linking by it stays right); 9 or 11 digits that are a real ИНН once a
    leading zero is put back (a number column or spreadsheet cell dropped it: "274062111") with that zero;
    anything else NULL — no ИНН (`INN_DIGITS`)."""
    padded = f"('0' || {digits})"
    return (
        f"CASE WHEN length({digits}) IN (10, 12) THEN {digits} "
        f"WHEN length({digits}) IN (9, 11) AND {inn_checksum_sql(padded)} THEN {padded} END"
    )
