"""How a mapped custom field's values are read, whatever its type in the account (set-based SQL).

Real accounts keep the same fact in different field types: the client kind as a select, a radiobutton
or a multiselect; the cold flag as a checkbox (`true`/`false`, sometimes `"1"`/`"0"`) or a select
«Да»/«Нет»; the platform account id as text or as a number (sent as `"12345"`, `12345` or `"12345.0"`);
the ИНН typed with spaces, a leading apostrophe (pasted from a spreadsheet) or in a numeric field that
dropped its leading zero. A value may come as an enum id without its text. Each reader below turns
these into the canonical value; a value that cannot be read becomes NULL and a *note* (a quarantine
row with the reason, the record itself is kept and loaded), so nothing is guessed and nothing is lost.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from salesglass.model.inn import INN_DIGITS as INN_DIGITS  # (its records' note, read by mapping.py)
from salesglass.model.inn import inn_digits_sql, inn_value_sql
from salesglass.sql import quote_lit

YES = ("true", "1", "да", "д", "yes", "y", "on", "+")
NO = ("false", "0", "нет", "н", "no", "n", "off", "-", "")

COLD_UNREADABLE = "cold flag is neither yes nor no (deal kept, is_cold unknown)"
KIND_BOTH = "client kind values mean both organizer and operator (deal kept, client_kind unknown)"
ACCOUNT_NOT_WHOLE = "platform account id in a numeric field is not a whole number (kept empty)"
FIELDS_NOT_A_LIST = "custom fields or their values are not a list (those values not read, deal kept)"
# a value sent as an enum id alone, an id the field does not list (an option deleted, or a glitch)
ENUM_UNKNOWN = (
    "value of field «{field}» ({field_id}) is enum id {enum}, not one of the field's values, "
    "sent without its text (deal kept, value unknown)"
)
# a value that is a JSON object, or a list of several (or of lists), where amoCRM sends one text or number
VALUE_NOT_SCALAR = (
    "value of field «{field}» ({field_id}) is a list or an object, not one value (record kept, value unknown)"
)


def _list(values: tuple[str, ...] | set[str]) -> str:
    return "[" + ", ".join(quote_lit(v) for v in sorted(values)) + "]::VARCHAR[]"


def register_enums(con: duckdb.DuckDBPyConnection, enum_values: dict[tuple[int, int], str]) -> None:
    """(field id, enum id) → enum value, so a value sent as an enum id alone still has its text."""
    con.register(
        "__amo_enums",
        pa.table(
            {
                "field_id": pa.array([k[0] for k in enum_values], pa.int64()),
                "enum_id": pa.array([k[1] for k in enum_values], pa.int64()),
                "enum_value": pa.array(list(enum_values.values()), pa.string()),
            }
        ),
    )


def _json_list(json_sql: str) -> str:
    """A JSON value as a list of JSON values when it is an array, else no values: a record whose custom fields
    (or a field whose values) came as an object or a string loads without them (noted: `FIELDS_NOT_A_LIST`)."""
    return f"CASE WHEN json_type({json_sql}) = 'ARRAY' THEN CAST({json_sql} AS JSON[]) END"


def fields_not_a_list(data_sql: str) -> str:
    """The check for `FIELDS_NOT_A_LIST` on a raw record `data_sql`."""
    odd = "['OBJECT', 'VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE', 'BOOLEAN']"
    return (
        f"(json_type({data_sql}->'$.custom_fields_values') NOT IN ('ARRAY', 'NULL') OR "
        f"list_has_any(json_type({data_sql}, '$.custom_fields_values[*].values'), {odd}))"
    )


def _nested(x: str) -> str:
    """The value of the value entry `x` is a JSON list or object, not a text or a number."""
    return f"coalesce(json_type({x}, '$.value') IN ('ARRAY', 'OBJECT'), FALSE)"


def _one_in_a_list(x: str) -> str:
    """The value of `x` is a list of one text or number (`["12345"]`, an integration's wrapping): read as it."""
    return (
        f"(json_type({x}, '$.value') = 'ARRAY' AND json_array_length({x}, '$.value') = 1 "
        f"AND json_type({x}, '$.value[0]') NOT IN ('ARRAY', 'OBJECT', 'NULL'))"
    )


def pivot_sql(entity: str, table: str, fields: dict[str, int | None]) -> str:
    """One row per record with each mapped field as `<name>` (its first value, text), `<name>_enum`
    (the first enum id, text), `<name>_values` / `<name>_enums` (every value of a multiselect, lower-cased
    and trimmed / every enum id), `<name>_lost` (the enum ids sent without a text that the field does not
    list either: no value can be read from them), `<name>_odd` (how many values are a JSON object or a list
    of other than one text or number: not read, rather than their JSON text taken for the value; a list of
    one is read as its item) and `<name>_n` (how many values it has)."""
    cols = []
    for name, fid in fields.items():
        where = f"FILTER (WHERE field_id = {fid if fid is not None else -1})"
        cols.append(
            f"arg_min(value, pos) {where} AS {name}, arg_min(enum_id, pos) {where} AS {name}_enum, "
            f"list(lower(trim(value)) ORDER BY pos) {where} AS {name}_values, "
            f"list(enum_id ORDER BY pos) {where} AS {name}_enums, "
            f"list(enum_id ORDER BY pos) FILTER (WHERE field_id = {fid if fid is not None else -1} "
            f"AND value IS NULL AND enum_id IS NOT NULL) AS {name}_lost, "
            f"count(pos) FILTER (WHERE field_id = {fid if fid is not None else -1} AND odd) AS {name}_odd, "
            f"count(pos) {where} AS {name}_n"
        )
    ids = ", ".join(str(int(f)) for f in fields.values() if f is not None) or "NULL"
    return f"""CREATE OR REPLACE TEMP TABLE __amo_{entity}_cf AS
        SELECT r.id AS id, {", ".join(cols)}
        FROM (SELECT id FROM {table}) r LEFT JOIN (
            SELECT v.id, v.field_id, v.pos, coalesce(v.value, e.enum_value) AS value, v.enum_id, v.odd
            FROM (SELECT r.id, CAST(f->>'$.field_id' AS BIGINT) AS field_id, n AS pos,
                         CASE WHEN NOT {_nested("x")} THEN x->>'$.value'
                              WHEN {_one_in_a_list("x")} THEN x->>'$.value[0]' END AS value,
                         {_nested("x")} AND NOT {_one_in_a_list("x")}
                           AND CAST(x->'$.value' AS VARCHAR) <> '[]' AS odd,
                         x->>'$.enum_id' AS enum_id
                  FROM {table} r, unnest({_json_list("r.data->'$.custom_fields_values'")}) u(f),
                       unnest({_json_list("f->'$.values'")}) WITH ORDINALITY w(x, n)
                  WHERE CAST(f->>'$.field_id' AS BIGINT) IN ({ids})) v
            LEFT JOIN __amo_enums e ON e.field_id = v.field_id AND e.enum_id = TRY_CAST(v.enum_id AS BIGINT)
        ) v USING (id)
        GROUP BY r.id"""


def lost_enum_notes_sql(col: str, field_name: str, field_id: int) -> str:
    """The notes (`ENUM_UNKNOWN`, one per id) for the enum ids of `col` that no text could be found for."""
    head, tail = ENUM_UNKNOWN.format(field=field_name, field_id=field_id, enum="\0").split("\0")
    return f"list_transform(coalesce({col}_lost, []::VARCHAR[]), e -> {quote_lit(head)} || e || {quote_lit(tail)})"


def odd_value_notes_sql(col: str, field_name: str, field_id: int) -> str:
    """The note (`VALUE_NOT_SCALAR`) when a value of `col` was a JSON list or object (`<col>_odd`)."""
    note = quote_lit(VALUE_NOT_SCALAR.format(field=field_name, field_id=field_id))
    return f"CASE WHEN coalesce({col}_odd, 0) > 0 THEN [{note}] ELSE []::VARCHAR[] END"


def cold_sql(col: str) -> tuple[str, str]:
    """(value, unreadable) for the cold flag `col`: a checkbox or a yes/no select; absent = warm."""
    text = f"lower(trim({col}))"
    value = (
        f"CASE WHEN {col} IS NULL THEN FALSE WHEN {text} IN {tuple(YES)} THEN TRUE "
        f"WHEN {text} IN {tuple(NO)} THEN FALSE END"
    )
    return value, f"({col} IS NOT NULL AND {text} NOT IN {tuple(YES + NO)})"


def kind_sql(col: str, organizer: set[str], operator: set[str]) -> tuple[str, str]:
    """(value, both) for the client kind `col` of any enum type: every value of a multiselect is looked
    at, by its text or its enum id. A value listed as neither kind (e.g. «Другое») gives NULL, as the
    user chose; values that mean both kinds are contradictory: NULL and a note."""

    def hit(values: set[str]) -> str:
        return f"(list_has_any({col}_values, {_list(values)}) OR list_has_any({col}_enums, {_list(values)}))"

    org, ops = hit(organizer), hit(operator)
    value = f"CASE WHEN {org} AND NOT {ops} THEN 'organizer' WHEN {ops} AND NOT {org} THEN 'operator' END"
    return value, f"({org} AND {ops})"


def account_id_sql(col: str, field_type: str | None) -> tuple[str, str]:
    """(value, unreadable) for a platform account id: trimmed, a spreadsheet's leading apostrophe dropped;
    from a numeric field, a whole number as digits ("12345.0" → "12345")."""
    clean = f"nullif(regexp_replace(trim({col}), '^''+', ''), '')"
    if field_type != "numeric":
        return clean, "FALSE"
    digits = f"replace(replace({clean}, ' ', ''), chr(160), '')"
    whole = f"regexp_full_match({digits}, '[0-9]+([.,]0+)?')"
    value = f"CASE WHEN {whole} THEN regexp_replace({digits}, '[.,]0+$', '') END"
    return value, f"({clean} IS NOT NULL AND NOT coalesce({whole}, FALSE))"


def inn_sql(col: str) -> tuple[str, str]:
    """(value, unreadable) for an ИНН, read as the platform reads it (model/inn.py): digits only (spaces,
    dashes, a leading apostrophe go); 9 or 11 digits get back the leading zero a number field or a
    spreadsheet dropped only when the ИНН's check digits then agree (a padded typo is no ИНН); other
    lengths → NULL."""
    digits = f"coalesce({inn_digits_sql(col)}, '')"  # an ИНН+КПП in one field keeps the ИНН (model/inn.py)
    value = inn_value_sql(digits)
    return value, f"(length({digits}) > 0 AND ({value}) IS NULL)"


def notes_sql(checks: list[tuple[str, str]]) -> str:
    """A list of the reasons (constant texts) whose check holds, for one record."""
    if not checks:
        return "[]::VARCHAR[]"
    parts = ", ".join(f"CASE WHEN coalesce({check}, FALSE) THEN '{reason}' END" for reason, check in checks)
    return f"list_filter([{parts}], r -> r IS NOT NULL)"
