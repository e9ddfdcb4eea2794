"""Which bonus numbers apply to which month: effective-dated rules, and the rules an approval froze.

The config's `[reports.bonus]` numbers apply from the beginning; each `[[reports.bonus.changes]]` entry
overrides some of them from its `valid_from` month on. A month that was approved keeps the numbers it
was approved with (stored with the approval), whatever the config says now. The build turns this
schedule into SQL: one literal when a single set of numbers applies (the common case), else a CASE over
the line's month — no join, so every engine computes it alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

import ibis
import ibis.expr.types as ir

from salesglass.reports.config import BonusRules
from salesglass.reports.money import MONEY, RATE, rational, round_money

NUMBERS = ("first_sale_fixed", "cold_multiplier", "acquisition_months", "acquisition_rate", "growth_rate")


@dataclass(frozen=True)
class RuleNumbers:
    """One complete set of bonus numbers."""

    first_sale_fixed: Decimal
    cold_multiplier: Decimal
    acquisition_months: int
    acquisition_rate: Decimal
    growth_rate: Decimal

    @classmethod
    def of(cls, rules: BonusRules) -> RuleNumbers:
        return cls(**{n: getattr(rules, n) for n in NUMBERS})

    def to_json(self) -> str:
        return json.dumps({f.name: str(getattr(self, f.name)) for f in fields(self)}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RuleNumbers:
        data = json.loads(text)
        return cls(
            first_sale_fixed=Decimal(data["first_sale_fixed"]),
            cold_multiplier=Decimal(data["cold_multiplier"]),
            acquisition_months=int(data["acquisition_months"]),
            acquisition_rate=Decimal(data["acquisition_rate"]),
            growth_rate=Decimal(data["growth_rate"]),
        )


def month_of(text: str) -> date:
    return date(int(text[:4]), int(text[5:7]), 1)


@dataclass(frozen=True)
class Schedule:
    """Numbers by month: `spans` are (from month or None, numbers) in order; `frozen` overrides single months."""

    spans: tuple[tuple[date | None, RuleNumbers], ...]
    frozen: tuple[tuple[date, RuleNumbers], ...] = ()

    @classmethod
    def of(cls, rules: BonusRules, frozen: dict[date, RuleNumbers] | None = None) -> Schedule:
        spans: list[tuple[date | None, RuleNumbers]] = [(None, RuleNumbers.of(rules))]
        for change in rules.changes:
            values = {n: getattr(spans[-1][1], n) for n in NUMBERS}
            values |= {n: getattr(change, n) for n in NUMBERS if getattr(change, n) is not None}
            spans.append((month_of(change.valid_from), RuleNumbers(**values)))
        return cls(tuple(spans), tuple(sorted((frozen or {}).items())))

    def at(self, month: date) -> RuleNumbers:
        """The numbers that apply to `month` (Python side: approvals store them)."""
        for frozen_month, numbers in self.frozen:
            if frozen_month == month:
                return numbers
        current = self.spans[0][1]
        for start, numbers in self.spans[1:]:
            if start is not None and start <= month:
                current = numbers
        return current

    def pick(self, month: ir.DateValue, fn, lit) -> ir.Value:
        """`lit(fn(numbers))` of the numbers in force for each row's `month`."""
        base = fn(self.spans[0][1])
        variants = [(start, fn(n)) for start, n in self.spans[1:]]
        frozen = [(m, fn(n)) for m, n in self.frozen]
        if all(v == base for _, v in variants + frozen):
            return lit(base)
        branches = [(month == ibis.literal(m), lit(v)) for m, v in frozen]
        branches += [(month >= ibis.literal(start), lit(v)) for start, v in reversed(variants)]
        return ibis.cases(*branches, else_=lit(base))

    def value(self, month: ir.DateValue, name: str, lit) -> ir.Value:
        """The number `name` for each row's `month`."""
        return self.pick(month, lambda n: getattr(n, name), lit)

    def json(self, month: ir.DateValue) -> ir.StringValue:
        """The whole set of numbers as JSON text (what an approval stores)."""
        return self.pick(month, RuleNumbers.to_json, lambda v: ibis.literal(v, type="string"))

    def money(self, month: ir.DateValue, name: str, times: str | None = None) -> ir.DecimalValue:
        """A money number (optionally × another number, rounded to kopecks) for each row's month."""

        def lit(v):
            return ibis.literal(str(round_money(v))).cast(MONEY)

        if times is None:
            return self.value(month, name, lit)
        combined = Schedule(
            tuple((s, _with(n, name, getattr(n, name) * getattr(n, times))) for s, n in self.spans),
            tuple((m, _with(n, name, getattr(n, name) * getattr(n, times))) for m, n in self.frozen),
        )
        return combined.value(month, name, lit)

    def rate(self, month: ir.DateValue, name: str) -> ir.DecimalValue:
        return self.value(month, name, lambda v: ibis.literal(str(v)).cast(RATE))

    def integer(self, month: ir.DateValue, name: str) -> ir.IntegerValue:
        return self.value(month, name, lambda v: ibis.literal(int(v), type="int64"))

    def rational(self, month: ir.DateValue, name: str) -> tuple[ir.IntegerValue, ir.IntegerValue]:
        """The rate `name` as numerator and power-of-ten denominator (exact kopeck arithmetic)."""
        num = self.value(month, name, lambda v: ibis.literal(rational(v)[0], type="int64"))
        den = self.value(month, name, lambda v: ibis.literal(rational(v)[1], type="int64"))
        return num, den


def _with(numbers: RuleNumbers, name: str, value) -> RuleNumbers:
    values = {n: getattr(numbers, n) for n in NUMBERS}
    values[name] = value
    return RuleNumbers(**values)


def build(canon, params) -> ibis.Table:
    """report_bonus_rules: the bonus numbers in force for each month that has bonus lines or sales, up to
    as_of; `frozen` tells an approved month's own rules from the config's."""
    rules = params.bonus_schedule
    months = canon.partner_months.select("month").union(
        canon.bonus_recomputed.select("month")
        if canon.bonus_recomputed is not None
        else canon.partner_months.select("month")
    )
    months = months.filter(months.month <= ibis.literal(params.as_of_month)).distinct()
    frozen = [m for m, _ in rules.frozen]
    m = months.month
    return months.select(
        month=m,
        first_sale_fixed=rules.money(m, "first_sale_fixed"),
        cold_multiplier=rules.rate(m, "cold_multiplier"),
        acquisition_months=rules.integer(m, "acquisition_months"),
        acquisition_rate=rules.rate(m, "acquisition_rate"),
        growth_rate=rules.rate(m, "growth_rate"),
        frozen=m.isin(frozen) if frozen else ibis.literal(False),
        rules=rules.json(m),
    ).order_by("month")
