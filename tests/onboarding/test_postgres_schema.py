"""A PostgreSQL back-office kept outside `public` (schema `shop`, a mixed-case table name): `platform
inspect` listed nothing ("no table looks like partners … add it by hand"); now it reads every schema the
reader can see and proposes `table = "shop.…"`, which loads as proposed."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

from salesglass.config import parse_config
from salesglass.sources.platform.inspect import inspect_source
from salesglass.sources.platform.load import load_into
from salesglass.sources.platform.propose import propose, to_toml
from salesglass.warehouse import init_canonical
from tests.onboarding.conftest import fresh_database

SCHEMA = """
CREATE SCHEMA shop;
CREATE TABLE shop."Clients" (client_id bigint PRIMARY KEY, legal_name text NOT NULL, tax_number text);
CREATE TABLE shop.orders (
  order_no text PRIMARY KEY, client_ref bigint REFERENCES shop."Clients"(client_id), paid_ts timestamptz,
  qty int NOT NULL, amount numeric(12,2) NOT NULL, fee numeric(12,2) NOT NULL);
INSERT INTO shop."Clients" VALUES (1, 'Broadway Tix LLC', '7707083893'), (2, 'ООО «Весна»', NULL);
INSERT INTO shop.orders VALUES ('A1', 1, '2026-09-30 23:30-04', 2, 3000.00, 300.00),
                               ('A2', 2, '2026-10-01 09:00-04', 1, 1500.00, 150.00);
"""


@pytest.fixture
def shop_postgres(postgres_url: str) -> str:
    return fresh_database(postgres_url, "onboard_schema", SCHEMA)


@pytest.mark.postgres
def test_tables_of_another_schema_are_proposed_and_load(shop_postgres: str, tmp_path: Path):
    catalog = inspect_source(shop_postgres, None, tmp_path)
    assert sorted(t.name for t in catalog.tables) == ["shop.Clients", "shop.orders"]
    proposal = propose(catalog)
    text = to_toml(proposal)
    assert 'table = "shop.Clients"' in text and 'table = "shop.orders"' in text
    # the declared foreign key across the schema names the partner column
    assert proposal.input("sales").columns["partner_id"].value == "client_ref"

    cfg = parse_config(tomllib.loads(f'[platform]\nurl = "{shop_postgres}"\n' + text), base_dir=tmp_path)
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    init_canonical(con)
    load_into(con, cfg, full=True, progress=False)
    assert con.execute("SELECT partner_id, name, inn FROM partners ORDER BY 1").fetchall() == [
        ("1", "Broadway Tix LLC", "7707083893"),
        ("2", "ООО «Весна»", None),
    ]
    assert con.execute("SELECT sale_id, partner_id, sold_at, tickets, turnover FROM sales ORDER BY 1").fetchall() == [
        ("A1", "1", datetime(2026, 10, 1, 3, 30, tzinfo=UTC), 2, D("3000.00")),
        ("A2", "2", datetime(2026, 10, 1, 13, 0, tzinfo=UTC), 1, D("1500.00")),
    ]


REFUNDS = """
CREATE SCHEMA shop;
CREATE TABLE shop.kontragenty (id int PRIMARY KEY, nazvanie text NOT NULL);
CREATE TABLE shop.zakazy (
  id bigint PRIMARY KEY, kontragent_id int REFERENCES shop.kontragenty(id), summa_kop bigint NOT NULL,
  bilety int NOT NULL, data_oplaty timestamp NOT NULL);
CREATE TABLE shop.vozvraty (
  id bigint PRIMARY KEY, zakaz_id bigint NOT NULL REFERENCES shop.zakazy(id), summa_kop bigint NOT NULL,
  data_vozvrata timestamp NOT NULL);
INSERT INTO shop.kontragenty VALUES (1, 'ООО «Ромашка»'), (2, 'ИП Петров');
INSERT INTO shop.zakazy VALUES (101, 1, 250050, 3, '2026-10-20 19:30'), (102, 2, 100000, 1, '2026-10-31 23:30');
INSERT INTO shop.vozvraty VALUES (901, 101, 100020, '2026-11-05 09:00');
"""


@pytest.fixture
def refunds_postgres(postgres_url: str) -> str:
    return fresh_database(postgres_url, "onboard_refunds", REFUNDS)


@pytest.mark.postgres
def test_a_refunds_table_of_another_schema_is_joined_to_its_orders(refunds_postgres: str, tmp_path: Path):
    """The refunds of `shop.vozvraty` name only the order: the proposal joins `shop.zakazy` for the partner
    in a query. It wrote `FROM "shop.vozvraty" r JOIN "shop.zakazy" o` — one quoted name, which PostgreSQL
    looks for as a table called `shop.vozvraty` ("relation does not exist"), so `check` refused the input."""
    proposal = propose(inspect_source(refunds_postgres, None, tmp_path))
    text = to_toml(proposal)
    assert "shop.vozvraty r JOIN shop.zakazy o" in text
    cfg = parse_config(tomllib.loads(f'[platform]\nurl = "{refunds_postgres}"\n' + text), base_dir=tmp_path)
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    init_canonical(con)
    load_into(con, cfg, full=True, progress=False)
    # kopecks → rubles, the refund negated, its partner the refunded order's (naive Moscow times: UTC+3)
    assert con.execute("SELECT sale_id, partner_id, sold_at, turnover FROM sales ORDER BY 1").fetchall() == [
        ("101", "1", datetime(2026, 10, 20, 16, 30, tzinfo=UTC), D("2500.50")),
        ("102", "2", datetime(2026, 10, 31, 20, 30, tzinfo=UTC), D("1000.00")),
        ("refund:901", "1", datetime(2026, 11, 5, 6, 0, tzinfo=UTC), D("-1000.20")),
    ]
