"""The range of days any salesglass data can plausibly be about, shared by the CLI and the dashboard.

A date outside it is a typo or an attack (year 1 or 9999 overflow date arithmetic in Python and DuckDB):
`--as-of` and the dashboard's `from`/`to`/`since`/`until`/`at` refuse it with a clear message instead.
CRM data older than 1970 or a plan past 2100 would be a first; widen here if it ever happens.
"""

from __future__ import annotations

from datetime import date

FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2100, 12, 31)


def is_plausible(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY
