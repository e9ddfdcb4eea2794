"""The command line: every command has help, and user errors print one clear message, no traceback.

The entry point itself (`python -m salesglass`: --help, --version, a config mistake, a refused path, the
README's load chain) runs as a real process; a test that checks a command's help or how it refuses an
argument runs the same `main()` in this process (`_in_process`), which spares ~45 Python start-ups."""

import contextlib
import os
import subprocess
import sys

import pytest
import typer.main

from salesglass.cli import app

pytestmark = pytest.mark.slow  # about 15 s of CPU in all: handed out first (tests/conftest.py)

COMMANDS = sorted(typer.main.get_command(app).commands)


def _run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "salesglass", *args], capture_output=True, text=True, cwd=cwd)


def _in_process(*args: str, cwd=None) -> subprocess.CompletedProcess:
    """`salesglass *args` as `python -m salesglass` runs it — the same `main()`, its error handling and exit
    code — in this process: stdout and stderr captured apart (click's test runner), sys.argv, the working
    folder and the umask (main makes files owner-only) put back afterwards."""
    from click.testing import CliRunner

    from salesglass.cli import main

    argv, umask = sys.argv, os.umask(0o022)
    os.umask(umask)
    code: int | str | None = 0
    with CliRunner().isolation() as (out, err, _), contextlib.chdir(cwd or os.getcwd()):
        sys.argv = ["salesglass", *args]
        try:
            main()
        except SystemExit as exc:
            code = exc.code
        finally:
            sys.argv = argv
            os.umask(umask)
        stdout, stderr = out.getvalue().decode(), err.getvalue().decode()
    returncode = code if isinstance(code, int) else (0 if code is None else 1)
    return subprocess.CompletedProcess(["salesglass", *args], returncode, stdout, stderr)


def test_the_main_commands_exist():
    assert {
        "demo",
        "generate",
        "sync",
        "load",
        "link",
        "doctor",
        "build",
        "export",
        "serve",
        "users",
        "refresh",
        "publish",
        "digest",
    } <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    res = _in_process(command, "--help")
    assert res.returncode == 0, res.stderr
    assert "Usage" in res.stdout and len(res.stdout) > 200


def test_a_config_mistake_names_the_key_without_a_traceback(tmp_path):
    (tmp_path / "salesglass.toml").write_text('[account]\ntimezone = "Nowhere/City"\n')
    res = _run("load", cwd=tmp_path)
    assert res.returncode == 2
    assert "[account].timezone: unknown time zone 'Nowhere/City'" in res.stderr
    assert "Traceback" not in res.stderr


def test_the_command_list_loads_without_the_heavy_libraries():
    """`salesglass --help` stays instant: registering the commands imports no engine or data library (each
    command imports what it needs when it runs). `salesglass check` once pulled in duckdb and sqlglot."""
    heavy = ("duckdb", "sqlglot", "ibis", "pyarrow", "pandas", "numpy", "sqlalchemy", "fastapi", "httpx", "pydantic")
    code = f"import sys, salesglass.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


def _commands_with_arguments():
    """(path, command) of every command and subcommand that takes a positional argument."""
    import click

    def walk(cmd: click.Command, path: tuple[str, ...]):
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                yield from walk(sub, (*path, name))
        elif any(isinstance(p, click.Argument) for p in cmd.params):
            yield path, cmd

    return [pytest.param(path, cmd, id=" ".join(path)) for path, cmd in walk(typer.main.get_command(app), ())]


@pytest.mark.parametrize(("path", "command"), _commands_with_arguments())
def test_every_argument_is_explained_in_help(path, command):
    """A newcomer reads `salesglass init --help` to learn what PATH is: click 8.5 with typer 0.20 printed
    `path [PATH]` and nothing else, for every positional argument of every command."""
    import re

    from typer.testing import CliRunner

    res = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "400"}, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    shown = re.sub(r"\s+", " ", res.output)
    for param in command.params:
        if isinstance(param, typer.core.TyperArgument):
            assert param.help, f"{' '.join(path)}: argument {param.name} has no help text"
            assert re.sub(r"\s+", " ", param.help) in shown, f"{' '.join(path)}: help of {param.name} is not shown"


