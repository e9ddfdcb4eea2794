"""The same report functions on a real PostgreSQL server (Ibis postgres backend) give the DuckDB tables.

The DuckDB side is the golden company's published file (tests/reports/conftest.py: `run_build` as of g.AS_OF
in g.TIMEZONE with g.RULES, built once for the session), as in test_engines: not a second DuckDB build."""

from __future__ import annotations

import duckdb
import ibis
import pytest

from salesglass.account_zone import resolve_zone
from salesglass.model.ddl import create_table_sql
from salesglass.model.schema import CANONICAL
from salesglass.reports.base import BuildParams, nullable
from salesglass.reports.build import canon_of, report_exprs
from salesglass.reports.config import ReportsConfig
from tests.reports import golden_company as g
from tests.reports.canon_io import dated, to_arrow
from tests.reports.compare import assert_same
from tests.reports.test_engines import published_reports

pytestmark = pytest.mark.postgres


def test_golden_company_same_on_postgres(postgres_url, golden_cfg):
    params = BuildParams(as_of=g.AS_OF, timezone=g.TIMEZONE, rules=ReportsConfig(**g.RULES))
    assert (resolve_zone(golden_cfg).name, golden_cfg.reports) == (params.timezone, params.rules)
    with duckdb.connect(str(golden_cfg.warehouse_path), read_only=True) as con:
        params = dated(params, con)  # as the build dated them
    duck = published_reports(golden_cfg.published_path, params)
    assert duck["report_bonus_lines"].num_rows == 12  # the comparison below is not between empty tables

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
