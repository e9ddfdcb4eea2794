"""Moving the emulated company forward in time: new leads, stage moves, edits, deletions.

Deterministic: the same snapshot, seed and sequence of calls give the same account. Used by tests of
incremental sync, by the benchmark (change 1% of leads) and by the demo's live mode.
"""

from __future__ import annotations

import copy
import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from salesglass.emulator.state import AccountState

WON, LOST = 142, 143


def _open_statuses(state: AccountState) -> dict[int, list[int]]:
    """Per live pipeline: its regular status ids in funnel order (no incoming, won or lost)."""
    out = {}
    for p in state.pipelines:
        if p.get("is_archive"):
            continue
        sts = sorted(p.get("_embedded", {}).get("statuses", []), key=lambda s: (s.get("sort", 0), s["id"]))
        out[p["id"]] = [s["id"] for s in sts if s["id"] not in (WON, LOST) and s.get("type", 0) != 1]
    return out


def advance(
    state: AccountState,
    *,
    seconds: int = 86400,
    change_fraction: float = 0.01,
    changes: int | None = None,
    seed: int | None = None,
) -> dict:
    """Spread `changes` (default: `change_fraction` of live leads, at least 1) over the next `seconds`.

    Mix: 50% stage moves (often to won/lost at the end of the funnel), 20% new leads, 20% edits of the
    budget or the responsible user, 10% deletions. Returns counts, the touched lead ids and, in order,
    each change as [webhook action, lead id] (the action amoCRM's webhook would name: emulator/webhooks.py).
    """
    rng = random.Random(f"{state.seed}:{state.advances}" if seed is None else seed)
    state.advances += 1
    live = sorted(i for i, r in state.leads.items() if not r.get("is_deleted"))
    n = changes if changes is not None else max(1, round(change_fraction * len(live)))
    statuses = _open_statuses(state)
    users = sorted(u["id"] for u in state.users if u.get("rights", {}).get("is_active", True)) or [0]
    start = state.now
    times = sorted(start + 1 + rng.randrange(max(1, seconds - 1)) for _ in range(n))
    done = {"moved": 0, "added": 0, "edited": 0, "deleted": 0}
    touched: list[int] = []
    actions: list[list] = []

    def open_lead(i: int) -> bool:
        lead = state.leads[i]
        return not lead.get("is_deleted") and lead["pipeline_id"] in statuses and lead["status_id"] not in (WON, LOST)

    movable = [i for i in live if open_lead(i)]  # pruned lazily as leads close or go to the trash
    for at in times:
        at = max(at, state.now + 1)
        state.now = at
        by = rng.choice(users)
        roll = rng.random()
        pick = None
        while roll < 0.5 and movable and pick is None:
            k = rng.randrange(len(movable))
            if open_lead(movable[k]):
                pick = movable[k]
            else:
                movable[k] = movable[-1]
                movable.pop()
        if pick is not None:
            lead = state.leads[pick]
            path = statuses[lead["pipeline_id"]]
            pos = path.index(lead["status_id"]) if lead["status_id"] in path else -1
            if pos + 1 >= len(path) or rng.random() < 0.15:
                target = WON if rng.random() < 0.6 else LOST
            else:
                target = path[pos + 1]
            state.move_lead(lead, lead["pipeline_id"], target, at, by)
            done["moved"] += 1
            action = "status"
        elif roll < 0.7 or not live:
            lead = _new_lead(state, rng, at, by, statuses)
            live.append(lead["id"])
            movable.append(lead["id"])
            done["added"] += 1
            action = "add"
        elif roll < 0.9:
            lead = state.leads[rng.choice(live)]
            if lead.get("is_deleted"):
                continue
            if rng.random() < 0.5:
                action = "update"
                old = lead.get("price") or 0
                lead["price"] = old + rng.randrange(1, 50) * 1000
                state.add_event(
                    "sale_field_changed",
                    lead["id"],
                    at,
                    by,
                    [{"sale_field_value": {"sale": old}}],
                    [{"sale_field_value": {"sale": lead["price"]}}],
                )
            else:
                action = "responsible"
                old = lead.get("responsible_user_id")
                lead["responsible_user_id"] = rng.choice(users)
                state.add_event(
                    "entity_responsible_changed",
                    lead["id"],
                    at,
                    by,
                    [{"responsible_user": {"id": old}}],
                    [{"responsible_user": {"id": lead["responsible_user_id"]}}],
                )
            lead["updated_at"], lead["updated_by"] = at, by
            done["edited"] += 1
        else:
            lead = state.leads[rng.choice(live)]
            if lead.get("is_deleted"):
                continue
            state.delete_lead(lead, at, by)
            done["deleted"] += 1
            action = "delete"
        touched.append(lead["id"])
        actions.append([action, lead["id"]])
    state.now = max(state.now, start + seconds)
    return {**done, "lead_ids": sorted(set(touched)), "actions": actions, "now": state.now}


def _new_lead(state: AccountState, rng: random.Random, at: int, by: int, statuses: dict[int, list[int]]) -> dict:
    """A new lead shaped like an existing one (its custom fields and company), in the main pipeline."""
    main = next((p["id"] for p in state.pipelines if p.get("is_main") and p["id"] in statuses), next(iter(statuses), 0))
    first = (statuses.get(main) or [0])[0]
    template = state.leads[rng.choice(sorted(state.leads))] if state.leads else {}
    lead_id = max(state.leads, default=0) + 1
    lead = {
        "id": lead_id,
        "name": f"Новая сделка {lead_id}",
        "price": rng.randrange(0, 100) * 10000,
        "responsible_user_id": by,
        "group_id": 0,
        "status_id": first,
        "pipeline_id": main,
        "loss_reason_id": None,
        "created_by": by,
        "updated_by": by,
        "created_at": at,
        "updated_at": at,
        "closed_at": None,
        "closest_task_at": None,
        "is_deleted": False,
        "custom_fields_values": copy.deepcopy(template.get("custom_fields_values")),
        "score": None,
        "account_id": state.account_id,
        "labor_cost": None,
        "_links": {"self": {"href": f"/api/v4/leads/{lead_id}"}},
        "_embedded": {"tags": [], "companies": copy.deepcopy(template.get("_embedded", {}).get("companies", []))},
    }
    state.leads[lead_id] = lead
    state.add_event("lead_added", lead_id, at, by, [], [{"lead_status": {"id": first, "pipeline_id": main}}])
    return lead
