"""The emulated account: a simulated company's amoCRM snapshot held in memory, queried and changed.

The HTTP layer (`server.py`) only parses requests and renders envelopes; every rule about which
records a query returns, and how a write changes the account, lives here so tests can inspect and
drive the account directly (`handle.state`). All methods take the one lock: the server is threaded.
"""

from __future__ import annotations

import bisect
import copy
import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WON, LOST = 142, 143


# the lead fields a PATCH may carry (amoCRM answers NotSupported for any other)
_PATCHABLE = frozenset(
    {
        "id",
        "name",
        "price",
        "status_id",
        "pipeline_id",
        "responsible_user_id",
        "loss_reason_id",
        "request_id",
        "updated_by",
    }
)


def _batch_errors(items: list[dict], problems_of: Callable[[dict], list[dict]]) -> list[dict]:
    """amoCRM checks a whole batch before it changes anything: the problems of each refused item, under its
    request_id (its place in the batch when it has none)."""
    errors = []
    for n, item in enumerate(items):
        if problems := problems_of(item):
            errors.append({"request_id": str(item.get("request_id", n)), "errors": problems})
    return errors


def _read_json(path: Path, default: Any) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else default


def _read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@dataclass
class LeadQuery:
    """The parts of `GET /api/v4/leads` (or companies) that select and order records."""

    only_deleted: bool = False
    updated_from: int | None = None
    updated_to: int | None = None
    ids: list[int] = field(default_factory=list)
    order_field: str = "id"
    order_desc: bool = False


