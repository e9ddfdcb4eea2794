"""Load rows into a canonical table with nothing lost: every unusable row goes to `quarantine`.

A source stages its rows in DuckDB under canonical column names (any types, often text), then calls
`load_staged`. Validation is set-based SQL inside DuckDB — one pass decides, for every row, the first
reason it cannot be used (a missing key, a value that does not parse as the column's type, money
with more than two decimals, a value outside the column's vocabulary, a key seen twice in the batch).
Good rows replace older rows with the same key (upsert); bad rows go to quarantine with the reason
and the raw row as JSON. A staged column the table does not know is ignored; a missing column that
the table needs is a config error naming the table and the column.

Two optional staged columns let a source say more: `__reason` (a problem the source's own conversion
found, e.g. an amount in kopecks that does not parse — checked first) and `__raw` (the row as the
source had it, a struct or JSON, written to quarantine instead of the staged columns).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

import duckdb

from salesglass.errors import ConfigError
from salesglass.model.ddl import sql_type
from salesglass.model.schema import QUARANTINE, Column, Kind, Table
from salesglass.sql import one_of_sql, transaction
from salesglass.sql import quote_ident as _q
from salesglass.sql import quote_lit as _lit


@dataclass
class LoadResult:
    table: str
    loaded: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


def vocabulary_sql(text: str, allowed: tuple[str, ...]) -> str:
    """The text `text` as the word of `allowed` it spells in any case and with spaces around it ('Organizer',
    ' OPERATOR ' → 'organizer', 'operator': a kind typed by hand in a back-office or a spreadsheet); any other
    text as it is (then an unknown value). The exact word is tested first: only the other rows pay for the
    lower() and trim() copies."""
    folded = f"lower(trim({text}))"
    spelled = " ".join(f"WHEN {folded} = {_lit(a.lower())} THEN {_lit(a)}" for a in allowed)
    return f"CASE WHEN {text} IS NULL OR {one_of_sql(text, allowed)} THEN {text} {spelled} ELSE {text} END"


def _cast(col: Column, expr: str, src_type: str = "VARCHAR") -> str:
    if col.kind is Kind.TEXT and col.allowed:
        return vocabulary_sql(f"CAST({expr} AS VARCHAR)", col.allowed)
    if col.kind is Kind.TEXT:
        return f"CAST({expr} AS VARCHAR)"
    if col.kind is Kind.JSON:
        return f"TRY_CAST({expr} AS JSON)"
    if col.kind is Kind.BOOLEAN:
        # back-offices write booleans as 1/0, t/f, yes/no, да/нет; a MySQL BIT(1) arrives as hex, 01/00
        txt = f"lower(trim(CAST({expr} AS VARCHAR)))"
        return (
            f"CASE WHEN {one_of_sql(txt, ('1', 't', 'true', 'y', 'yes', 'да', '01'))} THEN TRUE "
            f"WHEN {one_of_sql(txt, ('0', 'f', 'false', 'n', 'no', 'нет', '00'))} THEN FALSE END"
        )
    if col.kind is Kind.MONEY and (src_type.startswith("DECIMAL") or "INT" in src_type):
        return f"TRY_CAST({expr} AS DECIMAL(18,2))"
    if col.kind is Kind.MONEY:
        # a decimal comma (Excel exports) is read as a point; spaces as thousands separators dropped
        txt = f"replace(replace(trim(CAST({expr} AS VARCHAR)), ' ', ''), ',', '.')"
        return f"TRY_CAST({txt} AS DECIMAL(18,2))"
    if col.kind in (Kind.INTEGER, Kind.BIGINT) and src_type.startswith(("VARCHAR", "JSON")):
        return integer_text_sql(expr, sql_type(col.kind))
    return f"TRY_CAST({expr} AS {sql_type(col.kind)})"


def integer_text_sql(text: str, int_type: str) -> str:
    """The text `text` as an integer of type `int_type`, NULL when it is none. DuckDB's cast also reads a
    hexadecimal or binary literal ('0x10' is 16, '0b101' 5): no back-office writes a count or an id so, so
    such a text is no integer (a cheap test of four characters, no regex per row)."""
    radix = f"(contains({text}, 'x') OR contains({text}, 'X') OR contains({text}, 'b') OR contains({text}, 'B'))"
    return f"CASE WHEN {radix} THEN NULL ELSE TRY_CAST({text} AS {int_type}) END"


def _clean(ref: str) -> str:
    """A text number as DuckDB reads it: spaces (thousands) dropped, a decimal comma read as a point."""
    return f"replace(replace(trim(CAST({ref} AS VARCHAR)), ' ', ''), ',', '.')"


FLOAT_DIGITS = 15  # the significant digits a float (a double) holds: all that any decimal printout of one means


def decimals_sql(number: str) -> str:
    """The decimal places of the DOUBLE `number` read to its first 15 significant digits (0.1 + 0.2 =
    0.30000000000000004: 1; 100.0000004: 7; 0: -1); NULL for NaN and infinities. fmt's `{:.14e}` gives the
    15 digits and the exponent: the digits left once trailing zeros are cut, less one, less the exponent."""
    f = f"format('{{:.{FLOAT_DIGITS - 1}e}}', abs({number}))"
    digits = f"length(rtrim(replace(split_part({f}, 'e', 1), '.', ''), '0'))"
    return f"({digits} - 1 - TRY_CAST(split_part({f}, 'e', 2) AS INTEGER))"


def more_decimals_sql(ref: str, src_type: str, digits: int) -> str | None:
    """The condition "the value `ref` (of DuckDB type `src_type`) has a non-zero decimal past the `digits`-th"
    — one rule for every reader, so that no path rounds away what another quarantines (None: the type
    cannot hold such a value). A decimal type is compared exactly. Text and floats are read as the decimals
    they print (a float prints as the shortest text that reads back as it: 100.0000004, 0.30000000000000004):
    exact to the 6th decimal; past the 6th only the first 15 significant digits count, all a float holds. So
    a float's representation noise (0.1 + 0.2) is 0.30, while 100.0000001 typed, or a float 100.0000004,
    has a fraction of a kopeck. (Past 10^12 the 6th-decimal test overflows: only the 15 digits are read.)"""
    if "INT" in src_type:
        return None
    m = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", src_type)
    if m:
        return None if int(m.group(2)) <= digits else rounded_differs(ref, src_type, digits)
    text = f"CAST({ref} AS VARCHAR)"
    six = f"TRY_CAST({_clean(ref)} AS DECIMAL(18,6))"
    # the cheap test on the text as it is (spaces only make it longer): more than 6 characters after the
    # point or comma, or an exponent; only those rows are printed to 15 digits
    point = f"greatest(strpos({text}, '.'), strpos({text}, ','))"
    number = f"TRY_CAST({_clean(ref)} AS DOUBLE)"
    # (1e-400 is no zero, though it reads as a double 0: a non-zero digit before the exponent says so)
    underflow = f"({number} = 0 AND regexp_matches({text}, '[1-9][^eE]*[eE]'))"
    far = (
        f"((({point} > 0 AND length({text}) - {point} > 6) OR contains({text}, 'e') OR contains({text}, 'E')) "
        f"AND ({decimals_sql(number)} > {digits} OR {underflow}))"
    )
    out = f"({rounded_differs(six, 'DECIMAL(18,6)', digits)} OR {far})" if digits < 6 else far
    if not src_type.startswith(("VARCHAR", "JSON")):  # a float: the rare rows first (100.5 is its rounding)
        out = f"({ref} <> round({ref}, {digits}) AND {out})"
    return out


def rounded_differs(exact: str, exact_type: str, digits: int) -> str:
    """`exact` has more than `digits` decimals. The rounding is cast back to `exact`'s own type: DuckDB
    compares DECIMAL(18,4) with round()'s DECIMAL(18,2) as 128-bit decimals, five times slower. (A
    rounding too big for the type is NULL, and then differs: only a changed value can overflow.)"""
    if not exact_type.startswith("DECIMAL"):
        return f"{exact} <> round({exact}, {digits})"
    return f"({exact} IS NOT NULL AND TRY_CAST(round({exact}, {digits}) AS {exact_type}) IS DISTINCT FROM {exact})"


def _fits_money(col: Column, src_type: str) -> bool:
    """A decimal with at most 16 digits before the point always casts to DECIMAL(18,2) (rounding is
    checked separately), so the cast cannot fail and is not tested row by row."""
    m = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", src_type)
    return col.kind is Kind.MONEY and m is not None and int(m.group(1)) - int(m.group(2)) <= 16


def _problems(col: Column, src: str, src_type: str = "VARCHAR") -> list[tuple[str, str]]:
    """(condition, reason) pairs for one column, most basic first."""
    ref = _q(src)
    out: list[tuple[str, str]] = []
    text = src_type.startswith(("VARCHAR", "JSON"))
    # trim only what starts with a space: trim copies every string, costly on millions of rows
    blank = (
        f"({ref} IS NULL OR {ref} = '' OR (prefix({ref}, ' ') AND trim({ref}) = ''))" if text else f"({ref} IS NULL)"
    )
    if col.not_null:
        out.append((blank, f"missing {col.name}"))
    # each condition tests the rare case first: the rest of an AND is evaluated only for those rows
    same_type = sql_type(col.kind) == src_type.replace("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")
    if col.kind is Kind.MONEY and text:  # a number all the same ('1e20'): the reason says it is too large
        number = f"TRY_CAST(replace(replace(trim({ref}), ' ', ''), ',', '.') AS DOUBLE)"
        out.append(
            (
                f"({_cast(col, ref, src_type)}) IS NULL AND NOT {blank} AND isfinite({number})",
                f"bad {col.name}: too large a number for money",
            )
        )
    if col.kind is not Kind.TEXT and (text or not same_type) and not _fits_money(col, src_type):
        # money that is no number is said as the platform mapping says it ('not a valid number'): one reason
        what = "number" if col.kind is Kind.MONEY else col.kind.name.lower()
        out.append((f"({_cast(col, ref, src_type)}) IS NULL AND NOT {blank}", f"bad {col.name}: not a valid {what}"))
    if col.kind in (Kind.INTEGER, Kind.BIGINT) and (fraction := more_decimals_sql(ref, src_type, 0)):
        # TRY_CAST('1.5' AS INTEGER) rounds to 2: a fractional count must not pass silently
        maybe_fraction = (
            f"(contains({ref}, '.') OR contains({ref}, 'e-') OR contains({ref}, 'E-') OR contains({ref}, ','))"
            if text
            else "TRUE"
        )  # a cheap test first: no regex per row
        out.append(
            (f"{maybe_fraction} AND NOT {blank} AND {fraction}", f"bad {col.name}: not a valid {col.kind.name.lower()}")
        )
    if col.kind is Kind.MONEY and (sub_cent := more_decimals_sql(ref, src_type, 2)):
        out.append((f"{sub_cent} AND NOT {blank}", f"bad {col.name}: more than 2 decimal places"))
    if col.allowed:  # in any case, with spaces around it (`vocabulary_sql`): the exact word tested first
        as_text = f"CAST({ref} AS VARCHAR)"
        out.append(
            (
                f"NOT {one_of_sql(as_text, col.allowed)} "
                f"AND NOT {one_of_sql(f'lower(trim({as_text}))', (a.lower() for a in col.allowed))} "
                f"AND NOT {blank}",
                f"unknown {col.name} (expected one of: {', '.join(col.allowed)})",
            )
        )
    return out


def quarantine_raw_sql(staged_cols: list[str], *, has_raw: bool, alias: str = "s") -> str:
    """The `raw` quarantine shows for a staged row: its source values (`__raw`) when the staging kept
    them, else (a row found bad only by `load_staged`: a repeated key) its staged values. One expression,
    so that a load can tell whether a bad row read again still reads the same (`_nothing_new`)."""
    values = "to_json(struct_pack({}))".format(", ".join(f"{_q(c)} := {alias}.{_q(c)}" for c in staged_cols))
    return f"COALESCE(to_json({alias}.__raw), {values})" if has_raw else values


def load_staged(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    staging: str,
    *,
    source: str,
    source_key: str | None = None,
    replace_all: bool = False,
    own_transaction: bool = True,
    raw_table: str | None = None,
    validated: bool = False,
    adopt: bool = False,
    unique_key: bool = False,
) -> LoadResult:
    """Validate the staged relation `staging` and merge its good rows into `table`.

    `source_key` names the staged column that identifies a row in its source (for quarantine);
    defaults to the table's key. `replace_all` empties the target first (a full reload).
    `raw_table`: the table the staged rows were computed from; the staged column `__rid` holds each
    row's `rowid` there, and quarantine takes the raw row from it (cheaper than carrying `__raw`).
    `validated`: the staged column `__reason` already holds every row's verdict (`problem_sql` was
    folded into the staging query, so the rows are not checked a second time).
    `adopt`: `staging` is a table of this database that starts with `table`'s columns, in order and
    typed (`typed_columns_sql`), then `__` helper columns, and has `table`'s NOT NULL constraints (a bad
    row holds placeholders there: its key in quarantine is NULL for ''). With `replace_all` it becomes
    `table` itself once its bad rows are deleted — ten million sales are then written once, not twice.
    Runs in one transaction: readers see the old table or the new one, never a mix. A caller that
    must commit the rows together with something else (sync watermarks) opens the transaction itself
    and passes `own_transaction=False`. `unique_key`: the caller has proven that no merge key repeats
    among the usable rows (`repeated_key_hashes`), so it is not checked again.
    """
    described = con.execute(f"DESCRIBE SELECT * FROM {_q(staging)}").fetchall()
    types = {r[0]: str(r[1]) for r in described}
    has_raw = "__raw" in types
    staged_cols = [r[0] for r in described if not r[0].startswith("__")]
    present = [c for c in table.columns if c.name in staged_cols]
    reason = "__reason" if validated else problem_sql(table, types, source)
    key_cols = [k for k in table.merge_key if k in staged_cols]
    skey = source_key or (table.key[0] if table.key else None)
    key_expr = f"CAST(s.{_q(skey)} AS VARCHAR)" if skey and skey in staged_cols else "NULL"
    if adopt and key_expr != "NULL":
        key_expr = f"NULLIF({key_expr}, '')"

    with transaction(con, enabled=own_transaction):
        src = _as_table(con, staging)
        # only the bad rows are materialised (row id + reason): the good ones are read once more by the insert
        con.execute(f"""CREATE OR REPLACE TEMP TABLE __bad AS
            SELECT rowid AS __rid, {reason} AS __why FROM {_q(src)} WHERE __why IS NOT NULL""")
        if key_cols:
            # a key seen twice among the usable rows: the first (in staged order) wins, later ones are
            # quarantined. The keys' 64-bit hashes, sorted, show whether any repeats (usually none); only
            # then are the repeated hashes, their keys, and those keys' rows looked at
            part = ", ".join(_q(k) for k in key_cols)
            usable = (
                f"(SELECT rowid AS __rid, * FROM {_q(src)} WHERE __reason IS NULL)"
                if validated
                else f"(SELECT rowid AS __rid, * FROM {_q(src)} s ANTI JOIN __bad b ON s.rowid = b.__rid)"
            )
            if not unique_key and repeated_key_hashes(con, usable, part):
                con.execute(f"""CREATE OR REPLACE TEMP TABLE __repeated AS
                    SELECT {part} FROM {usable} u WHERE hash({part}) IN (
                        SELECT h FROM (SELECT hash({part}) AS h FROM {usable} u) GROUP BY h HAVING count(*) > 1)
                    GROUP BY ALL HAVING count(*) > 1""")
                # NOT DISTINCT, not USING: a key part may be NULL (a plan's empty manager is the company row)
                same = " AND ".join(f"u.{_q(k)} IS NOT DISTINCT FROM r.{_q(k)}" for k in key_cols)
                con.execute(f"""INSERT INTO __bad
                    SELECT __rid, {_lit(duplicate_key_reason(key_cols))} FROM (
                        SELECT __rid, row_number() OVER (PARTITION BY {part} ORDER BY __rid) AS __n
                        FROM {usable} u SEMI JOIN __repeated r ON {same})
                    WHERE __n > 1""")
            con.execute("DROP TABLE IF EXISTS __repeated")
        rows = con.execute("SELECT __why, count(*) FROM __bad GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
        result = LoadResult(table.name, reasons={r: n for r, n in rows})
        result.quarantined = sum(result.reasons.values())
        if result.quarantined:
            if raw_table and "__rid" in types:
                raw, join = "to_json(r)", f"JOIN {_q(raw_table)} r ON r.rowid = s.__rid"
            else:
                raw, join = quarantine_raw_sql(staged_cols, has_raw=has_raw), ""
            con.execute(
                f"""INSERT INTO {_q(QUARANTINE.name)} (source, entity, source_key, reason, raw, seen_at)
                SELECT {_lit(source)}, {_lit(table.name)}, {key_expr}, b.__why, {raw}, now()
                FROM {_q(src)} s JOIN __bad b ON s.rowid = b.__rid {join} ORDER BY b.__rid"""
            )
        if adopt and replace_all:
            result.loaded = _adopt(con, table, src, quarantined=result.quarantined)
            con.execute("DROP TABLE __bad")
            return result
        good = f"(SELECT * FROM {_q(src)} s ANTI JOIN __bad b ON s.rowid = b.__rid)" if result.quarantined else _q(src)
        if replace_all:
            con.execute(f"DELETE FROM {_q(table.name)}")
        elif table.merge_key and con.execute(f"SELECT EXISTS (SELECT 1 FROM {_q(table.name)})").fetchall()[0][0]:
            match = " AND ".join(
                f"t.{_q(k)} = c.{_q(k)}" if table.column(k).not_null else f"t.{_q(k)} IS NOT DISTINCT FROM c.{_q(k)}"
                for k in table.merge_key
            )
            # a key column that is not staged matches only NULL (e.g. plans without manager_id)
            con.execute(
                f"""DELETE FROM {_q(table.name)} t WHERE EXISTS (
                    SELECT 1 FROM (SELECT {", ".join(_c_or_null(k, staged_cols, table, types) for k in table.merge_key)}
                                   FROM {good} g) c WHERE {match})"""
            )
        names = ", ".join(_q(c.name) for c in present)
        values = ", ".join(f"{_cast(c, _q(c.name), types[c.name])}" for c in present)  # no-ops when adopted
        con.execute(f"INSERT INTO {_q(table.name)} ({names}) SELECT {values} FROM {good} g")
        total = con.execute(f"SELECT count(*) FROM {_q(src)}").fetchall()[0][0]
        result.loaded = total - result.quarantined
        con.execute("DROP TABLE __bad")
        if src != staging:
            con.execute(f"DROP TABLE {_q(src)}")
    return result


def duplicate_key_reason(key_cols: list[str]) -> str:
    """The quarantine reason of a later copy of a key among the rows of one load (the first copy loads)."""
    return f"duplicate key ({', '.join(key_cols)}) in this batch"


def repeated_key_hashes(con: duckdb.DuckDBPyConnection, rows: str, key: str) -> int:
    """How many rows of `rows` (a relation; `key` an expression over its alias `u`) have the same 64-bit
    hash of their key as the row before them in hash order: 0 proves that no key repeats. A parallel
    sort of the hashes and one pass over them (0.6 s for ten million sales) — cheaper than a hash table
    of every key (1.2 s), and it does not depend on the order the rows are stored in."""
    return con.execute(f"""SELECT count(*) FILTER (WHERE h = p) FROM (
        SELECT h, lag(h) OVER (ORDER BY h) AS p FROM (SELECT hash({key}) AS h FROM {rows} u))""").fetchall()[0][0]


def problem_sql(table: Table, types: dict[str, str], source: str = "the source") -> str:
    """The first reason each staged row cannot be used, as one SQL CASE over the staged columns
    (`types`: staged column → DuckDB type); NULL for a usable row. `__reason`, when staged, comes first.
    A column `table` requires but the staging lacks is a config error."""
    staged_cols = [n for n in types if not n.startswith("__")]
    needed = [c for c in table.columns if c.not_null and c.name not in staged_cols]
    if needed:
        names = ", ".join(c.name for c in needed)
        raise ConfigError(
            f"{source}: the rows mapped to `{table.name}` have no column {names}; "
            f"map a source column to it (columns given: {', '.join(staged_cols) or 'none'})"
        )
    checks: list[tuple[str, str]] = [("__reason IS NOT NULL", "__reason")] if "__reason" in types else []
    for col in table.columns:
        if col.name in staged_cols:
            checks.extend((cond, _lit(why)) for cond, why in _problems(col, col.name, types[col.name]))
    checks.extend((cond, _lit(why)) for cond, why in row_problems(table, types))
    return (
        "CASE " + " ".join(f"WHEN {cond} THEN {why}" for cond, why in checks) + " END"
        if checks
        else "CAST(NULL AS VARCHAR)"
    )


def row_problems(table: Table, types: dict[str, str]) -> list[tuple[str, str]]:
    """`table`'s rules over several columns (`Table.row_checks`) as (condition, reason) over the staged
    columns, each column read as its canonical type; a rule naming a column not staged is skipped. They
    come after the column checks, so a value that does not parse is named as such first."""
    out = []
    for cond, why in table.row_checks:
        names = [n for _, n, _, _ in string.Formatter().parse(cond) if n]
        if all(n in types for n in names):
            values = {n: f"({_cast(table.column(n), _q(n), types[n])})" for n in names}
            out.append((f"({cond.format(**values)})", why))
    return out


_PLACEHOLDER = {
    Kind.TEXT: "''",
    Kind.TIMESTAMPTZ: "make_timestamptz(0)",
    Kind.DATE: "DATE '1970-01-01'",
    Kind.BOOLEAN: "FALSE",
    Kind.JSON: "'null'",
}


def typed_columns_sql(table: Table, types: dict[str, str], *, placeholders: bool = False) -> str:
    """SELECT list giving every column of `table`, in its order and exact type, from staged columns
    (`types`: staged column → DuckDB type); a column not staged is NULL. A bad row's value may be NULL
    — or, with `placeholders`, a dummy value in NOT NULL columns, so the rows fit a table with the
    target's constraints (a usable row has a value there: `missing <column>` says so otherwise)."""

    def one(c: Column) -> str:
        if c.name not in types:
            return f"CAST(NULL AS {sql_type(c.kind)}) AS {_q(c.name)}"
        value = _cast(c, _q(c.name), types[c.name])
        if placeholders and c.not_null:
            value = f"COALESCE({value}, {_PLACEHOLDER.get(c.kind, '0')})"
        return f"{value} AS {_q(c.name)}"

    return ", ".join(one(c) for c in table.columns)