def _one_clear_line(res: subprocess.CompletedProcess) -> str:
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr + res.stdout
    return " ".join(res.stderr.split())


def test_a_folder_where_a_file_belongs_is_one_line_naming_it(tmp_path):
    """Any command that meets a path the system refuses says which path and why, not a traceback
    (`config-docs --out DIR`, `doctor --export DIR`, `generate --out FILE` all printed IsADirectoryError /
    NotADirectoryError tracebacks)."""
    folder = tmp_path / "a folder ü"
    folder.mkdir()
    assert _one_clear_line(_run("config-docs", "--out", str(folder))) == f"error: {folder}: Is a directory"
    a_file = tmp_path / "company.txt"
    a_file.write_text("not a folder")
    assert f"{a_file}: Not a directory" in _one_clear_line(_run("generate", "--out", str(a_file)))


def test_an_export_to_no_file_name_is_one_line(tmp_path):
    """`export --out ""` (and `--out .`, `bonus audit --out ""`) printed pathlib's traceback "PosixPath('.') has
    an empty name": a folder where the workbook's file name belongs is one line naming it."""
    from tests.dashboard.fixture import write_published

    write_published(tmp_path / "salesglass-reports.duckdb")
    said = _one_clear_line(_in_process("export", "--out", ".", cwd=tmp_path))
    assert said == "error: .: a folder, where a file name belongs"


@pytest.mark.parametrize(
    "args",
    [
        ("backup", ""),
        ("init", ""),
        ("export", "--out", ""),
        ("doctor", "--export", ""),
        ("build", "-c", ""),
        ("bonus", "audit", "--out", ""),
    ],
)
def test_an_empty_path_is_refused_and_nothing_is_written(tmp_path, args):
    """Python reads Path("") as the current folder: `backup ""` (an unset shell variable) wrote the backup
    into the folder it was run from, `init ""` said ". exists". Every path parameter refuses an empty one."""
    said = _one_clear_line(_in_process(*args, cwd=tmp_path))
    assert said.endswith(": expected a file or folder name, got an empty one"), said
    assert list(tmp_path.iterdir()) == []


def test_an_empty_month_is_refused_not_read_as_every_month(tmp_path):
    """`bonus audit --month ""` listed the whole audit trail, as if no month was given."""
    said = _one_clear_line(_in_process("bonus", "audit", "--month", "", cwd=tmp_path))
    assert said == "error: a month looks like 2026-10, got ''"


def test_a_missing_emulator_company_is_one_line():
    said = _one_clear_line(_in_process("emulate-amocrm", "--company", "/nonexistent/company", "--port", "0"))
    assert said == "error: /nonexistent/company/amocrm does not exist: expected a simulated company folder with amocrm/"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("demo", "--end", "2026-02-30", "--no-serve"),
            "error: --end must be a date like 2025-01-31, got '2026-02-30'",
        ),
        (("generate", "--end", "0000-01-01"), "error: --end must be a date like 2025-01-31, got '0000-01-01'"),
        (("demo", "--port", "70000"), "error: --port: expected a whole number from 1 to 65535, got 70000"),
        (("serve", "--port", "-1"), "error: --port: expected a whole number from 1 to 65535, got -1"),
        (("serve", "--workers", "0"), "error: --workers: expected a whole number from 1 to 64, got 0"),
        (("emulate-amocrm", "--port", "65536"), "error: --port: expected a whole number from 0 to 65535, got 65536"),
        (("emulate-amocrm", "--error-rate", "2"), "error: --error-rate: expected a number from 0.0 to 1.0, got 2.0"),
        (("emulate-amocrm", "--slow", "-1"), "error: --slow: expected a number of 0.0 or more, got -1.0"),
        (("emulate-amocrm", "--rate-limit", "-5"), "error: --rate-limit: expected a whole number of 1 or more, got -5"),
        (("check", "--sample", "-5"), "error: --sample: expected a whole number from 1 to 1000000000, got -5"),
        (
            ("platform", "inspect", "--sample", "0"),
            "error: --sample: expected a whole number from 1 to 1000000000, got 0",
        ),
        (("refresh-status", "--limit", "-3"), "error: --limit: expected a whole number of 1 or more, got -3"),
        (("refresh-status", "--limit", "many"), "error: --limit: expected a whole number of 1 or more, got 'many'"),
        (("forecast", "backtest", "--months", "0"), "error: --months: expected a whole number from 3 to 60, got 0"),
        (("generate", "--seed", "-1"), "error: --seed: expected a whole number of 0 or more, got -1"),
        (("bonus", "payroll"), "error: missing MONTH (see `salesglass bonus payroll --help`)"),
    ],
)
def test_impossible_dates_and_numbers_are_refused_by_name(tmp_path, args, said):
    """`demo --end 2026-02-30` and `demo --port 70000` ended in tracebacks (ValueError, OverflowError from
    bind()); `serve --port 70000` in a pydantic ValidationError; the emulator took a 200 % error rate."""
    res = _in_process(*args, cwd=tmp_path)
    assert _one_clear_line(res).startswith(said)  # one line, as every other refusal: not click's usage box
    assert not (tmp_path / "demo").exists()  # refused before any work


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("serve", "--host", "999.1.1.1", "--port", "8001"), "error: cannot listen on '999.1.1.1': "),
        (
            ("serve", "--host", "192.0.2.77", "--port", "8001"),
            "error: cannot listen on 192.0.2.77: it is not an address",
        ),
        (("init", "--timezone", "Mars/Base"), "error: --timezone: unknown time zone 'Mars/Base'"),
    ],
)
def test_a_host_or_zone_that_cannot_be_is_said_as_such(tmp_path, args, said):
    """`serve --host 999.1.1.1` said "port 8000 … is taken … another program listens there"; `init
    --timezone Mars/Base` named [platform].timezone of a file the user never wrote."""
    res = _in_process(*args, cwd=tmp_path)
    assert _one_clear_line(res).startswith(said)
    assert "taken" not in res.stderr and not (tmp_path / "salesglass.toml").exists()


