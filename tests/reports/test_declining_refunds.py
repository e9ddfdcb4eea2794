"""report_declining_partners when refunds exceed sales: the decline stops at 100 %, on DuckDB and ClickHouse.

Moscow time, as_of 2026-06-15, default rules (min baseline 10 000.00, threshold 30 %). The last 28 days are
May 19 … Jun 15; the 84 days before are Feb 24 … May 18.
- PR "Refunds": sold 30 000.00 on Apr 1 (baseline 30 000 / 3 = 10 000.00); on Jun 1 refunded 21 000.00 of
  earlier tickets → recent −21 000.00. The formula gives 100 × (1 − (−21 000) / 10 000) = 310 %: a head of
  sales reads "stopped" → 100.00; the loss stays baseline − recent = 31 000.00.
- PH "Half": 30 000.00 on Apr 1, 5 000.00 on Jun 1 → 100 × (1 − 5 000 / 10 000) = 50.00 (unchanged).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as M

import duckdb
import ibis
import pytest

from salesglass.reports import declining
from salesglass.reports.base import BuildParams
from salesglass.reports.build import canon_of
from salesglass.reports.config import ReportsConfig
from salesglass.warehouse import init_canonical
from tests.reports.canon_io import chdb_session, dated_for, load_duckdb, run_chdb, unbound_canon


def _sale(sid: str, partner: str, day: date, turnover: str) -> dict:
    sign = -1 if turnover.startswith("-") else 1
    return dict(
        sale_id=sid, partner_id=partner, sold_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
        tickets=sign, turnover=M(turnover), revenue=M(turnover) / 10, cost=M("0.00"), channel="widget",
    )  # fmt: skip


DATA = {
    "partners": [
        dict(
            partner_id=p,
            name=p,
            kind="organizer",
            development_manager_id=3,
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        for p in ("PR", "PH")
    ],
    "sales": [
        _sale("r1", "PR", date(2026, 4, 1), "30000.00"),
        _sale("r2", "PR", date(2026, 6, 1), "-21000.00"),
        _sale("h1", "PH", date(2026, 4, 1), "30000.00"),
        _sale("h2", "PH", date(2026, 6, 1), "5000.00"),
    ],
}
# the zone's offsets from the data's first year, as the build writes them (canon_io.dated)
PARAMS = dated_for(BuildParams(date(2026, 6, 15), "Europe/Moscow", ReportsConfig()), DATA)
EXPECTED = [  # partner, baseline, recent, decline %: by hand above; the largest loss first
    ("PR", M("10000.00"), M("-21000.00"), M("100.00")),
    ("PH", M("10000.00"), M("5000.00"), M("50.00")),
]


def _rows(table) -> list[tuple]:
    cols = ["partner_id", "baseline_28d", "recent_28d", "decline_pct"]
    return [tuple(r[c] for c in cols) for r in table.select(cols).to_pylist()]


def test_refunds_larger_than_sales_cap_the_decline_at_100_on_duckdb() -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    init_canonical(con)
    load_duckdb(con, DATA)
    backend = ibis.duckdb.from_connection(con)
    try:
        assert _rows(backend.to_pyarrow(declining.build(canon_of(backend), PARAMS))) == EXPECTED
    finally:
        con.close()


@pytest.mark.clickhouse
def test_refunds_larger_than_sales_cap_the_decline_at_100_on_clickhouse() -> None:
    s = chdb_session(DATA)
    assert _rows(run_chdb(s, declining.build(unbound_canon(), PARAMS))) == EXPECTED
