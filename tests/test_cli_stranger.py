"""A stranger's first hour on a fresh `salesglass init` project (not the demo): steps taken in the wrong order,
a mistyped command. Each is one message naming what to do next — never a traceback, a false "done", or a
file left behind. In-process (typer's CliRunner), like tests/test_cli_outsider.py."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
import pytest
import typer.main
from typer.testing import CliRunner, Result

from salesglass.cli import app
from salesglass.errors import SalesglassError


def _run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "300"}, input=input)


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with what `salesglass init` (no flags, no terminal) writes: a config naming no source yet."""
    monkeypatch.chdir(tmp_path)
    res = _run("init")
    assert res.exit_code == 0, (res.exception, res.output)
    return tmp_path


NO_SOURCE_YET = (
    "this config names no source yet: set up the back-office with `salesglass platform inspect --write` or fill "
    "in its [amocrm] section (the steps are listed at the top of salesglass.toml)"
)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # `build` printed its heading, then "run `salesglass sync` and `salesglass load` first": sync then refused
        (["build"], "no warehouse at {w}: nothing was synced or loaded with this config yet; " + NO_SOURCE_YET),
        # `writeback` ended in DuckDB's traceback "Cannot open database … in read-only mode"
        (["writeback"], "no warehouse at {w}: nothing was synced or loaded with this config yet; " + NO_SOURCE_YET),
        # "run `salesglass init` and load data first", after init, and after printing "replaying …"
        (["forecast", "backtest"], "no warehouse at {w}: nothing was synced or loaded with this config yet; "),
        # `refresh --once` said "done: platform_load, link, build" and published empty reports, exit code 0
        (["refresh", "--once"], "nothing to refresh: " + NO_SOURCE_YET),
        (["export"], "no published reports at {r}: run `salesglass build` (or `salesglass refresh --once`) first"),
    ],
    ids=["build", "writeback", "forecast", "refresh", "export"],
)
def test_a_step_before_its_turn_names_the_step_to_take(fresh, args, expected):
    before = sorted(p.name for p in fresh.iterdir())
    res = _run(*args)
    assert isinstance(res.exception, SalesglassError), (res.exception, res.output)
    said = str(res.exception)
    assert said.startswith(expected.format(w=fresh / "salesglass.duckdb", r=fresh / "salesglass-reports.duckdb"))
    assert res.output == ""  # the message is all: no heading of work that never started
    assert sorted(p.name for p in fresh.iterdir()) == before  # no empty warehouse or reports left behind


def test_the_step_named_follows_the_sources_the_config_has(fresh):
    """With an amoCRM account named, the step is `sync`; with back-office inputs too, `sync` and `load`."""
    config = fresh / "salesglass.toml"
    config.write_text('[amocrm]\nbase_url = "https://acme.amocrm.ru"\nsubdomain = "acme"\n', encoding="utf-8")
    said = str(_run("build", "-c", "salesglass.toml").exception)
    assert said.endswith("; run `salesglass sync -c salesglass.toml` first"), said
    config.write_text(config.read_text() + '[plans]\npath = "plans.xlsx"\n', encoding="utf-8")
    said = str(_run("doctor").exception)
    assert said.endswith("; run `salesglass sync` and `salesglass load` first"), said


def _groups():
    def walk(cmd: click.Command, path: tuple[str, ...]):
        if isinstance(cmd, click.Group):
            yield path, cmd
            for name, sub in cmd.commands.items():
                yield from walk(sub, (*path, name))

    return [
        pytest.param(path, group, id=" ".join(path) or "salesglass")
        for path, group in walk(typer.main.get_command(app), ())
    ]


