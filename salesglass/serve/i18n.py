"""Russian and English: the page strings and number / money / date formats of each language.

Russian: `1 234 567,89 ₽` (narrow no-break space between groups, no-break space before the sign);
English: `1,234,567.89 ₽` (the sign after the number in both, so columns line up the same way).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from salesglass.currency import currency_sign
from salesglass.serve.strings import STRINGS

LANGS = ("ru", "en")
_EXP = {n: Decimal(1).scaleb(-n) for n in range(7)}
NNBSP = "\u202f"  # narrow no-break space: Russian thousands separator
NBSP = "\u00a0"
MONTHS = {
    "ru": ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def pick_language(accept_language: str | None, default: str = "ru") -> str:
    """The first of ru/en the browser lists (by q-weight), else the configured default."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept_language.split(",")):
        bits = part.strip().split(";")
        tag = bits[0].strip().lower()[:2]
        q = 1.0
        for b in bits[1:]:
            if b.strip().startswith("q="):
                try:
                    q = float(b.strip()[2:])
                except ValueError:
                    q = 0.0
        if tag in LANGS:
            ranked.append((-q, i, tag))
    return sorted(ranked)[0][2] if ranked else default


class Formatter:
    """Everything a template needs to speak one language."""

    def __init__(self, lang: str, currency: str = "RUB", zone: str | None = None):
        self.lang = lang if lang in LANGS else "ru"
        self.sign = currency_sign(currency)
        self.zone = zone  # the account zone: a moment is shown as its wall time there

    def local(self, value: datetime) -> datetime:
        """A moment as the account's wall clock shows it (naive values are taken as they are)."""
        if self.zone and value.tzinfo is not None:
            from zoneinfo import ZoneInfo

            return value.astimezone(ZoneInfo(self.zone))
        return value

    def t(self, key: str, **kw: object) -> str:
        entry = STRINGS.get(key)
        text = key if entry is None else entry[0 if self.lang == "en" else 1]
        return text.format(**kw) if kw else text

    def number(self, value: object, decimals: int = 0) -> str:
        if value is None:
            return "—"
        if type(value) is int:  # counts: no rounding to do (the common cell of a large table)
            text = f"{abs(value):,}" + ("." + "0" * decimals if decimals else "")
            if self.lang == "ru":
                text = text.replace(",", NNBSP).replace(".", ",")
            return ("−" if value < 0 else "") + text
        try:
            d = value if isinstance(value, Decimal) else Decimal(value if isinstance(value, int) else str(value))
            d = d.quantize(_EXP[decimals], rounding=ROUND_HALF_UP)
        except (ArithmeticError, ValueError, TypeError):
            return str(value)
        text = f"{abs(d):,.{decimals}f}"
        if self.lang == "ru":
            text = text.replace(",", NNBSP).replace(".", ",")
        return ("−" if d < 0 else "") + text

    def money(self, value: object) -> str:
        return "—" if value is None else f"{self.number(value, 2)}{NBSP}{self.sign}"

    def money_short(self, value: object) -> str:
        """Whole currency units, for KPI cards."""
        return "—" if value is None else f"{self.number(value, 0)}{NBSP}{self.sign}"

    def pct(self, value: object, decimals: int = 1) -> str:
        if value is None:
            return "—"
        return f"{self.number(value, decimals)}{NBSP}%" if self.lang == "ru" else f"{self.number(value, decimals)}%"

    def rate(self, value: object) -> str:
        """A rate stored as a share of 1 (a bonus line's 0.10), written as the percent it is: "10%" / "10 %"."""
        if value is None:
            return "—"
        try:
            text = self.number(Decimal(str(value)) * 100, 2)
        except ArithmeticError:
            return str(value)
        if text[-1:].isdigit():
            text = text.rstrip("0").rstrip(",.")
        return f"{text}{NBSP}%" if self.lang == "ru" else f"{text}%"

    def month(self, value: date | None) -> str:
        if value is None:
            return "—"
        return f"{MONTHS[self.lang][value.month - 1]} {value.year}"

    def day(self, value: date | datetime | None) -> str:
        if value is None:
            return "—"
        if isinstance(value, datetime):
            return self.local(value).strftime("%d.%m.%Y %H:%M" if self.lang == "ru" else "%Y-%m-%d %H:%M")
        return value.strftime("%d.%m.%Y" if self.lang == "ru" else "%Y-%m-%d")

    def period(self, period_type: str, start: date) -> str:
        if period_type == "year":
            return str(start.year)
        if period_type == "quarter":
            q = (start.month - 1) // 3 + 1
            return f"{q} кв. {start.year}" if self.lang == "ru" else f"Q{q} {start.year}"
        return self.month(start)

    def cell_of(self, kind: str) -> Callable[[object], str]:
        """`cell` for one kind, chosen once: a table formats each column's thousands of cells with it."""
        simple: dict[str, Callable[[object], str]] = {
            "money": self.money,
            "money0": self.money_short,
            "int": self.number,
            "pct": self.pct,
        }
        return simple.get(kind) or (lambda value: self.cell(kind, value))

    def cell(self, kind: str, value: object) -> str:
        """One table cell as text, by column kind."""
        if kind == "money":
            return self.money(value)
        if kind == "money0":  # whole currency units: forecasts, where kopecks would be false precision
            return self.money_short(value)
        if kind == "int":
            return self.number(value, 0)
        if kind == "num":
            return self.number(value, 1)
        if kind == "num4":  # multipliers: up to 4 decimals, no trailing zeros (1,5 · 0,0375)
            text = self.number(value, 4)
            return text.rstrip("0").rstrip(",.") if value is not None and text[-1:].isdigit() else text
        if kind == "rate":  # a share of 1 as a percent, up to 2 decimals: 0.1 → "10 %", 0.0375 → "3,75 %"
            return self.rate(value)
        if kind == "pct":
            return self.pct(value)
        if kind == "month":
            return self.month(value)  # type: ignore[arg-type]
        if kind in ("date", "datetime"):
            return self.day(value)  # type: ignore[arg-type]
        if kind == "label":
            return self.t(str(value)) if value is not None else "—"
        return "—" if value is None else str(value)
