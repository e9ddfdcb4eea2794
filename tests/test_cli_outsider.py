"""The command line as a stranger meets it: hostile input to each option is one message naming the option
and what it expects — never a traceback, a bare "Aborted." or an input silently dropped — and nothing is
written on the way. In-process (typer's CliRunner): a subprocess per case costs seconds."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from salesglass.cli import app
from salesglass.errors import ConfigError, SalesglassError


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str, input: str | None = None) -> Result:
    monkeypatch.chdir(tmp_path)
    return CliRunner().invoke(app, list(args), input=input, env={"COLUMNS": "200"})


def _refused(res: Result) -> str:
    """The message of a refusal `salesglass.cli.main` prints as one line (a SalesglassError), or click's usage
    error (exit code 2, naming the option); anything else — a crash, an Abort, success — fails the test."""
    if isinstance(res.exception, SalesglassError):
        return str(res.exception)
    assert res.exit_code == 2 and res.exception is not None and isinstance(res.exception, SystemExit), (
        res.exit_code,
        res.exception,
        res.output,
    )
    return res.output


@pytest.mark.parametrize("command", [["check"], ["platform", "inspect"]])
def test_a_sample_beyond_any_database_limit_is_refused_by_the_option(tmp_path, monkeypatch, command):
    """`check --sample 99999999999999999999` reached SQLite's LIMIT and printed four tracebacks and
    "INTERNAL: (unknown error)" per input; the option now says its range."""
    said = _refused(_run(tmp_path, monkeypatch, *command, "--sample", "99999999999999999999"))
    assert said == "--sample: expected a whole number from 1 to 1000000000, got 99999999999999999999"


def test_every_date_option_refuses_impossible_and_implausible_days_alike(tmp_path, monkeypatch):
    """One parser for every YYYY-MM-DD option: `generate --end 3000-01-01` simulated a thousand years (only
    `build --as-of` knew the plausible range); 2026-02-30 and "yesterday" are refused by name everywhere."""
    for args in (
        ["generate", "--end", "3000-01-01", "--profile", "nope"],  # before the profile is even looked at
        ["demo", "--end", "3000-01-01", "--profile", "nope"],
        ["build", "--as-of", "3000-01-01"],
    ):
        said = _refused(_run(tmp_path, monkeypatch, *args))
        assert said == f"{args[1]} must be between 1970-01-01 and 2100-12-31, got 3000-01-01", args
    for bad in ("2026-02-30", "yesterday", ""):
        said = _refused(_run(tmp_path, monkeypatch, "generate", "--end", bad))
        assert said == f"--end must be a date like 2025-01-31, got {bad!r} (expected YYYY-MM-DD)"
    assert list(tmp_path.iterdir()) == []  # nothing generated, nothing half-written


def test_a_bonus_month_given_as_a_date_must_be_a_real_date():
    """`bonus adjust … --corrects 2026-02-30` recorded a correction of February; "2026-11xyz" passed as November."""
    from salesglass.bonus.store import parse_month

    assert parse_month("2026-11-15") == date(2026, 11, 1)  # any real day of the month names it
    assert parse_month(" 2026-11 ") == date(2026, 11, 1)
    for typo in ("2026-02-30", "2026-11xyz", "2026-11-1", "2026-1"):
        with pytest.raises(SalesglassError, match="a month looks like 2026-10"):
            parse_month(typo)


def test_users_say_what_is_wrong_before_asking_for_the_password(tmp_path, monkeypatch):
    """A wrong e-mail, an existing login or an unknown one was told only after the password had been typed
    twice; with no terminal (cron, `< /dev/null`) the prompt ended in a bare "Aborted.", exit code 1."""
    from salesglass.serve.users import UserStore

    UserStore(tmp_path / "salesglass-users.json").add("head@acme.ru", "long-enough-1", "admin")
    before = (tmp_path / "salesglass-users.json").read_bytes()
    cases = [
        (["users", "add", "not-an-email"], "'not-an-email' is not an e-mail address"),
        (["users", "add", "anna@acme.ru", "--role", "boss"], "role must be one of admin, manager, got 'boss'"),
        (["users", "add", "Head@Acme.ru"], "user head@acme.ru already exists"),
        (["users", "reset-password", "ghost@acme.ru"], "no user ghost@acme.ru"),
        (
            ["users", "add", "anna@acme.ru"],
            "no password given: type it at the prompt, or pipe it in with --password-stdin",
        ),
    ]
    for args, expected in cases:
        said = _refused(_run(tmp_path, monkeypatch, *args, input=""))
        assert said.startswith(expected), (args, said)
    assert (tmp_path / "salesglass-users.json").read_bytes() == before


def test_a_refused_backup_is_an_error_like_any_other(tmp_path, monkeypatch):
    """`backup` into its own folder printed its refusal on standard output in red and exited 1, unlike every
    other command (stderr, "error:", exit code 2)."""
    said = _refused(_run(tmp_path, monkeypatch, "backup", "inside"))
    assert said.startswith(f"the backup folder {tmp_path.resolve() / 'inside'} is inside the folder it backs up")
    assert not (tmp_path / "inside").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--client-id", "abc", "--redirect-uri", "https://x.org/cb"],
            "--client-id, --redirect-uri: only with --auth oauth (a long-lived token, --auth long_lived, needs none",
        ),
        (
            ["--auth", "oauth", "--client-id", "abc", "--redirect-uri", "https://x.org/cb", "--client-secret", "-"],
            "--auth oauth: expected --amocrm-url too",
        ),
        (
            ["--amocrm-url", "https://bob:hunter2@acme.amocrm.ru"],
            "--amocrm-url: expected the account's address without a user or password",
        ),
    ],
)
def test_init_refuses_flags_it_would_have_dropped_or_kept_in_clear(tmp_path, monkeypatch, args, expected):
    """OAuth flags without OAuth or without an account were left out of the file without a word (the client
    secret still landing in secrets/salesglass.env); a password in the account's address was written into it."""
    said = _refused(_run(tmp_path, monkeypatch, "init", *args, input="the-client-secret\n"))
    assert isinstance(said, str) and said.startswith(expected), said
    assert "hunter2" not in said
    assert list(tmp_path.iterdir()) == []  # no config, no secrets file


