"""The range of days any salesglass data can plausibly be about, shared by the CLI and the dashboard.

A date outside it is a typo or an attack (year 1 or 9999 overflow date arithmetic in Python and DuckDB):
`--as-of` and the dashboard's `from`/`to`/`since`/`until`/`at` refuse it with a clear message instead.
CRM data older than 1970 or a plan past 2100 would be a first; widen here if it ever happens.

A fact is also no date yet when it lies more than `AHEAD` after the moment it is read: a sale or a deal's
creation or close dated next year is a typo (2062 for 2026) or a wrong zone or format, not something that
happened; clocks and zones differ by hours, hence the day's margin. The back-office load quarantines such
a sale, partner (created, widget live) or widget install (`bad sold_at: in the future …`; sources/platform/
mapping.py FACT_TIMES; the nightly full load reads it again once its day has come); amoCRM
keeps such a deal with a note (its creation taken from its first event, its close date unknown).
"""

from __future__ import annotations

from datetime import date, timedelta

FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2100, 12, 31)
AHEAD = timedelta(days=1)
AHEAD_SECONDS = int(AHEAD.total_seconds())


def is_plausible(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY
