"""amoCRM deals, companies and their event history, following the partners' platform milestones.

A partner's deal walks the "New business" pipeline: the early stages happen before registration, then
"Договор подписан" / "Виджет установлен" / won are moved by hand after the platform's contract, widget
and first sale, with a 0–14 day lag (sometimes never moved to won, sometimes won too early). Prospects
that never became partners convert stage by stage and are lost or still open. Every lead's state is
replayed from its own event list, so the snapshot and the history cannot disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from salesglass.simulate import crm_setup as S
from salesglass.simulate.common import DAY, MSK, lognormal
from salesglass.simulate.names import CITIES, brand, legal_name, normalise, person, spaced_inn
from salesglass.simulate.names import inn as make_inn
from salesglass.simulate.partners import ANNUAL_GMV_M, NONE, SEGMENT_SHARE, Partners
from salesglass.simulate.staff import Staff

EVIDENCE = (("lead_account_id", 0.40), ("company_account_id", 0.20), ("inn", 0.20), ("name", 0.15), ("none", 0.05))
LEAD_SEASON = np.array([1.1, 1.1, 1.0, 1.0, 0.9, 0.75, 0.75, 1.15, 1.2, 1.15, 1.0, 0.85])
DEV_TOPICS = ("новый тур", "фестиваль", "снижение комиссии", "дистрибуция", "реактивация", "новая площадка")


@dataclass
class Deal:
    created: int
    owner: int  # Staff index of the creator and first responsible
    path: list[tuple[int, int, int]]  # (ts, pipeline_id, status_id); the first entry is the initial status
    name: str
    price: int
    kind: str | None = None
    cold: bool | None = None
    source: str | None = None
    events_per_year: int | None = None
    partner: int | None = None  # truth: the partner index
    company: int | None = None  # index into Crm.companies
    lead_account: str | None = None
    loss_reason: int | None = None
    handovers: list[tuple[int, int]] = field(default_factory=list)  # (ts, new Staff index)
    deleted_at: int | None = None
    id: int = 0


@dataclass
class Company:
    created: int
    name: str
    responsible: int  # Staff index
    inn: str | None = None
    account: str | None = None
    city: str | None = None
    id: int = 0


def office_hours(ts: int, rng: np.random.Generator) -> int:
    """Managers work 9:00–20:00 Moscow time, mostly on weekdays: move `ts` to the next such moment."""
    local = ts + MSK
    day, second = divmod(local, DAY)
    weekday = (day + 3) % 7  # 0 = Monday
    if weekday >= 5 and rng.random() < 0.85:
        day, second = day + 7 - weekday, 0
    if second < 9 * 3600:
        second = 9 * 3600 + int(rng.integers(0, 3 * 3600))
    elif second >= 20 * 3600:
        day, second = day + 1, 9 * 3600 + int(rng.integers(0, 3 * 3600))
    return int(day * DAY + second - MSK)


class Path:
    """Appends status moves in time order, in office hours, never past `end` (the history stops there)."""

    def __init__(self, created: int, pipeline: int, status: int, end: int, rng: np.random.Generator) -> None:
        self.moves = [(created, pipeline, status)]
        self.end = end
        self.open = True
        self.rng = rng

    def to(self, ts: float, pipeline: int, status: int) -> bool:
        if not self.open:
            return False
        ts = office_hours(max(int(ts), self.moves[-1][0] + 120), self.rng)
        if ts > self.end:
            self.open = False
            return False
        self.moves.append((ts, pipeline, status))
        return True

    @property
    def last(self) -> int:
        return self.moves[-1][0]


class Crm:
    def __init__(self, rng: np.random.Generator, staff: Staff, p: Partners, start: int, end: int) -> None:
        self.rng, self.staff, self.p, self.start, self.end = rng, staff, p, start, end
        self.deals: list[Deal] = []
        self.companies: list[Company] = []
        self.partner_company: dict[int, int] = {}
        self.evidence: dict[int, str] = {}
        self.injected: dict[str, list] = {
            "deal_moved_back": [],
            "won_before_first_sale": [],
            "never_moved_to_won": [],
            "retroactive_deals": [],
        }
        self.taken_names = {normalise(x) for x in p.names}
        inns = [x for x in p.inn if x]
        self.all_inn = set(inns)
        self.unique_inn = {x for x in set(inns) if inns.count(x) == 1} if len(inns) < 5000 else _unique(inns)

    # --- helpers -------------------------------------------------------------------------------------
    def hours(self, ts: int) -> int:
        moved = office_hours(ts, self.rng)
        return moved if moved <= self.end else ts

    def lag(self) -> int:
        return int(self.rng.uniform(600, DAY)) if self.rng.random() < 0.35 else int(self.rng.uniform(1, 14) * DAY)

    def budget(self, segment: int) -> int:
        if self.rng.random() < 0.1:
            return 0
        return int(round(ANNUAL_GMV_M[min(segment, 4)] * lognormal(self.rng, 1.0, 0.7) * 1e6 / 10_000) * 10_000)

    def other_name(self) -> str:
        rng = self.rng
        first, last, _ = person(rng)
        name = f"{brand(rng)} ({first} {last})" if rng.random() < 0.5 else f"{brand(rng)} {rng.choice(CITIES)}"
        while normalise(name) in self.taken_names:
            name += f" {int(rng.integers(2, 99))}"
        return name

    def same_name(self, name: str) -> str:
        """A differently typed name that normalises to the same text (the `name` linking rule finds it)."""
        core = re.sub(r'[«»"]', "", re.sub(r"^(ООО|АНО|ИП)\s+", "", name)).strip()
        form = "ИП" if name.startswith("ИП ") else "ООО"
        options = [core, f"{core} {form}", f'"{core}"', core.upper(), f"{form} {core}", core.lower()]
        for k in self.rng.permutation(len(options)):
            if options[k] != name and normalise(options[k]) == normalise(name):
                return options[k]
        return name

    # --- companies -----------------------------------------------------------------------------------
    def company_for(self, i: int, created: int, owner: int) -> int | None:
        if i in self.partner_company:
            return self.partner_company[i]
        p, rng = self.p, self.rng
        ev = self.evidence[i]
        if ev == "none" and rng.random() < 0.5:
            self.partner_company[i] = None  # type: ignore[assignment]
            return None
        if ev == "name" or (ev in ("lead_account_id", "company_account_id") and rng.random() < 0.5):
            name = self.same_name(p.names[i])
        else:
            name = self.other_name()
        value = p.inn[i]
        inn = None
        if value and (ev == "inn" or (ev in ("lead_account_id", "company_account_id") and rng.random() < 0.6)):
            inn = spaced_inn(value) if rng.random() < 0.2 else value
        account = p.ids[i] if ev == "company_account_id" or (ev == "lead_account_id" and rng.random() < 0.4) else None
        responsible = p.account_manager[i] if p.account_manager[i] != NONE else owner
        city = str(rng.choice(CITIES)) if rng.random() < 0.5 else None
        self.companies.append(Company(created, name, int(responsible), inn, account, city))
        self.partner_company[i] = len(self.companies) - 1
        return self.partner_company[i]

    def assign_evidence(self, i: int) -> str:
        if i not in self.evidence:
            ev = str(self.rng.choice([e for e, _ in EVIDENCE], p=[w for _, w in EVIDENCE]))
            if ev == "inn" and self.p.inn[i] not in self.unique_inn:
                ev = "company_account_id"
            self.evidence[i] = ev
        return self.evidence[i]

    # --- deals of partners ---------------------------------------------------------------------------
    def partner_deal(self, i: int, first_sale: int | None) -> None:
        p, rng, nb = self.p, self.rng, S.NB
        reg = int(p.created[i])
        created = self.hours(reg - int(np.clip(lognormal(rng, 25 * DAY, 0.8), DAY, 150 * DAY)))
        owner = self.staff.pick(rng, "sales", created).index
        inbound = rng.random() < 0.35
        path = Path(created, S.NEW_BUSINESS, (nb["unsorted"] if inbound else nb["contact"]).id, self.end, rng)
        steps = ["contact", "meeting", "proposal", "contract_talks"][0 if inbound else 1 :]
        if rng.random() < 0.1:
            steps.remove("meeting")
        fractions = np.sort(rng.random(len(steps))) * 0.9
        for k, f in zip(steps, fractions, strict=True):
            path.to(created + f * (reg - created), S.NEW_BUSINESS, nb[k].id)
        operator = p.role[i] == "agent"
        if p.approved[i] != NONE and rng.random() > 0.08:
            path.to(p.approved[i] + self.lag(), S.NEW_BUSINESS, nb["signed"].id)
        if p.widget[i] != NONE and not operator:
            path.to(p.widget[i] + self.lag(), S.NEW_BUSINESS, nb["widget"].id)
        deal = Deal(
            created,
            owner,
            [],
            "",
            self.budget(int(p.segment[i])),
            partner=i,
            kind="operator" if operator else "organizer",
            source="inbound"
            if inbound
            else str(rng.choice(["outbound", "referral", "event", "agent"], p=[0.46, 0.23, 0.15, 0.16])),
        )
        if first_sale is not None:
            r = rng.random()
            if r < 0.10:
                self.injected["never_moved_to_won"].append(deal)
            elif r < 0.15 and path.last < first_sale - 2 * DAY:
                if path.to(
                    first_sale - rng.uniform(DAY, max(1.5 * DAY, min(7 * DAY, first_sale - path.last - DAY))),
                    S.NEW_BUSINESS,
                    S.WON,
                ):
                    self.injected["won_before_first_sale"].append(deal)
            else:
                path.to(max(first_sale + self.lag(), path.last), S.NEW_BUSINESS, S.WON)
        elif p.approved[i] == NONE:
            if path.to(reg + lognormal(rng, 30 * DAY, 0.6), S.NEW_BUSINESS, S.LOST):
                deal.loss_reason = self.loss_reason()
        elif p.approved[i] < self.end - 120 * DAY:
            if path.to(p.approved[i] + lognormal(rng, 60 * DAY, 0.5), S.NEW_BUSINESS, S.LOST):
                deal.loss_reason = S.LOSS_REASONS[2][0]
        self.finish_partner_deal(deal, i, path)

    def retro_deal(self, i: int, first_sale: int) -> None:
        """A self-serve client that started selling; a manager logs the deal afterwards, straight to won."""
        rng = self.rng
        created = self.hours(first_sale + int(rng.uniform(1, 30) * DAY))
        if created > self.end:
            return
        owner = self.staff.pick(rng, "sales", created).index
        path = Path(created, S.NEW_BUSINESS, S.NB["widget"].id, self.end, rng)
        path.to(created + int(rng.integers(300, 3 * DAY)), S.NEW_BUSINESS, S.WON)
        deal = Deal(
            created,
            owner,
            [],
            "",
            self.budget(int(self.p.segment[i])),
            partner=i,
            kind="operator" if self.p.role[i] == "agent" else "organizer",
            source="inbound",
        )
        self.injected["retroactive_deals"].append(deal)
        self.finish_partner_deal(deal, i, path)

    def dev_deal(self, i: int, first_sale: int) -> None:
        p, rng, dev = self.p, self.rng, S.DEV
        lo = first_sale + 30 * DAY
        if lo >= self.end - 5 * DAY:
            return
        created = self.hours(int(rng.uniform(lo, self.end - 5 * DAY)))
        am = self.staff.all[p.account_manager[i]]
        owner = (
            am.index
            if am.active_at(created) and am.role == "development"
            else self.staff.pick(rng, "development", created).index
        )
        path = Path(created, S.DEVELOPMENT, dev["potential"].id, self.end, rng)
        t, deal_reason = created, None
        for key, conv, med in (("talks", 0.7, 7), ("agreed", 0.6, 14), ("launched", 0.85, 10), ("won", 1.0, 5)):
            t += int(lognormal(rng, med * DAY, 0.7))
            if rng.random() > conv:
                if path.to(t, S.DEVELOPMENT, S.LOST):
                    deal_reason = self.loss_reason()
                break
            path.to(t, S.DEVELOPMENT, S.WON if key == "won" else dev[key].id)
        short = normalise(p.names[i]).title()[:30]
        deal = Deal(
            created,
            owner,
            [],
            f"{short} — {rng.choice(DEV_TOPICS)}",
            int(self.budget(int(p.segment[i])) * rng.uniform(0.1, 0.3) // 10_000 * 10_000),
            partner=i,
            kind="operator" if p.role[i] == "agent" else "organizer",
            loss_reason=deal_reason,
        )
        deal.path = path.moves
        deal.company = self.company_for(i, created, owner)
        if self.evidence[i] == "lead_account_id" or (rng.random() < 0.5 and self.evidence[i] == "company_account_id"):
            deal.lead_account = p.ids[i]
        self.deals.append(deal)

    def finish_partner_deal(self, deal: Deal, i: int, path: Path) -> None:
        p, rng = self.p, self.rng
        deal.path = path.moves
        ev = self.assign_evidence(i)
        deal.company = self.company_for(i, deal.created, deal.owner)
        deal.lead_account = p.ids[i] if ev == "lead_account_id" else None
        if ev == "none":
            deal.name = "Сделка #{id}"
        else:
            r = rng.random()
            base = self.companies[deal.company].name if deal.company is not None else p.names[i]
            deal.name = base if r < 0.6 else ("Сделка #{id}" if r < 0.85 else f"{base} — подключение")
        deal.cold = True if deal.source == "outbound" else (False if rng.random() < 0.5 else None)
        self.deals.append(deal)

    # --- prospects: leads that never became partners --------------------------------------------------
    def prospect(self, moved_back: bool) -> None:
        rng, nb = self.rng, S.NB
        lo = self.start - 90 * DAY
        while True:
            created = self.hours(int(rng.uniform(lo, self.end)))
            month = int(np.datetime64(created, "s").astype("datetime64[M]").astype(int) % 12)
            if rng.random() < LEAD_SEASON[month] / LEAD_SEASON.max():
                break
        owner = self.staff.pick(rng, "sales", created).index
        source = str(
            rng.choice(["inbound", "outbound", "referral", "event", "agent"], p=[0.35, 0.30, 0.15, 0.10, 0.10])
        )
        segment = int(rng.choice(5, p=SEGMENT_SHARE / SEGMENT_SHARE.sum()))
        deal = Deal(
            created,
            owner,
            [],
            "",
            self.budget(segment),
            source=source,
            kind="operator" if rng.random() < 0.08 else "organizer",
        )
        archive_until = self.start + 60 * DAY
        if created < archive_until and rng.random() < 0.3:
            path = Path(created, S.ARCHIVE, S.OLD["request"].id, self.end, rng)
            if rng.random() < 0.6:
                path.to(created + lognormal(rng, 5 * DAY, 0.8), S.ARCHIVE, S.OLD["work"].id)
            path.to(min(archive_until, path.last + lognormal(rng, 20 * DAY, 0.8)), S.ARCHIVE, S.LOST)
            deal.loss_reason = self.loss_reason() if path.moves[-1][2] == S.LOST else None
        else:
            inbound = source == "inbound"
            path = Path(created, S.NEW_BUSINESS, (nb["unsorted"] if inbound else nb["contact"]).id, self.end, rng)
            steps = [("contact", 0.8, 1), ("meeting", 0.45, 6), ("proposal", 0.65, 4), ("contract_talks", 0.65, 8)]
            if not inbound:
                steps = steps[1:]
            t = created
            for key, conv, med in steps:
                t = path.last + int(lognormal(rng, med * DAY, 0.8))
                if rng.random() > conv:
                    break
                if not path.to(t, S.NEW_BUSINESS, nb[key].id):
                    break
                if key == "proposal" and moved_back:
                    back = path.to(path.last + lognormal(rng, 3 * DAY, 0.5), S.NEW_BUSINESS, nb["meeting"].id)
                    if back and path.to(path.last + lognormal(rng, 4 * DAY, 0.5), S.NEW_BUSINESS, nb["proposal"].id):
                        self.injected["deal_moved_back"].append(deal)
                    moved_back = False
            else:
                t = path.last + int(lognormal(rng, 10 * DAY, 0.8))
            if rng.random() < 0.9 and path.to(t + lognormal(rng, 5 * DAY, 0.8), S.NEW_BUSINESS, S.LOST):
                deal.loss_reason = self.loss_reason()
        deal.path = path.moves
        deal.cold = True if source == "outbound" else (False if rng.random() < 0.5 else None)
        deal.events_per_year = int(rng.integers(1, 60)) if rng.random() < 0.4 else None
        if rng.random() < 0.6:
            name = self.other_name()
            first, last, _ = person(rng)
            lt = str(rng.choice(["ru_ltd", "ru_ip"], p=[0.7, 0.3]))
            name = legal_name(rng, lt, name.split(" (")[0], (first, last, False))
            if normalise(name) in self.taken_names:
                name = self.other_name()
            value = make_inn(rng, lt) if rng.random() < 0.5 else None
            if value in self.all_inn:
                value = None
            self.companies.append(
                Company(created, name, owner, value, None, str(rng.choice(CITIES)) if rng.random() < 0.5 else None)
            )
            deal.company = len(self.companies) - 1
            deal.name = name if rng.random() < 0.6 else "Сделка #{id}"
        else:
            first, last, _ = person(rng)
            deal.name = f"{first} {last}" if rng.random() < 0.5 else "Сделка #{id}"
        self.deals.append(deal)

    def loss_reason(self) -> int:
        weights = np.array([w for _, _, w in S.LOSS_REASONS])
        return S.LOSS_REASONS[int(self.rng.choice(len(weights), p=weights / weights.sum()))][0]


def _unique(values: list[str]) -> set[str]:
    uniq, counts = np.unique(np.array(values), return_counts=True)
    return set(uniq[counts == 1].tolist())
