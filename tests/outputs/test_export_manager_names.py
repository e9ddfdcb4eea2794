"""`salesglass export` to Excel: a head of sales reads manager names, not amoCRM user ids."""

from __future__ import annotations

from pathlib import Path

import duckdb
import openpyxl

from salesglass.outputs.export import export_reports


def test_the_workbook_names_each_manager_beside_the_id(tmp_path: Path) -> None:
    published = tmp_path / "reports.duckdb"
    con = duckdb.connect(str(published))
    con.execute("CREATE TABLE build_info (as_of DATE, timezone VARCHAR)")
    con.execute("INSERT INTO build_info VALUES ('2026-11-30', 'Europe/Moscow')")
    con.execute("CREATE TABLE managers (manager_id BIGINT, name VARCHAR)")
    con.execute("INSERT INTO managers VALUES (7, 'Anna Petrova'), (9, 'Boris Ivanov')")
    con.execute("CREATE TABLE report_new_partners (month DATE, sales_manager_id BIGINT, first_sales INTEGER)")
    # Boris first, then a manager gone from amoCRM, then Anna: the sheet keeps this order
    con.execute(
        "INSERT INTO report_new_partners VALUES ('2026-11-01', 9, 2), ('2026-11-01', 5, 1), ('2026-11-01', 7, 4)"
    )
    con.execute("CREATE TABLE report_plan_fact (period_start DATE, manager_id BIGINT, fact INTEGER)")
    con.execute("INSERT INTO report_plan_fact VALUES ('2026-11-01', 7, 10), ('2026-11-01', NULL, 30)")
    con.close()

    out = export_reports(published, "xlsx", tmp_path / "out.xlsx")

    wb = openpyxl.load_workbook(out)
    rows = [[c.value for c in r][1:] for r in wb["new_partners"].iter_rows()]  # after the month column
    assert rows == [
        ["Sales manager", "Sales manager id", "First sales"],
        ["Boris Ivanov", 9, 2],
        [None, 5, 1],
        ["Anna Petrova", 7, 4],
    ]
    rows = [[c.value for c in r][1:] for r in wb["plan_fact"].iter_rows()]
    assert rows == [["Manager", "Manager id", "Fact"], ["Anna Petrova", 7, 10], [None, None, 30]]
