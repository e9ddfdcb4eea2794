"""The same report functions give identical tables on DuckDB and on ClickHouse (SQL compiled by Ibis,
executed by chdb with Nullable columns), from the golden company and from a synthetic one."""

from __future__ import annotations

import duckdb
import ibis
import pytest

from salesglass.account_zone import resolve_zone
from salesglass.reports.base import BuildParams, nullable
from salesglass.reports.build import canon_of, report_exprs
from salesglass.reports.config import ReportsConfig
from salesglass.warehouse import init_canonical
from tests.reports import golden_company as g
from tests.reports import synthetic
from tests.reports.canon_io import chdb_reports, load_duckdb
from tests.reports.compare import assert_same

pytestmark = pytest.mark.clickhouse


def duckdb_reports(con: duckdb.DuckDBPyConnection, params: BuildParams) -> dict:
    """As the build does it: derived helpers materialised (temporary tables), reports on top."""
    backend = ibis.duckdb.from_connection(con)
    exprs = report_exprs(
        canon_of(backend),
        params,
        keep=lambda name, e: backend.create_table(f"derived_{name}", nullable(e), overwrite=True),
    )
    return {name: backend.to_pyarrow(expr) for name, expr in exprs.items()}


def _check(duck: dict, ch: dict) -> None:
    assert duck.keys() == ch.keys()
    for name in duck:
        assert_same(name, duck[name], ch[name])


def test_golden_company_same_on_clickhouse():
    params = BuildParams(as_of=g.AS_OF, timezone=g.TIMEZONE, rules=ReportsConfig(**g.RULES))
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    init_canonical(con)
    load_duckdb(con, g.DATA)
    duck = duckdb_reports(con, params)
    assert duck["report_bonus_lines"].num_rows == 12  # the comparison below is not between empty tables
    _check(duck, chdb_reports(g.DATA, params))


@pytest.mark.parametrize("timezone", ["Europe/Moscow", "Europe/Berlin"])  # Berlin: DST transitions
def test_synthetic_company_same_on_clickhouse(timezone):
    con = duckdb.connect()
    synthetic.synthesize(con)
    params = BuildParams(as_of=synthetic.AS_OF, timezone=timezone, rules=ReportsConfig())
    duck = duckdb_reports(con, params)
    sizes = {n: t.num_rows for n, t in duck.items()}
    # (no bonus month is closed here, so there is nothing to reconcile)
    assert all(
        rows > 10 for n, rows in sizes.items() if n not in ("report_data_quality", "report_bonus_reconciliation")
    ), sizes
    _check(duck, chdb_reports(synthetic.as_arrow(con), params))


def test_simulated_company_same_on_clickhouse(simulated_s):
    """The demo's company after the real pipeline (sync, load, link): its canonical warehouse gives the same
    report set on DuckDB and on ClickHouse, money exact and ratios within 1e-9."""
    from salesglass.model.schema import CANONICAL
    from tests.reports.canon_io import arrow_schema

    con = duckdb.connect(str(simulated_s.cfg.warehouse_path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    data = {
        t.name: con.execute(f'SELECT {", ".join(t.names)} FROM "{t.name}"').to_arrow_table().cast(arrow_schema(t))
        for t in CANONICAL
    }
    con.close()
    params = BuildParams(
        as_of=simulated_s.as_of, timezone=resolve_zone(simulated_s.cfg).name, rules=simulated_s.cfg.reports
    )
    mem = duckdb.connect()
    mem.execute("SET TimeZone = 'UTC'")
    init_canonical(mem)
    load_duckdb(mem, data)
    duck = duckdb_reports(mem, params)
    sizes = {n: t.num_rows for n, t in duck.items()}
    assert all(rows > 4 for n, rows in sizes.items() if n != "report_bonus_reconciliation"), sizes
    _check(duck, chdb_reports(data, params))
