"""The back-office SQLite file: schema from backoffice.sql, small tables at once, orders chunk by chunk.

Written inside one transaction with journal_mode=OFF and synchronous=OFF (a generated file, rebuilt on
failure); rows are inserted in a fixed order, so the same input gives the same bytes.
"""

from __future__ import annotations

import sqlite3
from contextlib import ExitStack
from importlib import resources
from pathlib import Path

import numpy as np

from salesglass.simulate.common import DAY, lognormal, msk_date_text, msk_text, object_ids
from salesglass.simulate.names import latin, normalise
from salesglass.simulate.orders import Chunk
from salesglass.simulate.partners import NONE, Partners
from salesglass.simulate.staff import Staff
from salesglass.sql import transaction

TAG_CONTRACT, TAG_WIDGET, TAG_MANAGER = 2, 3, 7
ORDER_COLUMNS = (
    "order_id",
    "number",
    "origin",
    "status",
    "event_id",
    "org_id",
    "vendor_id",
    "created_at",
    "done_at",
    "is_invitation",
    "tickets_quantity",
    "nominal_kop",
    "extra_org_kop",
    "full_kop",
    "acquiring_cost_kop",
    "agent_commission_kop",
    "profit_core_kop",
    "updated_at",
)  # currency: the schema's default 'RUB'


def schema_sql() -> str:
    return resources.files("salesglass.simulate").joinpath("backoffice.sql").read_text(encoding="utf-8")


class Backoffice:
    def __init__(self, path: Path) -> None:
        self.con = sqlite3.connect(path, isolation_level=None)
        # ignore_check_constraints: the rows are generated to satisfy the CHECKs (a test runs integrity_check);
        # evaluating the IN-lists costs about as much as the inserts themselves
        for pragma in (
            "journal_mode=OFF",
            "synchronous=OFF",
            "cache_size=-262144",
            "temp_store=MEMORY",
            "ignore_check_constraints=ON",
        ):
            self.con.execute(f"PRAGMA {pragma}")
        self.con.executescript(schema_sql())
        # one transaction for the whole file (the bulk inserts run at memory speed), committed by close()
        self._writing = ExitStack()
        self._writing.enter_context(transaction(self.con))

    def insert(self, table: str, rows: list[tuple]) -> None:
        if rows:
            marks = ",".join("?" * len(rows[0]))
            self.con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)

    def insert_columns(self, table: str, columns: list[np.ndarray], names: tuple[str, ...] | None = None) -> None:
        target = f"{table} ({', '.join(names)})" if names else table
        sql = f"INSERT INTO {target} VALUES ({','.join('?' * len(columns))})"
        for lo in range(0, len(columns[0]), 50_000):  # Python objects for a slice at a time (memory)
            part = [c[lo : lo + 50_000] for c in columns]
            rows = zip(*(c.astype(str).tolist() if c.dtype.kind == "S" else c.tolist() for c in part), strict=True)
            self.con.executemany(sql, rows)

    def write_chunk(self, chunk: Chunk) -> None:
        self.insert_columns("events", chunk.events)
        self.insert_columns("orders", chunk.orders, ORDER_COLUMNS)
        self.insert_columns("refund_requests", chunk.refunds)

    def close(self) -> None:
        # an index on each watermark column, as a back-office that feeds incremental exports has: without
        # it, every incremental load scans all orders (~2.5 CPU-s at scale m, docs/scale.md). Built once the
        # rows are in (cheaper than keeping it up to date row by row)
        for table in ("partners", "orders", "refund_requests"):
            self.con.execute(f"CREATE INDEX {table}_updated_at ON {table} (updated_at)")
        self._writing.close()
        self.con.close()


def manager_rows(staff: Staff) -> list[tuple]:
    ids = object_ids(np.array([m.hired_ts for m in staff.all]), TAG_MANAGER, np.arange(len(staff.all)))
    rows = []
    for m, mid in zip(staff.all, ids, strict=True):
        left = None if m.left_ts is None else str(msk_date_text(np.array([m.left_ts]))[0])
        rows.append((mid, m.email, m.name, m.role, str(msk_date_text(np.array([m.hired_ts]))[0]), left))
    return rows


def partner_rows(rng: np.random.Generator, p: Partners, staff: Staff, end: int) -> tuple[list, list, list]:
    """partners, contracts and widgets rows; also records each partner's status on `p.extras`."""
    n = p.n
    approved = p.approved != NONE
    inactive = approved & (p.active_until < end - 365 * DAY) & (rng.random(n) < 0.6)
    status = np.where(~approved, "new", np.where(inactive, "inactive", "approved"))
    removed = ~approved & (rng.random(n) < 0.05)
    touched = np.maximum.reduce([p.created, p.approved, p.widget, np.minimum(p.active_until, end)])
    updated = np.minimum(touched + rng.integers(0, 30 * DAY, n), end)
    p.extras["status"] = status
    emails = [m.email for m in staff.all]
    partners = []
    created_t, approved_t, updated_t = msk_text(p.created), msk_text(np.maximum(p.approved, 0)), msk_text(updated)
    for i in range(n):
        partners.append(
            (
                p.ids[i],
                p.names[i],
                str(p.role[i]),
                str(status[i]),
                p.legal_type[i],
                p.inn_text[i],
                str(created_t[i]),
                str(approved_t[i]) if approved[i] else None,
                emails[p.sale_manager[i]] if p.sale_manager[i] != NONE else None,
                emails[p.account_manager[i]] if p.account_manager[i] != NONE else None,
                int(p.is_support[i]),
                float(p.commission_pct[i]),
                int(removed[i]),
                str(updated_t[i]),
            )
        )
    contracts = _contracts(rng, p, status, end)
    widgets = _widgets(rng, p, end)
    return partners, contracts, widgets


def _contracts(rng: np.random.Generator, p: Partners, status: np.ndarray, end: int) -> list[tuple]:
    items: list[tuple[int, int, str]] = []  # (partner, issued, type)
    for i in np.flatnonzero(p.approved != NONE).tolist():
        items.append((i, int(p.approved[i]), "agent_agreement" if p.role[i] == "agent" else "offer_org"))
        if rng.random() < 0.2:
            when = int(p.approved[i]) + int(rng.integers(30, 400)) * DAY
            if when < end:
                items.append((i, when, "addendum"))
        if status[i] == "inactive":
            items.append((i, min(end - DAY, int(p.active_until[i]) + 30 * DAY), "termination"))
    ts = np.array([it[1] for it in items], dtype=np.int64)
    ids = object_ids(ts, TAG_CONTRACT, np.arange(len(items)))
    issued = msk_text(ts)
    numbers = rng.integers(10_000_000, 99_999_999, len(items))
    rows = [
        (
            cid,
            p.ids[i],
            f"{'А' if kind == 'agent_agreement' else 'О'}-{num}-{int(num) % 9 + 1}",
            kind,
            str(issued[k]),
            0,
        )
        for k, (cid, (i, _, kind), num) in enumerate(zip(ids, items, numbers, strict=True))
    ]
    return sorted(rows)


def _widgets(rng: np.random.Generator, p: Partners, end: int) -> list[tuple]:
    items: list[tuple[int, int, int | None]] = []  # (partner, created, installed)
    for i in range(p.n):
        if p.widget[i] != NONE:
            made = max(int(p.approved[i]), int(p.widget[i] - lognormal(rng, 2 * DAY, 1.0)))
            items.append((i, made, int(p.widget[i])))
            if rng.random() < 0.3:
                later = int(p.widget[i]) + int(rng.integers(10, 300)) * DAY
                if later < end:
                    items.append((i, later - DAY, later if rng.random() < 0.7 else None))
        elif p.approved[i] != NONE and p.role[i] == "org" and rng.random() < 0.3:
            items.append((i, int(p.approved[i]) + int(rng.integers(1, 20)) * DAY, None))  # code made, never live
    items = [it for it in items if it[1] < end]
    ts = np.array([it[1] for it in items], dtype=np.int64)
    ids = object_ids(ts, TAG_WIDGET, np.arange(len(items)))
    rows = []
    for wid, (i, made, installed) in zip(ids, items, strict=True):
        site = latin(normalise(p.names[i])).replace(" ", "-")[:40].strip("-") or "site"
        active = installed is not None and p.active_until[i] > end - 30 * DAY
        seen = None if installed is None else min(end, max(installed, int(p.active_until[i])))
        rows.append(
            (
                wid,
                p.ids[i],
                f"{site}.ru",
                str(msk_text(np.array([made]))[0]),
                None if installed is None else str(msk_text(np.array([installed]))[0]),
                None if seen is None else str(msk_text(np.array([seen]))[0]),
                int(active),
            )
        )
    return sorted(rows)
