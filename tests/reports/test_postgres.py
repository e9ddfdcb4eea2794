"""The same report functions on a real PostgreSQL server (Ibis postgres backend) give the DuckDB tables."""

from __future__ import annotations

import duckdb
import ibis
import pytest

from salesglass.model.ddl import create_table_sql
from salesglass.model.schema import CANONICAL
from salesglass.reports.base import BuildParams, nullable
from salesglass.reports.build import canon_of, report_exprs
from salesglass.reports.config import ReportsConfig
from salesglass.warehouse import init_canonical
from tests.reports import golden_company as g
from tests.reports.canon_io import load_duckdb, to_arrow
from tests.reports.compare import assert_same
from tests.reports.test_engines import duckdb_reports

pytestmark = pytest.mark.postgres


def test_golden_company_same_on_postgres(postgres_url):
    params = BuildParams(as_of=g.AS_OF, timezone=g.TIMEZONE, rules=ReportsConfig(**g.RULES))
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    init_canonical(con)
    load_duckdb(con, g.DATA)
    duck = duckdb_reports(con, params)

    pg = ibis.connect(postgres_url)
    for t in CANONICAL:
        pg.raw_sql(f'DROP TABLE IF EXISTS "{t.name}" CASCADE')
        pg.raw_sql(create_table_sql(t, "postgres"))
        rows = g.DATA.get(t.name, [])
        if rows:
            pg.insert(t.name, ibis.memtable(to_arrow(t, rows)))
    exprs = report_exprs(
        canon_of(pg), params, keep=lambda name, e: pg.create_table(f"derived_{name}", nullable(e), overwrite=True)
    )
    for name, expr in exprs.items():
        assert_same(name, duck[name], pg.to_pyarrow(expr))
