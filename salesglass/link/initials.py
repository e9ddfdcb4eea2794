"""A sole trader written with initials ("ИП Иванов И.И.") against the full name ("Иванов Иван Иванович").

The fuzzy score cannot see these: "иванов и и" and "иванов иван иванович" are far apart letter by letter.
So a narrow rule pairs them, as a *suggestion* only (`matched` = `initials`, never a link):

- one side, normalised, is a surname (one word of two or more Cyrillic letters) with one or two initials
  (single letters), before or after it: `иванов и и`, `и и иванов`, `иванов и`;
- the other is that surname followed by as many given names as there are initials, each beginning with
  its initial, in order: `иванов иван иванович` for `и и`, `иванов иван` for `и`;
- and one of the two names as written says it is a sole trader (`ИП`, `индивидуальный предприниматель`).

Two Ивановых with the same initials are both suggested (the reviewer picks); a different first name or
patronymic initial, a missing patronymic, a name that is not a person's (Latin letters, three words for
two initials) is not paired.
"""

from __future__ import annotations

import re

_SOLE_TRADER = re.compile(r"(?<![а-яёa-z])(ип|индивидуальный\s+предприниматель)(?![а-яёa-z])", re.IGNORECASE)
_CYRILLIC_WORD = re.compile(r"[а-я]+")


def initials_key(norm: str) -> tuple[str, str] | None:
    """(surname, initials) of a normalised name written as a surname with one or two initials, else None."""
    words = norm.split()
    if not 2 <= len(words) <= 3 or not all(_CYRILLIC_WORD.fullmatch(w) for w in words):
        return None
    longs = [w for w in words if len(w) > 1]
    singles = [w for w in words if len(w) == 1]
    if len(longs) != 1 or words.index(longs[0]) not in (0, len(words) - 1):  # initials all before or all after
        return None
    return longs[0], "".join(singles)


def full_key(norm: str) -> tuple[str, str] | None:
    """(surname, initials of the given names) of a normalised full name `фамилия имя [отчество]`, else None."""
    words = norm.split()
    if not 2 <= len(words) <= 3 or not all(_CYRILLIC_WORD.fullmatch(w) and len(w) > 1 for w in words):
        return None
    return words[0], "".join(w[0] for w in words[1:])


def is_sole_trader(name: str | None) -> bool:
    return bool(name and _SOLE_TRADER.search(name))


def initials_pairs(
    deals: list[tuple[int, str, str]], partners: list[tuple[str, str, str]], rejected: set[tuple[int, str]]
) -> list[tuple[int, str, float, str, str]]:
    """(deal, partner, 100.0, deal name, partner name) for every deal (id, shown name, normalised name) and
    partner (id, name, normalised name) paired by the rule above, but the `rejected` pairs."""
    by_key: dict[tuple[str, str, str], list[tuple[str, str, str]]] = {}  # (form, surname, initials) → partners
    for p in partners:
        for form, key in (("initials", initials_key(p[2])), ("full", full_key(p[2]))):
            if key is not None:
                by_key.setdefault((form, *key), []).append(p)
    rows: list[tuple[int, str, float, str, str]] = []
    for deal_id, shown, norm in deals:
        found: list[tuple[str, str, str]] = []
        if (key := initials_key(norm)) is not None:
            found += by_key.get(("full", *key), [])
        if (key := full_key(norm)) is not None:
            found += by_key.get(("initials", *key), [])
        rows.extend(
            (deal_id, p[0], 100.0, shown, p[1])
            for p in sorted(found)
            if (deal_id, p[0]) not in rejected and (is_sole_trader(shown) or is_sole_trader(p[1]))
        )
    return rows
