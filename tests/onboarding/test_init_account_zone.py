"""`salesglass init` without --timezone for a company outside Moscow (the README's literal path).

init wrote `[platform] timezone = "Europe/Moscow"` whatever the account: once a São Paulo amoCRM account
was synced, months were taken in São Paulo but the back-office's naive times were still read in
Moscow's clock (6 hours ahead), so the sale at 00:30 on 1 October counted in September.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb

from salesglass.account_zone import resolve_zone
from salesglass.check import run_check
from salesglass.config import load_config
from salesglass.starter import Answers, write_starter

# São Paulo wall-clock times as the shop writes them (no offset), cents
ORDERS = [
    ("s1", "2026-09-30 23:30:00", 100_000),  # the last evening of September and of Q3 in São Paulo
    ("s2", "2026-10-01 00:30:00", 20_000),  # half an hour into October
    ("s3", "2026-10-31 23:30:00", 3_000),
    ("s4", "2026-11-01 00:30:00", 400),
]


def test_init_leaves_naive_times_to_the_synced_account_zone(tmp_path: Path):
    with sqlite3.connect(tmp_path / "shop.sqlite") as db:
        db.execute("CREATE TABLE orders (id TEXT PRIMARY KEY, paid_at TEXT, qty INTEGER, amount_cents INTEGER)")
        db.executemany("INSERT INTO orders VALUES (?, ?, 1, ?)", ORDERS)
    path = write_starter(tmp_path / "salesglass.toml", Answers(platform_url="sqlite:///shop.sqlite")).config
    with path.open("a", encoding="utf-8") as f:
        f.write(
            '[[platform.inputs]]\nname = "orders"\ntarget = "sales"\ntable = "orders"\n'
            '[platform.inputs.columns]\nsale_id = "id"\npartner_id = { sql = "NULL" }\nsold_at = "paid_at"\n'
            'tickets = "qty"\nturnover = { column = "amount_cents", unit = "kopecks" }\n'
            'revenue = { sql = "0" }\ncost = { sql = "0" }\n'
        )
    cfg = load_config(path)
    # the São Paulo account synced afterwards (its row as amoCRM's /account sends it)
    account = {"_embedded": {"datetime_settings": {"timezone": "America/Sao_Paulo"}}}
    with duckdb.connect(str(tmp_path / "salesglass.duckdb")) as con:
        con.execute("CREATE TABLE raw_amocrm_account (data JSON)")
        con.execute("INSERT INTO raw_amocrm_account VALUES (?)", [json.dumps(account)])
    assert resolve_zone(cfg).name == "America/Sao_Paulo"
    months = {m: turnover for m, turnover, _, _ in run_check(cfg, sample=None).months}
    # by hand, São Paulo months: September 1000.00 (s1); October 200.00 + 30.00 (s2, s3); November 4.00 (s4)
    # (read in Moscow's clock: s2 and s4 fell back a month: {September 1200.00, October 34.00})
    assert months == {"2026-09": 1000.0, "2026-10": 230.0, "2026-11": 4.0}
    assert cfg.platform.timezone is None  # nothing chosen for the user: the account's zone decides


def test_before_the_first_sync_plans_naming_managers_do_not_fail_the_check(tmp_path: Path):
    """README order: `check` runs before `sync`. A plan row naming a manager by e-mail counted as "would not
    load: unknown manager" and check exited 1, although the same rows load once the users are synced."""
    (tmp_path / "targets.csv").write_text(
        "period,owner,kpi,base,stretch\n2026-09-01,,turnover,3000,4000\n2026-10-01,john@samba.example,turnover,3000,3500\n",
        encoding="utf-8",
    )
    path = write_starter(tmp_path / "salesglass.toml", Answers(platform_url="exports")).config
    with path.open("a", encoding="utf-8") as f:
        f.write(
            '[plans]\npath = "targets.csv"\n[plans.columns]\nmonth = "period"\nmanager = "owner"\n'
            'metric = "kpi"\nrealistic = "base"\noptimistic = "stretch"\n'
        )
    report = run_check(load_config(path), sample=None).platform
    plans = next(i for i in report.inputs if i.name == "plans")
    assert (plans.read, plans.loaded, plans.quarantined) == (2, 2, 0)
    assert "1 plan row names a manager; they are matched to amoCRM users after `salesglass sync`" in plans.facts
    assert report.ok
