"""`salesglass check` finds what a wrong config shows only in the numbers — a unit off by 100, times in the
wrong zone, a status the `where` leaves out unexplained — and rows that would not load, writing nothing."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from typer.testing import CliRunner

from salesglass.check import run_check
from salesglass.cli import app
from salesglass.config import load_config
from salesglass.warehouse import connect, init_canonical

# 60 paid orders in October 2026, Moscow wall-clock 10:00–21:00, 2 tickets for 3 000 ₽ = 300 000 kopecks
# each; two orders "на проверке" (a status nobody explained), one cancelled, one paid with a broken amount.
ORDERS = [
    (f"o{i}", "p1", f"2026-10-{1 + i % 30:02d} {10 + i % 12:02d}:15:00", 2, 300000, 30000, 5000, "оплачен")
    for i in range(60)
]
ORDERS += [
    ("x1", "p1", "2026-10-03 12:00:00", 1, 150000, 15000, 2500, "на проверке"),
    ("x2", "p1", "2026-10-04 12:00:00", 1, 150000, 15000, 2500, "на проверке"),
    ("x3", "p1", "2026-10-05 12:00:00", 1, 150000, 15000, 2500, "отменен"),
    ("bad", "p1", "2026-10-06 12:00:00", 1, "n/a", 15000, 2500, "оплачен"),
]

WRONG = """
[warehouse]
path = "wh.duckdb"
[platform]
url = "sqlite:///shop.sqlite"
[[platform.inputs]]
name = "orders"
target = "sales"
table = "orders"
where = "status = 'оплачен'"
timezone = "America/New_York"   # wrong: the shop writes Moscow time
[platform.inputs.columns]
sale_id = "id"
partner_id = "partner"
sold_at = "paid_at"
tickets = "qty"
turnover = "summa"              # wrong: kopecks read as rubles
revenue = "fee"
cost = "cost"
"""
RIGHT = (
    WRONG.replace('timezone = "America/New_York"', 'timezone = "Europe/Moscow"')
    .replace('turnover = "summa"', 'turnover = { column = "summa", unit = "kopecks" }')
    .replace('revenue = "fee"', 'revenue = { column = "fee", unit = "kopecks" }')
    .replace('cost = "cost"', 'cost = { column = "cost", unit = "kopecks" }')
    .replace("status = 'оплачен'", "status IN ('оплачен', 'на проверке')")
)


def _shop(root: Path) -> None:
    with sqlite3.connect(root / "shop.sqlite") as db:
        db.execute("""CREATE TABLE orders (id TEXT PRIMARY KEY, partner TEXT, paid_at TEXT, qty INTEGER,
                      summa INTEGER, fee INTEGER, cost INTEGER, status TEXT)""")
        db.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?)", ORDERS)
        db.execute("CREATE VIEW big_orders AS SELECT * FROM orders WHERE qty > 1")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_check_reports_a_wrong_unit_zone_and_status_and_writes_nothing(tmp_path: Path):
    _shop(tmp_path)
    (tmp_path / "salesglass.toml").write_text(WRONG, encoding="utf-8")
    wh = tmp_path / "wh.duckdb"
    con = connect(wh)
    init_canonical(con)
    con.execute("INSERT INTO sales VALUES ('old', NULL, NULL, now(), 1, 10, 1, 0, NULL)")
    con.close()
    before = _digest(wh)

    res = subprocess.run(
        [sys.executable, "-m", "salesglass", "check", "-c", str(tmp_path / "salesglass.toml")],
        capture_output=True,
        text=True,
        env={"COLUMNS": "250", "PATH": "/usr/bin:/bin"},
    )
    out = " ".join(res.stdout.split())
    assert res.returncode == 1, res.stderr
    assert "orders → sales: 61 rows read, 60 would load, 1 would not" in out
    assert "quarantine: 1 × bad turnover: not a valid number" in out and '"id": "bad"' in out
    # the unit: 3 000 ₽ tickets read as 150 000 ₽, the month 100× what the shop took (60 × 3 000 ₽ = 180 000 ₽)
    assert "the median ticket costs 150,000 ₽" in out and 'set unit = "kopecks"' in out
    assert "2026-10 │ 18,000,000.00 │ 120 │ 60" in out
    # the zone: Moscow 10:00–21:59 read as New York time shows up as sales at night in Moscow
    assert "time zone: in Europe/Moscow the fewest sales are at" in out and "(now America/New_York)" in out
    # the status nobody explained; the cancelled one is fine
    assert "status = 'на проверке' (2 rows)" in out and "'отменен' (" not in out.split("confirm: status")[1]
    assert _digest(wh) == before  # nothing written to the warehouse
    assert not list(tmp_path.glob("wh.duckdb.wal"))


def test_after_the_fixes_only_the_broken_row_is_left_and_no_warehouse_is_created(tmp_path: Path):
    _shop(tmp_path)
    (tmp_path / "salesglass.toml").write_text(RIGHT, encoding="utf-8")
    report = run_check(load_config(tmp_path / "salesglass.toml"))
    (orders,) = report.inputs
    assert orders.warnings == []
    assert (orders.read, orders.loaded, orders.quarantined) == (63, 62, 1)
    # the zone naive times are read in, and the key that gives it
    assert "sold_at: 63 of 63 times without an offset, read in Europe/Moscow (the timezone of input 'orders')" in (
        orders.facts
    )
    # 60 × 3 000 ₽ + 2 × 1 500 ₽ = 183 000 ₽; 120 + 2 tickets; 62 orders
    assert report.months == [("2026-10", 183000.0, 122, 62)]
    assert not report.ok  # one row would still not load
    assert not (tmp_path / "wh.duckdb").exists()


def test_where_the_proposal_is_unsure_it_says_so_and_check_says_what_to_confirm(tmp_path: Path):
    from salesglass.sources.platform.inspect import inspect_source
    from salesglass.sources.platform.propose import MEDIUM, propose, to_toml

    _shop(tmp_path)
    proposal = propose(inspect_source("sqlite:///shop.sqlite", None, tmp_path))
    orders = proposal.input("sales")
    # whole numbers with a median of 300 000: kopecks, but only by the values — so medium, and said why
    turnover = orders.columns["turnover"]
    assert turnover.value == {"column": "summa", "unit": "kopecks"} and turnover.confidence == MEDIUM
    assert "confirm with `salesglass check`" in turnover.reason
    assert orders.where_sql == "status = 'оплачен'" and orders.confidence == MEDIUM
    text = to_toml(proposal)
    assert "unsure: status 'на проверке' (2 rows in the sample)" in text
    assert "not used: big_orders — also looks like sales, but orders fits better" in text  # views are read too

    (tmp_path / "salesglass.toml").write_text('[platform]\nurl = "sqlite:///shop.sqlite"\n' + text, encoding="utf-8")
    report = run_check(load_config(tmp_path / "salesglass.toml"))
    (checked,) = report.inputs
    assert [w.split(":")[0] for w in checked.warnings] == ["status"]  # the unit and the zone are right
    assert "'на проверке' (2 rows)" in checked.warnings[0]
    assert report.months == [("2026-10", 180000.0, 120, 60)]  # 60 × 3 000 ₽


def test_check_resolves_the_amocrm_mapping_against_the_live_account(tmp_path: Path):
    """The amoCRM emulator on a real socket: a status and a user the account does not have are named."""
    import tomllib

    from salesglass.config import parse_config
    from salesglass.emulator.server import start_emulator
    from tests.amocrm.conftest import EMULATOR_LIMITS, FIXTURE_COMPANY, MAPPING, make_config

    _shop(tmp_path)
    platform = parse_config(tomllib.loads(RIGHT), base_dir=tmp_path).platform
    handle = start_emulator(FIXTURE_COMPANY, **EMULATOR_LIMITS)
    try:
        good = make_config(tmp_path, handle.url).model_copy(update={"platform": platform})
        report = run_check(good, amocrm=True)
        assert report.amocrm_checked
        assert not [p for p in report.amocrm if "cannot read" in p or "mapping:" in p], report.amocrm

        stages = [*MAPPING["stages"], {"status": "Договор отправлен", "stage": "proposal"}]
        wrong = make_config(tmp_path, handle.url, amocrm={"stages": stages})
        report = run_check(wrong.model_copy(update={"platform": platform}), amocrm=True)
        assert len(report.amocrm) == 1
        assert "[amocrm].stages[5].status: no status 'Договор отправлен' in the mapped pipelines" in report.amocrm[0]

        users = {**MAPPING["roles"]["users"], "nobody@fixture.test": "sales"}
        roles = {**MAPPING["roles"], "users": users}
        report = run_check(
            make_config(tmp_path, handle.url, amocrm={"roles": roles}).model_copy(update={"platform": platform}),
            amocrm=True,
        )
        assert "roles.users.'nobody@fixture.test': no amoCRM user" in report.amocrm[0]
        assert not report.ok
    finally:
        handle.stop()


def test_a_config_mistake_is_named_and_the_other_inputs_are_still_checked(tmp_path: Path):
    _shop(tmp_path)
    typo = RIGHT.replace('{ column = "summa", unit = "kopecks" }', '{ column = "sumaa", unit = "kopecks" }')
    second = "[[platform.inputs]]" + RIGHT.split("[[platform.inputs]]")[1]
    typo += "\n" + second.replace('name = "orders"', 'name = "again"')
    (tmp_path / "salesglass.toml").write_text(typo, encoding="utf-8")
    report = run_check(load_config(tmp_path / "salesglass.toml"))
    assert len(report.errors) == 1
    assert "input 'orders': columns.turnover = 'sumaa', but the source has no such column" in report.errors[0]
    assert report.inputs[1].name == "again" and report.inputs[1].loaded == 62
    # the command says the input could not be read, not "0 rows read, 0 would load, all would load"
    shown = subprocess.run(
        [sys.executable, "-m", "salesglass", "check"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    out = " ".join(shown.stdout.split())
    assert shown.returncode == 2
    assert "orders → sales: cannot be read (see the error below)" in out
    assert "orders → sales: 0 rows read" not in out and "again → sales: 63 rows read, 62 would load" in out


def test_check_says_when_the_sales_name_partners_the_partners_input_does_not_list(tmp_path: Path):
    _shop(tmp_path)
    with sqlite3.connect(tmp_path / "shop.sqlite") as db:
        db.execute("CREATE TABLE partners (code TEXT PRIMARY KEY, name TEXT, kind TEXT)")
        db.execute("INSERT INTO partners VALUES ('P-1', 'ООО «Весна»', 'organizer')")  # the orders say 'p1'
    partners = (
        '[[platform.inputs]]\nname = "partners"\ntarget = "partners"\ntable = "partners"\n'
        '[platform.inputs.columns]\npartner_id = "code"\nname = "name"\nkind = "kind"\n'
    )
    text = RIGHT.replace("[[platform.inputs]]", partners + "\n[[platform.inputs]]", 1)
    (tmp_path / "salesglass.toml").write_text(text, encoding="utf-8")
    report = run_check(load_config(tmp_path / "salesglass.toml"))
    orders = report.inputs[1]
    assert (
        "partners of the 62 rows of 'orders': 0 known, 0 without a partner (Support), 62 naming a partner not in "
        "the partners input (e.g. p1)" in orders.facts
    )
    assert orders.warnings == [
        "partner: 62 of 62 rows of 'orders' name a partner the partners input does not list (e.g. p1) "
        "— is partner_id the column that holds the partners' key?"
    ]


def test_check_knows_the_partners_of_every_partners_input(tmp_path: Path):
    """Two partners inputs (organizers, then operators): the sales' partner 'p1' is in the first one. Each input
    is dry-run alone, and the sales were compared with the last partners input only: all 62 read as naming
    an unknown partner, and `check` asked whether partner_id is the right column."""
    _shop(tmp_path)
    with sqlite3.connect(tmp_path / "shop.sqlite") as db:
        db.execute("CREATE TABLE partners (code TEXT PRIMARY KEY, name TEXT, kind TEXT)")
        db.execute("INSERT INTO partners VALUES ('p1', 'ООО «Весна»', 'organizer'), ('op1', 'Касса', 'operator')")
    partners = "".join(
        f'[[platform.inputs]]\nname = "{name}"\ntarget = "partners"\ntable = "partners"\nwhere = "kind = \'{kind}\'"\n'
        '[platform.inputs.columns]\npartner_id = "code"\nname = "name"\nkind = "kind"\n\n'
        for name, kind in (("organizers", "organizer"), ("operators", "operator"))
    )
    text = RIGHT.replace("[[platform.inputs]]", partners + "[[platform.inputs]]", 1)
    (tmp_path / "salesglass.toml").write_text(text, encoding="utf-8")
    report = run_check(load_config(tmp_path / "salesglass.toml"))
    orders = next(i for i in report.inputs if i.target == "sales")
    assert (
        "partners of the 62 rows of 'orders': 62 known, 0 without a partner (Support), 0 naming a partner not in "
        "the partners input" in orders.facts
    )
    assert not any(w.startswith("partner:") for w in orders.warnings)


# Ten months of a shop, oldest rows first in the table: 25 orders a month (days 1–25, 12:00 Moscow, a ticket for
# 1 000 ₽ each) and a refund a month in a table of its own (day 20, −1 ticket, −500 ₽, a partner nobody lists).
MONTHS = [f"2026-{m:02d}" for m in range(1, 11)]
SALES_INPUT = """
[[platform.inputs]]
name = "{name}"
target = "sales"
table = "{name}"
[platform.inputs.columns]
sale_id = {key}
partner_id = "partner"
sold_at = "{at}"
tickets = "qty"
turnover = "summa"
revenue = {{ sql = "0" }}
cost = {{ sql = "0" }}
"""
NEWEST = (
    '[platform]\nurl = "sqlite:///shop.sqlite"\n[[platform.inputs]]\nname = "partners"\ntarget = "partners"\n'
    'table = "partners"\n[platform.inputs.columns]\npartner_id = "code"\nname = "name"\nkind = "kind"\n'
    + SALES_INPUT.format(name="orders", key='"id"', at="paid_at")
    + SALES_INPUT.format(name="refunds", key='{ column = "id", prefix = "refund:" }', at="at")
)


def test_the_months_are_the_newest_of_the_data_and_each_input_counts_its_own_partners(tmp_path: Path):
    """A sample of 60 rows was the 60 oldest orders (January to early March), beside all ten refunds: the last
    three months with sales were August to October of refunds alone — −500 ₽ and 0 orders each — and the
    partners of 70 rows (orders and refunds) were counted under 'orders'."""
    with sqlite3.connect(tmp_path / "shop.sqlite") as db:
        db.execute("CREATE TABLE partners (code TEXT PRIMARY KEY, name TEXT, kind TEXT)")
        db.execute("INSERT INTO partners VALUES ('p1', 'ООО «Весна»', 'organizer')")
        db.execute("CREATE TABLE orders (id TEXT, partner TEXT, paid_at TEXT, qty INTEGER, summa INTEGER)")
        db.executemany(
            "INSERT INTO orders VALUES (?, 'p1', ?, 1, 1000)",
            [(f"{m}-{d}", f"{m}-{d:02d} 12:00:00") for m in MONTHS for d in range(1, 26)],
        )
        db.execute("CREATE TABLE refunds (id TEXT, partner TEXT, at TEXT, qty INTEGER, summa INTEGER)")
        db.executemany("INSERT INTO refunds VALUES (?, 'p9', ?, -1, -500)", [(m, f"{m}-20 15:00:00") for m in MONTHS])
    (tmp_path / "salesglass.toml").write_text(NEWEST, encoding="utf-8")

    report = run_check(load_config(tmp_path / "salesglass.toml"), sample=60)
    _, orders, refunds = report.inputs
    assert (orders.read, orders.sampled, refunds.read, refunds.sampled) == (60, True, 10, False)
    # the newest 60 orders: October's 25, September's 25 and August 16–25 (10), so the months count from
    # 16 August 12:00 on — the refunds of 20 August, September and October with them
    assert report.months == [
        ("2026-08", 10 * 1000 - 500, 10 - 1, 10),  # 9 500 ₽
        ("2026-09", 25 * 1000 - 500, 25 - 1, 25),  # 24 500 ₽
        ("2026-10", 25 * 1000 - 500, 25 - 1, 25),
    ]
    assert report.platform.months_from == datetime(2026, 8, 16, 12, 0)
    # no zone key: the default zone, named as such, and the key to set
    assert (
        "sold_at: 60 of 60 times without an offset, read in Europe/Moscow (the default: no time-zone key in the "
        "config and no amoCRM account synced yet); if the back-office writes another zone, set it under [platform]: "
        'timezone = "Area/City"' in orders.facts
    )
    # each input says how many of its own rows it counted
    assert (
        "partners of the 60 rows of 'orders' (a sample): 60 known, 0 without a partner (Support), 0 naming a "
        "partner not in the partners input" in orders.facts
    )
    assert (
        "partners of the 10 rows of 'refunds': 0 known, 0 without a partner (Support), 10 naming a partner not in "
        "the partners input (e.g. p9)" in refunds.facts
    )
    assert [w for w in orders.warnings if w.startswith("partner:")] == []
    assert [w.split(" — ")[0] for w in refunds.warnings if w.startswith("partner:")] == [
        "partner: 10 of 10 rows of 'refunds' name a partner the partners input does not list (e.g. p9)"
    ]
    shown = CliRunner().invoke(app, ["check", "-c", str(tmp_path / "salesglass.toml"), "--sample", "60"])
    out = " ".join(shown.output.split())
    assert "from the newest rows of each sample, sold since 2026-08-16 12:00" in out
    assert "2026-08 (from 2026-08-16) │ 9,500.00 │ 9 │ 10" in out