class AccountState:
    """One amoCRM account in memory. `now` is the account's clock (unix seconds), moved by writes and `advance`."""

    def __init__(self, company_dir: Path, *, seed: int = 0) -> None:
        amo = Path(company_dir) / "amocrm"
        if not amo.is_dir():
            raise FileNotFoundError(f"{amo} does not exist: expected a simulated company folder with amocrm/")
        self.lock = threading.RLock()
        self.seed = seed
        self.account: dict = _read_json(amo / "account.json", {})
        self.users: list[dict] = _read_json(amo / "users.json", [])
        self.pipelines: list[dict] = _read_json(amo / "pipelines.json", [])
        self.lead_fields: list[dict] = _read_json(amo / "leads_custom_fields.json", [])
        self.company_fields: list[dict] = _read_json(amo / "companies_custom_fields.json", [])
        self.loss_reasons: list[dict] = _read_json(amo / "loss_reasons.json", [])
        self.oauth: dict = _read_json(amo / "oauth.json", {})
        self.leads: dict[int, dict] = {r["id"]: r for r in _read_jsonl(amo / "leads.jsonl")}
        self.companies: dict[int, dict] = {r["id"]: r for r in _read_jsonl(amo / "companies.jsonl")}
        self.events: list[dict] = _read_jsonl(amo / "events.jsonl")
        self.account_id = self.account.get("id", 0)
        # when a record was moved to the trash (served as its updated_at under only_deleted)
        self.deleted_at: dict[int, int] = {}
        for e in self.events:
            if e.get("type") == "lead_deleted":
                self.deleted_at[e["entity_id"]] = e["created_at"]
        stamps = [r.get("updated_at") or 0 for r in self.leads.values()]
        stamps += [e.get("created_at") or 0 for e in self.events]
        stamps += [r.get("updated_at") or 0 for r in self.companies.values()]
        self.now: int = max(stamps, default=0) + 1
        self.event_seq = 0
        self.notes: list[dict] = []  # notes added through the API (write-back leaves one per moved deal)
        self.advances = 0
        self._order_cache: dict[tuple, tuple] = {}
        # filtered event lists by query (a client pages through one list; rescanning 100k events per page
        # made the emulator, not the connector, what bounded a sync)
        self._event_cache: dict[tuple, tuple] = {}
        self.events.sort(key=lambda e: (e.get("created_at") or 0, str(e.get("id"))))

    # ---- clock ---------------------------------------------------------------------------------
    def tick(self) -> int:
        """A new, strictly later timestamp for a write (so updated_at orders every change)."""
        self.now += 1
        return self.now

    # ---- reads ---------------------------------------------------------------------------------
    def status_ids(self) -> set[tuple[int, int]]:
        return {(p["id"], s["id"]) for p in self.pipelines for s in p.get("_embedded", {}).get("statuses", [])}

    def select(self, kind: str, q: LeadQuery) -> list[dict]:
        """Records of `leads` or `companies` matching the query, ordered; deleted ones only with only_deleted.

        The stored records themselves: render (copy) only the page you serve."""
        with self.lock:
            if not q.ids and q.order_field == "updated_at":
                # the connector's queries: answered from a cached order by bisection (big accounts stay fast)
                ordered, stamps = self._by_updated_at(kind, q.only_deleted)
                lo = 0 if q.updated_from is None else bisect.bisect_left(stamps, q.updated_from)
                hi = len(stamps) if q.updated_to is None else bisect.bisect_right(stamps, q.updated_to)
                return ordered[lo:hi][::-1] if q.order_desc else ordered[lo:hi]
            table = self.leads if kind == "leads" else self.companies
            wanted = set(q.ids)
            out = []
            for rec in table.values():
                if bool(rec.get("is_deleted")) != q.only_deleted:
                    continue
                if wanted and rec["id"] not in wanted:
                    continue
                upd = self._served_updated_at(kind, rec)
                if q.updated_from is not None and upd < q.updated_from:
                    continue
                if q.updated_to is not None and upd > q.updated_to:
                    continue
                out.append(rec)
            key = q.order_field if q.order_field in ("id", "updated_at", "created_at") else "id"
            if key == "updated_at":
                out.sort(key=lambda r: (self._served_updated_at(kind, r), r["id"]), reverse=q.order_desc)
            else:
                out.sort(key=lambda r: (r.get(key) or 0, r["id"]), reverse=q.order_desc)
            return out

    def _by_updated_at(self, kind: str, only_deleted: bool) -> tuple[list[dict], list[int]]:
        """Records ordered by (served updated_at, id), rebuilt only after the account changed (`now` moves
        with every write and every advance)."""
        table = self.leads if kind == "leads" else self.companies
        key = (kind, only_deleted)
        version = (self.now, len(table), len(self.deleted_at))
        cached = self._order_cache.get(key)
        if cached is None or cached[0] != version:
            recs = sorted(
                (r for r in table.values() if bool(r.get("is_deleted")) == only_deleted),
                key=lambda r: (self._served_updated_at(kind, r), r["id"]),
            )
            cached = (version, recs, [self._served_updated_at(kind, r) for r in recs])
            self._order_cache[key] = cached
        return cached[1], cached[2]

    def _served_updated_at(self, kind: str, rec: dict) -> int:
        if rec.get("is_deleted") and kind == "leads":
            return max(rec.get("updated_at") or 0, self.deleted_at.get(rec["id"], 0))
        return rec.get("updated_at") or 0

    def render(self, kind: str, rec: dict) -> dict:
        """A record as the API shows it: deleted ones stripped to what amoCRM keeps (id, updated_at, …)."""
        if not rec.get("is_deleted"):
            return copy.deepcopy(rec)
        blank: dict[str, Any] = {k: None for k in rec if k not in ("_links", "_embedded")}
        blank.update(
            id=rec["id"],
            updated_at=self._served_updated_at(kind, rec),
            updated_by=rec.get("updated_by"),
            is_deleted=True,
            account_id=rec.get("account_id", self.account_id),
        )
        blank["_links"] = rec.get("_links", {})
        blank["_embedded"] = {"tags": [], "companies": []} if kind == "leads" else {"tags": []}
        return blank

    def select_events(
        self,
        *,
        types: set[str],
        entities: set[str],
        created_from: int | None,
        created_to: int | None,
        entity_ids: set[int],
    ) -> list[dict]:
        key = (frozenset(types), frozenset(entities), created_from, created_to, frozenset(entity_ids))
        with self.lock:
            version = (len(self.events), self.event_seq)
            cached = self._event_cache.get(key)
            if cached is not None and cached[0] == version:  # the next page of the same list: no rescan
                return cached[1]
            out = []
            start = (
                0
                if created_from is None
                else bisect.bisect_left(self.events, created_from, key=lambda e: e["created_at"])
            )
            for e in itertools.islice(self.events, start, None):
                if created_to is not None and e["created_at"] > created_to:
                    break
                if types and e["type"] not in types:
                    continue
                if entities and e.get("entity_type") not in entities:
                    continue
                if entity_ids and e.get("entity_id") not in entity_ids:
                    continue
                out.append(e)
            if len(self._event_cache) >= 16:
                self._event_cache.clear()
            self._event_cache[key] = (version, out)
            return out  # stored events (shared with the cache): copy the page you serve, never change it

    # ---- writes --------------------------------------------------------------------------------
    def add_event(
        self, typ: str, lead_id: int, at: int, by: int, before: list | None = None, after: list | None = None
    ) -> dict:
        self.event_seq += 1
        ev = {
            "id": f"01emu{self.seed:04d}{at:011d}{self.event_seq:08d}",
            "type": typ,
            "entity_id": lead_id,
            "entity_type": "lead",
            "created_by": by,
            "created_at": at,
            "value_after": after or [],
            "value_before": before or [],
            "account_id": self.account_id,
            "_links": {},
            "_embedded": {},
        }
        if self.events and self.events[-1]["created_at"] > at:  # keep the list ordered by time
            bisect.insort(self.events, ev, key=lambda e: (e["created_at"], str(e["id"])))
        else:
            self.events.append(ev)
        return ev

    def move_lead(self, lead: dict, pipeline_id: int, status_id: int, at: int, by: int) -> None:
        """Change a lead's status, with the event and closed_at amoCRM records."""
        before = [{"lead_status": {"id": lead["status_id"], "pipeline_id": lead["pipeline_id"]}}]
        after = [{"lead_status": {"id": status_id, "pipeline_id": pipeline_id}}]
        lead["pipeline_id"], lead["status_id"] = pipeline_id, status_id
        if status_id in (WON, LOST):
            lead["closed_at"] = at
        lead["updated_at"] = at
        lead["updated_by"] = by
        self.add_event("lead_status_changed", lead["id"], at, by, before, after)

    def delete_lead(self, lead: dict, at: int, by: int) -> None:
        lead["is_deleted"] = True
        self.deleted_at[lead["id"]] = at
        self.add_event("lead_deleted", lead["id"], at, by)

    def patch_leads(self, items: list[dict]) -> tuple[list[dict], list[dict]]:
        """Apply a PATCH batch. Returns (results, validation errors); nothing changes if any item is invalid."""
        valid_status = self.status_ids()
        with self.lock:
            errors = _batch_errors(items, lambda item: self._patch_problems(item, valid_status))
            if errors:
                return [], errors
            results = []
            for n, item in enumerate(items):
                lead = self.leads[item["id"]]
                at = self.tick()
                by = item.get("updated_by", 0)
                pid = item.get("pipeline_id", lead["pipeline_id"])
                sid = item.get("status_id", lead["status_id"])
                if (pid, sid) != (lead["pipeline_id"], lead["status_id"]):
                    self.move_lead(lead, pid, sid, at, by)
                for key in ("name", "price", "responsible_user_id", "loss_reason_id"):
                    if key in item:
                        lead[key] = item[key]
                lead["updated_at"], lead["updated_by"] = at, by
                results.append(
                    {
                        "id": lead["id"],
                        "updated_at": at,
                        "request_id": str(item.get("request_id", n)),
                        "_links": {"self": {"href": f"/api/v4/leads/{lead['id']}"}},
                    }
                )
            return results, []

    def _patch_problems(self, item: dict, valid_status: set[tuple[int, int]]) -> list[dict]:
        """What amoCRM refuses in one lead of a PATCH batch: a missing lead, a field it does not take, a
        pipeline and status that do not go together."""
        problems: list[dict] = []
        lead = self._named_lead(item, "id", problems)
        for key in item:
            if key not in _PATCHABLE:
                problems.append({"code": "NotSupported", "path": key, "detail": "Field is not supported"})
        if lead is not None and ("status_id" in item or "pipeline_id" in item):
            pid = item.get("pipeline_id", lead["pipeline_id"])
            sid = item.get("status_id", lead["status_id"])
            if (pid, sid) not in valid_status:
                problems.append(
                    {
                        "code": "NotSupportedChoice",
                        "path": "status_id",
                        "detail": "The value you selected is not a valid choice.",
                    }
                )
        return problems

    def _named_lead(self, item: dict, key: str, problems: list[dict]) -> dict | None:
        """The lead `item[key]` names (None when there is none); a missing or deleted one adds amoCRM's
        NotFound to `problems`."""
        lead_id = item.get(key)
        lead = self.leads.get(lead_id) if isinstance(lead_id, int) else None
        if lead is None or lead.get("is_deleted"):
            problems.append({"code": "NotFound", "path": key, "detail": "Lead not found"})
        return lead

    def add_notes(self, items: list[dict]) -> tuple[list[dict], list[dict]]:
        """`POST /api/v4/leads/notes`: common notes on existing leads. Returns (results, validation errors);
        nothing is added if any item is invalid. Notes are not idempotent: a repeat adds them again."""
        with self.lock:
            errors = _batch_errors(items, self._note_problems)
            if errors:
                return [], errors
            results = []
            for n, item in enumerate(items):
                note = {
                    "id": len(self.notes) + 1,
                    "entity_id": item["entity_id"],
                    "note_type": "common",
                    "params": {"text": item["params"]["text"]},
                    "created_at": self.tick(),
                    "created_by": item.get("created_by", 0),
                    "account_id": self.account_id,
                }
                self.notes.append(note)
                results.append(
                    {"id": note["id"], "entity_id": note["entity_id"], "request_id": str(item.get("request_id", n))}
                )
            return results, []

    def _note_problems(self, item: dict) -> list[dict]:
        """What the emulator refuses in one note of a batch: a missing lead, a note other than a common one
        with a text."""
        problems: list[dict] = []
        self._named_lead(item, "entity_id", problems)
        if item.get("note_type") != "common":
            problems.append(
                {"code": "NotSupportedChoice", "path": "note_type", "detail": "only common notes are emulated"}
            )
        if not isinstance((item.get("params") or {}).get("text"), str):
            problems.append({"code": "NotBlank", "path": "params.text", "detail": "text is required"})
        return problems

    def touch_lead(self, exclude_after: int | None = None, rng: Any = None) -> int | None:
        """Edit one live lead now (a user typing while a client pages); prefers one already served."""
        with self.lock:
            live = sorted((r for r in self.leads.values() if not r.get("is_deleted")), key=lambda r: r["id"])
            if exclude_after is not None:
                served = [r for r in live if (r.get("updated_at") or 0) <= exclude_after]
                live = served or live
            if not live:
                return None
            lead = live[(rng.randrange(len(live)) if rng else 0)]
            lead["price"] = (lead.get("price") or 0) + 1
            lead["updated_at"] = self.tick()
            return lead["id"]

    def advance(self, **kwargs: Any) -> dict:
        """Move the company forward in time (see `advance.advance`)."""
        from salesglass.emulator.advance import advance

        with self.lock:
            return advance(self, **kwargs)
