"""Ctrl-C in the middle of a command that writes: one line saying what was left as it was, exit code 130 (as a
shell reports SIGINT), no traceback — and what was published before is byte for byte the same.

A real `salesglass` process (the same `main()`) is stopped where the test decides: the function named is
wrapped to say "paused" on stderr and wait for a line on stdin that never comes; the test reads "paused", then
sends SIGINT. No sleep and no timing: a slow machine only waits longer for the line."""

from __future__ import annotations

import hashlib
import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from salesglass.cli import INTERRUPTED

pytestmark = pytest.mark.slow  # a Python process per case

PAUSE_IN = """
import importlib, sys
module_name, function, *argv = sys.argv[1:]
module = importlib.import_module(module_name)
original = getattr(module, function)
def paused(*args, **kwargs):
    sys.stderr.write("paused\\n")
    sys.stderr.flush()
    sys.stdin.readline()  # the test sends SIGINT instead of a line
    return original(*args, **kwargs)
setattr(module, function, paused)
sys.argv = ["salesglass", *argv]
from salesglass.cli import main
main()
"""


def _as_on_a_terminal() -> None:
    """In the child before it starts: Ctrl-C as a terminal's user has it. A job started in the background of a
    script (CI's runner) inherits SIGINT ignored, and Python then never raises KeyboardInterrupt: every test
    here waited for an interruption that never came (CI, 2026-12-07)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_reading_the_terminal(pid: int) -> None:
    """Until process `pid` sleeps in a read of its stdin. A Ctrl-C that lands after a question is printed but
    before Python's input() blocks in read() is lost (CPython checks for signals, then reads: a user presses
    Ctrl-C again); under load the test met that moment 1 time in 6 and waited for its timeout."""
    import platform
    import time

    read = {"x86_64": "0", "aarch64": "63"}[platform.machine()]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        call = Path(f"/proc/{pid}/syscall").read_text().split()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state == "S" and call[:2] == [read, "0x0"]:
            return
        time.sleep(0.01)
    raise AssertionError(f"salesglass init never waited for an answer: {call}, state {state}")


def _started(python_args: list[str], folder: Path, *, stdin: int) -> subprocess.Popen[str]:
    """Python with `python_args` in `folder`, its output read as text, Ctrl-C as on a terminal."""
    return subprocess.Popen(
        [sys.executable, *python_args],
        cwd=folder,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"COLUMNS": "300", "PATH": "/usr/bin:/bin"},
        preexec_fn=_as_on_a_terminal,
    )


# the same, paused just after a file whose name holds NAME is opened for writing (os.open or open: DuckDB's own
# files are C++'s): "mid-write", after an O_TRUNC emptied it, or once a temporary file beside it was begun
PAUSE_WRITING = """
import builtins, io, os, sys
name, *argv = sys.argv[1:]
real_os_open, real_open = os.open, io.open
def pause(path):
    if name in os.fspath(path) if isinstance(path, (str, os.PathLike)) else False:
        sys.stderr.write("paused\\n")
        sys.stderr.flush()
        sys.stdin.readline()  # the test sends SIGINT instead of a line
def os_open(path, flags, *rest, **kw):
    fd = real_os_open(path, flags, *rest, **kw)
    if flags & (os.O_WRONLY | os.O_RDWR):
        pause(path)
    return fd
def io_open(file, mode="r", *rest, **kw):
    f = real_open(file, mode, *rest, **kw)
    if set(mode) & set("wax+"):
        pause(file)
    return f