def test_init_prints_the_next_command_whole_when_piped(tmp_path, monkeypatch):
    """Rich cut "next: salesglass platform inspect -c <path> (…)" at 80 columns in a pipe or a log, so the
    command could not be copied as it was printed."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "a folder with a long name for the company's salesglass" / "salesglass.toml"
    res = CliRunner().invoke(app, ["init", str(path)])  # no COLUMNS: what a pipe gets
    assert res.exit_code == 0, res.output
    assert f"next: salesglass platform inspect -c {path} (the steps are listed at the top of the file)\n" in res.output


def test_a_wrong_time_zone_is_quoted_once():
    """ "unknown time zone 'Mars/Olympus'; expected an IANA name like 'Europe/Moscow', got 'Mars/Olympus'"."""
    from salesglass.config import parse_config

    with pytest.raises(ConfigError) as err:
        parse_config({"account": {"timezone": "Mars/Olympus"}}, source="salesglass.toml")
    assert str(err.value) == (
        "salesglass.toml: [account].timezone: unknown time zone 'Mars/Olympus'; "
        "expected an IANA name like 'Europe/Moscow'"
    )


def test_link_without_a_warehouse_says_so_and_creates_none(tmp_path, monkeypatch):
    """`salesglass link` in a folder without a config (the clone, after `make demo`, without -c) created an
    empty salesglass.duckdb and said "deals: 0; linked 0 (none)", exit code 0, as if all were linked."""
    said = _refused(_run(tmp_path, monkeypatch, "link"))
    assert said.startswith(f"no warehouse at {tmp_path / 'salesglass.duckdb'}: nothing was synced or loaded")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({"warehouse": "x"}, "[warehouse]: expected a table of settings (a [section], or { key = … }), got 'x'"),
        ({"warehouse": {"path": 5}}, "[warehouse].path: expected a file path in quotes, got 5"),
        ({"amocrm": {"pipelines": "Sales"}}, "[amocrm].pipelines: expected a list in brackets: [ … ], got 'Sales'"),
        ({"dashboard": {"port": "abc"}}, "[dashboard].port: expected a whole number, got 'abc'"),
    ],
)
def test_a_wrong_kind_of_value_is_said_in_the_files_terms(section, expected):
    """pydantic's "Input should be a valid dictionary or instance of WarehouseConfig" and "Input is not a
    valid path for <class 'pathlib.Path'>" named Python classes a config's author never sees."""
    from salesglass.config import parse_config

    with pytest.raises(ConfigError) as err:
        parse_config(section, source="salesglass.toml")
    assert str(err.value) == f"salesglass.toml: {expected}"


