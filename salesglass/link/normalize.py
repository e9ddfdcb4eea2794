"""The company-name normaliser of the linking rules (docs/reports.md), as SQL so it runs in the warehouse.

lower case, `ё`→`е`, quotes removed, punctuation to spaces, legal forms removed as whole words,
spaces collapsed. Full spellings of the common Russian legal forms are removed too ("Общество с
ограниченной ответственностью «Ромашка»" is the same client as "ООО Ромашка").
"""

from __future__ import annotations

LEGAL_FORMS = (
    "общество с ограниченной ответственностью",
    "публичное акционерное общество",
    "закрытое акционерное общество",
    "открытое акционерное общество",
    "акционерное общество",
    "индивидуальный предприниматель",
    "автономная некоммерческая организация",
    "ооо",
    "оао",
    "зао",
    "пао",
    "ао",
    "ип",
    "нко",
    "ано",
    "llc",
    "ltd",
    "inc",
)
_QUOTES = "[«»\"“”„‘’''`]"  # '' is one quote inside a SQL literal


def normalize_sql(expr: str) -> str:
    """SQL (DuckDB) normalising the text expression `expr`; NULL when nothing is left."""
    forms = "|".join(LEGAL_FORMS)
    s = f"replace(lower({expr}), 'ё', 'е')"
    s = f"regexp_replace({s}, '{_QUOTES}', '', 'g')"
    s = f"regexp_replace({s}, '[^\\p{{L}}\\p{{N}}]+', ' ', 'g')"
    s = f"(' ' || {s} || ' ')"
    for _ in range(2):  # adjacent forms ("ооо ип …") share a space, so one pass leaves every other one
        s = f"regexp_replace({s}, ' ({forms}) ', ' ', 'g')"
    return f"NULLIF(trim(regexp_replace({s}, '\\s+', ' ', 'g')), '')"
