"""`salesglass check` on an account in dollars: its money was shown in ₽ and a $4 ticket in cents was
taken for "rubles read as kopecks" (a false alarm that made check exit 1)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from salesglass.starter import Answers, write_starter


def test_check_speaks_the_account_currency(tmp_path: Path):
    with sqlite3.connect(tmp_path / "shop.sqlite") as db:
        db.execute("CREATE TABLE orders (id TEXT PRIMARY KEY, paid_at TEXT, qty INTEGER, amount_cents INTEGER)")
        db.executemany(
            "INSERT INTO orders VALUES (?, ?, ?, ?)",
            [("u1", "2026-10-05 12:00:00", 2, 800), ("u2", "2026-10-06 15:00:00", 1, 450)],
        )
    path = write_starter(tmp_path / "salesglass.toml", Answers(platform_url="sqlite:///shop.sqlite")).config
    text = path.read_text().replace('currency = "RUB"', 'currency = "USD"', 1)
    path.write_text(
        text + '[[platform.inputs]]\nname = "orders"\ntarget = "sales"\ntable = "orders"\n'
        '[platform.inputs.columns]\nsale_id = "id"\npartner_id = { sql = "NULL" }\nsold_at = "paid_at"\n'
        'tickets = "qty"\nturnover = { column = "amount_cents", unit = "kopecks" }\n'
        'revenue = { sql = "0" }\ncost = { sql = "0" }\n'
    )
    res = subprocess.run(
        [sys.executable, "-m", "salesglass", "check"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "200"},
    )
    out = " ".join(res.stdout.split())
    # by hand: tickets 8.00 / 2 = 4.00 and 4.50 / 1 = 4.50 dollars: median 4.25; October 12.50 dollars, 3 tickets
    assert "median ticket price 4.25 $ (turnover ÷ tickets; amounts read as cents ÷ 100)" in out
    assert "turnover, $" in out and "2026-10 │ 12.50 │ 3" in out
    assert "₽" not in out and "money unit" not in out
    assert res.returncode == 0, out