def _adopt(con: duckdb.DuckDBPyConnection, table: Table, staged: str, *, quarantined: int) -> int:
    """Make the staged table `table` (see `load_staged(adopt=)`): its bad rows out, its helper columns
    dropped, then swapped in by name. Returns the rows it keeps. (Columns first: a committed table that
    loses rows and then columns in one transaction fails to commit; the other way round it commits, and
    row ids stay.)"""
    cols = [r[0] for r in con.execute(f"DESCRIBE {_q(staged)}").fetchall()]
    if cols[: len(table.columns)] != list(table.names):
        raise AssertionError(f"adopting {staged}: columns {cols} do not start with {table.names}")
    for helper in cols[len(table.columns) :]:
        con.execute(f"ALTER TABLE {_q(staged)} DROP COLUMN {_q(helper)}")
    if quarantined:
        con.execute(f"DELETE FROM {_q(staged)} WHERE rowid IN (SELECT __rid FROM __bad)")
    con.execute(f"DROP TABLE {_q(table.name)}")
    con.execute(f"ALTER TABLE {_q(staged)} RENAME TO {_q(table.name)}")
    return con.execute(f"SELECT count(*) FROM {_q(table.name)}").fetchall()[0][0]


def _as_table(con: duckdb.DuckDBPyConnection, staging: str) -> str:
    """A table to read the staged rows from (row ids identify rows); a view is materialised once."""
    try:
        con.execute(f"SELECT rowid FROM {_q(staging)} LIMIT 0")
        return staging
    except duckdb.Error:
        con.execute(f"CREATE OR REPLACE TEMP TABLE __staged_rows AS SELECT * FROM {_q(staging)}")
        return "__staged_rows"


def _c_or_null(name: str, staged: list[str], table: Table, types: dict[str, str]) -> str:
    if name in staged:
        return f"{_cast(table.column(name), _q(name), types[name])} AS {_q(name)}"
    return f"NULL AS {_q(name)}"
