"""The same report functions give identical tables on DuckDB and on ClickHouse (SQL compiled by Ibis,
executed by chdb with Nullable columns), from the golden company, a synthetic one and the simulated one.

Where the session already built a company with the DuckDB build (the golden company, the simulated one),
its published file is the DuckDB side: the same report functions, compiled and run by `run_build` with
the same as_of, zone and rules, so the test does not compute them on DuckDB a second time."""

from __future__ import annotations

import duckdb
import ibis
import pytest

from salesglass.account_zone import resolve_zone
from salesglass.reports.base import BuildParams, nullable
from salesglass.reports.build import canon_of, report_exprs
from salesglass.reports.config import ReportsConfig
from tests.reports import golden_company as g
from tests.reports import synthetic
from tests.reports.canon_io import chdb_reports, dated
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


def published_reports(path, params: BuildParams) -> dict:
    """Every derived helper and report of a published DuckDB file, as `report_exprs` names them; the file
    must have been built on DuckDB as of the same day in the same zone."""
    from salesglass.reports import registry

    con = duckdb.connect(str(path), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        info = con.execute("SELECT DISTINCT as_of, timezone, engine FROM build_info").fetchall()
        assert info == [(params.as_of, params.timezone, "duckdb")], info
        return {
            n: con.execute(f'SELECT * FROM "{n}"').to_arrow_table()
            for n in (*registry.DERIVED, *registry.all_reports())
        }
    finally:
        con.close()


# the events part's steps are empty without an events table (these companies have none):
# test_forecast_events.py compares them on a company that has events
NO_EVENTS = ("forecast_event_days", "forecast_ladder", "forecast_events")  # (the index is not empty)


# the simulated company's steps ClickHouse reads as DuckDB published them instead of computing them: the
# events' ladder (~430 000 rows of running sums, 13 of ClickHouse's ~36 CPU-s on this company; the events
# part, plan-fact and everything after it are still computed by ClickHouse from it and compared). Its own
# SQL on ClickHouse is compared on the events company (test_forecast_events.py, through forecast_events)
FROM_DUCKDB = ("forecast_ladder",)


def _check(duck: dict, ch: dict) -> None:
    assert duck.keys() == ch.keys()
    for name in duck:
        assert_same(name, duck[name], ch[name])


def test_golden_company_same_on_clickhouse(golden_cfg):
    """The golden company's published file (tests/reports/conftest.py: built as of g.AS_OF in g.TIMEZONE
    with g.RULES) against ClickHouse on the same rows and parameters."""
    params = BuildParams(as_of=g.AS_OF, timezone=g.TIMEZONE, rules=ReportsConfig(**g.RULES))
    assert (resolve_zone(golden_cfg).name, golden_cfg.reports) == (params.timezone, params.rules)
    with duckdb.connect(str(golden_cfg.warehouse_path), read_only=True) as con:
        params = dated(params, con)  # as the build dated them
    duck = published_reports(golden_cfg.published_path, params)
    assert duck["report_bonus_lines"].num_rows == 12  # the comparison below is not between empty tables
    _check(duck, chdb_reports(g.DATA, params))


@pytest.mark.parametrize("timezone", ["Europe/Moscow", "Europe/Berlin"])  # Berlin: DST transitions
def test_synthetic_company_same_on_clickhouse(timezone):
    con = duckdb.connect()
    synthetic.synthesize(con)
    params = dated(BuildParams(as_of=synthetic.AS_OF, timezone=timezone, rules=ReportsConfig()), con)
    duck = duckdb_reports(con, params)
    sizes = {n: t.num_rows for n, t in duck.items()}
    # (no bonus month is closed here, so there is nothing to reconcile)
    assert all(
        rows > 10
        for n, rows in sizes.items()
        if n not in ("report_data_quality", "report_bonus_reconciliation", *NO_EVENTS)
    ), sizes
    _check(duck, chdb_reports(synthetic.as_arrow(con), params))


def test_simulated_company_same_on_clickhouse(simulated_s):
    """The demo's company after the real pipeline (sync, load, link): its canonical warehouse gives the same
    report set on DuckDB (its published file, built as of the same day) and on ClickHouse, money exact and
    ratios within 1e-9."""
    from salesglass.model.schema import CANONICAL
    from tests.reports.canon_io import arrow_schema

    con = duckdb.connect(str(simulated_s.cfg.warehouse_path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    data = {
        t.name: con.execute(f'SELECT {", ".join(t.names)} FROM "{t.name}"').to_arrow_table().cast(arrow_schema(t))
        for t in CANONICAL
    }
    params = BuildParams(
        as_of=simulated_s.as_of, timezone=resolve_zone(simulated_s.cfg).name, rules=simulated_s.cfg.reports
    )
    params = dated(params, con)  # as the build dated them
    con.close()
    duck = published_reports(simulated_s.cfg.published_path, params)
    sizes = {n: t.num_rows for n, t in duck.items()}
    assert all(rows > 4 for n, rows in sizes.items() if n not in ("report_bonus_reconciliation", *NO_EVENTS)), sizes
    ch = chdb_reports(data, params, given={n: duck[n] for n in FROM_DUCKDB})
    _check(
        {n: t for n, t in duck.items() if n not in FROM_DUCKDB}, {n: t for n, t in ch.items() if n not in FROM_DUCKDB}
    )


# an approved bonus month with a late refund on ClickHouse: tests/reports/test_bonus_close.py (it reads the
# state that module's DuckDB test builds, instead of building the same company twice more)
