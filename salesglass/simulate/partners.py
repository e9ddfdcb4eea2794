"""The platform's partners (organizers and ticket operators) with their onboarding milestones.

Milestones are decided here, before any order exists: registration, contract (approved_at), first event,
widget installation, the end of the active life (dormancy). The first sale then falls out of the orders
(orders.py) and is what the amoCRM deals follow (crm.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from salesglass.simulate.common import DAY, lognormal, object_ids
from salesglass.simulate.names import AGENT_BRANDS, CITIES, brand, inn, legal_name, normalise, person, spaced_inn
from salesglass.simulate.scales import Scale
from salesglass.simulate.staff import Staff

SEGMENTS = ("micro", "small", "mid", "large", "key", "agent")
SEGMENT_SHARE = np.array([0.55, 0.28, 0.13, 0.035, 0.005])
ANNUAL_GMV_M = np.array([0.1, 1.1, 7.5, 50.0, 300.0])  # mean annual turnover, M ₽
EVENTS_PER_YEAR = np.array([2, 6, 20, 60, 200])
SELL_PROB = np.array([0.6, 0.8, 0.95, 0.95, 0.95])
HAZARD_MONTH = np.array([0.10, 0.06, 0.03, 0.015, 0.005])
COMMISSION = np.array([[8, 10], [7, 9], [5, 7], [3.5, 5], [2, 4]])
CATEGORIES = ("Концерты", "Театры", "Шоу", "Фестивали", "Вечеринки", "Детям", "Экскурсии", "Бизнес", "Выставки")
CATEGORY_SHARE = np.array([0.45, 0.15, 0.10, 0.08, 0.07, 0.05, 0.04, 0.03, 0.03])
CATEGORY_PRICE = np.array([2200, 1800, 2300, 4500, 1000, 1200, 1500, 3500, 500])  # median ticket, ₽
EXTRA_PCT = (np.array([0, 5, 7, 10, 12, 15]) / 100, np.array([0.25, 0.08, 0.07, 0.45, 0.08, 0.07]))
NONE = -1


@dataclass
class Partners:
    """Column arrays, one position per partner (agents after organizers; the support account first)."""

    ids: list[str]
    names: list[str]
    legal_type: list[str]
    inn: list[str | None]  # digits only (truth)
    inn_text: list[str | None]  # as stored in the back-office (sometimes with spaces)
    role: np.ndarray  # 'org' / 'agent'
    segment: np.ndarray  # index into SEGMENTS
    category: np.ndarray
    created: np.ndarray  # UTC seconds
    approved: np.ndarray  # NONE if never
    widget: np.ndarray  # NONE if never installed
    first_event: np.ndarray
    active_until: np.ndarray
    sells: np.ndarray
    sales_sourced: np.ndarray
    sale_manager: np.ndarray  # Staff index or NONE
    account_manager: np.ndarray
    commission_pct: np.ndarray  # platform % of nominal
    extra_pct: np.ndarray  # buyer service fee
    fee_share: np.ndarray  # platform's share of the service fee
    agent_share: np.ndarray  # share of the organizer's orders sold by agents
    term_agent: np.ndarray  # agent's commission (agents only)
    expected_orders: np.ndarray
    is_support: np.ndarray
    extras: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.ids)


def build_partners(rng: np.random.Generator, scale: Scale, staff: Staff, start: int, end: int) -> Partners:
    n_agents = max(3, round(scale.partners * 0.03))
    n_org = scale.partners - n_agents
    counts = np.floor(SEGMENT_SHARE * n_org).astype(int)
    counts[3:] = np.maximum(counts[3:], 1)
    counts[0] += n_org - counts.sum()
    segment = np.concatenate([np.repeat(np.arange(5), counts)])
    rng.shuffle(segment)
    segment[0] = 2  # the support account: a mid-size shared organizer
    segment = np.concatenate([segment, np.full(n_agents, 5)])
    n = scale.partners
    role = np.where(segment == 5, "agent", "org")
    is_support = np.zeros(n, bool)
    is_support[0] = True

    # the platform is young: a launch wave of accounts around `start` (most big clients), then steady growth
    org_seg = np.minimum(segment, 4)
    lo, mid, hi = start - 60 * DAY, start + 60 * DAY, end - 7 * DAY
    wave = rng.random(n) < np.where(org_seg >= 3, 0.7, 0.3)
    created = np.where(
        wave,
        lo + (rng.random(n) * (mid - lo)).astype(np.int64),
        mid + ((hi - mid) * rng.random(n) ** 0.9).astype(np.int64),
    )
    created[0] = lo - 30 * DAY
    created[n_org : n_org + 3] = lo - rng.integers(10, 60, 3) * DAY  # the big operators came first
    sells = rng.random(n) < SELL_PROB[org_seg]
    sells[0] = True
    sells[n_org:] = True
    approved_flag = sells | (rng.random(n) < 0.6)
    approve_delay = np.minimum(lognormal(rng, 3 * DAY, 1.2, n), 60 * DAY).astype(np.int64)
    same_day = rng.random(n) < 0.25  # self-serve offer accepted the same day
    approve_delay = np.where(same_day, rng.integers(600, 6 * 3600, n), approve_delay)
    approved = np.where(approved_flag, created + approve_delay + 600, NONE)
    installs = (approved_flag & sells & (rng.random(n) < 0.82)) | (approved_flag & ~sells & (rng.random(n) < 0.3))
    installs &= role == "org"
    widget = np.where(
        installs, approved + np.minimum(lognormal(rng, 7 * DAY, 1.1, n), 120 * DAY).astype(np.int64), NONE
    )
    approved = np.where(approved > end, NONE, approved)  # not yet: the history stops at `end`
    widget = np.where((widget > end) | (approved == NONE), NONE, widget)
    approved_flag = approved != NONE
    first_event = np.where(approved_flag, approved + lognormal(rng, 4 * DAY, 1.0, n).astype(np.int64), NONE)
    life_months = rng.exponential(1.0 / HAZARD_MONTH[org_seg]) * (1 + (org_seg >= 2))
    active_until = np.where(approved_flag, first_event + (life_months * 30.4 * DAY).astype(np.int64), NONE)
    active_until[n_org:] = end + DAY
    active_until[0] = end + DAY

    category = rng.choice(len(CATEGORIES), n, p=CATEGORY_SHARE)
    pfc = rng.random(n) < 0.3
    lo_c, hi_c = COMMISSION[org_seg, 0], COMMISSION[org_seg, 1]
    commission = np.where(pfc, 0.0, np.round(rng.uniform(lo_c, hi_c), 1))
    extra = np.where(pfc, rng.choice([8, 10, 12], n) / 100, rng.choice(EXTRA_PCT[0], n, p=EXTRA_PCT[1]))
    fee_share = np.where(pfc, np.round(rng.uniform(0.6, 1.0, n), 2), np.round(rng.uniform(0.0, 0.3, n), 2))
    with_agents = rng.random(n) < np.array([0.0, 0.1, 0.5, 0.9, 0.9])[org_seg]
    agent_share = np.where(with_agents, rng.uniform(0.1, 0.45, n), 0.0)
    term_agent = np.where(role == "agent", np.round(rng.uniform(5, 12, n), 1), 0.0)

    # expected order rows ∝ annual turnover × years active inside the history
    weight = ANNUAL_GMV_M[org_seg] * lognormal(rng, 1.0, 0.5, n)
    weight[0] = ANNUAL_GMV_M[2] * 2
    overlap = np.clip(np.minimum(active_until, end) - np.maximum(first_event, start), 0, None) / (365 * DAY)
    active = (role == "org") & sells
    w = np.where(active, weight * overlap, 0.0)
    expected = scale.orders * 0.985 * w / max(w.sum(), 1e-9) * 1.12  # 1.12: orders past `end` get dropped

    sales_sourced = (rng.random(n) < np.where(sells, 0.65, 0.5)) & ~is_support
    sale_manager = np.full(n, NONE)
    account_manager = np.full(n, NONE)
    supports = staff.of_role("support")
    for i in range(n):
        if sales_sourced[i]:
            sale_manager[i] = staff.pick(rng, "sales", int(created[i])).index
        if is_support[i]:
            account_manager[i] = supports[0].index
        elif approved[i] != NONE and rng.random() < [0.05, 0.2, 0.6, 1.0, 1.0, 0.8][segment[i]]:
            pool = [m for m in staff.of_role("development") if m.left_ts is None]
            account_manager[i] = pool[int(rng.integers(len(pool)))].index

    names, legal, inns, inn_text = _names(rng, segment, n_org)
    names[0] = "Поддержка: мелкие организаторы"
    legal[0], inns[0], inn_text[0] = "ru_ltd", None, None
    ids = object_ids(created, 1, np.arange(n))
    return Partners(
        ids,
        names,
        legal,
        inns,
        inn_text,
        role,
        segment,
        category,
        created,
        approved,
        widget,
        first_event,
        active_until,
        sells,
        sales_sourced,
        sale_manager,
        account_manager,
        commission,
        extra,
        fee_share,
        agent_share,
        term_agent,
        expected,
        is_support,
    )


def _names(rng: np.random.Generator, segment: np.ndarray, n_org: int) -> tuple[list, list, list, list]:
    """Names unique after normalising (so exact name links are unambiguous), legal types and ИНН."""
    names, legal, inns, texts = [], [], [], []
    seen: set[str] = set()
    for i, seg in enumerate(segment):
        if seg == 5:
            k = i - n_org
            core = AGENT_BRANDS[k] if k < len(AGENT_BRANDS) else brand(rng)
            lt = "ru_ltd"
        else:
            lt = str(rng.choice(["ru_ltd", "ru_ip", "ru_se", "foreign"], p=[0.55, 0.3, 0.1, 0.05]))
            core = brand(rng)
        name = legal_name(rng, lt, core, person(rng)) if seg != 5 else f"ООО «{core}»"
        while not normalise(name) or normalise(name) in seen:
            name = f"{name} {rng.choice(CITIES)}" if rng.random() < 0.7 else f"{name} {int(rng.integers(2, 99))}"
        seen.add(normalise(name))
        value = inn(rng, lt)
        if value is not None and rng.random() < 0.08:
            value = None  # never filled in the cabinet
        text = spaced_inn(value) if value is not None and rng.random() < 0.06 else value
        names.append(name)
        legal.append(lt)
        inns.append(value)
        texts.append(text)
    return names, legal, inns, texts


def inject_name_quirks(rng: np.random.Generator, p: Partners) -> dict:
    """Two partners with near-identical names and two accounts of one legal entity (same ИНН)."""
    taken = {normalise(x) for x in p.names}
    orgs = [i for i in range(1, p.n) if p.role[i] == "org" and p.legal_type[i] == "ru_ltd" and "«" in p.names[i]]
    a, b, c, d = (int(x) for x in rng.choice(orgs, 4, replace=False))
    name = p.names[a]
    core_end = name.rindex("»")
    twin = name[: core_end - 1] + ("и" if name[core_end - 1] != "и" else "ы") + name[core_end:]
    if normalise(twin) not in taken:
        p.names[b] = twin
    if p.inn[c] is None:
        p.inn[c] = inn(rng, "ru_ltd")
        p.inn_text[c] = p.inn[c]
    p.inn[d], p.inn_text[d] = p.inn[c], p.inn[c]
    return {
        "near_identical_partner_names": sorted([p.ids[a], p.ids[b]]),
        "duplicate_inn_partners": sorted([p.ids[c], p.ids[d]]),
    }
