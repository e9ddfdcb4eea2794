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


def test_every_column_a_bi_tool_gets_is_described_and_every_description_names_a_column(published):
    """docs/bi-tools.md: every published column carries a description (COMMENT ON COLUMN: the field
    descriptions of Metabase, DataLens, Superset) — and a description names a column that exists."""
    from salesglass.model.schema import TABLES
    from salesglass.outputs.publish import comments, published_tables
    from salesglass.reports.columns import HELPER_COLUMNS, REPORT_COLUMNS
    from salesglass.reports.publish import withheld

    tables = published_tables(published)
    assert "report_plan_fact" in tables and "partner_days" in tables and "bonus_audit" in tables
    assert not [t for t in tables if t.startswith("forecast_")]  # the forecast's working steps stay in the file
    faults = []
    for table in tables:
        columns = [
            r[0]
            for r in published.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [table],
            ).fetchall()
        ]
        doc, described = comments(table)
        if not doc:
            faults.append(f"{table}: no table description")
        faults += [f"{table}.{c}: no description" for c in columns if not described.get(c)]
        documented = set(REPORT_COLUMNS.get(table, {})) | set(HELPER_COLUMNS.get(table, {}))
        documented |= {c.name for c in TABLES[table].columns} if table in TABLES else set()
        documented -= set(withheld(table))  # described in the model, left out of every published copy on purpose
        faults += [f"{table}.{c}: described but not published" for c in sorted(documented - set(columns))]
    assert faults == []


def test_nothing_private_reaches_a_bi_tool(published):
    """docs/bi-tools.md: the PostgreSQL copy holds no logins, password hashes, sessions or tokens. They live in
    files of their own; this catches a table or column of them finding its way into the published file."""
    import re

    from salesglass.outputs.publish import published_tables

    tables = published_tables(published)
    names = tables + [
        f"{t}.{r[0]}"
        for t in tables
        for r in published.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [t]
        ).fetchall()
    ]
    assert [n for n in names if re.search(r"password|passwd|hash|token|secret|session|cookie|login", n, re.I)] == []
