"""Turn an input's declared column mapping into one set-based DuckDB SELECT over the landed rows.

The SELECT yields canonical column names plus two helper columns `load_staged` understands:
`__reason` (the first conversion that failed: an amount or a date that does not parse) and `__rid`
(the landed row's rowid: quarantine shows the source row as it was read). Conversions are pure
SQL — kopecks, zones, signs, value maps, digits-only — so ten million rows never pass through Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlglot
from sqlglot import exp

from salesglass.errors import ConfigError
from salesglass.model.inn import INN_DIGITS, inn_digits_sql, inn_value_sql
from salesglass.model.schema import Kind, Table
from salesglass.model.validate import integer_text_sql, more_decimals_sql, rounded_differs, vocabulary_sql
from salesglass.plausible import AHEAD_SECONDS, LAST_DAY
from salesglass.sources.platform.config import ColumnSpec, SourceSpec
from salesglass.sources.platform.zones import local_to_utc_sql
from salesglass.sql import one_of_sql, quote_ident, quote_lit

_TEXT_TYPES = ("VARCHAR", "TEXT", "STRING", "BLOB", "JSON")


@dataclass(frozen=True)
class Target:
    """What a mapping produces: the table's columns plus extra columns the loader resolves itself."""

    table: Table
    extras: dict[str, Kind]

    def kind(self, name: str) -> Kind:
        return self.extras[name] if name in self.extras else self.table.column(name).kind

    @property
    def names(self) -> tuple[str, ...]:
        return (*self.table.names, *self.extras)


def column_specs(spec: SourceSpec, target: Target, available: list[str], label: str) -> dict[str, ColumnSpec]:
    """The canonical column → source spec mapping; an empty mapping takes same-named columns as they are."""
    if not spec.columns:
        return {n: ColumnSpec(column=n) for n in target.names if n in available}
    out: dict[str, ColumnSpec] = {}
    for name in spec.columns:
        if name not in target.names:
            raise ConfigError(
                f"{label}: columns.{name} is not a column of `{target.table.name}` "
                f"(expected one of: {', '.join(target.names)})"
            )
        cs = spec.spec(name)
        assert cs is not None
        if cs.column is not None and cs.column not in available:
            raise ConfigError(
                f"{label}: columns.{name} = {cs.column!r}, but the source has no such column "
                f"(it has: {', '.join(available)})"
            )
        out[name] = cs
    return out


def referenced_columns(specs: dict[str, ColumnSpec], available: list[str]) -> list[str]:
    """Source columns the mapping reads (so a wide table is read narrowly)."""
    found: list[str] = []
    lower = {a.lower(): a for a in available}
    for cs in specs.values():
        names = (
            [cs.column]
            if cs.column
            else [c.name for c in sqlglot.parse_one(cs.sql or "", read="duckdb").find_all(exp.Column)]
        )
        for n in names:
            real = n if n in available else lower.get(n.lower())
            if real and real not in found:
                found.append(real)
    return found


def check_required(specs: dict[str, ColumnSpec], target: Target, label: str) -> None:
    missing = [c.name for c in target.table.columns if c.not_null and c.name not in specs]
    if missing:
        raise ConfigError(
            f"{label}: nothing maps to {', '.join(missing)} of `{target.table.name}`; add "
            + ", ".join(f'columns.{m} = "<source column>"' for m in missing)
        )


def _text(e: str) -> str:
    return f"CAST({e} AS VARCHAR)"


def _blank(e: str) -> str:
    t = _text(e)  # trim only values starting with a space: trim copies every string. ltrim, not trim: DuckDB
    # computes a subexpression shared with the number parsing (trim) once for every row, needed or not
    return f"({e} IS NULL OR {t} = '' OR (prefix({t}, ' ') AND ltrim({t}) = ''))"


# how exports spell an empty value: a database's NULL printed as text (SQL clients, `\N` of MySQL's dumps), Python's
# None, a spreadsheet's N/A and its #N/A error. In a column naming a row — an id, a partner, a manager — such a
# text is no name: it is read as empty (a required id then quarantines the row as missing). (Not 'nan': a
# float's text, which an id may well be named — and ids kept as floats have other troubles, '17.0')
NULL_SPELLINGS = ("null", "none", "n/a", "#n/a", "\\n")


def names_a_row(name: str) -> bool:
    """Whether the canonical column `name` names a row: an id (`sale_id`, `partner_id`, `event_id`), a manager
    (plans' `manager`) or a manager's e-mail."""
    return name.endswith(("_id", "_email")) or name == "manager"


