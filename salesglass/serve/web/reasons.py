"""Quarantine reasons in the page's language.

The loaders write a reason as English text (model/validate.py, sources/, link/overrides.py), some with a
column name or an id in it. Here each known shape of text gets a stable code, and the code a label in
English and Russian (serve/strings.py: `reason_<code>`, with the column's own label filled in). The raw
text is kept: the drill-down filters on it and shows it beside the label, and the exports carry both.
A text of no known shape is shown as written (a new reason stays readable until it gets its label).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

# code → the whole text, as the loaders write it; named groups are filled into the label
_SHAPES: dict[str, str] = {
    # model/validate.py: every canonical column's checks
    "missing": r"missing (?P<column>\w+)",
    "not_valid": r"bad (?P<column>\w+): not a valid (?P<kind>\w+)",
    # sources/platform/mapping.py: a text time another layout reads
    "not_valid_format": r'bad (?P<column>\w+): not a valid (?P<kind>\w+) \(format = "(?P<format>[^"]*)" reads it\)',
    "decimals": r"bad (?P<column>\w+): more than 2 decimal places",
    "too_large": r"bad (?P<column>\w+): too large a number for money",
    "not_allowed": r"unknown (?P<column>\w+) \(expected one of: (?P<allowed>.*)\)",
    "duplicate_key": r"duplicate key \((?P<columns>[\w, ]+)\) in this batch",
    # sources/platform/load.py: a key two inputs of one table give
    "also_read": r"duplicate key \((?P<columns>[\w, ]+)\): input '(?P<input>.+)' has it too \(its row is kept\)",
    "signs_disagree": re.escape(
        "tickets and turnover have opposite signs (a sale is positive in both, a refund negative in both)"
    ),
    # sources/platform/mapping.py
    "implausible_date": r"bad (?P<column>\w+): not a plausible date "
    r"\(before (?P<first>[\d-]+) or after (?P<last>\d+)\)",
    "future_date": r"bad (?P<column>\w+): in the future \(more than a day after it was read\)",
    # sources/platform/load.py
    "unreadable_line": r"unreadable line: (?P<error>.*)",
    "unknown_dev_manager": re.escape(
        "unknown development manager e-mail (no amoCRM user has it; loaded without a manager)"
    ),
    # sources/platform/plans.py
    "unknown_manager": re.escape("unknown manager (not an amoCRM user id, e-mail or name)"),
    "ambiguous_manager": re.escape("ambiguous manager (matches more than one amoCRM user)"),
    # sources/amocrm/mapping.py and field_values.py
    "status_gone": r"status (?P<status>\d+) of pipeline (?P<pipeline>\d+) does not exist in the account "
    r"\(deleted status\?\)",
    "pipeline_gone": r"pipeline (?P<pipeline>\d+) does not exist in the account \(deleted pipeline\?\)",
    "budget_unusable": re.escape(
        "budget is negative, not a number, or has more than 2 decimals (deal kept, budget unknown)"
    ),
    "created_implausible": re.escape(
        "created_at is before 2000 or in the future (deal kept, created at its first event or last update)"
    ),
    "closed_implausible": re.escape("closed_at is before 2000 or in the future (deal kept, close date unknown)"),
    "no_pipeline": re.escape("deleted before the first sync, and no status change tells its pipeline"),
    "enum_unknown": r"value of field «(?P<field>.*)» \((?P<field_id>\d+)\) is enum id (?P<enum>.+), not one of the "
    r"field's values, sent without its text \(deal kept, value unknown\)",
    "value_not_scalar": r"value of field «(?P<field>.*)» \((?P<field_id>\d+)\) is a list or an object, not one value "
    r"\(record kept, value unknown\)",
    "cold_unreadable": re.escape("cold flag is neither yes nor no (deal kept, is_cold unknown)"),
    "kind_both": re.escape("client kind values mean both organizer and operator (deal kept, client_kind unknown)"),
    "account_not_whole": re.escape("platform account id in a numeric field is not a whole number (kept empty)"),
    "inn_digits": re.escape("ИНН does not have 10 or 12 digits (kept empty)"),
    # link/overrides.py
    "override_deal_id": re.escape("override: deal_id is not an amoCRM lead id"),
    "override_two_partners": re.escape("override: the same deal is given more than one partner"),
    "override_unknown_deal": re.escape("override: unknown deal"),
    "override_unknown_partner": re.escape("override: unknown partner"),
    "override_rejects_its_partner": re.escape(
        "override: the same deal is given a partner and told it is not that partner"
    ),
}
SHAPES: dict[str, re.Pattern[str]] = {code: re.compile(text, re.DOTALL) for code, text in _SHAPES.items()}


# the kinds of line DuckDB's CSV reader rejects (its `error_type`, lowercased): each has a label
CSV_ERRORS = {
    f"csv_error_{e}"
    for e in (
        "invalid encoding",
        "too many columns",
        "missing columns",
        "unquoted value",
        "line size over maximum",
        "cast",
    )
}


def reason_code(text: str) -> tuple[str, dict[str, str]] | None:
    """The code of a reason text and the parts it names (column, kind, ids), or None when unknown."""
    for code, shape in SHAPES.items():
        m = shape.fullmatch(text)
        if m is not None:
            return code, m.groupdict()
    return None


def reason_label(t: Callable[..., str], text: str | None, pipelines: Mapping[int, str] | None = None) -> str:
    """The reason in the page's language (`t`: the page's translator); `pipelines` (id → name) names the
    pipeline a reason gives by id."""
    if not text:
        return ""
    found = reason_code(text)
    if found is None:
        return t(text)  # the data-quality checks' reasons have their own strings; anything else as written
    code, parts = found
    if "column" in parts:
        parts["column"] = t(parts["column"])
    if "error" in parts:  # DuckDB's kind of CSV error, lowercased (sources/platform/load.py)
        parts["error"] = (
            t(f"csv_error_{parts['error']}") if f"csv_error_{parts['error']}" in CSV_ERRORS else parts["error"]
        )
    if "kind" in parts:
        parts["kind"] = t(f"value_kind_{parts['kind']}")
    if parts.get("pipeline") and (name := (pipelines or {}).get(int(parts["pipeline"]))):
        cut = name if len(name) <= 60 else name[:59].rstrip() + "…"
        parts["pipeline"] = f"«{cut}» ({parts['pipeline']})"
    return t(f"reason_{code}", **parts)
