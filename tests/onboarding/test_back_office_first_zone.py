"""The back-office set up first (README: `init --platform-url … --timezone …`, no amoCRM yet) for a company
outside Moscow: its months are its own, not Moscow's, until an amoCRM account is synced."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from salesglass.account_zone import AccountZone, resolve_zone
from salesglass.check import run_check
from salesglass.config import load_config
from salesglass.starter import Answers, write_starter

# New York wall-clock times as the shop writes them, kopecks; month ends either side of midnight
ORDERS = [
    ("a1", "2026-09-30 23:30:00", 100_000),  # the last evening of September in New York (October in Moscow)
    ("a2", "2026-10-01 00:30:00", 20_000),
    ("a3", "2026-10-31 23:59:59", 3_000),  # Halloween night: October in New York
    ("a4", "2026-11-01 01:30:00", 400),  # the hour that comes twice (DST ends): November either way
]


def _setup(root: Path, zone: str) -> Path:
    with sqlite3.connect(root / "shop.sqlite") as db:
        db.execute("CREATE TABLE orders (id TEXT PRIMARY KEY, paid_at TEXT, qty INTEGER, amount_cents INTEGER)")
        db.executemany("INSERT INTO orders VALUES (?, ?, 1, ?)", ORDERS)
    done = write_starter(root / "salesglass.toml", Answers(platform_url="sqlite:///shop.sqlite", timezone=zone))
    with done.config.open("a", encoding="utf-8") as f:
        f.write(
            '[[platform.inputs]]\nname = "orders"\ntarget = "sales"\ntable = "orders"\n'
            '[platform.inputs.columns]\nsale_id = "id"\npartner_id = { sql = "NULL" }\nsold_at = "paid_at"\n'
            'tickets = "qty"\nturnover = { column = "amount_cents", unit = "kopecks" }\n'
            'revenue = { sql = "0" }\ncost = { sql = "0" }\n'
        )
    return done.config


def test_a_new_york_back_office_counts_new_york_months_before_amocrm(tmp_path: Path):
    cfg = load_config(_setup(tmp_path, "America/New_York"))
    zone = resolve_zone(cfg)
    assert (zone.name, zone.source) == ("America/New_York", "config")
    assert "[platform] timezone" in zone.describe()
    months = {m: turnover for m, turnover, _, _ in run_check(cfg, sample=None).months}
    # by hand: September 1000.00 (a1); October 200.00 + 30.00 (a2, a3); November 4.00 (a4)
    # (read in Moscow's months, a1 and a3 moved a month on: {October 1200.00, November 34.00})
    assert months == {"2026-09": 1000.0, "2026-10": 230.0, "2026-11": 4.0}


def test_an_explicit_account_zone_still_wins(tmp_path: Path):
    path = _setup(tmp_path, "America/New_York")
    path.write_text(path.read_text().replace('# timezone = "America/New_York"', 'timezone = "Europe/Moscow"', 1))
    cfg = load_config(path)
    assert resolve_zone(cfg) == AccountZone("Europe/Moscow", "config", "[account] timezone")


def test_without_amocrm_yet_the_refresh_skips_it_and_amocrm_commands_say_so(tmp_path: Path):
    """The README's "the back-office can be set up first": every scheduled refresh (and `salesglass serve`'s)
    failed at its amoCRM step ("no amoCRM token"), and `amocrm auth` / `sync` went for the demo's emulator
    on 127.0.0.1 instead of saying that the config names no account."""
    import subprocess
    import sys

    from salesglass.config import Config
    from salesglass.refresh.runner import default_steps

    path = _setup(tmp_path, "America/New_York")
    assert [s.name for s in default_steps(load_config(path))] == ["platform_load", "link", "build"]
    assert default_steps(Config())[0].name == "amocrm_sync"  # the demo's defaults name its emulator
    for command in (("sync",), ("amocrm", "auth", "--long-lived"), ("amocrm", "inspect")):
        res = subprocess.run(
            [sys.executable, "-m", "salesglass", *command],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        said = " ".join(res.stderr.split())
        assert res.returncode == 2 and said.startswith("error: [amocrm]: this config names no amoCRM account yet"), (
            command,
            said,
        )
