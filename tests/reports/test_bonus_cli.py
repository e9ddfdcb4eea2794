"""`salesglass bonus …` end to end on the small bonus company, and manual adjustments / disputes in the build."""

from __future__ import annotations

import csv
import re
from decimal import Decimal

import openpyxl
import pytest
from typer.testing import CliRunner

from salesglass.bonus.store import BonusStore
from salesglass.cli import app
from salesglass.config import load_config
from salesglass.errors import SalesglassError
from tests.reports import bonus_company as c
from tests.reports.conftest import load_company

M = Decimal
CONFIG = """
[warehouse]
path = "wh.duckdb"
published_path = "reports.duckdb"
bonus_state_path = "bonus.duckdb"

[account]
timezone = "Europe/Moscow"

[reports.bonus]
acquisition_months = 1
"""


@pytest.fixture
def cli(tmp_path):
    path = tmp_path / "salesglass.toml"
    path.write_text(CONFIG, encoding="utf-8")
    cfg = load_config(path)
    load_company(cfg, c.DATA)
    runner = CliRunner()

    def run(*args: str, ok: bool = True):
        result = runner.invoke(app, [*args, "-c", str(path)], catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return result.output

    run("build", "--as-of", "2026-11-15")
    return cfg, run


def test_close_a_month_from_the_command_line(cli, tmp_path):
    _cfg, run = cli
    with pytest.raises(SalesglassError, match="review it first"):
        run("bonus", "approve", "2026-10")
    assert "in_review" in run("bonus", "review", "2026-10", "--by", "head@x.ru")
    # Vera (manager 3, growth 250.00 in October) is also an admin: she does not approve her own pay while
    # head@x.ru can (four eyes)
    from salesglass.serve.users import UserStore

    users = UserStore(_cfg.resolve(_cfg.dashboard.users_path))
    users.add("head@x.ru", "a long enough password", "admin")
    users.add("vera@example.ru", "a long enough password", "admin")
    with pytest.raises(SalesglassError, match=r"lines in 2026-10 \(manager 3\).*another admin does \(head@x.ru\)"):
        run("bonus", "approve", "2026-10", "--by", "Vera@example.ru")
    assert "approved 250.00" in run("bonus", "approve", "2026-10", "--by", "head@x.ru")
    out = run("bonus", "status")
    assert "2026-10" in out and "approved" in out and "head@x.ru" in out and "2026-11" in out
    assert re.search(r"2026-10 +│ approved +│ \d{4}-\d\d-\d\d \d\d:\d\d \+03:00 +│ head@x.ru", out), (
        out
    )  # Moscow's clock
    # approved after the last build: doctor said "no month approved yet"
    assert "bonus: 1 approved month is not in the last build yet: run `salesglass build`" in run("doctor")
    assert "Rebuild" not in run("build", "--as-of", "2026-11-15")
    assert "1 approved month reconciles" in run("doctor")
    run("bonus", "reopen", "2026-10", "--reason", "Vera's line is wrong", "--by", "head@x.ru")
    (tmp_path / "audit.csv").write_text("last month's")
    (tmp_path / "audit.csv").chmod(0o644)
    run("bonus", "audit", "--out", str(tmp_path / "audit.csv"))
    assert (tmp_path / "audit.csv").stat().st_mode & 0o777 == 0o600  # who changed whose pay: not every user's
    with (tmp_path / "audit.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    # ISO 8601 with the account's offset (Moscow, +03:00), not a bare "2026-12-07 07:14:35.123"
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+03:00", r["logged_at"]) for r in rows), rows
    assert [(r["actor"], r["action"], r["month"], r["reason"]) for r in rows] == [
        ("config", "rules", "", ""),
        ("head@x.ru", "review", "2026-10", ""),
        ("head@x.ru", "approve", "2026-10", ""),
        ("head@x.ru", "reopen", "2026-10", "Vera's line is wrong"),
    ]


def test_manual_adjustment_and_a_resolved_dispute_reach_the_lines_and_payroll(cli, tmp_path):
    cfg, run = cli
    store = BonusStore(cfg.bonus_state_path)
    run(
        "bonus",
        "adjust",
        "2026-11",
        "--manager",
        "1",
        "--amount",
        "-500.00",
        "--reason",
        "=advance repaid",
        "--by",
        "head@x.ru",
    )
    dispute = store.raise_dispute(
        c.NOV, 3, "growth", "P2", None, M("16.67"), "P2 was mine in October too", "vera@example.ru"
    )
    # Vera (manager 3, vera@example.ru) neither adjusts her own bonus nor answers her own dispute, as on the
    # dashboard
    with pytest.raises(SalesglassError, match=r"is manager 3 \(Vera\): an admin does not adjust their own bonus"):
        run("bonus", "adjust", "2026-11", "-m", "3", "-a", "900", "-r", "mine", "--by", " Vera@Example.ru")
    with pytest.raises(SalesglassError, match="does not answer a dispute of their own bonus"):
        run("bonus", "resolve", str(dispute), "--answer", "sure", "--amount", "900", "--by", "vera@example.ru")
    store.review(c.NOV, "head@x.ru")
    with pytest.raises(SalesglassError, match="has 1 open dispute: resolve them first"):
        store.approve(c.NOV, "head@x.ru", cfg.published_path)
    run("bonus", "resolve", str(dispute), "--answer", "agreed: 100 more", "--amount", "100.00")
    run("build", "--as-of", "2026-11-15")
    out = run("bonus", "payroll", "2026-11", "--out", str(tmp_path / "pay.xlsx"))
    assert "wrote 2 manager rows (total to pay 266.67)" in out and re.search(r"total\s*│\s*266\.67", out), out
    ws = openpyxl.load_workbook(tmp_path / "pay.xlsx").active
    *managers, total = list(ws.iter_rows(min_row=2, values_only=True))
    assert total[:5] == ("total", None, None, None, 266.67)  # 0.00 + 266.67
    got = [tuple(r[1:7]) for r in managers]
    # Anna: −500 by hand, not paid but carried forward (+500.00); Vera: growth P1 150.00 + P2 16.67 + 100.00
    # for her dispute
    assert got == [(1, "Anna", "anna@example.ru", 0, -500, 500), (3, "Vera", "vera@example.ru", 266.67, 100, 0)]
    run("bonus", "payroll", "2026-11", "--out", str(tmp_path / "pay.csv"))
    text = (tmp_path / "pay.csv").read_text(encoding="utf-8-sig")
    assert "2026-11,3,Vera,vera@example.ru,266.67,100.00,0.00,3,in_review," in text
    assert "2026-11,1,Anna,anna@example.ru,0.00,-500.00,500.00,2,in_review,net -500.00 is not paid" in text
    audit = [(a["action"], a["reason"]) for a in store.audit()]
    assert audit == [
        ("rules", None),
        ("adjust", "=advance repaid"),
        ("dispute", "P2 was mine in October too"),
        ("review", None),
        ("adjust", f"dispute {dispute}: agreed: 100 more"),
        ("resolve", "agreed: 100 more"),
    ]
    assert store.disputes()[0]["status"] == "adjusted"


def test_a_comment_with_markup_is_shown_as_typed_in_the_terminal(tmp_path, monkeypatch):
    """A manager's dispute comment "[/]" crashed `salesglass bonus disputes` (rich read it as markup) and
    "[link=…]" drew a link on the admin's terminal; both are shown as typed."""
    from datetime import date

    from salesglass.bonus import cli as bonus_cli

    monkeypatch.setattr(bonus_cli.console, "width", 400)  # the whole comment on one line
    path = tmp_path / "salesglass.toml"
    path.write_text(CONFIG, encoding="utf-8")
    store = BonusStore(load_config(path).bonus_state_path)
    comment = "wrong [/] rate [link=https://evil.example]see[/link]"
    store.raise_dispute(date(2026, 10, 1), 3, "growth", "P1", None, M("250.00"), comment, "vera@example.ru")
    runner = CliRunner()
    for command in ("disputes", "audit"):
        result = runner.invoke(app, ["bonus", command, "-c", str(path)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert comment in result.output