def test_a_wrong_url_in_the_config_is_named_without_its_password(tmp_path, monkeypatch):
    """`[publish] postgres_url = "mysql://bob:hunter2@db/x"` was refused with the password in the message."""
    (tmp_path / "salesglass.toml").write_text(
        '[publish]\npostgres_url = "mysql://bob:hunter2@db/x?password=hunter3"\n', encoding="utf-8"
    )
    said = _refused(_run(tmp_path, monkeypatch, "publish"))
    assert said.endswith("got 'mysql://bob:***@db/x?password=***'"), said
    assert "hunter" not in said


def test_a_demo_of_a_scale_or_company_that_does_not_exist_makes_no_folder(tmp_path, monkeypatch):
    """`salesglass demo --scale xxl` printed the demo's heading and step 1, then refused, leaving demo/ behind."""
    for args, expected in (
        (["--scale", "xxl"], "unknown scale 'xxl': expected one of xs, s, m, l"),
        (["--profile", "nope"], "unknown profile 'nope': expected one of biletoid, sibkassa"),
    ):
        res = _run(tmp_path, monkeypatch, "demo", "--no-serve", *args)
        assert _refused(res) == expected and "salesglass demo" not in res.output
    assert list(tmp_path.iterdir()) == []


def test_the_first_help_names_the_way_to_ones_own_company():
    """`salesglass --help` said only "Start with `salesglass demo`": a stranger setting salesglass up for their
    own company was not told of `salesglass init`, whose --help had no example."""
    run = CliRunner().invoke
    assert "your own company: `salesglass init`" in run(app, ["--help"], env={"COLUMNS": "400"}).output
    shown = " ".join(run(app, ["init", "--help"], env={"COLUMNS": "400"}).output.split())
    assert (
        "Examples: salesglass init salesglass init --amocrm-url https://yourco.amocrm.ru --platform-url "
        "postgresql://reader@db/shop" in shown
    )


def test_generate_into_a_path_through_itself_replaces_the_company(tmp_path, monkeypatch):
    """`generate --out adir/../adir`: the folder was removed before the new company was moved in through it, so
    the move failed ("No such file or directory") and the whole company was left in .adir.generating."""
    (tmp_path / "adir").mkdir()
    res = _run(tmp_path, monkeypatch, "generate", "--scale", "xs", "--end", "2026-11-27", "--out", "adir/../adir")
    assert res.exit_code == 0, (res.exception, res.output)
    assert [p.name for p in tmp_path.iterdir()] == ["adir"] and (tmp_path / "adir" / "manifest.json").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-o", "reports.csv"], "--out reports.csv: --format xlsx writes one workbook ending in .xlsx; for csv"),
        (["-f", "csv", "-o", "r.xlsx"], "--out r.xlsx: --format csv writes a file per report into a folder; give"),
        (["-f", "parquet", "-o", "r.parquet"], "--out r.parquet: --format parquet writes a file per report into a"),
    ],
)
def test_export_refuses_an_out_named_for_another_format(tmp_path, monkeypatch, args, expected):
    """`export -o reports.csv` wrote an Excel workbook named reports.csv; `-f csv -o r.xlsx` a folder r.xlsx."""
    said = _refused(_run(tmp_path, monkeypatch, "export", *args))
    assert said.startswith(expected), said


def test_a_bonus_adjustment_for_a_manager_the_reports_do_not_know_is_refused(tmp_path, monkeypatch):
    """`bonus adjust 2026-11 -m -5 -a 10 -r why` (or a mistyped id) added a line to a bonus nobody is paid."""
    import duckdb

    with duckdb.connect(str(tmp_path / "salesglass-reports.duckdb")) as con:
        con.execute("CREATE TABLE managers (manager_id BIGINT, name VARCHAR, email VARCHAR, is_active BOOLEAN)")
        con.execute("INSERT INTO managers VALUES (7, 'Анна', 'anna@acme.ru', true)")
    for wrong in ("-5", "424242"):
        said = _refused(_run(tmp_path, monkeypatch, "bonus", "adjust", "2026-11", "-m", wrong, "-a", "10", "-r", "x"))
        assert said.startswith(f"--manager {wrong}: the published reports know no amoCRM user of that id"), said
    res = _run(tmp_path, monkeypatch, "bonus", "adjust", "2026-11", "-m", "7", "-a", "10", "-r", "x")
    assert res.exit_code == 0 and "adjustment 1 added to 2026-11" in res.output, (res.exception, res.output)
