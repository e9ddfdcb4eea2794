"""Assemble the amoCRM snapshot (which deals exist, who owns them, hand-overs, deletions) and write it.

Ids are given in creation order, like a real account; events are sorted by (created_at, id) with
ULID-like string ids. Each lead's snapshot (status, responsible, closed_at, updated_at) is derived from
its own events, which is what makes the snapshot and the history agree.
"""

from __future__ import annotations

from array import array
from pathlib import Path

import numpy as np

from salesglass.private_files import create_private
from salesglass.simulate import crm_setup as S
from salesglass.simulate.common import DAY, dump_json, event_id, json_line
from salesglass.simulate.crm import Crm, Deal, office_hours
from salesglass.simulate.partners import NONE, Partners
from salesglass.simulate.scales import Scale
from salesglass.simulate.staff import Staff


def build_deals(
    rng: np.random.Generator,
    scale: Scale,
    staff: Staff,
    p: Partners,
    first_sale: np.ndarray,
    first_vendor_sale: np.ndarray,
    start: int,
    end: int,
) -> Crm:
    crm = Crm(rng, staff, p, start, end)
    for i in range(1, p.n):  # 0 is the support account: no deal
        fs = first_vendor_sale[i] if p.role[i] == "agent" else first_sale[i]
        fs_or_none = int(fs) if fs != NONE else None
        if p.sales_sourced[i]:
            crm.partner_deal(i, fs_or_none)
        elif fs_or_none is not None and p.role[i] == "org" and rng.random() < 0.1:
            crm.retro_deal(i, fs_or_none)
    dev_candidates = [i for i in range(1, p.n) if p.account_manager[i] != NONE and first_sale[i] != NONE]
    n_dev = round(scale.deals * 0.08)
    if dev_candidates:
        for i in rng.choice(dev_candidates, n_dev, replace=True):
            crm.assign_evidence(int(i))
            crm.dev_deal(int(i), int(first_sale[i]))
    n_prospects = max(0, scale.deals - len(crm.deals))
    moved_back = max(1, min(5, n_prospects // 300))  # the first prospects that reach «КП отправлено»
    for _ in range(n_prospects):
        crm.prospect(len(crm.injected["deal_moved_back"]) < moved_back)
    _handovers(rng, crm, staff, end)
    _deletions(rng, crm, end)
    _assign_ids(rng, crm)
    for deal in crm.deals:
        if deal.partner is not None and deal.path[0][1] == S.NEW_BUSINESS:
            p.sale_manager[deal.partner] = responsible_at(deal, deal.path[-1][0])
    return crm


def responsible_at(deal: Deal, ts: int) -> int:
    owner = deal.owner
    for when, who in deal.handovers:
        if when <= ts:
            owner = who
    return owner


def _handovers(rng: np.random.Generator, crm: Crm, staff: Staff, end: int) -> None:
    """Open deals of a manager who leaves go to a colleague; a few deals change hands anyway."""
    for deal in crm.deals:
        closed_at = deal.path[-1][0] if deal.path[-1][2] in (S.WON, S.LOST) else None
        if rng.random() < 0.03:
            until = closed_at or end
            if until - deal.created > 2 * DAY:  # a colleague takes over for a while (vacation, load)
                when = office_hours(int(rng.uniform(deal.created + DAY, until - 600)), rng)
                role = staff.all[deal.owner].role
                who = staff.pick(rng, role, when).index
                if who != deal.owner and when <= end:
                    deal.handovers.append((when, who))
        for _ in range(3):  # follow a chain of leavers
            current = responsible_at(deal, end)
            m = staff.all[current]
            last_change = max([deal.created] + [w for w, _ in deal.handovers])
            if m.left_ts is None or m.left_ts > end or (closed_at is not None and closed_at <= m.left_ts):
                break
            when = office_hours(max(m.left_ts + int(rng.uniform(1, 3) * DAY), last_change + 600), rng)
            if when > end:
                break
            deal.handovers.append((when, staff.pick(rng, m.role, when).index))


def _deletions(rng: np.random.Generator, crm: Crm, end: int) -> None:
    """About 1 % of prospects are deleted (duplicates, junk); one deletion comes after the deal closed."""
    prospects = [d for d in crm.deals if d.partner is None]
    wanted = max(1, round(len(prospects) * 0.01))
    for k in rng.permutation(len(prospects)):
        deal = prospects[int(k)]
        last = max([deal.path[-1][0]] + [w for w, _ in deal.handovers])
        when = office_hours(last + int(rng.uniform(0.1, 20) * DAY), rng)
        if when <= end:
            deal.deleted_at = when
            wanted -= 1
            if not wanted:
                break


def _assign_ids(rng: np.random.Generator, crm: Crm) -> None:
    order = sorted(range(len(crm.deals)), key=lambda k: (crm.deals[k].created, k))
    next_id = 21_400_000
    for k in order:
        next_id += int(rng.integers(1, 40))
        crm.deals[k].id = next_id
        crm.deals[k].name = crm.deals[k].name.replace("{id}", str(next_id))
    crm.deals.sort(key=lambda d: d.id)
    corder = sorted(range(len(crm.companies)), key=lambda k: (crm.companies[k].created, k))
    next_id = 43_800_000
    for k in corder:
        next_id += int(rng.integers(1, 40))
        crm.companies[k].id = next_id


KINDS = ("lead_added", "lead_status_changed", "entity_responsible_changed", "lead_deleted")


def _deal_events(deal: Deal, staff: Staff) -> list[tuple[int, ...]]:
    """One deal's events in time order as int tuples (ts, seq, kind, before1, before2, after1, after2, actor).

    Status events carry (pipeline, status) pairs, responsible changes (user id, 0); kept as plain ints so a
    few million of them fit in little memory until they are sorted and written.
    """
    uid = [m.user_id for m in staff.all]
    raw: list[tuple] = [(deal.created, 0, 0, 0, 0, *deal.path[0][1:])]
    for k in range(1, len(deal.path)):
        raw.append((deal.path[k][0], 1, 1, *deal.path[k - 1][1:], *deal.path[k][1:]))
    for ts, who in deal.handovers:
        raw.append((ts, 2, 2, 0, 0, who, 0))
    if deal.deleted_at is not None:
        raw.append((deal.deleted_at, 3, 3, 0, 0, 0, 0))
    raw.sort(key=lambda e: (e[0], e[1]))
    out: list[tuple[int, ...]] = []
    owner = deal.owner
    for ts, seq, kind, b1, b2, a1, a2 in raw:
        if kind == 2:
            out.append((ts, seq, kind, uid[owner], 0, uid[a1], 0, uid[owner]))
            owner = a1
        else:
            out.append((ts, seq, kind, b1, b2, a1, a2, uid[owner]))
    return out


def _values(kind: int, b1: int, b2: int, a1: int, a2: int) -> tuple[list, list]:
    """value_before / value_after in API shape."""
    if kind == 0:
        return [], [{"lead_status": {"id": a2, "pipeline_id": a1}}]
    if kind == 1:
        return [{"lead_status": {"id": b2, "pipeline_id": b1}}], [{"lead_status": {"id": a2, "pipeline_id": a1}}]
    if kind == 2:
        return [{"responsible_user": {"id": b1}}], [{"responsible_user": {"id": a1}}]
    return [], []


def write_amocrm(folder: Path, rng: np.random.Generator, crm: Crm, staff: Staff, start: int, end: int) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    owner = staff.all[0]
    created = start - 420 * DAY
    dump_json(folder / "account.json", S.account(created, owner.user_id))
    dump_json(folder / "users.json", S.users(staff, end))
    dump_json(folder / "pipelines.json", S.pipelines())
    dump_json(folder / "loss_reasons.json", S.loss_reasons(created))
    dump_json(folder / "leads_custom_fields.json", S.lead_fields())
    dump_json(folder / "companies_custom_fields.json", S.company_fields())
    _write_oauth(folder / "oauth.json", rng)
    uid = [m.user_id for m in staff.all]
    companies = sorted(crm.companies, key=lambda c: c.id)
    with (folder / "companies.jsonl").open("w", encoding="utf-8") as fh:
        for c in companies:
            fh.write(json_line(_company_json(c, uid, rng, end)) + "\n")
    cols = [array("q") for _ in range(9)]  # ts, lead, seq, kind, b1, b2, a1, a2, actor
    with (folder / "leads.jsonl").open("w", encoding="utf-8") as fh:
        for deal in crm.deals:
            events = _deal_events(deal, staff)
            fh.write(json_line(_lead_json(deal, events, crm, uid)) + "\n")
            for ts, seq, kind, b1, b2, a1, a2, actor in events:
                for col, value in zip(cols, (ts, deal.id, seq, kind, b1, b2, a1, a2, actor), strict=True):
                    col.append(value)
    table = np.array([np.frombuffer(c, dtype=np.int64) for c in cols]) if len(cols[0]) else np.zeros((9, 0), int)
    order = np.lexsort((table[2], table[1], table[0]))  # by created_at, then lead, then its own sequence
    noise = rng.integers(0, 2**40, len(order))
    with (folder / "events.jsonl").open("w", encoding="utf-8") as fh:
        for k, i in enumerate(order):
            ts, lead, _, kind, b1, b2, a1, a2, actor = (int(x) for x in table[:, i])
            eid = event_id(ts, k, int(noise[k]))
            before, after = _values(kind, b1, b2, a1, a2)
            fh.write(
                json_line(
                    {
                        "id": eid,
                        "type": KINDS[kind],
                        "entity_id": lead,
                        "entity_type": "lead",
                        "created_by": actor,
                        "created_at": ts,
                        "value_before": before,
                        "value_after": after,
                        "account_id": S.ACCOUNT_ID,
                        "_links": {"self": {"href": f"{S.BASE}/events/{eid}"}},
                        "_embedded": {"entity": {"id": lead, "_links": {"self": {"href": f"{S.BASE}/leads/{lead}"}}}},
                    }
                )
                + "\n"
            )
    return {"leads": len(crm.deals), "companies": len(companies), "amocrm_events": len(order), "users": len(uid)}


def _lead_json(deal: Deal, events: list[tuple], crm: Crm, uid: list[int]) -> dict:
    ts, pipeline, status = deal.path[-1]
    last = events[-1]  # (ts, seq, kind, b1, b2, a1, a2, actor)
    fields = []
    if deal.kind is not None and (deal.partner is not None or deal.id % 7 != 0):
        enum_id, label = S.KIND_ENUMS[deal.kind]
        fields.append(S.cf(S.F_KIND, "Тип клиента", "select", label, enum_id))
    if deal.cold is not None:
        fields.append(S.cf(S.F_COLD, "Холодная сделка", "checkbox", deal.cold))
    if deal.lead_account:
        fields.append(S.cf(S.F_ACCOUNT, "ID аккаунта на платформе", "text", deal.lead_account))
    if deal.events_per_year is not None:
        fields.append(S.cf(S.F_EVENTS, "Мероприятий в год", "numeric", str(deal.events_per_year)))
    if deal.source is not None and deal.id % 5 != 0:
        enum_id, label = S.SOURCE_ENUMS[deal.source]
        fields.append(S.cf(S.F_SOURCE, "Источник лида", "select", label, enum_id))
    company = [] if deal.company is None else [crm.companies[deal.company].id]
    responsible = uid[responsible_at(deal, last[0])]
    manager = crm.staff.all[responsible_at(deal, last[0])]
    return {
        "id": deal.id,
        "name": deal.name,
        "price": deal.price,
        "responsible_user_id": responsible,
        "group_id": 0 if manager.is_admin else S.GROUPS[manager.role][0],
        "status_id": status,
        "pipeline_id": pipeline,
        "loss_reason_id": deal.loss_reason if status == S.LOST else None,
        "created_by": uid[deal.owner],
        "updated_by": last[7],
        "created_at": deal.created,
        "updated_at": last[0],
        "closed_at": ts if status in (S.WON, S.LOST) else None,
        "closest_task_at": None,
        "is_deleted": deal.deleted_at is not None,
        "custom_fields_values": fields or None,
        "score": None,
        "account_id": S.ACCOUNT_ID,
        "labor_cost": None,
        "_links": {"self": {"href": f"{S.BASE}/leads/{deal.id}"}},
        "_embedded": {
            "tags": [],
            "companies": [{"id": cid, "_links": {"self": {"href": f"{S.BASE}/companies/{cid}"}}} for cid in company],
        },
    }


def _company_json(c, uid: list[int], rng: np.random.Generator, end: int) -> dict:
    fields = []
    if c.inn:
        fields.append(S.cf(S.F_INN, "ИНН", "text", c.inn))
    if c.account:
        fields.append(S.cf(S.F_COMPANY_ACCOUNT, "ID аккаунта на платформе", "text", c.account))
    if c.city:
        fields.append(S.cf(S.F_CITY, "Город", "text", c.city))
    return {
        "id": c.id,
        "name": c.name,
        "responsible_user_id": uid[c.responsible],
        "group_id": 0,
        "created_by": uid[c.responsible],
        "updated_by": uid[c.responsible],
        "created_at": c.created,
        "updated_at": min(end, c.created + int(rng.integers(0, 30 * DAY))),
        "closest_task_at": None,
        "is_deleted": False,
        "custom_fields_values": fields or None,
        "account_id": S.ACCOUNT_ID,
        "_links": {"self": {"href": f"{S.BASE}/companies/{c.id}"}},
        "_embedded": {"tags": []},
    }


def _write_oauth(path: Path, rng: np.random.Generator) -> None:
    """The demo integration's credentials (the emulator accepts exactly these); owner-only file."""

    def token(n: int) -> str:
        return "".join("0123456789abcdef"[int(x)] for x in rng.integers(0, 16, n))

    data = {
        "client_id": f"{token(8)}-{token(4)}-4{token(3)}-a{token(3)}-{token(12)}",
        "client_secret": token(64),
        "redirect_uri": "http://127.0.0.1:8000/amocrm/oauth/callback",
        "authorization_code": "def50200" + token(120),
        "long_lived_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + token(160),
        "subdomain": S.SUBDOMAIN,
        "account_id": S.ACCOUNT_ID,
    }
    create_private(path)  # a (made-up) client secret and tokens
    dump_json(path, data)
