"""Account-time-zone dates computed in the warehouse agree with Python's zoneinfo, DST included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import ibis
import pyarrow as pa
import pytest

from salesglass.reports.periods import end_of_day_utc, local_date, month_by_search, month_of, offsets


@pytest.mark.parametrize("tz", ["Europe/Moscow", "Europe/Berlin", "America/New_York", "Asia/Kolkata"])
def test_local_dates_match_zoneinfo(tz):
    # every 20 minutes around the 2024 spring and autumn transitions, plus Moscow's 2011/2014 changes
    starts = [
        datetime(2024, 3, 9, tzinfo=UTC),
        datetime(2024, 10, 26, tzinfo=UTC),
        datetime(2024, 11, 2, tzinfo=UTC),
        datetime(2011, 3, 26, tzinfo=UTC),
        datetime(2014, 10, 25, tzinfo=UTC),
        datetime(2024, 12, 31, tzinfo=UTC),
    ]
    moments = [s + timedelta(minutes=20 * i) for s in starts for i in range(3 * 72)]
    t = ibis.memtable(pa.table({"ts": pa.array(moments, pa.timestamp("us", tz="UTC"))}))
    con = ibis.duckdb.connect()
    got = con.to_pyarrow(
        t.select(d=local_date(t.ts, tz, 2025), m=month_of(t.ts, tz, 2025), s=month_by_search(t.ts, tz, 2025))
    )
    local = [m.astimezone(ZoneInfo(tz)).date() for m in moments]
    assert got.column("d").to_pylist() == local
    assert got.column("m").to_pylist() == got.column("s").to_pylist() == [d.replace(day=1) for d in local]
    # before 2000 the month falls back to the general path
    old = ibis.memtable(
        pa.table({"ts": pa.array([datetime(1999, 12, 31, 21, 30, tzinfo=UTC)], pa.timestamp("us", tz="UTC"))})
    )
    assert con.to_pyarrow(old.select(m=month_by_search(old.ts, tz, 2025))).column("m").to_pylist() == [
        datetime(1999, 12, 31, 21, 30, tzinfo=UTC).astimezone(ZoneInfo(tz)).date().replace(day=1)
    ]


def test_as_of_cutoff_and_offsets():
    assert end_of_day_utc(date(2025, 1, 15), "Europe/Moscow") == datetime(2025, 1, 15, 21, tzinfo=UTC)
    assert end_of_day_utc(date(2024, 3, 31), "Europe/Berlin") == datetime(2024, 3, 31, 22, tzinfo=UTC)  # CEST
    assert offsets("Europe/Moscow", 2025)[0] == (datetime(2014, 10, 25, 22, tzinfo=UTC), 3 * 3600)


def test_a_month_whose_midnight_happened_twice():
    """St. John's (Newfoundland) put its clocks back at 00:01, not 02:00, until 2011: on 1 Nov 2009, 00:01
    NDT (UTC−2:30) became 23:01 NST (UTC−3:30) on 31 October. So its wall clock read November for a
    minute, then October's last hour again, then November. Each instant's month is its wall clock's,
    in the one-pass search over the sales as in every other report (it put the repeated hour in November)."""
    moments = {  # UTC → the wall clock in St. John's
        datetime(2009, 11, 1, 2, 29, tzinfo=UTC): date(2009, 10, 1),  # 23:59 NDT 31 Oct
        datetime(2009, 11, 1, 2, 30, tzinfo=UTC): date(2009, 11, 1),  # 00:00 NDT 1 Nov
        datetime(2009, 11, 1, 2, 31, tzinfo=UTC): date(2009, 10, 1),  # 23:01 NST 31 Oct (again)
        datetime(2009, 11, 1, 3, 29, tzinfo=UTC): date(2009, 10, 1),  # 23:59 NST 31 Oct
        datetime(2009, 11, 1, 3, 30, tzinfo=UTC): date(2009, 11, 1),  # 00:00 NST 1 Nov
    }
    t = ibis.memtable(pa.table({"ts": pa.array(list(moments), pa.timestamp("us", tz="UTC"))}))
    tz = "America/St_Johns"
    got = ibis.duckdb.connect().to_pyarrow(t.select(m=month_of(t.ts, tz, 2025), s=month_by_search(t.ts, tz, 2025)))
    assert got.column("m").to_pylist() == got.column("s").to_pylist() == list(moments.values())
