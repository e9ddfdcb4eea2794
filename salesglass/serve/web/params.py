"""One validation layer for the query string of every dashboard request: 400 with a clear message, never a 500.

Filters live in the URL (bookmarkable), so anyone can type anything there. Before any route runs, every
query parameter is checked here once: months and days within the plausible range (salesglass/plausible.py),
page numbers bounded, ids ASCII digits of bounded length (`١٢٣` is not an id), enumerations among their
values, and no control characters or overlong text anywhere. Pages then read already-sane values.
A parameter this module does not know is still held to the text rule (a new filter stays safe by default).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date

from salesglass.model.schema import STAGES
from salesglass.plausible import FIRST_DAY, LAST_DAY, is_plausible
from salesglass.serve.i18n import LANGS

MAX_PAGE = 100_000
MAX_ID_DIGITS = 18  # fits a signed 64-bit integer
MAX_TEXT = 200  # any other parameter (partner ids, quarantine reasons, table keys …)
MAX_NEXT = 2000  # the page to return to after login: a path with its own query string

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})(?:-([0-9]{2}))?", re.ASCII)
_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
_DIGITS = re.compile(rf"[0-9]{{1,{MAX_ID_DIGITS}}}", re.ASCII)


class BadParam(ValueError):
    """A query parameter the dashboard refuses; `message` is a string key, `args` fill it in."""

    def __init__(self, key: str, message: str, **args: object) -> None:
        super().__init__(f"{key}: {message}")
        self.key, self.message, self.args_ = key, message, {"name": key, **args}


def has_control(text: str) -> bool:
    """Control characters (NUL, BEL, CR, ESC, DEL …) and bidi overrides have no place in a filter."""
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)


def _text(limit: int) -> Callable[[str, str], None]:
    def check(key: str, value: str) -> None:
        if len(value) > limit:
            raise BadParam(key, "bad_param_long", max=limit)

    return check


def _choice(values: Iterable[str], *, blank: bool = True) -> Callable[[str, str], None]:
    allowed = tuple(values)

    def check(key: str, value: str) -> None:
        if value not in allowed and not (blank and value == ""):
            raise BadParam(key, "bad_param_choice", choices=", ".join(allowed))

    return check


def _day_of(key: str, match: re.Match[str] | None, message: str, shown: str) -> date:
    bounds = {"first": FIRST_DAY.strftime(shown), "last": LAST_DAY.strftime(shown)}
    if match is None:
        raise BadParam(key, message, **bounds)
    y, m, d = (int(g) if g else 1 for g in match.groups(default=""))
    try:
        day = date(y, m, d)
    except ValueError:
        day = None
    if day is None or not is_plausible(day):
        raise BadParam(key, message, **bounds)
    return day


def _month(key: str, value: str) -> None:
    if value:
        _day_of(key, _MONTH.fullmatch(value), "bad_param_month", "%Y-%m")


def _day(key: str, value: str) -> None:
    if value:
        _day_of(key, _DAY.fullmatch(value), "bad_param_date", "%Y-%m-%d")


def _page(key: str, value: str) -> None:
    if value and not (value.isascii() and value.isdigit() and len(value) <= 6 and 1 <= int(value) <= MAX_PAGE):
        raise BadParam(key, "bad_param_page", max=MAX_PAGE)


def _id(*words: str) -> Callable[[str, str], None]:
    def check(key: str, value: str) -> None:
        if value and value not in words and not _DIGITS.fullmatch(value):
            raise BadParam(key, "bad_param_id", digits=MAX_ID_DIGITS)

    return check


def _rules() -> dict[str, Callable[[str, str], None]]:
    from salesglass.serve.web.context import KINDS
    from salesglass.serve.web.pages.cohorts import MEASURES
    from salesglass.serve.web.pages.planfact import PERIOD_TYPES

    return {
        "from": _month,
        "to": _month,
        "month": _month,
        "at": _day,
        "since": _day,
        "until": _day,
        "page": _page,
        "manager": _id("none"),
        "pipeline": _id(),
        "dispute": _id(),
        "kind": _choice(KINDS),
        "period": _choice(PERIOD_TYPES),
        "measure": _choice(MEASURES),
        "mode": _choice(("abs", "pct")),
        "stage": _choice(STAGES),
        "basis": _choice(
            ("all", "created", "won", "reached", "signed_selling", "cohort", "lost", "unlinked", "first_sale", "sales")
        ),
        "by": _choice(("acquirer", "development")),
        "bucket": _choice(("empty",)),
        "lang": _choice(LANGS),
        "next": _text(MAX_NEXT),
    }


_RULES: dict[str, Callable[[str, str], None]] | None = None


def check_query(items: Iterable[tuple[str, str]]) -> None:
    """Raise BadParam for the first parameter (every value of a repeated one) that is not acceptable."""
    global _RULES
    if _RULES is None:
        _RULES = _rules()
    for key, value in items:
        shown = key if len(key) <= 40 and not has_control(key) else "?"
        if has_control(key) or len(key) > 40:
            raise BadParam(shown, "bad_param_name")
        if has_control(value):
            raise BadParam(shown, "bad_param_control")
        _RULES.get(key, _text(MAX_TEXT))(key, value)