def no_null_spelling_sql(text: str) -> str:
    """The trimmed text `text`, NULL when it is a spelling of an empty value (`NULL_SPELLINGS`, any case). A
    byte length test first: an id of five or more characters (nearly all) costs no lower() copy."""
    longest = max(len(s) for s in NULL_SPELLINGS)
    spelled = one_of_sql(f"lower({text})", NULL_SPELLINGS)
    return f"CASE WHEN strlen({text}) <= {longest} AND {spelled} THEN NULL ELSE {text} END"


def _number(e: str, src_type: str | None, unit: str, scale: int = 4) -> str:
    """An exact number; kopecks/cents become units. Widths stay ≤ 18 digits (int64 decimals): DuckDB's
    38-digit decimals are ~100× slower. DECIMAL(16,2) kopecks × DECIMAL(2,2) = DECIMAL(18,4) rubles.
    `scale`: the decimals kept of a number in units (an expression's operands keep 6, the digits the
    sub-kopeck checks read)."""
    cents = unit != "units"
    if src_type and "INT" in src_type:
        out = f"CAST({e} AS DECIMAL({16 if cents else 18},0))"
    else:
        dec = f"DECIMAL({'16,2' if cents else f'18,{scale}'})"
        if src_type and not src_type.startswith(_TEXT_TYPES):
            out = f"TRY_CAST({e} AS {dec})"
        else:  # clean text parses directly; only the rest pays for removing spaces and decimal commas
            clean = f"replace(replace(replace(trim({_text(e)}), ' ', ''), chr(160), ''), ',', '.')"
            out = f"COALESCE(TRY_CAST({e} AS {dec}), TRY_CAST({clean} AS {dec}))"
    return f"({out} * CAST(0.01 AS DECIMAL(2,2)))" if cents else out


def number_type(src_type: str | None, unit: str) -> str:
    """The DuckDB type of `_number`'s result (DECIMAL(p1,s1) × DECIMAL(p2,s2) = DECIMAL(p1+p2, s1+s2))."""
    if src_type and "INT" in src_type:
        return "DECIMAL(18,2)" if unit != "units" else "DECIMAL(18,0)"
    return "DECIMAL(18,4)"


def _timestamp(
    name: str, e: str, src_type: str | None, cs: ColumnSpec, zone: str, pre: dict[str, str], few_rows: bool = False
) -> str:
    """A naive wall time is read in `zone` (`local_to_utc_sql`: timezone()'s values, without ICU per row).
    Text is parsed once, in `pre` (see `staged_sql`): inside a CASE DuckDB would parse it per branch."""

    def local_to_utc(ts: str) -> str:
        return local_to_utc_sql(ts, zone, few_rows=few_rows)

    if src_type and src_type.startswith("TIMESTAMP WITH TIME ZONE"):
        return e
    if src_type == "DATE":
        return local_to_utc(_day_time(e))
    if src_type and src_type.startswith("TIMESTAMP"):
        return local_to_utc(f"CAST({e} AS TIMESTAMP)")
    t = _text(e)  # the casts skip surrounding spaces themselves
    parsed = f"__ts_{name}"
    if cs.format:
        pre[parsed] = f"try_strptime(trim({t}), {quote_lit(cs.format)})"
        return local_to_utc(parsed)
    pre[f"__offset_{name}"] = has_offset_sql(t)
    pre[parsed] = f"TRY_CAST({t} AS TIMESTAMP)"
    return f"CASE WHEN __offset_{name} THEN TRY_CAST({t} AS TIMESTAMPTZ) ELSE {local_to_utc(parsed)} END"


def has_offset_sql(t: str) -> str:
    """Whether the text time `t` carries an offset (then it is kept as written, not read in a zone)."""
    # an offset is a '+', a Z, a UTC (any case: the TIMESTAMP cast drops them all) or a '-' after the
    # time's first ':'. Plain string tests on the whole value: a regex, or substr() to skip the date,
    # costs more per row than the parse itself
    return (
        f"(contains({t}, '+') OR contains({t}, 'Z') OR contains({t}, 'z') "
        f"OR contains({t}, 'U') OR contains({t}, 'u') OR {t} LIKE '%:%-%')"
    )


