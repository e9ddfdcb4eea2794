"""An English back-office named unlike ours (`accounts`, `seats`, `went_live`, `agency`, `targets` with
`owner`/`base`): `platform inspect --write` maps every column a stranger's data has, and says so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from salesglass.cli import app
from salesglass.config import load_config

WIDE = {"COLUMNS": "400"}

FILES = {
    "accounts.csv": "account_id,legal_name,account_type,signed_up\n"
    "1,Acme Events LLC,organizer,2026-07-01 10:00\n2,Echo Tickets,agency,2026-07-05 10:00\n"
    "3,Gala Hall,organizer,2026-07-07 10:00\n",
    "orders.csv": "order_ref,account,placed_at,seats,total_cents,fee_cents,cost_cents,state\n"
    "o1,1,2026-09-30 23:30,2,100000,10000,2000,paid\no2,2,2026-10-01 00:30,3,60000,3000,0,paid\n"
    "o3,3,2026-10-02 12:00,1,70000,7000,1400,cancelled\n",
    "widgets.csv": "widget_id,account,site,went_live\n1,1,acme.example,2026-08-20 10:00\n2,3,gala.example,\n",
    "targets.csv": "period,owner,kpi,base,stretch\n2026-09-01,,turnover,3000,4000\n"
    "2026-10-01,john@samba.example,turnover,3000,3500\n",
}


def _sg(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "salesglass", *args], capture_output=True, text=True, cwd=cwd, env=env)


def _spec(v) -> tuple:
    """(column, value map, negate) of a column mapping written as a name or as a table."""
    return (v, None, False) if isinstance(v, str) else (v.column, v.map or None, v.negate)


def test_inspect_maps_an_english_back_office(tmp_path: Path):
    (tmp_path / "exports").mkdir()
    for name, text in FILES.items():
        (tmp_path / "exports" / name).write_text(text, encoding="utf-8")
    assert _sg("init", "--platform-url", "exports", cwd=tmp_path).returncode == 0
    res = _sg("platform", "inspect", "--write", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "added 3 inputs and [plans] to salesglass.toml" in res.stdout  # "[plans]" was eaten as a style tag
    cfg = load_config(tmp_path / "salesglass.toml")
    cols = {i.name: {k: _spec(v) for k, v in i.columns.items()} for i in cfg.platform.inputs}
    assert cols["partners"]["kind"] == ("account_type", {"organizer": "organizer", "agency": "operator"}, False)
    assert cols["partners"]["created_at"][0] == "signed_up"  # a sign-up is no contract
    assert "contract_signed_at" not in cols["partners"]
    assert cols["orders"]["tickets"][0] == "seats"  # was one ticket per row ({ sql = "1" })
    assert cols["widgets"]["installed_at"][0] == "went_live"  # was a TODO: no install time found
    assert {k: _spec(v)[0] for k, v in cfg.plans.columns.items()} == {
        "month": "period",
        "manager": "owner",
        "metric": "kpi",
        "realistic": "base",  # without it the plans had no realistic target at all
        "optimistic": "stretch",
    }
    # before any amoCRM sync the naive times are read in Moscow's clock: the comment says why, the output how
    # to choose another zone
    assert (
        "read in Europe/Moscow (the default: no [account] timezone set and no amoCRM account synced yet"
        in (tmp_path / "salesglass.toml").read_text()
    )
    assert 'set it under [platform]: timezone = "Area/City"' in res.stdout, res.stdout
    # the account's zone, once the config knows it, is the zone naive times are read in
    text = (tmp_path / "salesglass.toml").read_text()
    (tmp_path / "salesglass.toml").write_text(
        text.replace("[account]\n", '[account]\ntimezone = "America/Sao_Paulo"\n', 1)
    )
    out = CliRunner().invoke(app, ["platform", "inspect", "-c", str(tmp_path / "salesglass.toml")], env=WIDE)
    assert out.exit_code == 0, out.output
    assert "read in America/Sao_Paulo ([account] timezone)" in out.output
    assert "naive times (no offset) are read in America/Sao_Paulo ([account] timezone)" in out.output


def test_company_price_and_expenses_are_the_name_turnover_and_cost(tmp_path: Path):
    """A MariaDB-style `clients` / `order_items` export: the partner's name in `company`, the line's amount
    in `price` with a decimal comma, the cost in `expenses`. The proposal left the name out and the
    turnover a TODO (`check` then refused the input) and took cost as 0."""
    from salesglass.sources.platform.inspect import inspect_source
    from salesglass.sources.platform.propose import propose

    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "clients.csv").write_text(
        "client_no;company;segment\nC-1;Acme Events LLC;organizer\nC-2;Echo Tickets;agency\n", encoding="utf-8"
    )
    (tmp_path / "exports" / "order_items.csv").write_text(
        "item_id;client_no;paid_on;qty;price;commission;expenses;status\n"
        "1;C-1;2026-09-30 23:30;2;1 000,50;100,05;20,00;completed\n"
        "2;C-2;2026-10-01 00:30;1;500,00;50,00;10,00;completed\n",
        encoding="utf-8",
    )
    proposal = propose(inspect_source(None, "exports", tmp_path))
    assert proposal.input("partners").columns["name"].value == "company"
    sales = proposal.input("sales").columns
    assert (sales["turnover"].value, sales["revenue"].value, sales["cost"].value) == (
        "price",
        "commission",
        "expenses",
    )