def test_load_before_the_back_office_is_mapped_lets_the_readme_chain_go_on(tmp_path):
    """README: `salesglass sync && salesglass load && salesglass link && salesglass build`. With amoCRM set up
    first and no [[platform.inputs]] yet, `load` stopped the chain with exit code 2; the scheduled refresh
    already went on. Without any source at all it is still an error."""
    (tmp_path / "salesglass.toml").write_text('[amocrm]\nbase_url = "https://acme.amocrm.ru"\nsubdomain = "acme"\n')
    res = _run("load", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "no back-office inputs yet, nothing loaded" in " ".join(res.stdout.split())
    (tmp_path / "salesglass.toml").write_text("[account]\ncurrency = 'RUB'\n")
    assert "nothing to load" in _one_clear_line(_run("load", cwd=tmp_path))


def test_the_command_list_starts_with_what_a_newcomer_runs_and_says_its_version():
    """`salesglass --help` listed model-docs and config-docs right after init, before demo; there was no
    `--version`. The commands for contributors and tests now come last, under their own heading."""
    from importlib.metadata import version

    res = _run("--help")
    assert res.returncode == 0, res.stderr
    text = res.stdout
    assert text.index("init ") < text.index("demo ") < text.index("sync ") < text.index("For contributors and tests")
    for late in ("model-docs", "config-docs", "generate", "emulate-amocrm"):
        assert text.index(late) > text.index("For contributors and tests"), late
    res = _run("--version")
    assert (res.returncode, res.stdout.strip()) == (0, f"salesglass {version('salesglass')}")


def test_doctor_without_a_warehouse_says_so_and_names_the_demo_config(tmp_path):
    """After `make demo`, `.venv/bin/salesglass doctor` in the clone read the defaults (no ./salesglass.toml
    there), created an empty salesglass.duckdb and said "nothing to report: every row was used" — a false
    all-clear. It now says there is no warehouse, why, and how to name the demo's config."""
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "salesglass.toml").write_text("", encoding="utf-8")
    said = _one_clear_line(_run("doctor", cwd=tmp_path))
    assert said == (
        f"error: no warehouse at {tmp_path / 'salesglass.duckdb'}: nothing was synced or loaded with this config "
        "yet; there is no ./salesglass.toml here, so the defaults were read: name your config with -c "
        "(the demo's: -c demo/salesglass.toml)"
    )
    assert not (tmp_path / "salesglass.duckdb").exists()
