"""The API v4 endpoints: query parameters in, HAL envelopes out (or 204 when a page is empty)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from salesglass.emulator.state import LeadQuery

if TYPE_CHECKING:
    from salesglass.emulator.server import Emulator

Result = tuple[int, Any, str]
HAL, PROBLEM = "application/hal+json", "application/problem+json"


def problem(status: int, title: str, detail: str, **extra: Any) -> Result:
    return (
        status,
        {"title": title, "type": f"https://httpstatus.es/{status}", "status": status, "detail": detail, **extra},
        PROBLEM,
    )


def link(base: str, path: str, query: list[tuple[str, str]], page: int) -> str:
    q = [(k, v) for k, v in query if k != "page"] + [("page", str(page))]
    return f"{base}{path}?{urlencode(q)}"


class BadRequest(Exception):
    pass


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"{name} must be an integer, got {value!r}") from None


def _paging(q: dict[str, list[str]], default: int, maximum: int) -> tuple[int, int]:
    page = _int(q.get("page", ["1"])[-1], "page")
    limit = _int(q.get("limit", [str(default)])[-1], "limit")
    if page < 1 or not 1 <= limit <= maximum:
        raise BadRequest(f"page must be ≥ 1 and limit between 1 and {maximum}")
    return page, limit


def _envelope(
    base: str,
    path: str,
    query: list[tuple[str, str]],
    key: str,
    items: list,
    page: int,
    limit: int,
    render: Any = copy.deepcopy,
) -> Result:
    chunk = [render(x) for x in items[(page - 1) * limit : page * limit]]
    if not chunk:
        return 204, None, HAL
    links = {"self": {"href": link(base, path, query, page)}}
    if len(chunk) == limit:  # like amoCRM: a full page links on, even if the next one turns out empty
        links["next"] = {"href": link(base, path, query, page + 1)}
    if page > 1:
        links["prev"] = {"href": link(base, path, query, page - 1)}
    return 200, {"_page": page, "_links": links, "_embedded": {key: chunk}}, HAL


def _multi(q: dict[str, list[str]], name: str) -> list[str]:
    """`filter[x][]=a&filter[x][]=b`, `filter[x][0]=a`, or `filter[x]=a,b`."""
    out: list[str] = []
    for k, values in q.items():
        if k == name or k == name + "[]" or (k.startswith(name + "[") and k[len(name) + 1 : -1].isdigit()):
            for v in values:
                out.extend(p for p in v.split(",") if p)
    return out


def _range(q: dict[str, list[str]], name: str) -> tuple[int | None, int | None]:
    lo, hi = q.get(f"{name}[from]"), q.get(f"{name}[to]")
    plain = q.get(name)
    if plain and "," in plain[-1]:
        a, b = plain[-1].split(",", 1)
        return _int(a, name), _int(b, name)
    if plain:
        v = _int(plain[-1], name)
        return v, v
    return (_int(lo[-1], name) if lo else None), (_int(hi[-1], name) if hi else None)


def route(emu: Emulator, method: str, path: str, query: list[tuple[str, str]], body: Any, base: str) -> Result:
    q: dict[str, list[str]] = {}
    for k, v in query:
        q.setdefault(k, []).append(v)
    try:
        return _route(emu, method, path, query, q, body, base)
    except BadRequest as exc:
        return problem(400, "Bad Request", str(exc))


def _route(
    emu: Emulator, method: str, path: str, query: list[tuple[str, str]], q: dict[str, list[str]], body: Any, base: str
) -> Result:
    st = emu.state
    with_ = {w for v in q.get("with", []) for w in v.split(",") if w}
    if method == "PATCH" and path == "/api/v4/leads":
        return _patch(emu, body, base)
    if method == "POST" and path == "/api/v4/leads/notes":
        return _notes(emu, body, base)
    if method != "GET":
        return problem(405, "Method Not Allowed", f"{method} {path}")
    if path == "/api/v4/account":
        acc = copy.deepcopy(st.account)
        emb = acc.pop("_embedded", {}) or {}
        acc["_embedded"] = {k: v for k, v in emb.items() if k in with_}
        if "is_api_filter_enabled" in with_:  # a top-level field, reported only when asked for
            acc["is_api_filter_enabled"] = emu.api_filter
        acc["_links"] = {"self": {"href": f"{base}/api/v4/account"}}
        return 200, acc, HAL
    if path == "/api/v4/users":
        page, limit = _paging(q, 50, 250)
        return _envelope(base, path, query, "users", st.users, page, limit)
    if path == "/api/v4/leads/pipelines":
        items = copy.deepcopy(st.pipelines)
        return (
            200,
            {
                "_total_items": len(items),
                "_links": {"self": {"href": f"{base}{path}"}},
                "_embedded": {"pipelines": items},
            },
            HAL,
        )
    if path == "/api/v4/leads/loss_reasons":
        page, limit = _paging(q, 50, 250)
        return _envelope(base, path, query, "loss_reasons", st.loss_reasons, page, limit)
    if path in ("/api/v4/leads/custom_fields", "/api/v4/companies/custom_fields"):
        page, limit = _paging(q, 50, 250)
        defs = st.lead_fields if path.startswith("/api/v4/leads") else st.company_fields
        items = sorted(defs, key=lambda d: (d.get("sort", 0), d["id"]))
        return _envelope(base, path, query, "custom_fields", items, page, limit)
    if path in ("/api/v4/leads", "/api/v4/companies"):
        return _list(emu, path, query, q, with_, base)
    if path.startswith("/api/v4/leads/") and path.rsplit("/", 1)[-1].isdigit():
        lead = st.leads.get(int(path.rsplit("/", 1)[-1]))
        if lead is None or lead.get("is_deleted"):
            return 204, None, HAL
        out = st.render("leads", lead)
        if "contacts" not in with_:  # like the list: linked contacts only with `with=contacts`
            out.get("_embedded", {}).pop("contacts", None)
        return 200, out, HAL
    if path == "/api/v4/events":
        return _events(emu, path, query, q, base)
    return problem(404, "Not Found", f"no endpoint {path}")


def _list(
    emu: Emulator, path: str, query: list[tuple[str, str]], q: dict[str, list[str]], with_: set[str], base: str
) -> Result:
    kind = "leads" if path == "/api/v4/leads" else "companies"
    page, limit = _paging(q, 50, 250)
    if not emu.api_filter:  # like an account without API filtering: filter[...] is silently ignored
        q = {k: v for k, v in q.items() if not k.startswith("filter[")}
    lo, hi = _range(q, "filter[updated_at]")
    order = [(k[6:-1], v[-1]) for k, v in q.items() if k.startswith("order[")]
    query_obj = LeadQuery(
        only_deleted="only_deleted" in with_,
        updated_from=lo,
        updated_to=hi,
        ids=[_int(i, "filter[id]") for i in _multi(q, "filter[id]")],
    )
    if order:
        query_obj.order_field, direction = order[0]
        query_obj.order_desc = direction.lower() == "desc"
    if kind == "leads" and not query_obj.only_deleted and emu.dice.should_mutate():
        # a user edits a lead the client has (probably) already paged past
        seen_before = lo if lo is not None else None
        emu.state.touch_lead(seen_before, emu.dice.rng)
    items = emu.state.select(kind, query_obj)

    def render(rec: dict) -> dict:
        out = emu.state.render(kind, rec)
        if kind == "leads" and "contacts" not in with_:
            out.get("_embedded", {}).pop("contacts", None)
        return out

    with emu.state.lock:  # a consistent page even while the account is being advanced
        return _envelope(base, path, query, kind, items, page, limit, render)


def _events(emu: Emulator, path: str, query: list[tuple[str, str]], q: dict[str, list[str]], base: str) -> Result:
    page, limit = _paging(q, 50, 100)
    lo, hi = _range(q, "filter[created_at]")
    ids = {_int(i, "filter[entity_id]") for i in _multi(q, "filter[entity_id]")}
    items = emu.state.select_events(
        types=set(_multi(q, "filter[type]")),
        entities=set(_multi(q, "filter[entity]")),
        created_from=lo,
        created_to=hi,
        entity_ids=ids,
    )
    if emu.events_order == "desc":
        items = items[::-1]
    with emu.state.lock:
        return _envelope(base, path, query, "events", items, page, limit)


def _patch(emu: Emulator, body: Any, base: str) -> Result:
    if not isinstance(body, list) or not body:
        return problem(400, "Bad Request", "expected a JSON array of leads")
    if len(body) > 50:
        return problem(400, "Bad Request", "at most 50 leads per request")
    if not all(isinstance(x, dict) for x in body):
        return problem(400, "Bad Request", "every item must be an object")
    done = emu.state.patch_leads(body)
    return _batch_answer(base, "/api/v4/leads", "leads", done, lambda r: f"/api/v4/leads/{r['id']}")


def _notes(emu: Emulator, body: Any, base: str) -> Result:
    if not isinstance(body, list) or not body:
        return problem(400, "Bad Request", "expected a JSON array of notes")
    if len(body) > 50 or not all(isinstance(x, dict) for x in body):
        return problem(400, "Bad Request", "at most 50 notes per request, each an object")
    done = emu.state.add_notes(body)
    return _batch_answer(
        base, "/api/v4/leads/notes", "notes", done, lambda r: f"/api/v4/leads/{r['entity_id']}/notes/{r['id']}"
    )


def _batch_answer(
    base: str, path: str, key: str, done: tuple[list[dict], list[dict]], href: Callable[[dict], str]
) -> Result:
    """amoCRM's answer to a batch write: 400 with every refused item's problems (nothing was written), or
    the written items, each with its own link."""
    results, errors = done
    if errors:
        return problem(400, "Bad Request", "Request validation failed", **{"validation-errors": errors})
    for r in results:
        r["_links"] = {"self": {"href": base + href(r)}}
    return 200, {"_links": {"self": {"href": base + path}}, "_embedded": {key: results}}, HAL
