"""The published file holds the reports, the derived helpers, the canonical model, the bonus state and
build_info — and nothing of the working warehouse's raw layers or sync state (it is what BI tools and the
dashboard read)."""

import duckdb

from salesglass.model.schema import CANONICAL
from salesglass.reports.bonus_state import TABLES as BONUS_STATE
from salesglass.reports.registry import DERIVED, all_reports


def test_published_file_has_exactly_the_published_tables(simulated_s):
    con = duckdb.connect(str(simulated_s.cfg.published_path), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    finally:
        con.close()
    expected = {t.name for t in CANONICAL} | set(DERIVED) | set(all_reports()) | set(BONUS_STATE) | {"build_info"}
    assert tables == expected
    warehouse = duckdb.connect(str(simulated_s.cfg.warehouse_path), read_only=True)
    try:
        raw = {r[0] for r in warehouse.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    finally:
        warehouse.close()
    assert any(name.startswith("raw_amocrm") for name in raw)  # the warehouse had raw layers to leave out
