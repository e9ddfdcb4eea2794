"""report_data_quality is Ibis: the same expression runs on ClickHouse (chdb) with the same counts."""

from __future__ import annotations

import csv
import io
from datetime import date

import ibis
import ibis.expr.datatypes as dt
import pytest

from salesglass.config import Config
from salesglass.model.ddl import create_table_sql
from salesglass.model.schema import CANONICAL, Kind
from salesglass.reports import data_quality as dq
from salesglass.reports.base import BuildParams, Canon

TYPES = {
    Kind.BIGINT: dt.int64,
    Kind.INTEGER: dt.int32,
    Kind.TEXT: dt.string,
    Kind.MONEY: dt.Decimal(18, 2),
    Kind.TIMESTAMPTZ: dt.Timestamp(timezone="UTC"),
    Kind.DATE: dt.date,
    Kind.BOOLEAN: dt.boolean,
    Kind.DOUBLE: dt.float64,
    Kind.JSON: dt.string,
}


@pytest.mark.clickhouse
def test_data_quality_runs_on_clickhouse():
    from chdb import session

    canon = Canon(**{t.name: ibis.table({c.name: TYPES[c.kind] for c in t.columns}, name=t.name) for t in CANONICAL})
    # every instant below is now(), after as_of: the build dates the zone's offsets from as_of's year
    # (BuildParams.dated_from), not from 1970 (a CASE over every Moscow summer time since, for ClickHouse to plan)
    params = BuildParams(date(2024, 3, 31), "Europe/Moscow", Config().reports).dated_from(None)
    assert params.first_year == 2024
    sql = ibis.to_sql(dq.build(canon, params), dialect="clickhouse")
    s = session.Session()
    for t in CANONICAL:
        s.query(create_table_sql(t, "clickhouse"))
    s.query(
        "INSERT INTO quarantine VALUES ('platform:orders', 'sales', 'k', 'missing sold_at', '{}', now()), "
        "('platform:orders', 'sales', 'j', 'missing sold_at', '{}', now())"
    )
    s.query("INSERT INTO partners (partner_id, kind, is_support) VALUES ('p1', 'organizer', false)")
    s.query(
        "INSERT INTO sales (sale_id, partner_id, sold_at, tickets, turnover, revenue, cost) VALUES "
        "('s1', 'p404', now(), 1, 1, 1, 0), ('s2', 'p1', now(), 1, 1, 1, 0)"
    )
    s.query("INSERT INTO deals (deal_id, created_at, is_deleted) VALUES (1, now(), false), (2, now(), true)")
    rows = {(a, b, c, int(n)) for a, b, c, n in csv.reader(io.StringIO(str(s.query(str(sql), "CSV"))))}
    assert rows == {
        ("platform:orders", "sales", "missing sold_at", 2),
        ("linking", "deals", dq.UNLINKED, 1),  # the deleted deal does not count
        ("linking", "partners", dq.NO_DEAL, 1),
        ("linking", "partners", dq.NO_SALES_MANAGER, 1),  # p1 sells and has no deal
        ("platform", "sales", dq.UNKNOWN_PARTNER, 1),
        ("reports", "partners", dq.NO_MANAGER, 1),
    }