@pytest.mark.parametrize(("path", "group"), _groups())
def test_a_mistyped_command_is_answered_with_the_right_one_once(path, group):
    """`salesglass buildd` said "No such command 'buildd'. Did you mean 'build'? Did you mean 'build'?" (click
    suggests, and typer added its own suggestion again), in every group."""
    name = max(group.commands, key=len)  # one per group: each invocation renders the whole tree's usage
    typo = name + name[-1]  # a letter typed twice: `refresh-statuss`, `bonus approvee`
    res = _run(*path, typo)
    assert res.exit_code == 2, (typo, res.output)
    shown = " ".join(res.output.replace("│", " ").split())
    assert f"No such command '{typo}'." in shown and shown.count("Did you mean") == 1, shown
    assert f"'{name}'" in shown.split("Did you mean", 1)[1], (name, shown)


def test_a_config_that_is_not_there_says_how_to_make_one(tmp_path, monkeypatch):
    """`build -c nope.toml` said only "config file nope.toml does not exist"."""
    monkeypatch.chdir(tmp_path)
    said = str(_run("build", "-c", "nope.toml").exception)
    assert said == (
        "config file nope.toml does not exist: write one with `salesglass init nope.toml` "
        "(or name another with -c; the demo's is demo/salesglass.toml)"
    )


def test_a_mistyped_config_key_is_answered_with_the_key_it_meant():
    """ "[warehouse].paht is not a known setting (check the spelling …)": the stranger had to find `path` in
    docs/configuration.md. The nearest known key is named, at any depth; a key near to none is not guessed."""
    from salesglass.config import parse_config
    from salesglass.errors import ConfigError

    data = {
        "warehose": {},
        "warehouse": {"paht": "wh.duckdb"},
        "amocrm": {"zzzz": 1},
        "platform": {"inputs": [{"name": "x", "target": "sales", "table": "t", "colums": {}}]},
    }
    with pytest.raises(ConfigError) as err:
        parse_config(data, source="salesglass.toml")
    lines = str(err.value).splitlines()
    for expected in (
        "salesglass.toml: [warehose] is not a known setting (did you mean [warehouse]? see docs/configuration.md)",
        "salesglass.toml: [warehouse].paht is not a known setting (did you mean [warehouse].path? see "
        "docs/configuration.md)",
        "salesglass.toml: [platform].inputs[0].colums is not a known setting (did you mean "
        "[platform].inputs[0].columns? see docs/configuration.md)",
        "salesglass.toml: [amocrm].zzzz is not a known setting (check the spelling; see docs/configuration.md)",
    ):
        assert expected in lines, lines


NOTHING_CLOSED = (
    "no bonus month closed yet: every month is open and follows the data. Close one with `salesglass bonus review "
    "YYYY-MM`, then `salesglass bonus approve YYYY-MM`, once `salesglass build` has published it"
)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["bonus", "status"], NOTHING_CLOSED),
        (["bonus", "audit"], NOTHING_CLOSED),
        (["bonus", "audit", "--month", "2026-11", "--out", "audit.csv"], NOTHING_CLOSED),  # and no empty audit.csv
        (["bonus", "disputes"], "no open disputes"),
    ],
    ids=["status", "audit", "audit-out", "disputes"],
)
def test_bonus_reads_on_a_fresh_project_say_none_is_closed_and_create_nothing(fresh, args, said):
    """`bonus status` on a fresh project said "every month is open" and left an empty salesglass-bonus.duckdb."""
    before = sorted(p.name for p in fresh.iterdir())
    res = _run(*args)
    assert res.exit_code == 0, (res.exception, res.output)
    assert " ".join(res.output.split()) == said
    assert sorted(p.name for p in fresh.iterdir()) == before


