"""Events, orders and refund requests, generated in chunks of sellers so memory stays bounded.

Every step is vectorised over a chunk with numpy: events per seller, orders per event (Poisson around the
seller's expected volume), purchase times along the event's sales curve (launch spike, flat middle,
final-days ramp) shaped by month and weekday indices, then money by the recipe of ticketing-domain §5.3.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from salesglass.simulate.common import DAY, MSK, lognormal, msk_month_index, msk_text, object_id_array, utc_text
from salesglass.simulate.partners import CATEGORIES, CATEGORY_PRICE, EVENTS_PER_YEAR, NONE, Partners

SEASON = np.array([0.80, 0.95, 1.08, 1.02, 0.85, 0.80, 0.72, 0.85, 1.05, 1.17, 1.27, 1.44])
WEEKDAY = np.array([1.02, 1.08, 1.05, 1.05, 1.05, 0.85, 0.90])
HOUR = np.array(
    [
        0.8,
        0.3,
        0.15,
        0.1,
        0.1,
        0.15,
        0.3,
        0.8,
        2.0,
        3.0,
        4.6,
        4.4,
        4.2,
        4.3,
        4.2,
        4.1,
        4.0,
        4.6,
        6.0,
        6.2,
        5.8,
        5.2,
        4.0,
        2.2,
    ]
)
HOUR = HOUR / HOUR.sum()
TICKETS = (np.array([1, 2, 3, 4, 5, 6, 8]), np.array([0.52, 0.34, 0.06, 0.05, 0.015, 0.01, 0.005]))
TIERS = (np.array([0.6, 1.0, 1.6, 3.0]), np.array([0.3, 0.45, 0.18, 0.07]))
STATUS_P = np.array([0.85, 0.06, 0.08, 0.005, 0.005])  # done, cancelled, expired, in_progress, executed
STATUSES = np.array(["done", "cancelled", "expired", "in_progress", "executed"])
EVENT_WORD = ["Концерт", "Спектакль", "Шоу", "Фестиваль", "Вечеринка", "Ёлка", "Экскурсия", "Конференция", "Выставка"]
NULL = np.array(None, dtype=object)  # np.where(…, NULL) leaves a SQL NULL where the mask says so
TAG_EVENT, TAG_ORDER, TAG_REFUND = 4, 5, 6


@dataclass
class Sellers:
    """Who organises events: real organizers plus two pseudo-sellers (support without account, unknown)."""

    org_id: list[str | None]
    partner: np.ndarray  # partner index, NONE for pseudo-sellers
    first_event: np.ndarray
    active_until: np.ndarray
    expected: np.ndarray
    segment: np.ndarray
    category: np.ndarray
    commission: np.ndarray
    extra: np.ndarray
    fee_share: np.ndarray
    agent_share: np.ndarray
    widget: np.ndarray
    test_order: np.ndarray  # inject one test order below 100 ₽


def build_sellers(
    rng: np.random.Generator, p: Partners, orders: int, start: int, end: int, unknown_ids: list[str]
) -> Sellers:
    idx = np.flatnonzero(p.expected_orders > 0)
    n_test = max(2, min(20, p.n // 150))
    test = np.zeros(len(idx), bool)
    candidates = np.flatnonzero((p.approved[idx] > start + 10 * DAY) & (p.created[idx] > start))
    test[rng.choice(candidates, min(n_test, len(candidates)), replace=False)] = True
    extra_n = 1 + len(unknown_ids)
    pseudo_expected = np.array([orders * 0.01] + [max(30.0, orders * 0.0005 / len(unknown_ids))] * len(unknown_ids))

    def cat(a: np.ndarray, b: list | np.ndarray) -> np.ndarray:
        return np.concatenate([a, np.asarray(b, dtype=a.dtype)])

    return Sellers(
        org_id=[*(p.ids[i] for i in idx), None, *unknown_ids],
        partner=cat(idx, [NONE] * extra_n),
        first_event=cat(p.first_event[idx], [start - 30 * DAY] * extra_n),
        active_until=cat(p.active_until[idx], [end + DAY] * extra_n),
        expected=cat(p.expected_orders[idx], pseudo_expected),
        segment=cat(p.segment[idx], [1] * extra_n),
        category=cat(p.category[idx], [0] * extra_n),
        commission=cat(p.commission_pct[idx], [8.0] * extra_n),
        extra=cat(p.extra_pct[idx], [0.1] * extra_n),
        fee_share=cat(p.fee_share[idx], [0.2] * extra_n),
        agent_share=cat(p.agent_share[idx], [0.0] * extra_n),
        widget=cat(p.widget[idx], [NONE] * extra_n),
        test_order=cat(test, [False] * extra_n),
    )


@dataclass
class Chunk:
    """One step of the back-office: table columns (in schema order, sorted by id) and sale figures."""

    events: list[np.ndarray]
    orders: list[np.ndarray]  # every column but `currency` (its default, RUB)
    refunds: list[np.ndarray]
    test_order_ids: list[str]
    # per-order arrays the caller aggregates (sales only: done and not an invitation)
    sale_partner: np.ndarray
    sale_vendor: np.ndarray
    sale_ts: np.ndarray
    sale_tickets: np.ndarray
    sale_full: np.ndarray
    sale_core: np.ndarray
    sale_cost: np.ndarray
    refund_partner: np.ndarray
    refund_ts: np.ndarray
    refund_tickets: np.ndarray
    refund_full: np.ndarray
    refund_core: np.ndarray
    refund_cost: np.ndarray
    n_orders: int


def chunks_of(sellers: Sellers, size: int) -> list[np.ndarray]:
    """Consecutive seller groups of about `size` expected orders (fixed by scale, not by memory)."""
    bounds, acc, first = [], 0.0, 0
    for i, e in enumerate(sellers.expected):
        acc += e
        if acc >= size:
            bounds.append(np.arange(first, i + 1))
            first, acc = i + 1, 0.0
    if first < len(sellers.expected):
        bounds.append(np.arange(first, len(sellers.expected)))
    return bounds


def generate_chunks(seed: int, sellers: Sellers, p: Partners, start: int, end: int, size: int) -> Iterator[Chunk]:
    agents = np.flatnonzero(p.role == "agent")
    agent_w = 1.0 / np.arange(1, len(agents) + 1) ** 1.5
    agent_w /= agent_w.sum()
    event_offset = order_offset = refund_offset = 0
    for k, group in enumerate(chunks_of(sellers, size)):
        rng = np.random.default_rng([seed, 7001, k])
        chunk = _chunk(rng, sellers, group, p, agents, agent_w, start, end, event_offset, order_offset, refund_offset)
        event_offset += len(chunk.events[0])  # rows (events and refunds are lists of columns)
        order_offset += chunk.n_orders
        refund_offset += len(chunk.refunds[0])
        yield chunk


def _events(rng, s: Sellers, group, start, end):
    years = np.clip(
        np.minimum(s.active_until[group], end) - np.maximum(s.first_event[group], start - 60 * DAY), DAY, None
    ) / (365 * DAY)
    n_ev = np.maximum(1, rng.poisson(EVENTS_PER_YEAR[np.minimum(s.segment[group], 4)] * years))
    n_ev = np.minimum(n_ev, np.maximum(1, (s.expected[group] / 3).astype(int)))
    seller = np.repeat(group, n_ev)
    first = np.r_[0, np.cumsum(n_ev)[:-1]]
    is_first = np.zeros(len(seller), bool)
    is_first[first] = True
    lo = np.maximum(s.first_event[seller], start - 120 * DAY)
    hi = np.maximum(np.minimum(s.active_until[seller], end), lo + DAY)
    created = lo + ((hi - lo) * rng.random(len(seller))).astype(np.int64)
    created[is_first] = s.first_event[seller][is_first]
    category = np.where(
        rng.random(len(seller)) < 0.8, s.category[seller], rng.integers(0, len(CATEGORIES), len(seller))
    )
    lead = np.clip(lognormal(rng, 45 * DAY, 0.9, len(seller)), 2 * DAY, 300 * DAY) * np.where(category == 3, 2, 1)
    on_sale = created + rng.integers(0, 2 * DAY, len(seller))
    starts = on_sale + lead.astype(np.int64)
    # shows start on the half hour at any hour of the day (a simplification: the + 16 h only shifts the hours, it
    # does not gather them in the evening; kept as is because changing it would move every simulated figure)
    starts = (starts // 1800) * 1800 + 16 * 3600
    starts = np.maximum(starts, on_sale + DAY)
    price = np.maximum(100, np.round(lognormal(rng, 1.0, 0.5, len(seller)) * CATEGORY_PRICE[category] / 50) * 50)
    w = lognormal(rng, 1.0, 0.9, len(seller))
    wsum = np.bincount(np.searchsorted(group, seller), weights=w, minlength=len(group))
    lam = s.expected[seller] * w / wsum[np.searchsorted(group, seller)]
    n_orders = rng.poisson(lam)
    cancelled = rng.random(len(seller)) < 0.015
    cancel_ts = on_sale + ((starts - on_sale) * rng.uniform(0.5, 0.95, len(seller))).astype(np.int64)
    return dict(
        seller=seller,
        created=created,
        on_sale=on_sale,
        starts=starts,
        category=category,
        price=price,
        n_orders=n_orders,
        cancelled=cancelled,
        cancel_ts=cancel_ts,
        is_first=is_first,
    )


def _purchase_times(rng, on_sale: np.ndarray, starts: np.ndarray) -> np.ndarray:
    m = len(on_sale)
    length = np.maximum(starts - on_sale, 3600).astype(np.float64)
    t = np.empty(m, np.int64)
    todo = np.arange(m)
    wmax = SEASON.max() * WEEKDAY.max()
    for _ in range(8):
        if not len(todo):
            break
        L, o, st = length[todo], on_sale[todo], starts[todo]
        comp = rng.choice(3, len(todo), p=[0.12, 0.38, 0.50])
        cand = np.where(
            comp == 0,
            o + rng.exponential(np.minimum(4 * DAY, L / 3)),
            np.where(comp == 1, o + rng.random(len(todo)) * L, st - rng.exponential(np.minimum(3 * DAY, L / 3))),
        )
        cand = np.clip(cand, o, st - 60).astype(np.int64)
        local = cand + MSK
        month = local.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64) % 12
        weekday = (local // DAY + 3) % 7
        ok = rng.random(len(todo)) < SEASON[month] * WEEKDAY[weekday] / wmax
        t[todo] = cand
        todo = todo[~ok]
    day = (t + MSK) // DAY
    hour = rng.choice(24, m, p=HOUR)
    t2 = day * DAY - MSK + hour * 3600 + rng.integers(0, 3600, m)
    return np.clip(t2, on_sale, starts - 60)


def _chunk(rng, s: Sellers, group, p: Partners, agents, agent_w, start, end, ev_off, ord_off, ref_off) -> Chunk:
    ev = _events(rng, s, group, start, end)
    ev_keep = ev["created"] <= end
    for key in ev:
        ev[key] = ev[key][ev_keep]
    n_ev = len(ev["seller"])
    event_ids = object_id_array(ev["created"], TAG_EVENT, ev_off + np.arange(n_ev))

    # orders of every event, then those outside the history window (or after a cancellation) dropped
    oe = np.repeat(np.arange(n_ev), ev["n_orders"])
    t = _purchase_times(rng, ev["on_sale"][oe], ev["starts"][oe])
    # one test order below 100 ₽ an hour after the first event of the chosen sellers goes on sale
    test_ev = np.flatnonzero(ev["is_first"] & s.test_order[ev["seller"]])
    oe = np.r_[oe, test_ev]
    t = np.r_[t, ev["on_sale"][test_ev] + 3600]
    is_test = np.r_[np.zeros(len(t) - len(test_ev), bool), np.ones(len(test_ev), bool)]
    keep = (t >= start) & (t <= end) & ~(ev["cancelled"][oe] & (t >= ev["cancel_ts"][oe]))
    oe, t, is_test = oe[keep], t[keep], is_test[keep]
    m = len(oe)
    seller = ev["seller"][oe]

    tickets = rng.choice(TICKETS[0], m, p=TICKETS[1])
    invitation = rng.random(m) < 0.03
    status = STATUSES[rng.choice(5, m, p=STATUS_P)]
    status = np.where(((status == "in_progress") | (status == "executed")) & (t < end - DAY), "expired", status)
    status = np.where(is_test, "done", status)
    invitation &= ~is_test
    tickets = np.where(is_test, 1, tickets)
    done = status == "done"

    # channel: agents sell a share of bigger organizers' orders; the widget only once installed
    by_agent = (rng.random(m) < s.agent_share[seller]) & ~invitation & ~is_test
    vendor_agent = np.where(by_agent, agents[rng.choice(len(agents), m, p=agent_w)], NONE)
    direct = np.array(["widget", "control_panel", "salespoint", "api"])[rng.choice(4, m, p=[0.8, 0.08, 0.08, 0.04])]
    via_agent = np.where(rng.random(m) < 0.7, "api", "external_widget")
    origin = np.where(by_agent, via_agent, direct)
    widget_ts = s.widget[seller]
    no_widget = (origin == "widget") & ((widget_ts == NONE) | (t < widget_ts))
    origin = np.where(no_widget | invitation | is_test, "control_panel", origin)

    # money, kopecks (ticketing-domain §5.3); rounding remainders stay with the organizer
    tier = rng.choice(TIERS[0], m, p=TIERS[1])
    unit = np.maximum(100, np.round(ev["price"][oe] * tier / 50) * 50) * 100
    nominal = (tickets * unit).astype(np.int64)
    promo = rng.random(m) < 0.07
    nominal = np.where(promo, np.round(nominal * (1 - rng.uniform(0.1, 0.2, m))), nominal).astype(np.int64)
    nominal = np.where(is_test, rng.integers(10, 86, m) * 100, nominal)  # full stays < 100 ₽
    nominal = np.where(invitation, 0, nominal)
    extra = np.round(nominal * s.extra[seller]).astype(np.int64)
    full = nominal + extra
    agent_api = by_agent & (origin == "api")  # the agent collects the money: no acquiring
    acq_cost = np.where(agent_api, 0, np.round(full * rng.uniform(0.018, 0.024, m))).astype(np.int64)
    acq_charged = np.where(agent_api, 0, np.round(full * rng.uniform(0.025, 0.035, m))).astype(np.int64)
    agent_fee = np.where(by_agent, np.round(nominal * p.term_agent[np.maximum(vendor_agent, 0)] / 100), 0)
    agent_fee = agent_fee.astype(np.int64)
    commission = np.round(nominal * s.commission[seller] / 100).astype(np.int64)
    fee_part = np.round(extra * s.fee_share[seller]).astype(np.int64)
    core = commission + fee_part + (acq_charged - acq_cost)

    created = np.where(done, t - rng.integers(30, 900, m), t)
    order_ids = object_id_array(created, TAG_ORDER, ord_off + np.arange(m))
    org_ids = np.array(s.org_id, dtype=object)[seller]
    vendor_ids = np.where(by_agent, np.array(p.ids, dtype=object)[np.maximum(vendor_agent, 0)], org_ids)
    orders = _sorted(
        [
            order_ids,
            1_000_000 + ord_off + np.arange(m),
            origin,
            status,
            event_ids[oe],
            org_ids,
            vendor_ids,
            msk_text(created),
            np.where(done, msk_text(t), NULL),
            invitation.astype(np.int64),
            tickets,
            nominal,
            extra,
            full,
            acq_cost,
            agent_fee,
            core,
            msk_text(np.where(done, t, created) + rng.integers(0, 120, m)),
        ]
    )

    refunds, rf = _refunds(
        rng,
        ev,
        oe,
        t,
        done & ~invitation & (nominal > 0),
        tickets,
        nominal,
        extra,
        commission,
        fee_part,
        agent_fee,
        order_ids,
        end,
        ref_off,
    )

    ev_status = np.where(
        ev["cancelled"] & (ev["cancel_ts"] <= end),
        "canceled",
        np.where(ev["starts"] < end, "finished", np.where(ev["on_sale"] <= end, "public", "stand_by")),
    )
    names = np.array(
        [f"{EVENT_WORD[c]} №{i % 997 + 1}" for i, c in zip(range(ev_off, ev_off + n_ev), ev["category"], strict=True)]
    )
    events = _sorted(
        [
            event_ids,
            np.array(s.org_id, dtype=object)[ev["seller"]],
            names,
            np.array(CATEGORIES)[ev["category"]],
            utc_text(ev["starts"]),
            msk_text(ev["created"]),
            ev_status,
        ]
    )
    sale = done & ~invitation & (tickets > 0)
    partner_of = s.partner[seller]
    return Chunk(
        events,
        orders,
        refunds,
        order_ids[is_test].tolist(),
        sale_partner=partner_of[sale],
        sale_vendor=np.where(by_agent, vendor_agent, NONE)[sale],
        sale_ts=t[sale],
        sale_tickets=tickets[sale],
        sale_full=full[sale],
        sale_core=core[sale],
        sale_cost=(acq_cost + agent_fee)[sale],
        refund_partner=partner_of[rf["order"]],
        **{k: rf[k] for k in ("refund_ts", "refund_tickets", "refund_full", "refund_core", "refund_cost")},
        n_orders=m,
    )


def _sorted(columns: list[np.ndarray]) -> list[np.ndarray]:
    """Rows ordered by their id (the first column): the same input always lands in the same order."""
    order = np.argsort(columns[0], kind="stable")
    return [_narrow(c[order]) for c in columns]


def _narrow(column: np.ndarray) -> np.ndarray:
    """ASCII text as 1-byte 'S' arrays (4× smaller than numpy's UTF-32 'U' to pass between processes)."""
    if column.dtype.kind != "U":
        return column
    try:
        return column.astype(f"S{column.dtype.itemsize // 4}")
    except UnicodeEncodeError:
        return column


def _refunds(rng, ev, oe, t, paid, tickets, nominal, extra, commission, fee_part, agent_fee, order_ids, end, off):
    """User refunds (FZ-193 tiers) on ~2.5 % of paid orders, and full refunds of cancelled events."""
    starts = ev["starts"][oe]
    by_cancel = paid & ev["cancelled"][oe]
    by_user = paid & ~by_cancel & (rng.random(len(oe)) < 0.025)
    idx = np.flatnonzero(by_user | by_cancel)
    org = by_cancel[idx]
    requested = np.where(
        org,
        ev["cancel_ts"][oe][idx] + rng.integers(0, 10 * DAY, len(idx)),
        t[idx] + ((starts[idx] - t[idx]) * rng.uniform(0.05, 0.95, len(idx))).astype(np.int64),
    )
    days_before = (starts[idx] - requested) / DAY
    pct = np.where(org, 1.0, np.select([days_before >= 10, days_before >= 5, days_before >= 3], [1.0, 0.5, 0.3], 0.0))
    finished = requested + np.clip(lognormal(rng, 3 * DAY, 1.0, len(idx)), 3600, 40 * DAY).astype(np.int64)
    keep = requested <= end
    idx, org, requested, pct, finished = idx[keep], org[keep], requested[keep], pct[keep], finished[keep]
    n = len(idx)
    pending = finished > end
    rejected = ~org & ((pct == 0) | (rng.random(n) < 0.12))
    status = np.where(
        pending, np.where(rng.random(n) < 0.6, "in_progress", "new"), np.where(rejected, "rejected", "approved")
    )
    k = np.where((tickets[idx] > 1) & (rng.random(n) < 0.4), rng.integers(1, np.maximum(tickets[idx], 2)), tickets[idx])
    r = k / tickets[idx]
    r_full = np.round(nominal[idx] * r * pct) + np.where(org, np.round(extra[idx] * r), 0)
    r_core = np.round(commission[idx] * r * pct) + np.where(org, np.round(fee_part[idx] * r), 0)
    r_cost = np.round(agent_fee[idx] * r * pct)
    rows = _sorted(
        [
            object_id_array(requested, TAG_REFUND, off + np.arange(n)),
            order_ids[idx],
            status,
            msk_text(requested),
            np.where(pending, NULL, msk_text(finished)),
            k.astype(np.int64),
            r_full.astype(np.int64),
            r_core.astype(np.int64),
            r_cost.astype(np.int64),
            msk_text(np.where(pending, requested, finished)),
        ]
    )
    ok = status == "approved"
    return rows, dict(
        order=idx[ok],
        refund_ts=finished[ok],
        refund_tickets=k[ok].astype(np.int64),
        refund_full=r_full[ok].astype(np.int64),
        refund_core=r_core[ok].astype(np.int64),
        refund_cost=r_cost[ok].astype(np.int64),
    )


__all__ = ["Chunk", "Sellers", "build_sellers", "generate_chunks", "msk_month_index"]
