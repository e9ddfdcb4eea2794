"""The one schema definition drives DDL on every engine and the docs page."""

from pathlib import Path

from salesglass.model.ddl import create_table_sql
from salesglass.model.docs import render
from salesglass.model.schema import CANONICAL, SALES


def test_docs_page_is_generated_from_the_schema():
    page = Path(__file__).parents[2] / "docs" / "model.md"
    assert page.read_text(encoding="utf-8") == render(), "run `salesglass model-docs` to refresh docs/model.md"


def test_duckdb_types_are_exact_money_and_zoned_time(warehouse):
    types = dict(
        warehouse.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'sales'"
        ).fetchall()
    )
    assert types["turnover"] == "DECIMAL(18,2)"
    assert types["sold_at"] == "TIMESTAMP WITH TIME ZONE"
    assert {t.name for t in CANONICAL} <= {
        r[0] for r in warehouse.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }


def test_clickhouse_columns_are_nullable_except_keys():
    sql = create_table_sql(SALES, "clickhouse")
    assert '"sale_id" String' in sql and '"partner_id" Nullable(String)' in sql
    assert "Decimal(18, 2)" in sql and "MergeTree" in sql