os.open, io.open, builtins.open = os_open, io_open, io_open
sys.argv = ["salesglass", *argv]
from salesglass.cli import main
main()
"""


def _interrupted(folder: Path, where: str, *args: str) -> tuple[int, list[str]]:
    """Run `salesglass *args` in `folder`, SIGINT it once it reaches `where` (module:function; or `writing:NAME`,
    once it opened a file whose name holds NAME for writing); its exit code and what it said on stderr after
    pausing."""
    module, function = where.split(":")
    script = [PAUSE_WRITING, function] if module == "writing" else [PAUSE_IN, module, function]
    proc = _started(["-c", *script, *args], folder, stdin=subprocess.PIPE)
    assert proc.stderr is not None
    before = []
    for line in proc.stderr:
        if line == "paused\n":
            break
        before.append(line)
    else:
        proc.wait(timeout=60)
        raise AssertionError(f"never reached {where}: exit {proc.returncode}, stderr {''.join(before)}")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=300)
    return proc.returncode, err.splitlines()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A config with a back-office source, an empty warehouse, and last week's published reports and export."""
    from salesglass.warehouse import open_warehouse

    (tmp_path / "salesglass.toml").write_text('[plans]\npath = "plans.xlsx"\n', encoding="utf-8")
    with open_warehouse(tmp_path / "salesglass.duckdb"):
        pass
    with duckdb.connect(str(tmp_path / "salesglass-reports.duckdb")) as con:
        con.execute("CREATE TABLE build_info AS SELECT DATE '2026-11-30' AS as_of, 'Europe/Moscow' AS timezone")
        con.execute("CREATE TABLE report_sales AS SELECT 'last week' AS said")
    (tmp_path / "reports.xlsx").write_bytes(b"last week's export")
    return tmp_path


LEFT_ALONE = ("salesglass-reports.duckdb", "reports.xlsx")


@pytest.mark.parametrize(
    ("args", "where", "said"),
    [
        (
            ["build", "--full", "--as-of", "2026-12-01"],
            "salesglass.reports.build:_copy_from_duckdb",  # the new file begun, next to the published one
            "Interrupted: the published reports are the previous build's, unchanged (the half-built file was removed)",
        ),
        (
            ["export", "--out", "reports.xlsx"],
            "salesglass.outputs.workbook:write_xlsx",
            "Interrupted: an earlier export at --out is as it was; nothing half-written was left",
        ),
        (
            ["refresh", "--once"],
            "salesglass.refresh.compaction:load_platform",
            "Interrupted: the published reports are the last good ones, unchanged; the run is recorded as interrupted",
        ),
    ],
    ids=["build", "export", "refresh"],
)
def test_ctrl_c_says_what_was_left_and_leaves_the_published_results(project, args, where, said):
    """Ctrl-C printed a blank line (click's), then "Aborted." and exit code 1, whatever the command had done."""
    kept = {name: _digest(project / name) for name in LEFT_ALONE}
    files = {p.name for p in project.iterdir()}
    code, err = _interrupted(project, where, *args)
    assert (code, [line for line in err if line.strip()]) == (130, [said]), err
    assert {name: _digest(project / name) for name in LEFT_ALONE} == kept
    left = {p.name for p in project.iterdir()} - files
    assert not [n for n in left if "building" in n or n.endswith((".tmp", ".wal"))], left  # no half-written file
    if args[0] == "refresh":
        from salesglass.config import load_config
        from salesglass.refresh.lock import lock_path_for, read_holder
        from salesglass.runs import read_runs, runs_path_for

        cfg = load_config(project / "salesglass.toml")
        run = read_runs(runs_path_for(cfg.warehouse_path), limit=1)[-1]
        assert (run.ok, run.error) == (False, "interrupted (Ctrl-C) during platform_load")  # not "running"
        assert read_holder(lock_path_for(cfg.warehouse_path)) is None  # the next refresh need not wait


def test_the_dashboard_of_a_fresh_project_says_what_it_lacks_and_stops_on_ctrl_c(tmp_path, monkeypatch):
    """`serve` on a fresh `salesglass init` project said "refreshing every 15 min" (its refresh would publish
    empty reports as if all were well) and nothing about the reports it lacked; Ctrl+C ended it with exit code
    0 or 130 depending on when it came."""
    import socket

    with socket.socket() as s:  # a free port: the dashboard binds it after this one is closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    from typer.testing import CliRunner

    from salesglass.cli import app

    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(app, ["init"]).exit_code == 0
    proc = _started(["-m", "salesglass", "serve", "--port", str(port)], tmp_path, stdin=subprocess.DEVNULL)
    assert proc.stdout is not None
    said = []
    for line in proc.stdout:
        said.append(line.rstrip())
        if line.startswith("dashboard on "):
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0 and "Traceback" not in err, (proc.returncode, err)
    assert said == [
        "No dashboard users yet: add one with `salesglass users add you@example.com --role admin`.",
        "No reports yet: the pages say so until `salesglass build` publishes them.",
        "Not refreshing: this config names no source yet: set up the back-office with `salesglass platform "
        "inspect --write` or fill in its [amocrm] section (the steps are listed at the top of salesglass.toml).",
        f"dashboard on http://127.0.0.1:{port}/ (Ctrl+C stops it)",
    ], said
    assert out.splitlines()[-1] == "dashboard stopped"


