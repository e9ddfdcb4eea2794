"""Reading lists out of amoCRM, page by page, in ways that survive data changing underneath.

- Reference lists (users, custom fields, …) follow `_links.next` to the end: custom fields come 50
  per page by default, and a connector that reads one page silently loses the rest.
- Leads and companies are read by *keyset* on `updated_at`: every request asks again for
  `updated_at ≥ the last one seen`, ordered ascending. Page-number paging over a changing list skips
  records (an edit moves a record to the end and everything behind it slides one place forward);
  re-asking from the last seen `updated_at` cannot skip, it only re-reads the few records of that
  second (dropped here by id).
- Accounts without API filtering (`is_api_filter_enabled = false`; amoCRM ignores `filter[...]` there)
  read leads and companies *newest first* (`order[updated_at]=desc`) by page number and stop at the
  first page that reaches below the watermark: `newest_first`.
- Events are append-only and walked by `_links.next` from a `created_at` watermark (the events
  filter is not part of the alpha filtering, so it works on every account).
Each generator yields (records, watermark): the watermark is safe to store once those records are.

Latency: from Russia amoCRM answers in 200-600 ms, so one request at a time reaches only 1/latency
requests per second. Lists read by page number (events; leads and companies newest-first) keep up to
`[amocrm] in_flight` pages in flight (`by_page`) once their first page shows there is more; the keyset walk cannot
(each request needs the last one's answer), so the sync runs the streams side by side instead. The one
limiter of the client paces every send, whatever is in flight.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise

from salesglass.sources.amocrm.client import AmoClient

log = logging.getLogger("salesglass.amocrm")

LIST_LIMIT = 250
DEFAULT_PAGE = 50  # amoCRM's page size when no `limit` is asked for
EVENT_LIMIT = 100
LEAD_EVENT_TYPES = ("lead_added", "lead_status_changed", "lead_deleted", "lead_restored", "entity_responsible_changed")


def _items(page: dict | None, key: str) -> list[dict]:
    if not page:
        return []
    return list((page.get("_embedded") or {}).get(key) or [])


def _next(page: dict | None) -> str | None:
    return (((page or {}).get("_links") or {}).get("next") or {}).get("href")


def _more(page: dict | None, items: list[dict], limit: int) -> bool:
    """Is there a page after this one? amoCRM links a full page on; a full page whose `_links.next` is
    missing (seen on real accounts) is asked past anyway: one extra request, usually a 204, instead of
    silently losing the rest of the list."""
    return bool(items) and (bool(_next(page)) or len(items) >= limit)


def _page(client: AmoClient, path: str, params: dict, number: int) -> dict | None:
    """Page `number` of a list. A 204 for a page after a full one is asked for once more: amoCRM sometimes
    answers a slow filtered query with an empty 204 (SDK#510), and taking it at its word would end the walk
    there. A list that really ends on a full page costs one request more."""
    page = client.get(path, {**params, "page": number})
    if page is None and number > 1:
        page = client.get(path, {**params, "page": number})
    return page


def _ids(items: list[dict]) -> set:
    return {r.get("id") for r in items}


def all_pages(client: AmoClient, path: str, key: str, params: dict | None = None) -> Iterator[list[dict]]:
    """Every page of a list until one is empty (204) or the last one (no `_links.next`, not full).

    Pages are asked for by number rather than by following `_links.next`: the link is only trusted to say
    *whether* there is more. A link that points back at its own page (or a server that ignores `page`)
    would otherwise repeat one page for ever; a page holding only records already read ends the list."""
    params = dict(params or {})
    limit = int(params.get("limit") or DEFAULT_PAGE)
    seen: set = set()
    number = 1
    while True:
        page = _page(client, path, params, number)
        items = _items(page, key)
        if items and _ids(items) <= seen:
            log.warning("amoCRM sent page %d of %s again (a page that repeats itself); stopped there", number, path)
            return
        seen |= _ids(items)
        if items:
            yield items
        if not _more(page, items, limit):
            return
        number += 1


def by_page(
    client: AmoClient,
    path: str,
    key: str,
    params: dict,
    *,
    ahead: int | None = None,
    go_on: Callable[[list[dict]], bool] = lambda _items: True,
    walk: dict | None = None,
) -> Iterator[list[dict]]:
    """Pages 1, 2, … of a list by page number, in order, with up to `ahead` requests in flight (default:
    the client's `in_flight`; 1 = one page after the other).

    Page 1 goes alone (an incremental read usually ends there, and then costs one request); after a
    full page the next `ahead` are asked for at once and each answer asks for one more. Stops at the
    first page that is empty or links no further, or whose items `go_on` rejects; the few requests
    already sent past it are dropped unread (at most `ahead - 1` per list).

    `walk`, when given, gets `complete`: whether the list was surely read to its end (False when it stopped on
    an empty page, asked twice, after a page that linked on, or on a page repeating the one before it: amoCRM
    also links on from a full last page, so that may be the true end or a glitch that hid the rest).
    """
    width = ahead or client.settings.in_flight
    limit = int(params.get("limit") or DEFAULT_PAGE)
    previous: set = set()
    linked = False  # the page before linked on to another
    report = walk if walk is not None else {}
    report["complete"] = False

    def step(page: dict | None, items: list[dict]) -> tuple[list[dict], bool]:
        """(the items to yield, whether to ask past this page). A page that repeats the one before it (a
        server ignoring `page`) ends the list: it would otherwise be asked past for ever."""
        nonlocal previous, linked
        if items and _ids(items) == previous:
            log.warning("amoCRM sent the same page of %s twice; stopped there", path)
            return [], False
        previous = _ids(items)
        more = _more(page, items, limit) and go_on(items)
        report["complete"] = not more and (bool(items) or not linked)
        linked = bool(_next(page))
        return items, more

    page = client.get(path, {**params, "page": 1})
    items, more = step(page, _items(page, key))
    if items:
        yield items
    if not more:
        return
    if width <= 1:
        number = 1
        while True:
            number += 1
            page = _page(client, path, params, number)
            items, more = step(page, _items(page, key))
            if items:
                yield items
            if not more:
                return
    pool = ThreadPoolExecutor(max_workers=max(1, width), thread_name_prefix="amocrm-page")
    pending: deque[tuple[int, Future]] = deque()
    number = 1
    try:
        for _ in range(max(1, width)):
            number += 1
            pending.append((number, pool.submit(client.get, path, {**params, "page": number})))
        while pending:
            asked, future = pending.popleft()
            page = future.result()
            if page is None:  # after a full page: asked once more (`_page`); the pages past it stay unread
                page = client.get(path, {**params, "page": asked})
            items, more = step(page, _items(page, key))
            if items:
                yield items
            if not more:
                return
            number += 1
            pending.append((number, pool.submit(client.get, path, {**params, "page": number})))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def read_all(client: AmoClient, path: str, key: str, params: dict | None = None) -> list[dict]:
    return [r for items in all_pages(client, path, key, params) for r in items]


@dataclass
class AccountLists:
    """The account and the lists a mapping is resolved against (`resolve.resolve`)."""

    account: dict
    users: list[dict]
    pipelines: list[dict]  # each with its statuses
    lead_fields: list[dict]
    company_fields: list[dict]


def read_account_lists(client: AmoClient, account_with: str) -> AccountLists:
    """One after another, for the commands that look at an account once (`amocrm inspect`, `check`); the
    sync reads the same lists side by side. `account_with`: the account's `with` parameter."""
    return AccountLists(
        account=client.get("/api/v4/account", {"with": account_with}) or {},
        users=read_all(client, "/api/v4/users", "users", {"limit": 250}),
        pipelines=((client.get("/api/v4/leads/pipelines") or {}).get("_embedded") or {}).get("pipelines") or [],
        lead_fields=read_all(client, "/api/v4/leads/custom_fields", "custom_fields"),
        company_fields=read_all(client, "/api/v4/companies/custom_fields", "custom_fields"),
    )


def by_updated_at(
    client: AmoClient,
    kind: str,
    since: int,
    *,
    only_deleted: bool = False,
    limit: int | None = None,
    extra: dict | None = None,
    said: list[str] | None = None,
) -> Iterator[tuple[list[dict], int | None]]:
    """Records of `leads`/`companies` with updated_at ≥ since, oldest first, by keyset (see module doc).
    A page's watermark is None where it is not yet safe to keep (the `newest_first` fallback)."""
    limit = limit or LIST_LIMIT
    path = f"/api/v4/{kind}"
    base = {"order[updated_at]": "asc", "limit": limit, **(extra or {})}
    if only_deleted:
        base["with"] = ",".join(filter(None, [base.get("with"), "only_deleted"]))
    frm, seen_at_frm = since, set[int]()
    while True:
        page = client.get(path, {**base, "filter[updated_at][from]": frm, "page": 1})
        records = _items(page, kind)
        if any((r.get("updated_at") or 0) < frm for r in records):
            # the account ignored filter[updated_at] although it did not say so: the keyset would loop
            log.warning("amoCRM ignored filter[updated_at] on %s; reading newest-first instead", kind)
            yield from newest_first(client, kind, since, only_deleted=only_deleted, limit=limit, extra=extra, said=said)
            return
        fresh = [r for r in records if not ((r.get("updated_at") or 0) == frm and r["id"] in seen_at_frm)]
        last = max((r.get("updated_at") or 0 for r in records), default=frm)
        if len(records) < limit:
            if fresh:
                yield fresh, last
            return
        if last == frm:
            # a whole page shares one second: walk that second by page number, then go on after it
            if fresh:
                yield fresh, frm
            yield from _one_second(client, path, kind, base, frm, seen_at_frm | {r["id"] for r in records}, limit)
            frm, seen_at_frm = frm + 1, set()
            continue
        yield fresh, last
        seen_at_frm = {r["id"] for r in records if (r.get("updated_at") or 0) == last}
        frm = last


def newest_first(
    client: AmoClient,
    kind: str,
    since: int,
    *,
    only_deleted: bool = False,
    limit: int | None = None,
    extra: dict | None = None,
    said: list[str] | None = None,
) -> Iterator[tuple[list[dict], int | None]]:
    """Records of `leads`/`companies` with updated_at ≥ since, for accounts that ignore `filter[...]`.

    Pages the whole list newest-first and stops after the first page holding a record older than
    `since` (everything after it is older still). Page numbers over a changing list: an edit moves a
    record to the front (the records behind it shift back, so some are read twice — kept once by id;
    the edited record's new version is newer than the watermark, so the next sync reads it). The
    watermark comes with the last page only, and only when the walk surely got there (`by_page`'s `walk`):
    until then older records may be unread.
    """
    limit = limit or LIST_LIMIT
    path = f"/api/v4/{kind}"
    params = {"order[updated_at]": "desc", "limit": limit, **(extra or {})}
    if only_deleted:
        params["with"] = ",".join(filter(None, [params.get("with"), "only_deleted"]))
    seen: set[int] = set()
    pending: list[dict] = []
    newest = since

    def above_watermark(records: list[dict]) -> bool:  # a page reaching below it ends the walk
        return len(records) >= limit and not any((r.get("updated_at") or 0) < since for r in records)

    walk: dict = {}
    for records in by_page(client, path, kind, params, go_on=above_watermark, walk=walk):
        fresh = [r for r in records if (r.get("updated_at") or 0) >= since and r["id"] not in seen]
        if fresh:
            seen.update(r["id"] for r in fresh)
            newest = max(newest, *(r.get("updated_at") or 0 for r in fresh))
            if pending:
                yield pending, None
            pending = fresh
    if pending and not walk["complete"]:  # cut short (a 204 asked for twice): older records may be unread
        _cut_short(said, f"amoCRM's {kind} list{' (trash)' if only_deleted else ''}")
        yield pending, None
    elif pending:
        yield pending, newest


def _one_second(
    client: AmoClient, path: str, kind: str, base: dict, second: int, seen: set[int], limit: int
) -> Iterator[tuple[list[dict], int]]:
    params = {**base, "filter[updated_at][from]": second, "filter[updated_at][to]": second}
    page_no = 2
    while True:
        records = _items(client.get(path, {**params, "page": page_no}), kind)
        fresh = [r for r in records if r["id"] not in seen]
        seen.update(r["id"] for r in records)
        if fresh:
            yield fresh, second
        if len(records) < limit:
            return
        page_no += 1


def events_since(
    client: AmoClient, since: int, types: tuple[str, ...] = LEAD_EVENT_TYPES, said: list[str] | None = None
) -> Iterator[tuple[list[dict], int | None]]:
    """Lead events with created_at ≥ since. The watermark only covers what was read contiguously from
    `since`: it advances with each page once the pages are seen to come oldest-first (a later event after
    an earlier one, never the reverse: then everything older than a page's newest event has been read).
    Newest-first, or while the order cannot be told (every event of the same second), the pages read so
    far are the newest ones and older ones may still be unread: the watermark comes only when the walk
    surely reached the end of the list, never after a glitch (a 204 or an error) cut it short."""
    params = {
        "filter[entity][]": "lead",
        "filter[type]": ",".join(types),
        "filter[created_at][from]": since,
        "limit": EVENT_LIMIT,
    }
    order: str | None = None  # "asc" once a later event follows an earlier one; "mixed" after the reverse
    rising = False  # a later event followed an earlier one somewhere (the list is not newest-first)
    newest, prev = since, None
    oldest: int | None = None
    seen: set = set()
    walk: dict = {}
    for items in by_page(client, "/api/v4/events", "events", params, walk=walk):
        stamps = [e.get("created_at") or 0 for e in items]
        seq = ([prev] if prev is not None else []) + stamps
        rising = rising or any(b > a for a, b in pairwise(seq))
        if any(b < a for a, b in pairwise(seq)):
            order = "mixed"
        elif order is None and rising:
            order = "asc"
        prev = stamps[-1]
        newest = max(newest, *stamps)
        oldest = min(stamps) if oldest is None else min(oldest, *stamps)
        if order != "asc":
            seen.update(e.get("id") for e in items)
        yield items, (newest if order == "asc" else None)
    if order != "asc":
        if walk["complete"] or (not rising and _reached_the_end(client, params, oldest, seen)):
            yield [], newest
        else:
            _cut_short(said, "amoCRM's events list")


def _reached_the_end(client: AmoClient, params: dict, oldest: int | None, seen: set) -> bool:
    """Did a newest-first walk that ended on an empty answer after a linked page (amoCRM links on from a full
    last page, so that is how a list of a multiple of the page size ends — or a glitch that hid the rest)
    read everything from `since`? One question tells: the events no newer than the oldest one read. Nothing
    there but events already read, on a page that is not full, and the walk had reached the end; anything
    else (an unread event, a full page, an empty answer where events were read) leaves the watermark where it
    was, as before. One request, instead of reading the whole list again at the next sync."""
    if oldest is None:
        return False
    page = client.get("/api/v4/events", {**params, "filter[created_at][to]": oldest, "page": 1})
    items = _items(page, "events")
    return bool(items) and len(items) < int(params["limit"]) and {e.get("id") for e in items} <= seen


def _cut_short(said: list[str] | None, what: str) -> None:
    """Say that a newest-first walk ended early, in the log and in the sync's summary (`said`)."""
    text = (
        f"{what} (newest first) ended early (an empty answer where more was linked): its watermark stays, "
        "the next sync reads the older records again"
    )
    log.warning(text)
    if said is not None:
        said.append(text)


def one_by_one(client: AmoClient, ids: list[int]) -> list[dict]:
    """Live leads by id, one `GET /api/v4/leads/{id}` each: `by_ids` for accounts that ignore `filter[id]`
    (a deleted lead answers 204 or 404 and is simply absent; its `lead_deleted` event tells the deletion)."""
    return [lead for i in ids if (lead := client.get_one(f"/api/v4/leads/{int(i)}"))]


def by_ids(client: AmoClient, ids: list[int], *, only_deleted: bool = False) -> list[dict]:
    """Leads by id (webhook re-fetch), 50 ids per request."""
    out: list[dict] = []
    for start in range(0, len(ids), 50):
        chunk = ids[start : start + 50]
        params: list[tuple[str, object]] = [("filter[id][]", i) for i in chunk]
        params.append(("limit", LIST_LIMIT))
        if only_deleted:
            params.append(("with", "only_deleted"))
        page = client.get("/api/v4/leads", params)
        visited: set[str] = set()
        while True:
            out.extend(_items(page, "leads"))
            href = _next(page)
            if not href or not _items(page, "leads") or href in visited:  # a link back to a page read: the end
                break
            visited.add(href)
            page = client.get_url(href)
    return out
