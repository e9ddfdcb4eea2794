"""`salesglass forecast backtest` with the arguments a stranger tries: every refusal and every "nothing to
show" says what is wrong in words, naming the setting, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesglass.cli import app
from salesglass.errors import SalesglassError
from tests.reports import golden_company as g
from tests.reports.conftest import load_company, make_config

pytestmark = pytest.mark.slow  # about 25 s of CPU in all: handed out first (tests/conftest.py)

CONFIG = """
[warehouse]
path = "wh.duckdb"

[account]
timezone = "Europe/Moscow"
"""


@pytest.fixture(scope="module")
def company(tmp_path_factory) -> Path:
    """The golden company's warehouse (first sale 2024-09-25, last 2025-01-16, Moscow time), not built."""
    folder = tmp_path_factory.mktemp("forecast-cli")
    (folder / "salesglass.toml").write_text(CONFIG, encoding="utf-8")
    load_company(make_config(folder), g.DATA)
    return folder / "salesglass.toml"


def backtest(company: Path, *args: str) -> tuple[int, str]:
    """Exit code and what the user reads (salesglass.cli.main prints a SalesglassError as one message)."""
    result = CliRunner().invoke(app, ["forecast", "backtest", "-c", str(company), *args])
    said = result.output
    if isinstance(result.exception, SalesglassError):
        said += str(result.exception)
    elif result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, " ".join(said.split())  # rich wraps long lines


def test_as_of_before_the_history_names_the_first_sale_and_the_setting(company):
    code, out = backtest(company, "--as-of", "2024-11-01")
    assert code == 0, out
    # the setting's name in brackets is printed as it is (rich once took it for a markup tag and dropped it)
    assert "the first sale is on 2024-09-25" in out
    assert "needs 112 days of sales before it ([reports.forecast] min_history_days)" in out


@pytest.mark.parametrize("day", ["2099-01-01", "2024-10-09"])
def test_as_of_beyond_the_data_is_refused_naming_the_range(company, day):
    """`--as-of 2099-01-01` replayed a century without a sale, exit code 0. The first deal is created on
    2024-09-10 (12:00 Moscow), so the first as-of with a month of history is 2024-10-10; the last sale (2025-01-16)
    is before today, so the range ends today."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("Europe/Moscow")).date()
    code, out = backtest(company, "--as-of", day)
    assert code != 0 and "replaying" not in out
    assert out == (
        f"--as-of {day}: expected a day from 2024-10-10 (a month after the first sale or deal, 2024-09-10) "
        f"to {today} (today)"
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--as-of", "2026-02-29"], "--as-of must be a date like 2025-01-31, got '2026-02-29'"),
        (["--as-of", "garbage"], "--as-of must be a date like 2025-01-31, got 'garbage'"),
        (["--months", "0"], "--months: expected a whole number from 3 to 60, got 0"),
        (["--months", "100000"], "--months: expected a whole number from 3 to 60, got 100000"),
        (["-p", "week"], "--period must be month, quarter or year, got 'week'"),
        (["-m", "profit"], "--metric must be one of turnover, revenue, margin, cost, tickets, new_partners"),
    ],
)
def test_hostile_arguments_are_refused_before_any_work(company, args, said):
    code, out = backtest(company, *args)
    assert code != 0
    assert said in out
    assert "Traceback" not in out and "replaying" not in out  # refused before the replay starts


def test_a_warehouse_of_an_older_version_is_upgraded_not_a_traceback(tmp_path):
    """A warehouse written before `pipelines` joined the model: the backtest adds the empty table, as the build
    does; a file without the model at all is named with what to run."""
    import duckdb

    (tmp_path / "salesglass.toml").write_text(CONFIG, encoding="utf-8")
    load_company(make_config(tmp_path), g.DATA)
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    con.execute("DROP TABLE pipelines")
    con.close()
    code, out = backtest(tmp_path / "salesglass.toml", "--as-of", "2024-11-01")
    assert code == 0, out
    assert "the first sale is on 2024-09-25" in out
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    con.execute("DROP TABLE pipelines")
    con.execute("DROP TABLE deals")
    con.close()
    code, out = backtest(tmp_path / "salesglass.toml")
    assert code != 0
    assert "lacks canonical tables deals, pipelines; run `salesglass sync` and `salesglass load` first" in out


def test_the_backtest_resolves_the_development_pipelines_as_the_build_does(company):
    """The backtest builds with the user's `[amocrm]` settings, not the defaults: a development pipeline the
    warehouse does not know stops it with the key named, as `salesglass build` does (same warehouse)."""
    config = company.with_name("development.toml")
    config.write_text(CONFIG + '\n[amocrm]\ndevelopment_pipelines = ["Upsell"]\n', "utf-8")
    code, out = backtest(config, "--as-of", "2024-11-01")
    assert code != 0
    assert "[amocrm].development_pipelines[0]: no pipeline named 'Upsell'" in out
    assert "Traceback" not in out
