"""Naive local timestamps → UTC instants, without asking ICU once per row.

DuckDB's `timezone(zone, ts)` calls ICU for every row: about 0.6 s of CPU per 10 million rows, the
dearest single step of loading a big CSV export. Between two of the zone's transitions the offset is
one constant, so the load writes a CASE over the zone's constant-offset periods, `ts - offset`, and
leaves `timezone()` only the day either side of each transition (where skipped and repeated hours
follow ICU's rules) and the times outside the periods. The periods are read from ICU itself
(`timezone()` sampled hourly, once per zone and process), so both paths give the same instants.

Not `reports/periods.py`'s transitions: those go the other way (UTC → wall time, where every instant
has one answer) and come from Python's tz database; here a wall time in a skipped or repeated hour
needs ICU's own choice, which only DuckDB can give — hence the margins and the fallback.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

import duckdb

from salesglass.sql import quote_lit

FIRST_YEAR = 2000
YEARS_AHEAD = 20
MARGIN = timedelta(days=1)  # kept away from a transition: ICU decides there


@lru_cache(maxsize=64)
def constant_periods(zone: str, until_year: int) -> tuple[tuple[datetime, datetime, int], ...]:
    """(local start, local end, offset in microseconds) of the periods in which the zone's offset is
    constant, a day inside each end, from FIRST_YEAR to the end of `until_year`; empty when DuckDB
    does not know the zone (the caller then keeps `timezone()`, which reports it)."""
    sql = f"""
        WITH s AS (SELECT h, epoch_us(h) - epoch_us(timezone({quote_lit(zone)}, h)) AS off
                   FROM range(TIMESTAMP '{FIRST_YEAR}-01-01', TIMESTAMP '{until_year + 1}-01-01',
                              INTERVAL 1 HOUR) r(h)),
             g AS (SELECT h, off, CASE WHEN off IS DISTINCT FROM lag(off) OVER (ORDER BY h) THEN 1 ELSE 0 END AS new
                   FROM s),
             r AS (SELECT h, off, sum(new) OVER (ORDER BY h) AS run FROM g)
        SELECT min(h), max(h), any_value(off) FROM r GROUP BY run ORDER BY 1"""
    try:
        runs = duckdb.connect().execute(sql).fetchall()
    except duckdb.Error:
        return ()
    # a run's samples are whole hours: its offset holds from its first sample to its last one
    return tuple((first + MARGIN, last - MARGIN, int(off)) for first, last, off in runs if last - first > 2 * MARGIN)


def local_to_utc_sql(ts: str, zone: str, *, few_rows: bool = False) -> str:
    """SQL for the naive TIMESTAMP expression `ts`, read as wall time in `zone`, as a TIMESTAMPTZ:
    the same values as `timezone(zone, ts)`. `few_rows`: the query reads few rows (an incremental
    read of a few changed ones), so `timezone()` itself is cheaper than finding the zone's periods
    (sampling twenty-odd years hourly: ~0.4 CPU-s once per zone and process)."""
    exact = f"timezone({quote_lit(zone)}, {ts})"
    if few_rows:
        return exact
    now = datetime.now(UTC).replace(tzinfo=None)
    periods = constant_periods(zone, now.year + YEARS_AHEAD)
    if not periods:
        return exact

    def distance(p: tuple[datetime, datetime, int]) -> timedelta:
        return timedelta(0) if p[0] <= now < p[1] else min(abs(p[0] - now), abs(p[1] - now))

    # the period holding today first: most rows are recent, and CASE tries its branches in order
    whens = " ".join(
        f"WHEN {ts} >= TIMESTAMP '{a:%Y-%m-%d %H:%M:%S}' AND {ts} < TIMESTAMP '{b:%Y-%m-%d %H:%M:%S}' "
        f"THEN make_timestamptz(epoch_us({ts}) - {off})"
        for a, b, off in sorted(periods, key=distance)
    )
    return f"CASE {whens} ELSE {exact} END"
