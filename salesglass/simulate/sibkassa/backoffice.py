"""Сибкасса's back-office: CSV files in the canonical layout, with numeric account ids and zoned times.

`backoffice/partners.csv`, `widget_installs.csv`, `events.csv` and `sales.csv` carry the canonical column names
(docs/model.md) so the platform source reads them with no column mapping: money in rubles with two
decimals, refunds as negative rows (`refund:<id>`), timestamps as `YYYY-MM-DD HH:MM:SS+07:00`. They are
made from the engine's SQLite back-office with the demo config's own rules (a sale is a done order that
is not an invitation, a refund an approved refund request, partner kinds org/agent, ИНН digits only).
"""

from __future__ import annotations

import csv
import sqlite3
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from salesglass.simulate.sibkassa.people import email
from salesglass.simulate.sibkassa.placed import Placed
from salesglass.simulate.sibkassa.zone import OFFSET, wall_clock, zoned

PARTNER_COLUMNS = (
    "partner_id",
    "name",
    "kind",
    "inn",
    "created_at",
    "contract_signed_at",
    "development_manager_email",
    "is_support",
)
WIDGET_COLUMNS = ("widget_id", "partner_id", "installed_at")
EVENT_COLUMNS = ("event_id", "partner_id", "name", "show_at", "created_at")
SALE_COLUMNS = ("sale_id", "partner_id", "event_id", "sold_at", "tickets", "turnover", "revenue", "cost", "channel")


@dataclass
class Rows:
    """What was written, for truth/: partners (id → kind) and sales (partner, UTC s, local text, numbers)."""

    partners: dict[str, str] = field(default_factory=dict)
    sales: list[tuple[str | None, int, str, int, int, int, int]] = field(default_factory=list)


def partner_ids(db: Path) -> dict[str, str]:
    """Engine partner id (24-hex) → numeric account id: partners by registration from 100001, then the
    ids of hard-deleted accounts that orders still name, from 990001."""
    con = sqlite3.connect(db)
    try:
        known = [r[0] for r in con.execute("SELECT partner_id FROM partners ORDER BY created_at, partner_id")]
        unknown = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT org_id FROM orders WHERE org_id IS NOT NULL AND org_id NOT IN "
                "(SELECT partner_id FROM partners) ORDER BY 1"
            )
        ]
    finally:
        con.close()
    ids = {pid: str(100_001 + k) for k, pid in enumerate(known)}
    ids.update({pid: str(990_001 + k) for k, pid in enumerate(unknown)})
    return ids


def rubles(kop: int) -> str:
    sign = "-" if kop < 0 else ""
    whole, cents = divmod(abs(int(kop)), 100)
    return f"{sign}{whole}.{cents:02d}"


def write(db: Path, folder: Path, ids: dict[str, str], placed: Placed) -> Rows:
    folder.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(db)
    rows = Rows()
    try:
        _partners(con, folder / "partners.csv", ids, placed, rows)
        _widgets(con, folder / "widget_installs.csv", ids)
        _events(con, folder / "events.csv", ids)
        _sales(con, folder / "sales.csv", ids, placed, rows)
    finally:
        con.close()
    return rows


def _writer(path: Path, header: tuple[str, ...]):
    fh = path.open("w", newline="", encoding="utf-8")
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(header)
    return fh, w


def _partners(con: sqlite3.Connection, path: Path, ids: dict[str, str], placed: Placed, rows: Rows) -> None:
    fh, w = _writer(path, PARTNER_COLUMNS)
    with fh:
        for pid, name, role, inn, created, approved, manager, support in con.execute(
            "SELECT partner_id, name, role, inn, created_at, approved_at, account_manager_email, is_support "
            "FROM partners ORDER BY created_at, partner_id"
        ):
            kind = "operator" if role == "agent" else "organizer"
            digits = "".join(ch for ch in inn or "" if ch.isdigit())
            w.writerow(
                [
                    ids[pid],
                    name,
                    kind,
                    digits,
                    zoned(created),
                    zoned(approved),
                    email(manager) or "",
                    "true" if support else "false",
                ]
            )
            rows.partners[ids[pid]] = kind
        for key in sorted(placed.partners):
            created = f"{(placed.week - timedelta(days=30)).isoformat()} 10:00:00"  # registered a month before
            w.writerow([placed.partners[key], placed.names[key], "organizer", "", zoned(created), "", "", "false"])
            rows.partners[placed.partners[key]] = "organizer"


