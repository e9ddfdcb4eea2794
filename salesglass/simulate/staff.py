"""The company's people: one list that is both the amoCRM users and the back-office `managers` table.

Sales managers work the "New business" pipeline, development managers the "Development" pipeline and
the partners' `account_manager_email`; about one sales manager in five leaves during the history (the
amoCRM user stays, inactive) and is replaced by a new hire.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from salesglass.simulate.common import DAY
from salesglass.simulate.names import latin, person
from salesglass.simulate.scales import Scale

DOMAIN = "biletoid.ru"
GROUPS = {
    "sales": (401001, "Отдел продаж"),
    "development": (401002, "Развитие клиентов"),
    "support": (401003, "Поддержка"),
}


@dataclass
class Manager:
    index: int
    user_id: int  # amoCRM user id
    name: str
    email: str
    role: str  # back-office role: sales / development / support
    hired_ts: int
    left_ts: int | None
    is_admin: bool = False

    def active_at(self, ts: int) -> bool:
        return self.hired_ts <= ts and (self.left_ts is None or ts < self.left_ts)


class Staff:
    """All managers, with helpers to pick who was employed at a given moment (deterministically)."""

    def __init__(self, managers: list[Manager]) -> None:
        self.all = managers
        self.by_email = {m.email: m for m in managers}
        self._points: dict[str, list[int]] = {}
        self._pools: dict[tuple[str, int], list[Manager]] = {}

    def of_role(self, role: str) -> list[Manager]:
        return [m for m in self.all if m.role == role and not m.is_admin]

    def pick(self, rng: np.random.Generator, role: str, ts: int) -> Manager:
        """A manager of `role` employed at `ts` (the nearest hire if nobody was employed yet)."""
        if role not in self._points:  # who is employed only changes at hire/leave moments
            self._points[role] = sorted(
                {t for m in self.of_role(role) for t in (m.hired_ts, m.left_ts) if t is not None}
            )
        key = (role, bisect_right(self._points[role], ts))
        pool = self._pools.get(key)
        if pool is None:
            pool = [m for m in self.of_role(role) if m.active_at(ts)]
            if pool:
                self._pools[key] = pool
            else:
                pool = sorted(self.of_role(role), key=lambda m: (abs(m.hired_ts - ts), m.index))[:1]
        return pool[int(rng.integers(len(pool)))]


def build_staff(rng: np.random.Generator, scale: Scale, start_ts: int, end_ts: int) -> Staff:
    span = end_ts - start_ts
    managers: list[Manager] = []
    emails: set[str] = set()
    next_id = 6_100_000 + int(rng.integers(0, 90_000))

    def add(role: str, hired: int, left: int | None, admin: bool = False) -> None:
        nonlocal next_id
        first, last, _ = person(rng)
        base = f"{latin(first)[0]}.{latin(last)}"
        email, k = f"{base}@{DOMAIN}", 2
        while email in emails:
            email, k = f"{base}{k}@{DOMAIN}", k + 1
        emails.add(email)
        managers.append(Manager(len(managers), next_id, f"{first} {last}", email, role, hired, left, admin))
        next_id += int(rng.integers(1, 400))

    early = start_ts - 500 * DAY
    add("sales", early, None, admin=True)  # head of sales: account owner, runs the integration, no deals
    n_leave = max(1, round(scale.sales_managers * 0.2)) if scale.sales_managers >= 3 else 0
    n_stay = scale.sales_managers - 2 * n_leave
    for _ in range(n_stay):
        add("sales", early + int(rng.integers(0, 300)) * DAY, None)
    for _ in range(n_leave):
        left = start_ts + int(span * rng.uniform(0.25, 0.8))
        add("sales", early + int(rng.integers(0, 300)) * DAY, left)
        add("sales", left - int(rng.integers(5, 20)) * DAY, None)  # the replacement
    dev_leave = max(1, scale.dev_managers // 8) if scale.dev_managers >= 3 else 0
    for i in range(scale.dev_managers - dev_leave):
        hired = early if i < max(1, scale.dev_managers // 2) else start_ts + int(span * rng.uniform(0.1, 0.6))
        add("development", hired, None)
    for _ in range(dev_leave):
        add("development", early, start_ts + int(span * rng.uniform(0.4, 0.8)))
    for _ in range(scale.support_managers):
        add("support", early, None)
    return Staff(managers)