def test_a_bonus_adjustment_before_the_first_build_says_what_it_needs(fresh):
    """`bonus adjust` on a fresh project made the bonus state file and added a line for a manager nobody knew."""
    before = sorted(p.name for p in fresh.iterdir())
    res = _run("bonus", "adjust", "2026-11", "-m", "7", "-a", "10", "-r", "late payment")
    assert isinstance(res.exception, SalesglassError), (res.exception, res.output)
    assert str(res.exception) == (
        f"no published reports at {fresh / 'salesglass-reports.duckdb'}: run `salesglass build` first (an adjustment "
        "is for a manager the reports know, in a month they show; it reaches the reports at the next build)"
    )
    assert sorted(p.name for p in fresh.iterdir()) == before


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["bonus", "pay", "2026-11"], "2026-11 is open: only an approved month can be marked paid"),
        (["bonus", "reopen", "2026-11", "-r", "late refund"], "2026-11 is already open"),
        (["bonus", "resolve", "3", "--answer", "agreed"], "no dispute 3"),
    ],
    ids=["pay", "reopen", "resolve"],
)
def test_a_bonus_step_refused_on_a_fresh_project_leaves_no_state_file(fresh, args, said):
    """`bonus pay 2026-11` on a fresh project was refused ("is open"), and left an empty salesglass-bonus.duckdb
    (which `backup` then listed among the databases it copied)."""
    before = sorted(p.name for p in fresh.iterdir())
    res = _run(*args)
    assert isinstance(res.exception, SalesglassError) and str(res.exception) == said, (res.exception, res.output)
    assert sorted(p.name for p in fresh.iterdir()) == before


@pytest.mark.parametrize(
    ("args", "option", "expected"),
    [
        (["generate", "--seed", "-1", "--out", "company"], "--seed", "of 0 or more, got -1"),  # numpy's traceback
        (["demo", "--seed", "-1", "--no-serve", "--dir", "d"], "--seed", "of 0 or more"),  # and the folder d made
        (["forecast", "backtest", "--months", "0"], "--months", "from 3 to 60, got 0"),
        (["refresh-status", "--limit", "-1"], "--limit", "of 1 or more, got -1"),
        (["check", "--sample", "0"], "--sample", "from 1 to "),
        (["serve", "--workers", "0"], "--workers", "from 1 to 64, got 0"),
    ],
    ids=["generate-seed", "demo-seed", "backtest-months", "refresh-status-limit", "check-sample", "serve-workers"],
)
def test_a_count_below_its_least_names_the_option_and_the_range(fresh, args, option, expected):
    before = sorted(p.name for p in fresh.iterdir())
    res = _run(*args)
    said = str(res.exception)  # salesglass.cli.main prints it as one line, as every other refusal
    assert isinstance(res.exception, SalesglassError), (res.exception, res.output)
    assert said.startswith(f"{option}: expected a whole number ") and expected in said, said
    assert sorted(p.name for p in fresh.iterdir()) == before


def test_a_build_as_of_a_day_in_the_1990s_takes_its_months():
    """`build --as-of 1990-12-31` said "build failed, … left as it was: IndexError: tuple index out of range": the
    months' search table starts in 2000, and the build asked it for 1990–1991 only. (A build is slow: the month of
    a sale is computed here as the build computes it.)"""
    from datetime import UTC, datetime

    import ibis

    from salesglass.reports.base import BuildParams
    from salesglass.reports.config import ReportsConfig

    params = BuildParams(date(1990, 12, 31), "Europe/Moscow", ReportsConfig()).dated_from(None)
    # 21:30 UTC on 30 November + 3 h (Moscow's winter time in 1990) = 00:30 on 1 December
    sale = ibis.memtable({"sold_at": [datetime(1990, 11, 30, 21, 30, tzinfo=UTC)]})
    month = sale.select(month=params.month_of_many(sale.sold_at))
    assert [v.date() for v in ibis.duckdb.connect().execute(month)["month"]] == [date(1990, 12, 1)]


def _refused_writing_nothing(folder, args: list[str]) -> str:
    """Runs `salesglass *args`: it must stop with a SalesglassError and leave `folder` as it was; its message."""
    before = sorted(p.name for p in folder.iterdir())
    res = _run(*args)
    assert isinstance(res.exception, SalesglassError), (res.exception, res.output)
    assert sorted(p.name for p in folder.iterdir()) == before
    return str(res.exception)