def _day_time(e: str) -> str:
    """The DATE `e` as a TIMESTAMP; a date beyond a timestamp's years 1 … 9999 — PostgreSQL's `infinity`
    arrives as the 5877612th year BC — as the first or last of them (still no plausible date), where the cast
    fails, and with it the whole load. NULL stays NULL."""
    return (
        f"CASE WHEN {e} < DATE '0001-01-01' THEN TIMESTAMP '0001-01-01' "
        f"WHEN {e} > DATE '9999-12-31' THEN TIMESTAMP '9999-12-31' ELSE CAST({e} AS TIMESTAMP) END"
    )


def _month_start(day: str) -> str:
    """The first of the month of the DATE `day`, without date_trunc's cast to a timestamp (which fails for a
    date beyond its range, and with it the whole load: PostgreSQL's `infinity`); an infinite date stays
    itself (not a plausible date)."""
    return f"CASE WHEN isfinite({day}) THEN make_date(year({day}), month({day}), 1) ELSE {day} END"


def _month(e: str, src_type: str | None, zone: str) -> str:
    if src_type and src_type.startswith("TIMESTAMP WITH TIME ZONE"):
        # a zoned instant (PostgreSQL timestamptz) of a month's first midnight: its month on the back-office's
        # wall clock; a plain cast takes the date in UTC, where 00:00 on 1 January at +03 is 31 December
        return _month_start(f"CAST(timezone({quote_lit(zone)}, {e}) AS DATE)")
    if src_type and not src_type.startswith(_TEXT_TYPES):
        return _month_start(f"CAST({e} AS DATE)")
    t = f"trim({_text(e)})"
    parsed = (
        f"COALESCE(TRY_CAST({t} AS DATE), TRY_CAST(TRY_CAST({t} AS TIMESTAMP) AS DATE), "
        f"TRY_CAST({t} || '-01' AS DATE), CAST(try_strptime({t}, '%d.%m.%Y') AS DATE), "
        f"CAST(try_strptime('01.' || {t}, '%d.%m.%Y') AS DATE))"
    )
    return _month_start(parsed)


def _scaled(e: str, unit: str) -> str:
    """An expression's value in units. Kopecks keep four decimals (DECIMAL(18,6) rubles): a fraction of a
    kopeck is then seen by the canonical check (more than 2 decimals), not rounded away here."""
    if unit == "units":
        return e
    return f"(TRY_CAST({e} AS DECIMAL(16,4)) * CAST(0.01 AS DECIMAL(2,2)))"


