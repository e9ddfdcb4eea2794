"""Back-office 1: the demo's SQLite back-office. The proposal must make the demo config's column choices
(the demo's join-based `channel` stays a suggestion, with its reason), and load the same sales."""

from __future__ import annotations

import tomllib
from pathlib import Path

import duckdb

from salesglass.config import parse_config
from salesglass.demo.config import demo_config_text
from salesglass.sources.platform.inspect import inspect_source
from salesglass.sources.platform.load import load_into
from salesglass.sources.platform.propose import HIGH, propose, to_toml
from salesglass.warehouse import init_canonical


def _columns(inp) -> dict:
    return {k: (v if isinstance(v, str) else v.model_dump(exclude_defaults=True)) for k, v in inp.columns.items()}


def test_the_proposal_makes_the_demo_configs_choices(generated_xs: Path):
    company = generated_xs
    demo = parse_config(tomllib.loads(demo_config_text(company)), base_dir=company.parent)
    want = {i.name: i for i in demo.platform.inputs}
    catalog = inspect_source(f"sqlite:///{company / 'backoffice.sqlite'}", None, company)
    proposal = propose(catalog)
    text = to_toml(proposal)
    got = {i.name: i for i in parse_config(tomllib.loads("[platform]\n" + text)).platform.inputs}

    assert set(got) == {"partners", "orders", "refunds", "widgets"}
    for name in got:
        assert got[name].target == want[name].target
        expected = {k: v for k, v in _columns(want[name]).items() if k != "channel"}
        assert _columns(got[name]) == expected, name
    assert got["partners"].table == "partners" and got["widgets"].table == "widgets"
    assert got["orders"].table == "orders"
    assert got["orders"].where == "status = 'done' AND is_invitation = 0"  # the demo query's WHERE
    assert got["widgets"].where == "installed_at IS NOT NULL"
    assert got["refunds"].where == "status = 'approved'"
    assert "JOIN orders o ON o.order_id = r.order_id" in got["refunds"].query  # refunds name no partner
    assert [i.watermark for i in got.values()] == [want[n].watermark for n in got]

    orders = proposal.input("sales", "orders")
    assert orders.columns["turnover"].confidence == HIGH and "minor units" in orders.columns["turnover"].reason
    assert "channel: 'origin' may say who sold" in text  # the demo's join-based channel: a suggestion
    assert "'cancelled' (cancelled)" in text  # the status values left out, each with its meaning
    assert "not used: events" in text and "not used: managers" in text


def test_loading_with_the_proposal_gives_the_demo_configs_sales(generated_xs: Path, tmp_path: Path):
    company = generated_xs
    demo = parse_config(tomllib.loads(demo_config_text(company)), base_dir=company.parent)
    proposal = propose(inspect_source(f"sqlite:///{company / 'backoffice.sqlite'}", None, company))
    text = f'[platform]\nurl = "sqlite:///{company / "backoffice.sqlite"}"\n' + to_toml(proposal)
    mine = parse_config(tomllib.loads(text), base_dir=company)

    def sales(cfg) -> list[tuple]:
        con = duckdb.connect(":memory:")
        init_canonical(con)
        cfg = cfg.model_copy(update={"plans": cfg.plans.model_copy(update={"path": None})})
        load_into(con, cfg, full=True, progress=False)
        rows = con.execute("""SELECT sale_id, partner_id, event_id, sold_at, tickets, turnover, revenue, cost
                              FROM sales ORDER BY sale_id""").fetchall()
        partners = con.execute("SELECT * FROM partners ORDER BY partner_id").fetchall()
        return rows, partners

    assert sales(mine) == sales(demo)
