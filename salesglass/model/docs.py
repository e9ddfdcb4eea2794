"""Render `docs/model.md` from the schema definition (a test keeps the committed page in step)."""

from __future__ import annotations

from salesglass.model.ddl import sql_type
from salesglass.model.schema import CANONICAL, STAGES


def render() -> str:
    out = [
        "# The canonical model",
        "",
        "Generated from `salesglass/model/schema.py` by `salesglass model-docs`; do not edit by hand.",
        "Every source maps into these tables and every report reads only them (see spec/model.md).",
        "Timestamps are stored in UTC; calendar periods are taken in the account time zone.",
        "Money is `DECIMAL(18,2)` in the account currency. `NULL` means unknown, never zero.",
        "",
    ]
    for t in CANONICAL:
        out += [f"## {t.name}", "", t.doc, "", "| column | type | key | required | meaning |", "|---|---|---|---|---|"]
        for c in t.columns:
            meaning = c.doc + (f" (one of: {', '.join(f'`{a}`' for a in c.allowed)})" if c.allowed else "")
            out.append(f"| {c.name} | {sql_type(c.kind)} | {'yes' if c.key else ''} | "
                       f"{'yes' if c.not_null else ''} | {meaning} |")
        out += [""] + [f"{n}" for n in t.notes] + ([""] if t.notes else [])
    out += ["## Funnel stages", "", "| order | stage |", "|---|---|"]
    out += [f"| {i} | `{s}` |" for i, s in enumerate(STAGES, 1)]
    return "\n".join(out) + "\n"