def _numeric_sql(sql: str, types: dict[str, str], pre: dict[str, str]) -> tuple[str, str | None]:
    """An arithmetic expression over columns landed as text: each column parsed as a number first, once
    per row, in `pre` (the expression and its check then read the parsed value by name). Six decimals,
    as the column paths' sub-kopeck checks read them: 100.00004 ₽ is quarantined for its decimals, not
    rounded to 100.0000 and loaded as 100.00 (a seventh decimal: `operands_lost_sql`).

    Returns the expression and the condition "some referenced value is there but is not a number".
    """
    tree = sqlglot.parse_one(sql, read="duckdb")
    bad: list[str] = []

    def parse(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and types.get(node.name, "").startswith(_TEXT_TYPES):
            ref, parsed = quote_ident(node.name), f"__n_{node.name}"
            pre[parsed] = _number(ref, types[node.name], "units", scale=6)
            bad.append(f"({quote_ident(parsed)} IS NULL AND NOT {_blank(ref)})")
            return exp.column(parsed, quoted=True)
        return node

    out = tree.transform(parse).sql(dialect="duckdb")
    return f"({out})", (" OR ".join(dict.fromkeys(bad)) or None)


def operands_lost_sql(sql: str, types: dict[str, str]) -> str | None:
    """An expression's text operands are parsed to six decimals (`_numeric_sql`): the condition that one has a
    non-zero digit past the sixth ('100.0000001'), which the parse would round away. None: none can."""
    names = dict.fromkeys(c.name for c in sqlglot.parse_one(sql, read="duckdb").find_all(exp.Column))
    lost = [more_decimals_sql(quote_ident(n), types[n], 6) for n in names if types.get(n, "").startswith(_TEXT_TYPES)]
    return " OR ".join(f"({x})" for x in lost if x) or None


def lost_digits_sql(e: str, src_type: str | None, unit: str) -> str | None:
    """`_number` rounds to its scale (kopecks to whole kopecks, rubles to 4 decimals): the condition that the
    amount has a fraction of a kopeck, so '100.004' kopecks (or 100.00004 rubles, negated) is quarantined for
    its decimals as it is when the column is read as it stands, instead of loading rounded — the rule of
    `more_decimals_sql`, in kopecks (no decimal) or in units (two). None: nothing can be lost."""
    found = more_decimals_sql(e, src_type or "VARCHAR", 0 if unit != "units" else 2)
    if found is None or (src_type and not src_type.startswith(_TEXT_TYPES)):
        return found
    # the cheap test first: no parsing for the rows without a point, a comma or an exponent
    return f"(({_may_be_fraction(e)} OR contains({e}, ',')) AND {found})"


def _may_be_fraction(e: str) -> str:
    """A cheap test (no regex per row) for text that may hold a fraction: '1.5', '15e-1'."""
    return f"(contains({e}, '.') OR contains({e}, 'e-') OR contains({e}, 'E-'))"


def _unparsed(out: str, e: str) -> str:
    """A value is there but did not convert. The rare condition first: the blank test then runs only for
    the rows whose conversion failed."""
    return f"({out}) IS NULL AND NOT {_blank(e)}"


# the digits of a digits-only ИНН, computed once per row: the value is kept or left empty by them (`column_sql`),
# and a partner loaded without its ИНН gets a note (`staged_sql`)
INN_DIGITS_HELPER = "__inn_digits"


def column_sql(
    name: str,
    cs: ColumnSpec,
    kind: Kind,
    types: dict[str, str],
    zone: str,
    pre: dict[str, str] | None = None,
    value: str | None = None,
    few_rows: bool = False,
) -> tuple[str, str | None]:
    """(expression, failure condition or None) for one canonical column; `pre` receives the helper
    columns the expression reads, computed once per row below it (`staged_sql`). `value`: the name under
    which the condition can read the computed value (else it repeats the expression). `few_rows`: see
    `local_to_utc_sql`."""
    pre = {} if pre is None else pre
    e = quote_ident(cs.column) if cs.column else f"({cs.sql})"
    src_type = types.get(cs.column) if cs.column else None
    bad: str | None = None
    if kind is Kind.TEXT:
        t = _text(e) if src_type is None or not src_type.startswith(_TEXT_TYPES) else e
        if cs.sql:  # an expression is not repeated five times below; its author trims if needed
            out = f"NULLIF({t}, '')"
        else:  # trim only values that need it (trim copies every string: costly on millions of ids)
            out = f"CASE WHEN {t} = '' OR prefix({t}, ' ') OR suffix({t}, ' ') THEN NULLIF(trim({t}), '') ELSE {t} END"
        if names_a_row(name):
            out = no_null_spelling_sql(out)
        if cs.digits_only and name == "inn":  # an ИНН+КПП typed in one field keeps the ИНН (model/inn.py)
            pre[INN_DIGITS_HELPER] = inn_digits_sql(out)  # (read by the value and by `staged_sql`'s note)
            out = inn_value_sql(quote_ident(INN_DIGITS_HELPER))
        elif cs.digits_only:
            out = f"NULLIF(regexp_replace({out}, '[^0-9]', '', 'g'), '')"
        if cs.map:
            whens = " ".join(f"WHEN {quote_lit(k)} THEN {quote_lit(v)}" for k, v in cs.map.items())
            out = f"CASE {out} {whens} ELSE {out} END"
        if cs.prefix:
            out = f"({quote_lit(cs.prefix)} || {out})"
        return out, None
    if kind is Kind.TIMESTAMPTZ:
        out = _timestamp(name, e, src_type, cs, cs.timezone or zone, pre, few_rows)
        return out, _unparsed(value or out, e)
    if kind is Kind.DATE:
        out = _month(e, src_type, cs.timezone or zone)
        return out, _unparsed(value or out, e)
    numeric = kind in (Kind.MONEY, Kind.INTEGER, Kind.BIGINT, Kind.DOUBLE)
    if numeric and cs.sql:
        e, bad = _numeric_sql(cs.sql, types, pre)
    if numeric and (cs.unit != "units" or cs.negate or cs.sql):
        num = _scaled(e, cs.unit) if cs.sql else _number(e, src_type, cs.unit)
        integer = kind in (Kind.INTEGER, Kind.BIGINT)
        if integer and not cs.sql:  # the exact number is read three times below: computed once, in `pre`
            pre[f"__num_{name}"] = num
            num = quote_ident(f"__num_{name}")
        out = f"(-{num})" if cs.negate else num
        bad = bad or _unparsed(value if value and not integer else num, e)  # (NULL exactly when num is)
        if integer:
            exact_type = "" if cs.sql else number_type(src_type, cs.unit)  # ("": an expression's type is unknown)
            bad += f" OR {rounded_differs(num, exact_type, 0)}"
            # digits the parse rounded away ('1.0000001' tickets; a seventh decimal of an operand)
            lost = (
                operands_lost_sql(cs.sql, types)
                if cs.sql
                else more_decimals_sql(e, src_type or "VARCHAR", 0 if cs.unit == "units" else 2)
            )
            bad += f" OR {lost}" if lost else ""
            out = f"TRY_CAST({out} AS BIGINT)"
        return out, bad
    if kind in (Kind.INTEGER, Kind.BIGINT) and src_type and src_type.startswith(_TEXT_TYPES):
        # parsed here, once (validation and the insert then see a number); TRY_CAST rounds '1.5' to 2, so
        # a value that may have a fraction is compared with its exact reading
        out = integer_text_sql(e, kind.value)
        fraction = more_decimals_sql(e, src_type, 0)
        return out, f"{_unparsed(value or out, e)} OR ({_may_be_fraction(e)} AND {fraction})"
    return e, None


# the days a back-office date can plausibly name (salesglass/plausible.py: 1970 to 2100). The first day of
# 1970 is left out too: an empty date written as zero (the Unix epoch) is no date. PostgreSQL's
# 'infinity', a year BC, 1900 or a text like '01/02/03' that DuckDB reads as the year 1 would otherwise
# load as a sale no report period ever shows
EARLIEST_DAY = date(1970, 1, 2)


def implausible_sql(value: str, kind: Kind) -> str:
    """`value` (a parsed TIMESTAMPTZ or DATE) lies outside the plausible days: before 1970-01-02 or after 2100
    (in UTC: a cheap comparison with two constants)."""
    last = LAST_DAY + timedelta(days=1)
    if kind is Kind.DATE:
        return f"({value} < DATE '{EARLIEST_DAY}' OR {value} >= DATE '{last}')"
    return f"({value} < TIMESTAMPTZ '{EARLIEST_DAY} 00:00:00+00' OR {value} >= TIMESTAMPTZ '{last} 00:00:00+00')"


# the times of facts: dated more than plausible.AHEAD after the load, they are no date yet (a typo, 2062 for
# 2026, or a wrong zone) — a sale, a partner's account created on the platform, a widget first seen live. The
# other times may lie ahead: a partner's contract date (a contract dated for the start of next month), a plan,
# an event's show (on sale before it starts)
FACT_TIMES = {
    "sales": ("sold_at",),
    "partners": ("created_at", "widget_installed_at"),
    "platform_widget_installs": ("installed_at",),  # (the table `widget_installs` inputs load into)
    "events": ("created_at",),
}


def future_sql(value: str) -> str:
    """`value` (a parsed TIMESTAMPTZ) is more than plausible.AHEAD after now (the load's start)."""
    return f"({value} > now() + INTERVAL {AHEAD_SECONDS} SECOND)"


# the layouts of text times that DuckDB does not read by itself, in the order tried (day first: Russian exports)
TIME_FORMATS = (
    "%d.%m.%y %H:%M",  # (a two-digit year first: "%Y" would read '24' as the year 24)
    "%d.%m.%y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y %H:%M:%S",  # (a US export: only when the day-first reading fails, e.g. 03/25/2024)
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
)


def format_reason(name: str, fmt: str) -> str:
    return f'bad {name}: not a valid timestamp (format = "{fmt}" reads it)'


def _is_text(src_type: str | None) -> bool:
    return src_type is None or src_type.startswith(_TEXT_TYPES)


def format_hint_sql(name: str, text: str, reason: str) -> str:
    """The reason of a text time that does not parse (`reason`, an SQL value), naming the column's `format`
    that reads it when one of `TIME_FORMATS` does ('05.03.2024 10:00': `format = "%d.%m.%Y %H:%M"`), so the
    data-quality page says what to write in the config. Computed only for the rows that failed."""
    t = f"trim({_text(text)})"
    hints = " ".join(
        f"WHEN try_strptime({t}, {quote_lit(f)}) IS NOT NULL THEN {quote_lit(format_reason(name, f))}"
        for f in TIME_FORMATS
    )
    return f"CASE {hints} ELSE {reason} END"


def future_reason(name: str) -> str:
    return f"bad {name}: in the future (more than a day after it was read)"


def decimals_reason(name: str) -> str:
    return f"bad {name}: more than 2 decimal places"  # the words of model/validate.py's own check


def too_large_reason(name: str) -> str:
    return f"bad {name}: too large a number for money"


def implausible_reason(name: str) -> str:
    return f"bad {name}: not a plausible date (before {EARLIEST_DAY} or after {LAST_DAY.year})"


NOTE = "__note"  # `staged_sql`'s column: why a row that loads was loaded with a value left empty (else NULL)


def staged_sql(
    spec: SourceSpec,
    target: Target,
    specs: dict[str, ColumnSpec],
    landed: str,
    types: dict[str, str],
    default_zone: str,
    *,
    row: str | None = None,
    few_rows: bool = False,
) -> str:
    """SELECT over the landed relation `landed` (aliased `__src`): canonical columns, `__reason` and `row`
    — by default `__rid`, the landed table's rowid, so quarantine can show the source row as it was read;
    a streamed file (a view, no rowid) passes the source row itself instead. Helper values (a parsed
    time, its offset test) and then the canonical values are computed in subqueries below, each once:
    DuckDB does not share a subexpression between the branches of a CASE, so the verdict's CASE reads
    the values by name instead of repeating their expressions."""
    zone = spec.timezone or default_zone
    values: list[str] = []
    cols: list[str] = []
    checks: list[str] = []
    pre: dict[str, str] = {}
    for name, cs in specs.items():
        kind = target.kind(name)
        value = f"__v_{name}"
        expr, bad = column_sql(name, cs, kind, types, zone, pre, value, few_rows)
        if kind is Kind.TEXT and name in target.table.names and (allowed := target.table.column(name).allowed):
            expr = vocabulary_sql(expr, allowed)  # 'Organizer' is organizer, as the model reads it
        values.append(f"{expr} AS {value}")
        cols.append(f"{value} AS {quote_ident(name)}")
        if bad:
            what = {"TIMESTAMPTZ": "timestamp", "DATE": "month", "INTEGER": "integer", "BIGINT": "integer"}.get(
                kind.name, "number"
            )
            why = quote_lit(f"bad {name}: not a valid {what}")
            if kind is Kind.MONEY and cs.column:  # a number, but beyond what money holds: said so
                number = (
                    f"TRY_CAST(replace(replace(trim({_text(quote_ident(cs.column))}), ' ', ''), ',', '.') AS DOUBLE)"
                )
                why = f"CASE WHEN isfinite({number}) THEN {quote_lit(too_large_reason(name))} ELSE {why} END"
            if kind is Kind.TIMESTAMPTZ and cs.column and not cs.format and _is_text(types.get(cs.column)):
                why = format_hint_sql(name, quote_ident(cs.column), why)
            checks.append(f"WHEN {bad} THEN {why}")
        if kind is Kind.MONEY and (cs.unit != "units" or cs.negate or cs.sql):
            lost = (
                operands_lost_sql(cs.sql, types)
                if cs.sql
                else lost_digits_sql(quote_ident(cs.column or ""), types.get(cs.column or ""), cs.unit)
            )
            if lost:
                checks.append(f"WHEN {lost} THEN {quote_lit(decimals_reason(name))}")
        if kind in (Kind.TIMESTAMPTZ, Kind.DATE):
            checks.append(
                f"WHEN {implausible_sql(quote_ident(value), kind)} THEN {quote_lit(implausible_reason(name))}"
            )
        if name in FACT_TIMES.get(target.table.name, ()):
            checks.append(f"WHEN {future_sql(quote_ident(value))} THEN {quote_lit(future_reason(name))}")
    reason = ("CASE " + " ".join(checks) + " END") if checks else "CAST(NULL AS VARCHAR)"
    # a note of a row that loads with a value left empty: digits that are no ИНН (load.py lists it in quarantine)
    notes = ""
    if INN_DIGITS_HELPER in pre:
        notes = (
            f", CASE WHEN {INN_DIGITS_HELPER} IS NOT NULL AND __v_inn IS NULL THEN {quote_lit(INN_DIGITS)} END "
            f"AS {NOTE}"
        )
    below = ["*", *(["rowid AS __rowid"] if row is None else []), *(f"{v} AS {quote_ident(k)}" for k, v in pre.items())]
    source = f"(SELECT {', '.join(below)} FROM {quote_ident(landed)})"
    # three levels: helpers, then values, then the verdict reading the values by name
    computed = f"(SELECT *, {', '.join(values)} FROM {source})" if values else source
    row = row or "__src.__rowid AS __rid"
    return f"SELECT {', '.join(cols)}, {reason} AS __reason{notes}, {row} FROM {computed} __src"