def test_ctrl_c_at_a_question_of_init_says_nothing_was_written(tmp_path):
    """On a terminal `salesglass init` asks; Ctrl-C at its first question said "Aborted." with exit code 1."""
    import os
    import pty

    pid, terminal = pty.fork()
    if pid == 0:  # the child: salesglass on the terminal's other end
        _as_on_a_terminal()
        os.chdir(tmp_path)
        os.execve(
            sys.executable,
            [sys.executable, "-m", "salesglass", "init"],
            {"COLUMNS": "300", "PATH": "/bin", "NO_COLOR": "1"},
        )
    said = b""
    while b"amoCRM address" not in said:  # the first question is on screen: it waits for an answer
        said += os.read(terminal, 1024)
    _wait_reading_the_terminal(pid)
    os.write(terminal, b"\x03")  # Ctrl-C, typed: the terminal sends SIGINT
    while True:
        try:
            chunk = os.read(terminal, 1024)
        except OSError:  # the child ended and closed the terminal
            break
        if not chunk:
            break
        said += chunk
    _, status = os.waitpid(pid, 0)
    text = re.sub(r"\x1b\[[0-9;]*m", "", said.decode(errors="replace").replace("\r", ""))  # no styles
    assert os.waitstatus_to_exitcode(status) == 130, text
    assert text.rstrip().splitlines()[-1] == (
        "Interrupted: nothing was written (the config and its secrets are written after the last answer)"
    ), text
    assert "Traceback" not in text and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["doctor", "platform inspect", "bonus audit"])
def test_ctrl_c_mid_write_leaves_the_earlier_file_whole(project, command):
    """`doctor --export FILE`, `platform inspect --write` and `bonus audit --out FILE` emptied their file, then
    wrote it: a Ctrl-C (or a crash) in between left an export reviewed by hand, the user's config, or last
    month's audit file empty or cut short."""
    (project / "exports").mkdir()
    (project / "exports" / "orders.csv").write_text("order_id,paid_at,amount\n1,2026-11-02 10:00,1500\n")
    config = project / "salesglass.toml"
    config.write_text('# my config\n[platform]\nfolder = "exports"\n', encoding="utf-8")
    written = {"doctor": project / "suggestions.csv", "platform inspect": config, "bonus audit": project / "audit.csv"}
    if command != "platform inspect":  # last week's file, reviewed by hand
        written[command].write_bytes(b"deal_id,partner_id\n7,P1\n")
    if command == "bonus audit":  # a month in review: the audit trail has a row
        from datetime import date

        from salesglass.bonus.store import BonusStore

        BonusStore(project / "salesglass-bonus.duckdb").review(date(2026, 11, 1), "head@acme.ru")
    before = written[command].read_bytes()
    args = {
        "doctor": ["doctor", "--export", "suggestions.csv"],
        "platform inspect": ["platform", "inspect", "--write"],
        "bonus audit": ["bonus", "audit", "--out", "audit.csv"],
    }
    said = {
        "doctor": "Interrupted: nothing was written; an earlier file at --export is as it was",
        "platform inspect": "Interrupted: the config file is as it was (--write replaces it in one step, when whole)",
        "bonus audit": "Interrupted: the bonus state is as it was or wholly changed (each step is one transaction); "
        "an earlier file at --out is as it was",
    }[command]
    code, err = _interrupted(project, f"writing:{written[command].name}", *args[command])
    assert (code, [line for line in err if line.strip()]) == (130, [said]), err
    assert written[command].read_bytes() == before
    assert sorted(p.name for p in project.iterdir() if p.name.endswith(".tmp")) == []  # no half-written file left


