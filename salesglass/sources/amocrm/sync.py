"""`salesglass sync`: amoCRM → raw layer → canonical tables, full or incremental.

Order: account, users, pipelines, custom fields and loss reasons (small, kept for an hour by an
incremental sync, which asks only whether the pipelines changed); the mapping is checked against them
before anything big is downloaded; then companies and leads (and their trash) by `updated_at`, lead
events by `created_at`, each page committed with its watermark; finally the leads and companies whose
raw records changed are mapped into the canonical tables in one transaction (all of them when what
shapes the mapping changed: changes.py).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from salesglass.plural import plural
from salesglass.sources.amocrm import changes, extract, store
from salesglass.sources.amocrm.client import AmoClient, client_from_config
from salesglass.sources.amocrm.errors import AmoCRMError
from salesglass.sources.amocrm.mapping import MapResult, build_canonical
from salesglass.sources.amocrm.progress import SyncProgress
from salesglass.sources.amocrm.resolve import Resolved, resolve
from salesglass.sql import transaction

log = logging.getLogger("salesglass.amocrm")
FALLBACK_NOTE = (
    "amoCRM API filtering is off for this account (is_api_filter_enabled = false): leads and "
    "companies are read newest-first (order[updated_at]=desc) down to the watermark"
)

STREAMS = (  # (stream = watermark name, kind, only_deleted, raw table)
    ("companies", "companies", False, "raw_amocrm_companies"),
    ("companies_deleted", "companies", True, "raw_amocrm_deleted_companies"),
    ("leads", "leads", False, "raw_amocrm_leads"),
    ("leads_deleted", "leads", True, "raw_amocrm_deleted_leads"),
)


@dataclass
class SyncSummary:
    """What a sync did; `render()` is the summary printed at the end."""

    mode: str = "incremental"
    fetched: dict[str, int] = field(default_factory=dict)
    loaded: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    timeouts: int = 0
    seconds: float = 0.0
    fetch_seconds: float = 0.0  # time spent downloading (the rest is mapping in the warehouse)
    send_rate: float = 0.0  # requests per second between the first and the last request
    timezone: str | None = None
    changed: bool = True  # False: nothing new in amoCRM, the canonical tables were left as they were
    reference_read: bool = False  # the reference lists were read (else the kept ones were young enough)
    note: str | None = None
    api_filter: bool = True  # the account's is_api_filter_enabled (False: the newest-first fallback ran)
    mapping: str = ""  # what the mapping into the canonical tables redid (only the changed records, or all)
    warnings: list[str] = field(default_factory=list)

    @property
    def request_rate(self) -> float:
        """Requests per second between the first and the last request (what amoCRM's limit sees)."""
        if self.send_rate:
            return self.send_rate
        took = self.fetch_seconds or self.seconds
        return self.requests / took if took else 0.0

    def render(self) -> str:
        lines = [
            f"amoCRM {self.mode} sync in {self.seconds:.1f}s: {self.requests} requests "
            f"({self.request_rate:.2f}/s while downloading), {self.retries} retries, {self.rate_limited} × 429, "
            f"{self.server_errors} × 5xx, {self.timeouts} timeouts",
            "fetched: " + ", ".join(f"{k}={v}" for k, v in self.fetched.items()),
            "loaded: " + ", ".join(f"{k}={v}" for k, v in self.loaded.items()),
        ]
        if self.mapping:
            lines.append(self.mapping)
        if any(self.quarantined.values()):
            lines.append(
                "quarantined: "
                + ", ".join(f"{k}={v}" for k, v in self.quarantined.items() if v)
                + " (see the quarantine table)"
            )
        if not self.api_filter:
            lines.append(f"note: {FALLBACK_NOTE}")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def run_sync(cfg: Any, *, full: bool = False, progress: bool = True) -> SyncSummary:
    """Sync the account in `cfg.amocrm` into `cfg.warehouse_path`; incremental unless `full` or first run."""
    from salesglass.warehouse import open_warehouse

    client = client_from_config(cfg.amocrm, cfg.base_dir)
    with client, open_warehouse(cfg.warehouse_path) as con:
        return sync_into(con, client, cfg.amocrm, full=full, progress=progress)


def sync_into(
    con: duckdb.DuckDBPyConnection, client: AmoClient, amo: Any, *, full: bool = False, progress: bool = True
) -> SyncSummary:
    """The sync itself, on an open warehouse and client (tests and the benchmark call this directly)."""
    started = time.monotonic()
    store.init_raw(con)
    store.warm_up(con)
    marks = {} if full else store.watermarks(con)
    summary = SyncSummary(mode="full" if full or not marks else "incremental")
    with SyncProgress(client, enabled=progress) as bar:
        cached = None if full else _cached_reference(con, amo, summary)
        if cached is not None and _pipelines_changed(client, con):
            summary.warnings.append("read the reference lists again: the account's pipelines changed")
            cached = None
        res, reference = cached or _reference(client, amo, summary, bar, _kept_pipelines(con))
        for stream in [s[0] for s in STREAMS] + ["events"]:
            summary.fetched[stream] = 0
        summary.api_filter = api_filter_enabled(reference["raw_amocrm_account"])
        if not summary.api_filter:
            log.info(FALLBACK_NOTE)
            bar.step("API filtering off: reading newest-first")
        streams = _streams(client, marks, amo.overlap_seconds, summary.api_filter, summary.warnings)
        pages = prefetch(*streams)  # downloads start …
        if cached is None:
            _store_reference(con, reference)  # … while the reference lists are written
        named = _Named()
        seen: dict[str, set[int]] = {stream: set() for stream, *_ in STREAMS}
        for stream, table, records, watermark in pages:
            store.commit_page(con, table, records, stream, watermark)
            summary.fetched[stream] += len(records)
            named.add(stream, records)
            if stream in seen:
                seen[stream].update(int(r["id"]) for r in records)
            bar.advance(stream, len(records))
        if summary.mode == "full" and summary.api_filter:
            _reconcile(con, seen, summary)
        if cached is not None and (unknown := named.unknown_to(con, res)):
            # a lead or company names a pipeline, status, user or field the kept lists lack: read them now
            summary.warnings.append(f"read the reference lists again: the new records name {unknown}")
            res, reference = _reference(client, amo, summary, bar)
            _store_reference(con, reference)
        summary.fetch_seconds = time.monotonic() - started
        bar.step("mapping to the canonical model")
        _map(con, res, summary, amo, force=full)
    _stats(summary, client, started)
    return summary


GONE = "listed by amoCRM neither live nor in the trash at a full sync"


def _reconcile(con: duckdb.DuckDBPyConnection, seen: dict[str, set[int]], summary: SyncSummary) -> None:
    """After a complete full read: a lead or company kept from an earlier sync that amoCRM now lists neither
    live nor in its trash (purged from the trash before a sync saw it there, its `lead_deleted` event unseen)
    gets a tombstone in the trash table, so it counts as deleted instead of staying a live ghost for ever.
    Only with API filtering: the keyset read cannot skip a record, the newest-first page walk can. A
    tombstone carries the last live `updated_at`, so a record amoCRM shows again with a later one is alive."""
    for kind in ("leads", "companies"):
        live, trash = seen[kind], seen[f"{kind}_deleted"]
        if live:  # a record listed live again loses an earlier tombstone, even with the same updated_at
            con.register("__live_ids", pa.table({"id": pa.array(sorted(live), pa.int64())}))
            try:
                with transaction(con):
                    con.execute(f"""DELETE FROM raw_amocrm_deleted_{kind} WHERE id IN (SELECT id FROM __live_ids)
                                    AND json_extract_string(data, '$.salesglass_note') IS NOT NULL""")
            finally:
                con.unregister("__live_ids")
        kept = con.execute(f"""SELECT l.id, l.updated_at FROM raw_amocrm_{kind} l
                               LEFT JOIN raw_amocrm_deleted_{kind} t USING (id)
                               WHERE t.id IS NULL OR t.updated_at < l.updated_at""").fetchall()  # not in the trash
        gone = [(i, u) for i, u in kept if i not in live and i not in trash]
        if not gone:
            continue
        with transaction(con):
            store.upsert(
                con,
                f"raw_amocrm_deleted_{kind}",
                [{"id": i, "updated_at": u, "is_deleted": True, "salesglass_note": GONE} for i, u in gone],
            )
        one = {"leads": "lead", "companies": "company"}[kind]
        summary.warnings.append(f"{len(gone)} {plural(len(gone), one, kind)} {GONE}: counted as deleted")


def _config_key(amo: Any) -> str:
    """What of the configuration decides the mapping (stages, fields, roles…); secrets never enter it."""
    import hashlib

    mapping = {"pipelines", "stages", "won_stage", "fields", "roles", "timezone"}  # not the connection
    dump = amo.model_dump_json(include=mapping) if hasattr(amo, "model_dump_json") else repr(amo)
    return hashlib.sha256(dump.encode()).hexdigest()


def _map(con: duckdb.DuckDBPyConnection, res: Resolved, summary: SyncSummary, amo: Any, *, force: bool) -> None:
    """Bring the canonical tables up to the raw layer: nothing when the raw layer took in nothing new since
    the last mapping and the mapping key is the same; only the changed leads and companies when just
    they changed; everything when the key changed (config, reference lists, code) or `force`."""
    from salesglass.warehouse import note_change

    changes.init(con)
    key, mark = changes.mapping_key(con, res, _config_key(amo)), store.raw_mark(con)
    state = store.mapped_state(con)
    if not force and state == (key, mark):
        summary.changed = False
        summary.note = "amoCRM: nothing new or changed since the last sync"
        return
    full = force or state is None or state[0] != key
    try:
        if not full:
            leads, companies = changes.stage_scope(con)
            summary.mapping = f"mapped again: {leads:,} changed leads, {companies:,} changed companies"
        else:
            why = "asked for" if force else "first mapping" if state is None else "the mapping's inputs changed"
            summary.mapping = f"mapped every lead and company ({why})"
        with transaction(con):
            mapped = build_canonical(con, res, only_changed=not full, own_transaction=False)
            changes.remember(con, full=full)
            store.save_mapped_state(con, key, mark, own_transaction=False)
    finally:
        changes.drop_scope(con)
    _finish(summary, mapped, res)
    note_change(con, "amocrm")


def refetch_leads(cfg: Any, lead_ids: list[int]) -> SyncSummary:
    """Re-read these leads (and their events) now — what a webhook triggers — and rebuild the canonical tables.

    Uses the account's reference lists from the last full/incremental sync, read again when the leads name
    a status, user or field they lack; watermarks are untouched.
    """
    from salesglass.warehouse import open_warehouse

    started = time.monotonic()
    client = client_from_config(cfg.amocrm, cfg.base_dir)
    summary = SyncSummary(mode="refetch")
    ids = sorted({int(i) for i in lead_ids})
    with client, open_warehouse(cfg.warehouse_path) as con:
        store.init_raw(con)
        res = resolve(cfg.amocrm, **reference_from_raw(con))
        summary.api_filter = api_filter_enabled(con.execute("SELECT data FROM raw_amocrm_account").fetchall())
        if summary.api_filter:
            live = extract.by_ids(client, ids)
            missing = sorted(set(ids) - {r["id"] for r in live})
            gone = extract.by_ids(client, missing, only_deleted=True) if missing else []
        else:  # filter[id] would be ignored: one request per lead; deletions come from the events below
            live, gone = extract.one_by_one(client, ids), []
        named = _Named()
        named.add("leads", live)
        if unknown := named.unknown_to(con, res):
            # a card dragged into a status made since the last sync (or a new field, user): the lists the last
            # sync kept lack it, and the deal would lose its stage until the next sync read them
            summary.warnings.append(f"read the reference lists again: the re-read leads name {unknown}")
            with SyncProgress(client, enabled=False) as bar:
                res, reference = _reference(client, cfg.amocrm, summary, bar, _kept_pipelines(con))
            _store_reference(con, reference)
        events: list[dict] = []
        for start in range(0, len(ids), 10):  # amoCRM: at most 10 entity ids per events filter
            params = {
                "filter[entity][]": "lead",
                "filter[entity_id][]": ids[start : start + 10],
                "filter[type]": ",".join(extract.LEAD_EVENT_TYPES),
                "limit": extract.EVENT_LIMIT,
            }
            events += extract.read_all(client, "/api/v4/events", "events", params)
        with transaction(con):
            store.upsert(con, "raw_amocrm_leads", live)
            store.upsert(con, "raw_amocrm_deleted_leads", gone)
            store.upsert(con, "raw_amocrm_events", events)
        summary.fetched = {"leads": len(live), "leads_deleted": len(gone), "events": len(events)}
        _map(con, res, summary, cfg.amocrm, force=False)
    _stats(summary, client, started)
    return summary


# The reference lists (account, users, pipelines with their statuses, custom fields, loss reasons) change
# rarely, and reading them costs six requests of the rate limit every run. An incremental sync uses the
# lists the last read stored while they are younger than this; it reads them again at once when a new
# lead or company names an id they lack (a new status, user or field), and a full sync always does.
# The pipelines alone are asked for at every sync (one request): a pipeline renamed, added, archived or
# deleted, or a status renamed, reads the lists again, so the dashboard shows the new names after the next sync.
REFERENCE_MAX_AGE_SECONDS = 3600.0
_REFERENCE_READ = "reference_lists"  # the sync-state row whose watermark is when they were last read


def _cached_reference(
    con: duckdb.DuckDBPyConnection, amo: Any, summary: SyncSummary
) -> tuple[Resolved, dict[str, list[dict]]] | None:
    """The stored reference lists, resolved against the config, when they are fresh enough (else None)."""
    from salesglass.errors import ConfigError

    read_at = store.watermarks(con).get(_REFERENCE_READ)
    if read_at is None or time.time() - read_at > REFERENCE_MAX_AGE_SECONDS:
        return None
    stored = reference_from_raw(con)
    accounts = [json.loads(r[0]) for r in con.execute("SELECT data FROM raw_amocrm_account").fetchall()]
    if not stored["pipelines"] or not accounts:
        return None
    try:
        res = resolve(amo, **stored)
    except ConfigError:  # the config names something the kept lists lack: read them afresh
        return None
    account = accounts[0]
    summary.timezone = amo.timezone or ((account.get("_embedded") or {}).get("datetime_settings") or {}).get("timezone")
    return res, {"raw_amocrm_account": accounts}


_GLITCH = (
    "amoCRM answered {path} with no {what} (HTTP 204 or an empty list), which a working account never does "
    "(it always has at least one). The sync stopped without changing the warehouse; run it again later."
)


def _never_empty(what: str, page: dict | None) -> list[dict]:
    """The `_embedded` list of an answer that can never be empty on a working account (its pipelines, its
    users): an empty one is a glitch, and taking it at its word would mark every pipeline deleted and every
    manager inactive."""
    items = ((page or {}).get("_embedded") or {}).get(what) or []
    if not items:
        path = "/api/v4/leads/pipelines" if what == "pipelines" else f"/api/v4/{what}"
        raise AmoCRMError(_GLITCH.format(what=what, path=path))
    return items


def _pipelines_changed(client: AmoClient, con: duckdb.DuckDBPyConnection) -> bool:
    """Do the account's pipelines (with their statuses) differ from the kept ones? One request."""
    now = _never_empty("pipelines", client.get("/api/v4/leads/pipelines"))
    return _kept_pipelines(con) != sorted(now, key=lambda p: p["id"])


class _Named:
    """The reference ids the records of this sync name: pipelines/statuses, users, custom fields."""

    def __init__(self) -> None:
        self.statuses: set[tuple[int, int]] = set()
        self.users: set[int] = set()
        self.lead_fields: set[int] = set()
        self.company_fields: set[int] = set()

    def add(self, stream: str, records: list[dict]) -> None:
        if stream not in ("leads", "companies"):
            return
        fields = self.lead_fields if stream == "leads" else self.company_fields
        for r in records:
            if stream == "leads" and r.get("pipeline_id") and r.get("status_id"):
                self.statuses.add((int(r["pipeline_id"]), int(r["status_id"])))
            if r.get("responsible_user_id"):
                self.users.add(int(r["responsible_user_id"]))
            for value in r.get("custom_fields_values") or []:
                if isinstance(value, dict) and value.get("field_id") is not None:
                    fields.add(int(value["field_id"]))

    def unknown_to(self, con: duckdb.DuckDBPyConnection, res: Resolved) -> str:
        """What of it the stored lists lack, in words ("" when nothing)."""

        def ids(table: str) -> set[int]:
            return {r[0] for r in con.execute(f"SELECT id FROM {table}").fetchall()}

        missing: dict[tuple[str, str], set[Any]] = {
            ("status", "statuses"): self.statuses - res.known_statuses,
            ("user", "users"): self.users - ids("raw_amocrm_users"),
            ("lead field", "lead fields"): self.lead_fields - ids("raw_amocrm_lead_fields"),
            ("company field", "company fields"): self.company_fields - ids("raw_amocrm_company_fields"),
        }
        return ", ".join(f"{len(v)} unknown {plural(len(v), *k)}" for k, v in missing.items() if v)


def _kept_pipelines(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The pipelines (with their statuses) as the last sync read them."""
    return [json.loads(r[0]) for r in con.execute("SELECT data FROM raw_amocrm_pipelines ORDER BY id").fetchall()]


def _reference(
    client: AmoClient, amo: Any, summary: SyncSummary, bar: SyncProgress, before: list[dict] | None = None
) -> tuple[Resolved, dict[str, list[dict]]]:
    summary.reference_read = True
    bar.step("account, users, pipelines, custom fields")
    # the account alone first: a ban page or a rejected token shows before anything else is sent
    account = client.get("/api/v4/account", {"with": "datetime_settings,users_groups,is_api_filter_enabled"}) or {}
    with ThreadPoolExecutor(max_workers=5, thread_name_prefix="amocrm-reference") as pool:
        # then five small lists side by side, so their latency is paid about once
        asked_pipelines = pool.submit(client.get, "/api/v4/leads/pipelines")
        asked = {
            "users": pool.submit(extract.read_all, client, "/api/v4/users", "users", {"limit": 250}),
            "lead_fields": pool.submit(
                extract.read_all, client, "/api/v4/leads/custom_fields", "custom_fields"
            ),  # 50 a page
            "company_fields": pool.submit(extract.read_all, client, "/api/v4/companies/custom_fields", "custom_fields"),
            "loss_reasons": pool.submit(extract.read_all, client, "/api/v4/leads/loss_reasons", "loss_reasons"),
        }
        got = {name: future.result() for name, future in asked.items()}
        pipelines_page = asked_pipelines.result() or {}
    users, lead_fields = _never_empty("users", {"_embedded": {"users": got["users"]}}), got["lead_fields"]
    pipelines = _never_empty("pipelines", pipelines_page)
    if not account.get("id"):
        raise AmoCRMError(_GLITCH.format(what="account", path="/api/v4/account"))
    company_fields, loss_reasons = got["company_fields"], got["loss_reasons"]
    res = resolve(
        amo,
        pipelines=pipelines,
        lead_fields=lead_fields,
        company_fields=company_fields,
        users=users,
        groups=_groups(account, users),
        before=before,
    )
    summary.fetched.update(
        users=len(users), pipelines=len(pipelines), lead_fields=len(lead_fields), company_fields=len(company_fields)
    )
    summary.timezone = amo.timezone or ((account.get("_embedded") or {}).get("datetime_settings") or {}).get("timezone")
    return res, {
        "raw_amocrm_account": [account] if account else [],
        "raw_amocrm_users": users,
        "raw_amocrm_pipelines": pipelines,
        "raw_amocrm_lead_fields": lead_fields,
        "raw_amocrm_company_fields": company_fields,
        "raw_amocrm_loss_reasons": loss_reasons,
    }


def _store_reference(con: duckdb.DuckDBPyConnection, reference: dict[str, list[dict]]) -> bool:
    """The small lists as they are now, replaced together in one transaction (a list equal to the stored
    one is left alone), and when they were read; whether any changed."""
    with transaction(con):
        changed = any([store.replace_all(con, table, rows) for table, rows in reference.items()])
        store.set_watermark(con, _REFERENCE_READ, int(time.time()), 0)
    return changed


def api_filter_enabled(accounts: list) -> bool:
    """Does the account apply `filter[...]` to its lists? Only an explicit false says no (an account
    that does not report it is taken at its word by the filtered path, which still checks the pages)."""
    for account in accounts:
        data = json.loads(account[0]) if isinstance(account, tuple) else account
        if isinstance(data, dict) and data.get("is_api_filter_enabled") is False:
            return False
    return True


def _groups(account: dict, users: list[dict]) -> list[dict]:
    groups = list(((account.get("_embedded") or {}).get("users_groups")) or [])
    known = {g["id"] for g in groups}
    for u in users:  # groups the account listing did not name still resolve by id
        gid = (u.get("rights") or {}).get("group_id")
        if gid is not None and gid not in known:
            groups.append({"id": gid, "name": str(gid)})
            known.add(gid)
    return groups


def reference_from_raw(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict]]:
    """The reference lists stored by the last sync, in the shape `resolve` takes."""

    def rows(table: str) -> list[dict]:
        return [json.loads(r[0]) for r in con.execute(f"SELECT data FROM {table} ORDER BY id").fetchall()]

    account = rows("raw_amocrm_account")
    users = rows("raw_amocrm_users")
    return {
        "pipelines": rows("raw_amocrm_pipelines"),
        "lead_fields": rows("raw_amocrm_lead_fields"),
        "company_fields": rows("raw_amocrm_company_fields"),
        "users": users,
        "groups": _groups(account[0] if account else {}, users),
    }


def prefetch(*streams: Iterator[Any], depth: int = 8) -> Iterator[Any]:
    """Download every stream in a thread of its own while the caller writes what came, so writing never
    eats into the request budget and one stream's latency does not idle the others. Pages of different
    streams interleave; each stream's own pages keep their order, so every watermark still follows its
    page. An error in any stream stops them all and is raised here."""
    done = object()
    box: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: Any) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce(pages: Iterator[Any]) -> None:
        try:
            for item in pages:
                if not offer(item):
                    return
            offer(done)
        except BaseException as exc:  # handed to the consumer, raised there
            offer(exc)
        finally:
            close = getattr(pages, "close", None)
            if close is not None:
                close()  # a stream stopped half-way cancels the pages it had asked for

    workers = [
        threading.Thread(target=produce, args=(s,), name=f"amocrm-fetch-{i}", daemon=True)
        for i, s in enumerate(streams)
    ]
    for w in workers:
        w.start()
    running = len(workers)
    try:
        while running:
            item = box.get()
            if item is done:
                running -= 1
                continue
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        for w in workers:
            w.join(timeout=30)


def _streams(
    client: AmoClient, marks: dict[str, int], overlap: int, api_filter: bool = True, said: list[str] | None = None
) -> list[Iterator[tuple[str, str, list[dict], Any]]]:
    """One generator per stream, each giving its pages in order as (stream, raw table, records, watermark),
    from its watermark less the overlap (from the start on a first or full sync). They run side by side
    (`prefetch`): a keyset walk has one request in flight, so several streams keep the budget busy at any
    latency. Without API filtering, lists are read newest-first."""
    read = extract.by_updated_at if api_filter else extract.newest_first

    def since(stream: str) -> int:
        return max(0, marks[stream] - overlap) if stream in marks else 0

    def stream_of(stream: str, kind: str, deleted: bool, table: str) -> Iterator[tuple[str, str, list[dict], Any]]:
        for records, watermark in read(client, kind, since(stream), only_deleted=deleted, said=said):
            yield stream, table, records, watermark

    def events() -> Iterator[tuple[str, str, list[dict], Any]]:
        for records, watermark in extract.events_since(client, since("events"), said=said):
            yield "events", "raw_amocrm_events", records, watermark

    return [events(), *(stream_of(*s) for s in STREAMS)]


def _finish(summary: SyncSummary, mapped: MapResult, res: Resolved) -> None:
    summary.loaded.update(mapped.loaded)
    summary.quarantined.update(mapped.quarantined)
    if mapped.unreadable_fields:
        summary.warnings.append(
            f"{mapped.unreadable_fields} custom field {plural(mapped.unreadable_fields, 'value')} could not be read: "
            "the deals and companies are loaded with those fields empty (reasons in the quarantine table)"
        )
    if res.unmapped:
        summary.warnings.append(
            "statuses without a stage rule count as `lead`: "
            + "; ".join(res.unmapped[:10])
            + (" …" if len(res.unmapped) > 10 else "")
        )


def _stats(summary: SyncSummary, client: AmoClient, started: float) -> None:
    s = client.stats
    summary.requests, summary.retries, summary.rate_limited = s.requests, s.retries, s.rate_limited
    summary.server_errors, summary.timeouts = s.server_errors, s.timeouts
    summary.seconds = time.monotonic() - started
    if s.last_send > s.first_send and s.requests > 1:  # sends are what the limit counts
        summary.send_rate = (s.requests - 1) / (s.last_send - s.first_send)
