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
