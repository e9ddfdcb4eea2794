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

    assert set(got) == {"partners", "orders", "refunds", "widgets", "events"}
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
    assert "# channel (a suggestion, not applied): 'vendor_id' names who sold" in text  # the demo's join
    assert "'cancelled' (cancelled)" in text  # the status values left out, each with its meaning
    assert "not used: managers" in text and "not used: events" not in text
    assert got["events"].table == "events" and "'status' is not loaded" in text  # (docs/model.md: no status)


def test_loading_with_the_proposal_gives_the_demo_configs_sales(generated_xs: Path, tmp_path: Path):
    company = generated_xs
    demo = parse_config(tomllib.loads(demo_config_text(company)), base_dir=company.parent)
    proposal = propose(inspect_source(f"sqlite:///{company / 'backoffice.sqlite'}", None, company))
    text = f'[platform]\nurl = "sqlite:///{company / "backoffice.sqlite"}"\n' + to_toml(proposal)
    mine = parse_config(tomllib.loads(text), base_dir=company)
    # the suggested channel query, applied as its note says, gives the demo's channels
    orders = proposal.input("sales", "orders")
    note = next(n for n in orders.notes if n.startswith("channel (a suggestion"))
    query = note.split('query = "')[1].split('" and add')[0]
    suggested = text.replace('table = "orders"', f'query = """{query}"""').replace(
        'sale_id = "order_id"', 'channel = "channel"\nsale_id = "order_id"', 1
    )
    with_channel = parse_config(tomllib.loads(suggested), base_dir=company)

    def channels(cfg) -> list[tuple]:
        return sales(cfg, "sale_id, channel")

    def sales(cfg, columns: str = "sale_id, partner_id, event_id, sold_at, tickets, turnover, revenue, cost"):
        con = duckdb.connect(":memory:")
        init_canonical(con)
        cfg = cfg.model_copy(update={"plans": cfg.plans.model_copy(update={"path": None})})
        load_into(con, cfg, full=True, progress=False)
        rows = con.execute(f"SELECT {columns} FROM sales ORDER BY sale_id").fetchall()
        partners = con.execute("SELECT * FROM partners ORDER BY partner_id").fetchall()
        return rows, partners

    assert sales(mine) == sales(demo)

    def orders_only(rows: list[tuple]) -> list[tuple]:  # the suggestion is the orders input's
        return [r for r in rows if not r[0].startswith("refund:")]

    assert orders_only(channels(with_channel)[0]) == orders_only(channels(demo)[0])


def test_reserved_words_and_cyrillic_names_are_quoted_in_the_sources_own_sql(tmp_path: Path):
    """A table called `order` and a refunds table that names only the order: the proposed join must run."""
    import sqlite3

    from salesglass.check import run_check
    from salesglass.config import load_config

    with sqlite3.connect(tmp_path / "shop.sqlite") as db:
        db.executescript("""
            CREATE TABLE client (id TEXT PRIMARY KEY, name TEXT, inn TEXT, kind TEXT);
            CREATE TABLE "order" (id TEXT PRIMARY KEY, client_id TEXT REFERENCES client(id), paid_at TEXT,
                                  qty INTEGER, amount REAL, "Статус" TEXT);
            CREATE TABLE refund (id TEXT PRIMARY KEY, order_id TEXT REFERENCES "order"(id), done_at TEXT,
                                 qty INTEGER, amount REAL);
            INSERT INTO client VALUES ('c1', 'ООО «Весна»', '7707083893', 'organizer');
            INSERT INTO "order" VALUES ('o1', 'c1', '2026-10-01 12:00:00', 2, 3000.50, 'paid'),
                                       ('o2', 'c1', '2026-10-02 12:00:00', 1, 1500.25, 'cancelled');
            INSERT INTO refund VALUES ('r1', 'o1', '2026-10-03 12:00:00', 1, 1500.25);
        """)
    proposal = propose(inspect_source("sqlite:///shop.sqlite", None, tmp_path))
    refunds = proposal.input("sales", "refunds")
    assert refunds.place["query"] == ('SELECT r.*, o.client_id FROM refund r JOIN "order" o ON o.id = r.order_id')
    assert proposal.input("sales", "orders").where_sql == "\"Статус\" = 'paid'"
    (tmp_path / "salesglass.toml").write_text(
        '[platform]\nurl = "sqlite:///shop.sqlite"\n' + to_toml(proposal), encoding="utf-8"
    )
    report = run_check(load_config(tmp_path / "salesglass.toml"))
    assert report.errors == []
    assert [(i.name, i.loaded) for i in report.inputs] == [("partners", 1), ("orders", 1), ("refunds", 1)]
    assert report.months == [("2026-10", 1500.25, 1, 1)]  # 3 000.50 − 1 500.25; 2 − 1 tickets