def _toml(value) -> str:
    """A TOML value: strings as JSON writes them (TOML's basic strings), lists and inline tables."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


PARTNERS_CSV = "partner_id,name,role,inn,created_at\n100,ООО «Концерт-Сервис»,org,7701234567,2025-09-01 10:00\n"
SALES_CSV = "order_id,partner_id,paid_at,tickets,amount,fee\n1,100,2025-10-02 12:00,2,3000,300\n"
INPUTS = """[platform]
folder = "exports"
timezone = "Europe/Moscow"
[[platform.inputs]]
name = "orders"
target = "sales"
path = "exports/orders.csv"
[platform.inputs.columns]
sale_id = "order_id"
partner_id = "partner_id"
sold_at = "paid_at"
tickets = "tickets"
turnover = "amount"
revenue = "fee"
cost = { sql = "0" }
[[platform.inputs]]
name = "partners"
target = "partners"
path = "exports/partners.csv"
[platform.inputs.columns]
partner_id = "partner_id"
name = "name"
kind = { column = "role", map = { org = "organizer", agent = "operator" } }
inn = { column = "inn", digits_only = true }
created_at = "created_at"
"""


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A company synced from the amoCRM emulator (tests/amocrm's fixture account: 10 leads, 5 companies), its
    back-office loaded from two CSV files and its deals linked, once: each test works on a copy."""
    from salesglass.config import load_config
    from salesglass.emulator.server import start_emulator
    from salesglass.link.run import run_link
    from salesglass.sources.amocrm.auth import TokenStore, store_long_lived
    from salesglass.sources.amocrm.sync import run_sync
    from salesglass.sources.platform.load import run_load
    from tests.amocrm.conftest import FIXTURE_COMPANY, MAPPING, oauth_of
    from tests.simulated import CLOCK, EMULATOR_LIMITS

    folder = tmp_path_factory.mktemp("synced")
    store_long_lived(
        TokenStore(folder / "secrets" / "amocrm-token.json"), oauth_of(FIXTURE_COMPANY)["long_lived_token"]
    )
    (folder / "exports").mkdir()
    (folder / "exports" / "partners.csv").write_text(PARTNERS_CSV, encoding="utf-8")
    (folder / "exports" / "orders.csv").write_text(SALES_CSV, encoding="utf-8")
    # the client's pace scaled like the emulator's (tests/amocrm/conftest.py), one request at a time
    fast = {"rate_limit": 6.0 * CLOCK, "account_window": 1.0 / CLOCK, "in_flight": 1, "backoff_base": 1.0 / CLOCK}
    amocrm = {"base_url": "EMULATOR", "subdomain": "fixture", "token_path": "secrets/amocrm-token.json"}
    lines = [f"{k} = {_toml(v)}" for k, v in {**amocrm, **fast, **MAPPING}.items()]
    (folder / "salesglass.toml").write_text("[amocrm]\n" + "\n".join(lines) + "\n" + INPUTS, encoding="utf-8")
    handle = start_emulator(FIXTURE_COMPANY, **EMULATOR_LIMITS)
    try:
        _emulator_at(folder, handle.url)
        cfg = load_config(folder / "salesglass.toml")
        run_sync(cfg, progress=False)
    finally:
        handle.stop()
    run_load(cfg, full=True, progress=False)
    assert run_link(cfg).linked_total > 0
    return folder


def _emulator_at(folder: Path, url: str) -> None:
    config = folder / "salesglass.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r'(?m)^base_url = ".*"$', f'base_url = "{url}"', text), encoding="utf-8")


@pytest.fixture
def company(synced: Path, tmp_path: Path) -> Path:
    """This test's copy of the synced company."""
    import shutil

    shutil.copytree(synced, tmp_path / "company")
    return tmp_path / "company"


def _rows(folder: Path, sql: str) -> list[tuple]:
    """`sql` on the company's warehouse, opened as the next command would open it."""
    from salesglass.warehouse import open_warehouse

    with open_warehouse(folder / "salesglass.duckdb") as con:
        return con.execute(sql).fetchall()


def _completes(folder: Path, *args: str) -> None:
    """The same command run again, to its end."""
    from typer.testing import CliRunner

    from salesglass.cli import app

    res = CliRunner().invoke(app, [*args, "-c", str(folder / "salesglass.toml")], env={"COLUMNS": "300"})
    assert res.exit_code == 0, (res.exception, res.output)