def _widgets(con: sqlite3.Connection, path: Path, ids: dict[str, str]) -> None:
    fh, w = _writer(path, WIDGET_COLUMNS)
    with fh:
        for wid, owner, installed in con.execute(
            "SELECT widget_id, owner_partner_id, installed_at FROM widgets WHERE installed_at IS NOT NULL "
            "ORDER BY widget_id"
        ):
            w.writerow([wid, ids[owner], zoned(installed)])


def _events(con: sqlite3.Connection, path: Path, ids: dict[str, str]) -> None:
    """The engine's shows start at a naive UTC time (`start_at_utc`): its Moscow wall clock (UTC+3) is
    Сибкасса's Novosibirsk one, as for every other time here; created_at is Moscow wall clock already."""
    fh, w = _writer(path, EVENT_COLUMNS)
    with fh:
        for eid, org, name, start, created in con.execute(
            "SELECT event_id, org_id, name, datetime(start_at_utc, '+3 hours'), created_at FROM events ORDER BY 1"
        ):
            w.writerow([eid, ids.get(org, org) if org is not None else "", name, zoned(start), zoned(created)])


def _rub(col: str) -> str:
    """Kopecks → '1234.56' / '-0.50' inside SQLite (exact integer arithmetic, no per-row Python)."""
    return (
        f"(CASE WHEN {col} < 0 THEN '-' ELSE '' END || (abs({col}) / 100) || '.' || "
        f"substr('0' || (abs({col}) % 100), -2))"
    )


_ORDER_CHANNEL = (
    "CASE WHEN o.vendor_id IS NULL OR o.vendor_id = o.org_id THEN 'widget' ELSE COALESCE(v.name, o.vendor_id) END"
)
_SALES = f"""
SELECT sale_id, org_id, event_id, at, CAST(strftime('%s', at) AS INTEGER) - {7 * 3600}, tickets, turnover, revenue,
       cost, {_rub("turnover")}, {_rub("revenue")}, {_rub("cost")}, channel
FROM (
  SELECT o.order_id AS sale_id, o.org_id, o.event_id, o.done_at AS at, o.tickets_quantity AS tickets,
         o.full_kop AS turnover, o.profit_core_kop AS revenue, o.acquiring_cost_kop + o.agent_commission_kop AS cost,
         {_ORDER_CHANNEL} AS channel
  FROM orders o LEFT JOIN partners v ON v.partner_id = o.vendor_id
  WHERE o.status = 'done' AND o.is_invitation = 0
  UNION ALL
  SELECT 'refund:' || r.refund_id, o.org_id, o.event_id, r.finished_at, -r.tickets_quantity, -r.refund_full_kop,
         -r.refund_core_kop, -r.refund_cost_kop, {_ORDER_CHANNEL}
  FROM refund_requests r JOIN orders o ON o.order_id = r.order_id LEFT JOIN partners v ON v.partner_id = o.vendor_id
  WHERE r.status = 'approved')
ORDER BY 1"""


def _sales(con: sqlite3.Connection, path: Path, ids: dict[str, str], placed: Placed, rows: Rows) -> None:
    fh, w = _writer(path, SALE_COLUMNS)
    with fh:
        for sale_id, org, event, at, ts, tickets, turnover, revenue, cost, t_rub, r_rub, c_rub, channel in con.execute(
            _SALES
        ):
            partner = ids[org] if org is not None else None
            channel = channel if channel == "widget" else ids.get(channel, channel)  # an unnamed agent: its id
            w.writerow([sale_id, partner or "", event, at + OFFSET, tickets, t_rub, r_rub, c_rub, channel])
            rows.sales.append((partner, ts, at, tickets, turnover, revenue, cost))
        for s in placed.sales:
            local = wall_clock(s.at)
            w.writerow(
                [
                    f"placed:{s.key}",
                    s.partner,
                    "",
                    zoned(local),
                    s.tickets,
                    rubles(s.turnover_kop),
                    rubles(s.revenue_kop),
                    rubles(s.cost_kop),
                    "widget",
                ]
            )
            rows.sales.append((s.partner, s.at, local, s.tickets, s.turnover_kop, s.revenue_kop, s.cost_kop))
