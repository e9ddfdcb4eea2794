"""Render `docs/model.md` from the schema definition (a test keeps the committed page in step)."""

from __future__ import annotations

from salesglass.model.ddl import sql_type
from salesglass.model.schema import CANONICAL, STAGES


def render() -> str:
    out = [
        "# The canonical model",
        "",
        "Generated from `salesglass/model/schema.py` by `salesglass model-docs`; do not edit by hand.",
        "Every source maps into these tables and every report reads only them: their columns and meanings are",
        "a contract that the reports, BI users and tests rely on (a table may gain columns).",
        "",
        "- Timestamps are `TIMESTAMPTZ`, stored in UTC. Calendar periods (day, week from Monday, month, quarter,",
        "  year) are taken in the account time zone: `[account] timezone`, else the amoCRM account's own, else",
        "  `Europe/Moscow`.",
        "- Money is `DECIMAL(18,2)` in the account currency, never a float. Margin = revenue − cost.",
        "- amoCRM ids are integers; platform ids are text, as the back-office writes them.",
        "- `NULL` means unknown, never zero.",
        "- A partner's `first_sale_at` is derived, not loaded: its earliest sale with tickets > 0.",
        "",
    ]
    for t in CANONICAL:
        out += [f"## {t.name}", "", t.doc, "", "| column | type | key | required | meaning |", "|---|---|---|---|---|"]
        for c in t.columns:
            meaning = c.doc + (f" (one of: {', '.join(f'`{a}`' for a in c.allowed)})" if c.allowed else "")
            out.append(
                f"| {c.name} | {sql_type(c.kind)} | {'yes' if c.key else ''} | "
                f"{'yes' if c.not_null else ''} | {meaning} |"
            )
        out += [""] + [f"{n}" for n in t.notes] + ([""] if t.notes else [])
    out += ["## Funnel stages", "", "| order | stage |", "|---|---|"]
    out += [f"| {i} | `{s}` |" for i, s in enumerate(STAGES, 1)]
    out += ["", *STAGE_RULES]
    return "\n".join(out) + "\n"


STAGE_RULES = """\
How a deal reaches a stage:

- `lead` when it is created; `negotiation` and `proposal` when amoCRM moves it to a status the
  `[amocrm]` mapping assigns to them; `contract_signed`, `widget_installed` and `first_sale` the same
  way, or by the linked partner's platform milestone (`contract_signed_at`, `widget_installed_at`,
  `first_sale_at`); `first_sale` also when the deal is won (status 142).
- A lost deal (status 143) is not at a stage: it ends there (`deals.is_lost`).
- Stages only move forward: reaching a stage means having passed every earlier one. A stage's own time
  is the earlier of its amoCRM time and its platform time; its `reached_at` is the earliest own time of
  that stage *or any later one* (a widget installed before the contract was signed means the contract
  was signed then too), and `source` says where that time came from (`implied`: from a later stage).
- A deal cannot reach a stage before it exists: a partner's milestone counts for a deal only when it is
  at or after the deal's creation (a deal opened after the partner's first sale reaches `first_sale`
  when amoCRM moves it to won).
- The stages between `lead` and `contract_signed` come from the config; the names `lead`,
  `contract_signed`, `widget_installed` and `first_sale` are fixed.""".splitlines()