def test_ctrl_c_in_sync_keeps_the_mapped_deals_and_the_next_sync_completes(company):
    """`sync --full` stopped while mapping (its records copied): the deals are the last sync's, the warehouse
    opens, and the next sync finishes. Read from the code until now, never run."""
    from salesglass.emulator.server import start_emulator
    from tests.amocrm.conftest import FIXTURE_COMPANY
    from tests.simulated import EMULATOR_LIMITS

    deals = "SELECT deal_id, name, stage, partner_id FROM deals ORDER BY deal_id"
    _rows(company, "UPDATE deals SET name = 'renamed by hand since' WHERE deal_id = 3001")  # a full map undoes it
    before = _rows(company, deals)
    handle = start_emulator(FIXTURE_COMPANY, **EMULATOR_LIMITS)
    try:
        _emulator_at(company, handle.url)
        code, err = _interrupted(
            company, "salesglass.sources.amocrm.changes:remember", "sync", "--full", "--no-progress"
        )  # inside the mapping's transaction, every deal mapped again
        assert (code, [line for line in err if line.strip()]) == (130, ["Interrupted: " + INTERRUPTED["sync"]]), err
        assert _rows(company, deals) == before
        _completes(company, "sync", "--full", "--no-progress")
    finally:
        handle.stop()
    assert _rows(company, "SELECT name FROM deals WHERE deal_id = 3001") != [("renamed by hand since",)]


def test_ctrl_c_in_load_keeps_what_was_loaded_and_the_next_load_completes(company):
    """`load` stopped inside an input's transaction (the changed orders file half applied): the sales are the
    last load's; the next load takes the change."""
    (company / "exports" / "orders.csv").write_text(SALES_CSV + "2,100,2025-10-03 12:00,1,1500,150\n")
    sales = "SELECT sale_id, turnover FROM sales ORDER BY sale_id"
    before = _rows(company, sales)
    assert before == [("1", 3000)]
    code, err = _interrupted(company, "salesglass.sources.platform.load:_quarantine_rejects", "load")
    assert (code, [line for line in err if line.strip()]) == (130, ["Interrupted: " + INTERRUPTED["load"]]), err
    assert _rows(company, sales) == before
    _completes(company, "load")
    assert _rows(company, sales) == [("1", 3000), ("2", 1500)]


def test_ctrl_c_in_link_keeps_the_last_links_and_the_next_link_completes(company):
    """`link` stopped after it replaced links, before its suggestions: the links are the last run's."""
    links = "SELECT deal_id, partner_id, method FROM deal_partner_links ORDER BY ALL"
    before = _rows(company, links)
    (company / "overrides.csv").write_text("deal_id,partner_id\n" + "\n".join(f"{d},-" for d, *_ in before) + "\n")
    config = company / "salesglass.toml"
    config.write_text(config.read_text(encoding="utf-8") + '[linking]\noverrides_path = "overrides.csv"\n')
    code, err = _interrupted(company, "salesglass.link.run:suggest", "link", "--full")
    assert (code, [line for line in err if line.strip()]) == (130, ["Interrupted: " + INTERRUPTED["link"]]), err
    assert _rows(company, links) == before
    _completes(company, "link")
    assert _rows(company, links) == []  # every deal said "no partner" by the overrides


def test_ctrl_c_in_publish_keeps_the_last_publish_and_drops_the_half_copied_schema(project, postgres_url):
    """`publish` stopped while copying tables into its new schema: BI tools still read the last publish, no
    half-copied schema is left, and the next publish completes."""
    import psycopg

    from salesglass.outputs.publish import publish_postgres

    schema = "interrupted_publish"
    config = project / "salesglass.toml"
    config.write_text(config.read_text(encoding="utf-8") + f'[publish]\nschema = "{schema}"\n', encoding="utf-8")
    publish_postgres(project / "salesglass-reports.duckdb", postgres_url, schema)  # last week's
    with duckdb.connect(str(project / "salesglass-reports.duckdb")) as con:
        con.execute("UPDATE report_sales SET said = 'this week'")

    def read() -> tuple[list, list]:
        with psycopg.connect(postgres_url, autocommit=True) as pg:
            said = pg.execute(f"SELECT said FROM {schema}.report_sales").fetchall()
            schemas = pg.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s ORDER BY 1", [f"{schema}%"]
            ).fetchall()
        return said, schemas

    code, err = _interrupted(project, "salesglass.outputs.publish:_load_table", "publish", postgres_url)
    assert (code, [line for line in err if line.strip()]) == (130, ["Interrupted: " + INTERRUPTED["publish"]]), err
    assert read() == ([("last week",)], [(schema,)])
    _completes(project, "publish", postgres_url)
    assert read() == ([("this week",)], [(schema,)])
