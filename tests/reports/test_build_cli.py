"""`salesglass build` / `export` end to end, atomic publish, and config errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from salesglass.cli import app
from salesglass.errors import ConfigError, SalesglassError
from salesglass.reports.build import run_build
from salesglass.reports.registry import all_reports
from tests.reports import golden_company as g
from tests.reports.conftest import load_company, make_config
from tests.reports.test_golden import BONUS_LINES

CONFIG = """
[warehouse]
path = "wh.duckdb"
published_path = "out/reports.duckdb"

[account]
timezone = "Europe/Moscow"

[reports.bonus]
acquisition_months = 2
"""


@pytest.fixture
def company(tmp_path: Path) -> Path:
    (tmp_path / "salesglass.toml").write_text(CONFIG, encoding="utf-8")
    load_company(make_config(tmp_path), g.DATA)
    return tmp_path / "salesglass.toml"


def test_build_command_publishes_every_table(company: Path):
    result = CliRunner().invoke(app, ["build", "--config", str(company), "--as-of", "2025-01-15"])
    assert result.exit_code == 0, result.output
    assert "report_bonus_summary" in result.output and "January 2025 to date" in result.output
    # the company's running month: turnover 6200.00, margin 76.24 %, 1 new partner, bonuses 5023.79 ₽
    assert "6 200.00 ₽" in result.output and "76.24 %" in result.output and "5 023.79 ₽" in result.output
    con = duckdb.connect(str(company.parent / "out" / "reports.duckdb"), read_only=True)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert set(all_reports()) <= tables
    assert {
        "deals",
        "partners",
        "sales",
        "managers",
        "deal_stages",
        "plans",
        "deal_partner_links",
        "link_suggestions",
        "quarantine",
        "companies",
        "build_info",
    } <= tables
    info = dict(con.execute("SELECT table_name, row_count FROM build_info").fetchall())
    assert info["report_bonus_lines"] == 12 and info["sales"] == len(g.SALES)
    assert con.execute("SELECT DISTINCT as_of, timezone, engine FROM build_info").fetchall() == [
        (g.AS_OF, "Europe/Moscow", "duckdb")
    ]
    con.close()


def test_default_as_of_is_today_in_account_zone(tmp_path: Path):
    cfg = make_config(tmp_path)
    load_company(cfg, g.DATA)
    summary = run_build(cfg, progress=False)
    assert summary.as_of == datetime.now(ZoneInfo("Europe/Moscow")).date()
    assert summary.rows["sales"] == len(g.SALES)


def test_failed_build_keeps_previous_file(tmp_path: Path):
    cfg = make_config(tmp_path, g.RULES)
    load_company(cfg, g.DATA)
    first = run_build(cfg, as_of=g.AS_OF, progress=False)
    con = duckdb.connect(str(cfg.warehouse_path))
    con.execute("DROP TABLE sales")
    con.close()
    with pytest.raises(SalesglassError, match="lacks canonical tables sales"):
        run_build(cfg, as_of=g.AS_OF, progress=False)
    con = duckdb.connect(str(cfg.published_path), read_only=True)
    built = con.execute("SELECT max(built_at) FROM build_info").fetchone()[0]
    assert built.astimezone(UTC) == first.built_at
    assert not list(tmp_path.glob(".reports.duckdb.building-*"))  # no temporary file left behind
    con.close()


def test_build_without_warehouse_says_so(tmp_path: Path):
    with pytest.raises(SalesglassError, match="no warehouse"):
        run_build(make_config(tmp_path), progress=False)


def test_bad_as_of_and_bad_rule_are_clear(company: Path):
    result = CliRunner().invoke(app, ["build", "--config", str(company), "--as-of", "15.01.2025"])
    assert result.exit_code != 0 and "--as-of must be a date" in str(result.exception)
    # built as of 2099 it published reports of a century without data: the first deal is created on 2024-09-10
    # (Moscow), so a month of history starts 2024-10-10; the last sale (2025-01-16) is before today
    today = datetime.now(ZoneInfo("Europe/Moscow")).date()
    result = CliRunner().invoke(app, ["build", "--config", str(company), "--as-of", "2099-01-01"])
    assert str(result.exception) == (
        f"--as-of 2099-01-01: expected a day from 2024-10-10 (a month after the first sale or deal, 2024-09-10) "
        f"to {today} (today)"
    )
    assert not (company.parent / "out").exists()
    company.write_text(CONFIG + 'growth_rate = "1.5"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["build", "--config", str(company)])
    assert isinstance(result.exception, ConfigError)
    assert "[reports].bonus.growth_rate" in str(result.exception)


def test_export_xlsx_csv_parquet(company: Path, tmp_path: Path, monkeypatch):
    runner = CliRunner()
    assert runner.invoke(app, ["build", "--config", str(company), "--as-of", "2025-01-15"]).exit_code == 0
    xlsx = tmp_path / "r.xlsx"
    result = runner.invoke(app, ["export", "--config", str(company), "--format", "xlsx", "--out", str(xlsx)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(xlsx)
    assert sorted(wb.sheetnames) == sorted(n.removeprefix("report_") for n in all_reports())
    ws = wb["weekly"]
    assert [c.value for c in ws[1]] == ["Week start", "Client kind", "Deals created", "Widget installed", "First sale"]
    assert ws.freeze_panes == "A2"
    assert isinstance(ws["A2"].value, datetime) and ws["A2"].number_format == "yyyy-mm-dd"
    sh = wb["sales_share"]
    turnover = [c.value for c in sh[1]].index("Turnover")  # found by its header: a name column sits by each id
    money = [r for r in sh.iter_rows(min_row=2) if r[turnover].value == 8000.0]  # Dec, manager 3
    assert money and money[0][turnover].number_format == "#,##0.00 ₽"
    for fmt in ("csv", "parquet"):
        out = tmp_path / fmt
        assert runner.invoke(app, ["export", "--config", str(company), "-f", fmt, "-o", str(out)]).exit_code == 0
        assert sorted(p.stem for p in out.iterdir()) == sorted(all_reports())
    con = duckdb.connect()
    assert con.execute(f"SELECT sum(amount) FROM '{tmp_path}/parquet/report_bonus_lines.parquet'").fetchone()[0] == sum(
        row[9] for row in BONUS_LINES
    )
    # without --out each format has a folder of its own (csv and parquet shared one, their files mixed)
    monkeypatch.chdir(tmp_path / "out")
    for fmt in ("csv", "parquet"):
        assert runner.invoke(app, ["export", "--config", str(company), "-f", fmt]).exit_code == 0
    for fmt in ("csv", "parquet"):
        written = sorted((tmp_path / "out" / f"salesglass-reports-2025-01-15-{fmt}").iterdir())
        assert [p.name for p in written] == sorted(f"{n}.{fmt}" for n in all_reports())


def test_clickhouse_engine_needs_a_url(tmp_path: Path):
    from salesglass.config import parse_config

    cfg = parse_config({"warehouse": {"engine": "clickhouse", "published_path": "r.duckdb"}}, base_dir=tmp_path)
    with pytest.raises(SalesglassError, match="clickhouse_url is required"):
        run_build(cfg, as_of=g.AS_OF, progress=False)
    assert not (tmp_path / "r.duckdb").exists()


def test_build_on_an_empty_warehouse(tmp_path: Path):
    cfg = make_config(tmp_path)
    load_company(cfg, {})
    summary = run_build(cfg, as_of=g.AS_OF, progress=False)
    # nothing in, nothing out — except what docs/reports.md promises: the company's running month, quarter and
    # year always have a plan-fact row (7 metrics each), here with nothing sold, nothing forecast and no range
    assert {name for name in all_reports() if summary.rows[name]} == {"report_plan_fact"}
    assert summary.rows["report_plan_fact"] == 3 * 7
    with duckdb.connect(str(cfg.published_path), read_only=True) as con:
        rows = con.execute(
            "SELECT DISTINCT period_type, period_start::DATE, manager_id, fact, forecast, forecast_low, forecast_high "
            "FROM report_plan_fact WHERE metric <> 'margin_pct'"
        ).fetchall()
        no_margin = con.execute("SELECT DISTINCT fact, forecast FROM report_plan_fact WHERE metric = 'margin_pct'")
        assert no_margin.fetchall() == [(None, None)]  # no turnover: no margin %, not 0 %
    jan, q1_and_year = g.AS_OF.replace(day=1), g.AS_OF.replace(month=1, day=1)  # as_of is 15 January 2025
    assert sorted(rows) == [
        ("month", jan, None, 0, 0, None, None),
        ("quarter", q1_and_year, None, 0, 0, None, None),
        ("year", q1_and_year, None, 0, 0, None, None),
    ]
    assert (summary.turnover, summary.margin_pct, summary.new_partners) == (0, None, 0)
