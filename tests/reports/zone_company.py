"""A tiny company whose every event sits on a calendar edge, written in the account's own wall-clock time.

`data(zone)` turns each local time into the UTC instant the warehouse stores, so where an event must
count is read off the wall time below, whatever the zone: 23:59 on 31 December is December, 2026, the
ISO week starting Monday 28 December; 00:00 on 1 January is January, 2027, and the same week (ISO week
53 of 2026 runs Mon 28 Dec 2026 – Sun 3 Jan 2027: two years, two months, one week).

as_of = Sunday 3 January 2027: the last day of that week. January is the running month (3 of 31 days
elapsed), Q1 (3 of 90) and 2027 (3 of 365) the running quarter and year; December, Q4 and 2026 are
complete. Sales at 00:00 on 4 January (local) are after the cut-off.

Partners (development manager Vera, 3; their deals sold by Anna, 1), first sales at an edge each:
- PL "Leap":   23:59 on Thu 29 Feb 2024 (first sale, Feb) and 00:00 on Fri 1 Mar 2024 (March);
- PS "Sunday": 23:59 on Sun 31 May 2026 (a month-end on a Sunday: May, week of Mon 25 May) and 00:00 on
               Mon 1 Jun 2026 (June, week of Mon 1 Jun);
- PY "Year":   23:59 on Thu 31 Dec 2026, 00:00 on Fri 1 Jan 2027, 23:59 on Sun 3 Jan 2027 (as_of's last
               minute: counts), 00:00 on Mon 4 Jan 2027 (after as_of: not yet);
- PD "Down":   the declining one. Its windows as of 3 Jan 2027: recent = 7 Dec 2026 … 3 Jan 2027 (28 days),
               baseline = 14 Sep … 6 Dec 2026 (84 days). 23:59 on 13 Sep (first sale, just before the
               baseline: left out), 00:00 on 14 Sep and 23:59 on 6 Dec (the baseline's first and last
               minutes), 00:00 on 7 Dec (recent's first minute).
Deals (Anna's): 1 (PY) created 00:00 Mon 28 Dec 2026, first sale and won 23:59 Thu 31 Dec 2026 (December,
week 28 Dec), price 120 000; 2 (PS) created 23:59 Sun 31 May 2026 (May, week 25 May), won at PS's
00:00 1 Jun sale (June, week 1 Jun); 3 (no partner) created 23:59 Sun 27 Dec 2026 (week 21 Dec, December);
4 created 00:00 Mon 4 Jan 2027: after as_of, not there yet.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

AS_OF = date(2027, 1, 3)
M = Decimal

# every zone that breaks naive code, and Moscow as the control
ZONES = [
    "Asia/Kathmandu",  # +05:45
    "Pacific/Kiritimati",  # +14: its day starts while it is still yesterday in UTC
    "Pacific/Pago_Pago",  # −11
    "America/St_Johns",  # −03:30, DST
    "Australia/Lord_Howe",  # +10:30 / +11: a 30-minute DST shift
    "Europe/Berlin",  # DST nights
    "Europe/Moscow",
]


def at(zone: str, *wall: int) -> datetime:
    """A wall time of the account, as the UTC instant the warehouse stores."""
    return datetime(*wall, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def _sale(zone: str, sid: str, partner: str, wall: tuple, turnover: str, tickets: int = 1) -> dict:
    money = M(turnover)
    return dict(
        sale_id=sid,
        partner_id=partner,
        event_id=None,
        sold_at=at(zone, *wall),
        tickets=tickets,
        turnover=money,
        revenue=money / 10,
        cost=money / 100,
        channel="widget",
    )


def _partner(pid: str, name: str) -> dict:
    return dict(
        partner_id=pid,
        name=name,
        kind="organizer",
        development_manager_id=3,
        contract_signed_at=None,
        widget_installed_at=None,
        is_support=False,
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
    )


def _deal(zone: str, i: int, partner: str | None, created: tuple, won: tuple | None = None, price: str = "0") -> dict:
    return dict(
        deal_id=i,
        name=f"deal {i}",
        pipeline_id=1,
        status_id=142 if won else 10,
        price=M(price),
        sales_manager_id=1,
        partner_id=partner,
        client_kind="organizer",
        is_cold=False,
        created_at=at(zone, *created),
        updated_at=at(zone, *created),
        closed_at=at(zone, *won) if won else None,
        is_won=won is not None,
        is_lost=False,
        is_deleted=False,
    )


def data(zone: str) -> dict:
    deals = [
        _deal(zone, 1, "PY", (2026, 12, 28, 0, 0), won=(2026, 12, 31, 23, 59), price="120000.00"),
        _deal(zone, 2, "PS", (2026, 5, 31, 23, 59), won=(2026, 6, 1, 0, 0), price="60000.00"),
        _deal(zone, 3, None, (2026, 12, 27, 23, 59)),
        _deal(zone, 4, None, (2027, 1, 4, 0, 0)),
    ]
    stages = [dict(deal_id=d["deal_id"], stage="lead", reached_at=d["created_at"], source="created") for d in deals]
    stages += [
        dict(deal_id=1, stage="first_sale", reached_at=deals[0]["closed_at"], source="amocrm"),
        dict(deal_id=2, stage="first_sale", reached_at=deals[1]["closed_at"], source="amocrm"),
    ]
    sales = [
        _sale(zone, "leap-last", "PL", (2024, 2, 29, 23, 59), "1000.00"),
        _sale(zone, "leap-next", "PL", (2024, 3, 1, 0, 0), "2000.00"),
        _sale(zone, "sunday-last", "PS", (2026, 5, 31, 23, 59), "1000.00"),
        _sale(zone, "sunday-next", "PS", (2026, 6, 1, 0, 0), "2000.00"),
        _sale(zone, "year-last", "PY", (2026, 12, 31, 23, 59), "4000.00"),
        _sale(zone, "year-first", "PY", (2027, 1, 1, 0, 0), "8000.00"),
        _sale(zone, "as-of-last", "PY", (2027, 1, 3, 23, 59), "16000.00"),
        _sale(zone, "after", "PY", (2027, 1, 4, 0, 0), "32000.00"),
        _sale(zone, "before-baseline", "PD", (2026, 9, 13, 23, 59), "99000.00"),
        _sale(zone, "baseline-first", "PD", (2026, 9, 14, 0, 0), "30000.00"),
        _sale(zone, "baseline-last", "PD", (2026, 12, 6, 23, 59), "30000.00"),
        _sale(zone, "recent-first", "PD", (2026, 12, 7, 0, 0), "3000.00"),
    ]
    return {
        "managers": [
            dict(manager_id=1, name="Anna", email="anna@example.ru", role="sales", is_active=True),
            dict(manager_id=3, name="Vera", email="vera@example.ru", role="development", is_active=True),
        ],
        "partners": [_partner("PL", "Leap"), _partner("PS", "Sunday"), _partner("PY", "Year"), _partner("PD", "Down")],
        "deals": deals,
        "deal_stages": stages,
        "sales": sales,
        "plans": [
            dict(month=date(2027, 1, 1), manager_id=None, metric="turnover", realistic=M("31000.00"), optimistic=None)
        ],
    }
