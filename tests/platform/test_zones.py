"""Local wall times become the same UTC instants on the fast path as through DuckDB's timezone()."""

import duckdb
import pytest

from salesglass.sources.platform.zones import constant_periods, local_to_utc_sql

# Moscow (DST until 2011, +4 until 2014), Berlin and New York (DST), Lord Howe (30-minute DST),
# Apia (skipped 30 December 2011 whole), Kathmandu (+05:45), UTC
ZONES = [
    "Europe/Moscow",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Pacific/Apia",
    "Asia/Kathmandu",
    "UTC",
]


@pytest.mark.parametrize("zone", ZONES)
def test_fast_conversion_equals_timezone_everywhere(zone):
    con = duckdb.connect()
    # a coarse grid over the whole table and beyond it, plus every minute of the days around each
    # transition (skipped and repeated hours), with odd seconds and microseconds
    con.execute("""CREATE TABLE t AS
        SELECT ts + INTERVAL 7 SECOND + INTERVAL 123 MICROSECOND AS ts
        FROM range(TIMESTAMP '1995-01-01', TIMESTAMP '2075-01-01', INTERVAL '37 minutes 11 seconds') r(ts)""")
    for _, end, _ in constant_periods(zone, 2046):
        at = f"TIMESTAMP '{end:%Y-%m-%d %H:%M:%S}'"
        con.execute(f"""INSERT INTO t SELECT ts + INTERVAL 59 SECOND
                        FROM range({at} - INTERVAL 1 DAY, {at} + INTERVAL 4 DAY, INTERVAL 1 MINUTE) r(ts)""")
    con.execute("INSERT INTO t VALUES (NULL), ('infinity'), ('-infinity')")
    fast = local_to_utc_sql("ts", zone)
    assert "make_timestamptz" in fast
    n, differ = con.execute(f"""SELECT count(*), count(*) FILTER (WHERE ({fast}) IS DISTINCT FROM
                                timezone('{zone}', ts)) FROM t""").fetchone()
    assert n > 1_000_000 and differ == 0


def test_unknown_zone_keeps_timezone_and_its_error():
    sql = local_to_utc_sql("TIMESTAMP '2024-01-01'", "Mars/Olympus")
    assert sql.startswith("timezone(")
    with pytest.raises(duckdb.Error):
        duckdb.connect().execute(f"SELECT {sql}")
