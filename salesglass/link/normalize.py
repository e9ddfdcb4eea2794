"""The company-name normaliser of the linking rules (docs/reports.md), as SQL so it runs in the warehouse.

lower case, `ё`→`е`, invisible characters (soft hyphen, zero-width space) removed, apostrophes removed,
every other quote and punctuation to a space, Latin letters that look Cyrillic read as Cyrillic in a word
that is mostly Cyrillic (and the other way round), legal forms removed as whole words, spaces collapsed.

- Quotes are *spaces*, not nothing: «ООО«Ромашка»» and `ООО"Ромашка"` are written without a space
  often, and removing the quote glued the legal form to the name ("оооромашка", matching nothing).
  Apostrophes (', ’, ‘, `) are removed: "Д'Артаньян" stays one word.
- Lookalikes: a Latin `P` typed in "Pомашка" (or a Cyrillic `а` in "Kаssir") made a name nobody can see
  the difference in match nothing. A word mixing both scripts is read in the script of most of its
  letters (ties: Cyrillic), its lookalike letters (а в е к м н о р с т у х) turned into that script.
- Full spellings of the common Russian legal forms are removed too ("Общество с ограниченной
  ответственностью «Ромашка»" is the same client as "ООО Ромашка"), and so are their Latin spellings
  (`OOO`, `ZAO`, `OAO`, `PAO`), the forms of state and municipal culture institutions (ГБУК, МАУК, …:
  theatres and halls) and a few foreign ones.
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
    "тоо",
    "нп",
    "гбук",
    "гаук",
    "мбук",
    "маук",
    "фгбук",
    "гбу",
    "гау",
    "мбу",
    "мау",
    "фгбу",
    "гуп",
    "муп",
    "фгуп",
    "ooo",
    "zao",
    "oao",
    "pao",
    "llc",
    "llp",
    "ltd",
    "inc",
    "corp",
    "gmbh",
)
_APOSTROPHES = "[''‘’`]"  # '' is one quote inside a SQL literal
_QUOTES = '[«»"“”„‹›]'
# lowercase Latin letters and the Cyrillic ones they look like (after lower(): M → m ~ М → м)
_LATIN_LOOKS = "aeopcxykmhtb"
_CYRILLIC_LOOKS = "аеорсхукмнтв"


def _lookalikes(s: str) -> str:
    """SQL: each word of `s` mixing Latin and Cyrillic letters written in the script of most of its letters."""
    word = (
        "CASE WHEN NOT (regexp_matches(w, '[a-z]') AND regexp_matches(w, '[а-я]')) THEN w "
        "WHEN length(regexp_replace(w, '[^а-я]', '', 'g')) >= length(regexp_replace(w, '[^a-z]', '', 'g')) "
        f"THEN translate(w, '{_LATIN_LOOKS}', '{_CYRILLIC_LOOKS}') "
        f"ELSE translate(w, '{_CYRILLIC_LOOKS}', '{_LATIN_LOOKS}') END"
    )
    mixed = f"(regexp_matches({s}, '[a-z]') AND regexp_matches({s}, '[а-я]'))"
    return (
        f"CASE WHEN {mixed} THEN array_to_string(list_transform(string_split({s}, ' '), w -> {word}), ' ') ELSE {s} END"
    )


def normalize_sql(expr: str) -> str:
    """SQL (DuckDB) normalising the text expression `expr`; NULL when nothing is left."""
    forms = "|".join(LEGAL_FORMS)
    s = f"replace(lower({expr}), 'ё', 'е')"
    s = f"regexp_replace({s}, '\\p{{Cf}}|{_APOSTROPHES}', '', 'g')"
    s = f"regexp_replace({s}, '{_QUOTES}|[^\\p{{L}}\\p{{N}}]+', ' ', 'g')"
    s = _lookalikes(s)
    s = f"(' ' || {s} || ' ')"
    for _ in range(2):  # adjacent forms ("ооо ип …") share a space, so one pass leaves every other one
        s = f"regexp_replace({s}, ' ({forms}) ', ' ', 'g')"
    return f"NULLIF(trim(regexp_replace({s}, '\\s+', ' ', 'g')), '')"
