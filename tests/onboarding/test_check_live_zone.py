"""`salesglass check` runs before the first `sync` (README order). With no zone key, its months were
Moscow's: a back-office writing times with an offset showed an Indian account's sale of 00:30 on
1 October in September, so its totals did not match the accounting nor the build after `sync`.
It now takes the live account's own zone, as `load` and `build` will once synced."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from salesglass.check import run_check
from salesglass.config import load_config
from salesglass.emulator.server import start_emulator
from tests.amocrm.conftest import FIXTURE_COMPANY
from tests.simulated import EMULATOR_LIMITS

# Kolkata times (+05:30) as the shop writes them, with their offset; cents
ORDERS = [
    ("k1", "2026-09-30 23:30:00+05:30", 1, 100_000),  # September everywhere west of India up to Moscow
    ("k2", "2026-10-01 00:30:00+05:30", 2, 20_000),  # October in Kolkata; 22:00 on 30 September in Moscow
]


def test_check_before_the_first_sync_takes_the_live_accounts_zone(tmp_path: Path):
    company = tmp_path / "company"
    shutil.copytree(FIXTURE_COMPANY, company)
    account_path = company / "amocrm" / "account.json"
    account = json.loads(account_path.read_text(encoding="utf-8"))
    account["_embedded"]["datetime_settings"]["timezone"] = "Asia/Kolkata"
    account_path.write_text(json.dumps(account), encoding="utf-8")
    token = json.loads((company / "amocrm" / "oauth.json").read_text())["long_lived_token"]
    with sqlite3.connect(tmp_path / "shop.sqlite") as db:
        db.execute("CREATE TABLE orders (id TEXT PRIMARY KEY, paid_at TEXT, qty INTEGER, amount_cents INTEGER)")
        db.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", ORDERS)
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "tok.json").write_text(json.dumps({"long_lived_token": token}))
    (tmp_path / "secrets" / "tok.json").chmod(0o600)
    handle = start_emulator(company, **EMULATOR_LIMITS)
    try:
        (tmp_path / "salesglass.toml").write_text(
            f'[amocrm]\nbase_url = "{handle.url}"\ntoken_path = "secrets/tok.json"\n'
            '[platform]\nurl = "sqlite:///shop.sqlite"\n'
            '[[platform.inputs]]\nname = "orders"\ntarget = "sales"\ntable = "orders"\n'
            '[platform.inputs.columns]\nsale_id = "id"\npartner_id = { sql = "NULL" }\nsold_at = "paid_at"\n'
            'tickets = "qty"\nturnover = { column = "amount_cents", unit = "kopecks" }\n'
            'revenue = { sql = "0" }\ncost = { sql = "0" }\n'
        )
        report = run_check(load_config(tmp_path / "salesglass.toml"), sample=None, amocrm=True)
    finally:
        handle.stop()
    # by hand, Kolkata months: September 1000.00 (k1), October 200.00 (k2); in Moscow's both were September
    assert {m: turnover for m, turnover, _, _ in report.months} == {"2026-09": 1000.0, "2026-10": 200.0}
    assert any("months and times in Asia/Kolkata: the amoCRM account's own zone" in n for n in report.notes)