@pytest.mark.parametrize(
    "args",
    [["bonus", "review", "2031-01"], ["bonus", "payroll", "2031-01", "-o", "payroll.csv"]],
    ids=["review", "payroll"],
)
def test_a_bonus_month_after_the_published_reports_is_refused(fresh, args):
    """A mistyped year: `bonus review 2031-01` put the month in review, `bonus payroll 2031-01` wrote an empty
    payroll, both with exit code 0."""
    import duckdb

    with duckdb.connect(str(fresh / "salesglass-reports.duckdb")) as con:
        con.execute("CREATE TABLE build_info AS SELECT DATE '2026-11-27' AS as_of")
    assert _refused_writing_nothing(fresh, args) == (
        "2031-01 is after the published reports, built as of 2026-11-27: a bonus month is closed once it has "
        "happened and `salesglass build` has published it (check the year)"
    )


@pytest.mark.parametrize(
    "args",
    [["bonus", "review", "2024-08"], ["bonus", "payroll", "2024-08", "-o", "payroll.csv"]],
    ids=["review", "payroll"],
)
def test_a_bonus_month_before_the_first_sale_is_refused_naming_its_month(fresh, args):
    """`bonus payroll 2019-01` wrote an empty payroll with exit code 0. The first sale is at 22:30 UTC on
    31 August 2024 = 01:30 on 1 September in Moscow (UTC+3): the first month with data is 2024-09, so 2024-08 is
    refused (read in UTC, it would have passed)."""
    import duckdb

    with duckdb.connect(str(fresh / "salesglass-reports.duckdb")) as con:
        con.execute("CREATE TABLE build_info AS SELECT DATE '2026-11-27' AS as_of, 'Europe/Moscow' AS timezone")
        con.execute("CREATE TABLE sales AS SELECT TIMESTAMPTZ '2024-08-31 22:30:00+00' AS sold_at")
    assert _refused_writing_nothing(fresh, args) == (
        "2024-08 is before the first sale in the published reports, in 2024-09: no bonus was earned before it "
        "(check the year)"
    )


def test_an_amocrm_address_that_does_not_answer_is_named(fresh):
    """`amocrm inspect` said "GET /api/v4/account failed after 6 attempts: connection problem (ConnectError)":
    which address, and where it is set, was left to guess. A user and password in it are never shown."""
    import socket

    with socket.socket() as s:  # a port nothing listens on once this closes
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (fresh / "salesglass.toml").write_text(
        f'[amocrm]\nbase_url = "http://someone:secret@127.0.0.1:{port}"\nsubdomain = "acme"\nmax_retries = 0\n',
        encoding="utf-8",
    )
    assert _run("amocrm", "auth", "--long-lived", input="a-token\n").exit_code == 0
    said = str(_run("amocrm", "inspect").exception)
    assert said == (
        f"GET /api/v4/account failed after 1 attempts: connection problem (ConnectError) reaching "
        f"http://127.0.0.1:{port} ([amocrm] base_url: check it and this machine's network)"
    )


def test_a_long_lived_token_left_empty_says_how_to_give_it(fresh):
    (fresh / "salesglass.toml").write_text('[amocrm]\nbase_url = "https://acme.amocrm.ru"\nsubdomain = "acme"\n')
    said = str(_run("amocrm", "auth", "--long-lived", input="").exception)
    assert said == (
        "no token given: paste the private integration's long-lived token when asked, or pipe it in "
        "(salesglass amocrm auth --long-lived < token.txt)"
    )


@pytest.mark.parametrize("command", ["load", "sync"])
def test_a_first_load_or_sync_that_fails_leaves_no_empty_warehouse(fresh, command):
    """`load` with a mistyped file name (or `sync` with amoCRM not answering) failed, and left an empty
    salesglass.duckdb: `build` then published empty reports instead of saying nothing was loaded yet."""
    import socket

    with socket.socket() as s:  # a port nothing listens on once this closes
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (fresh / "salesglass.toml").write_text(
        f'[amocrm]\nbase_url = "http://127.0.0.1:{port}"\nsubdomain = "acme"\nmax_retries = 0\n'
        '[platform]\nfolder = "."\n[[platform.inputs]]\nname = "orders"\ntarget = "sales"\npath = "ordres.csv"\n'
        '[platform.inputs.columns]\nsale_id = "id"\n',
        encoding="utf-8",
    )
    assert _run("amocrm", "auth", "--long-lived", input="a-token\n").exit_code == 0
    before = sorted(p.name for p in fresh.iterdir())
    said = str(_run(command).exception)
    assert said.startswith({"load": "[platform] input 'orders': file ", "sync": "GET /api/v4/account failed"}[command])
    assert sorted(p.name for p in fresh.iterdir()) == before
    said = str(_run("build").exception)
    assert said.startswith(f"no warehouse at {fresh / 'salesglass.duckdb'}: nothing was synced or loaded"), said


@pytest.mark.parametrize(
    ("column", "said"),
    [
        (
            {"column": "paid", "unit": "kopeks"},
            "[platform].inputs[0].columns.sold_at.unit: Input should be 'units', 'kopecks' or 'cents', got 'kopeks'",
        ),
        (
            {"colum": "paid"},
            "[platform].inputs[0].columns.sold_at.colum is not a known setting (did you mean "
            "[platform].inputs[0].columns.sold_at.column? see docs/configuration.md)",
        ),
        (
            5,
            "[platform].inputs[0].columns.sold_at: expected text in quotes or expected a table of settings "
            "(a [section], or { key = … }), got 5",
        ),
    ],
    ids=["unit", "key", "neither"],
)
def test_a_wrong_column_setting_is_one_line_named_as_the_file_names_it(column, said):
    """`sold_at = { column = "paid", unit = "kopeks" }` gave two lines in pydantic's own words: "….sold_at.str:
    expected text in quotes" and "….sold_at.function-after[_one_source(), ColumnSpec].unit: …"."""
    from salesglass.config import parse_config
    from salesglass.errors import ConfigError

    sales = {"name": "orders", "target": "sales", "path": "orders.csv", "columns": {"sold_at": column}}
    with pytest.raises(ConfigError) as err:
        parse_config({"platform": {"inputs": [sales]}}, source="salesglass.toml")
    assert str(err.value) == f"salesglass.toml: {said}"


def test_a_file_that_cannot_be_written_is_named_as_given(fresh):
    """`doctor --export /proc/x.csv` said "[Errno 2] No such file or directory: '/proc/.x.csv.vm-1023.tmp'": the
    temporary name beside the file, which the user never typed."""
    from salesglass.cli import os_error_message
    from salesglass.warehouse import open_warehouse

    with open_warehouse(fresh / "salesglass.duckdb"):
        pass
    res = _run("doctor", "--export", "/proc/suggestions.csv")  # a folder nobody may create files in
    assert isinstance(res.exception, OSError), (res.exception, res.output)
    assert os_error_message(res.exception).startswith("/proc/suggestions.csv: "), os_error_message(res.exception)


def test_an_amocrm_address_that_is_no_address_is_refused_by_init(tmp_path, monkeypatch):
    """`init --amocrm-url "not a url"` wrote base_url = "https://not a url.amocrm.ru" into the config."""
    monkeypatch.chdir(tmp_path)
    res = _run("init", "--amocrm-url", "not a url")
    assert isinstance(res.exception, SalesglassError), (res.exception, res.output)
    assert str(res.exception) == (
        "--amocrm-url: expected the account's address, e.g. https://yourco.amocrm.ru (or its subdomain, yourco), "
        "got 'not a url'"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_back_office_database_salesglass_does_not_read_is_named(fresh):
    """`init --platform-url oracle://…` then `platform inspect` ended in a traceback: "ModuleNotFoundError: No
    module named 'cx_Oracle'"."""
    (fresh / "salesglass.toml").write_text('[platform]\nurl = "oracle://reader@db/shop"\n', encoding="utf-8")
    said = str(_run("platform", "inspect").exception)
    assert said == (
        "[platform].url: oracle://… is not a database salesglass reads; expected postgresql://user@host:5432/db, "
        "mysql+pymysql://user@host/db or sqlite:///file.sqlite (or [platform].folder for CSV/XLSX files)"
    )
