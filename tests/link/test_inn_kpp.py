"""An ИНН typed with its КПП in one field ("7701234567/770101001") still links: the known fault a stranger hit."""

from __future__ import annotations

import duckdb

from salesglass.config import parse_config
from salesglass.link.run import link_into
from salesglass.model.inn import inn_digits_sql
from salesglass.sources.amocrm.field_values import inn_sql


def _one(expr: str, value: str | None):
    with duckdb.connect() as con:
        return con.execute(f"SELECT {expr} FROM (SELECT ?::VARCHAR AS v)", [value]).fetchone()[0]


def test_the_inn_is_read_out_of_an_inn_and_kpp_field():
    cases = {
        "7701234567/770101001": "7701234567",
        "7701234567 770101001": "7701234567",
        "ИНН 7701234567 КПП 770101001": "7701234567",
        "77 3605 0003": "7736050003",  # spaces inside one ИНН stay one ИНН
        "500100732259": "500100732259",  # an ИП's 12 digits
        "": None,
        None: None,
    }
    assert {v: _one(inn_digits_sql("v"), v) for v in cases} == cases
    # the amoCRM company field reader: an ИНН+КПП is no longer "not 10 or 12 digits" (kept empty)
    value, unreadable = inn_sql("v")
    assert _one(value, "7701234567 / 770101001") == "7701234567"
    assert _one(unreadable, "7701234567 / 770101001") is False


def test_a_deal_links_by_the_inn_of_an_inn_and_kpp_field(warehouse, tmp_path):
    con = warehouse
    con.execute("""INSERT INTO partners (partner_id, name, kind, inn) VALUES
        ('acme', 'Acme Events', 'organizer', '7701234567/770101001'),
        ('ip', 'Ivanov IP', 'organizer', '500100732259')""")
    con.execute("""INSERT INTO companies (company_id, name, inn) VALUES
        (1, 'ACME Group', '7701234567'),
        (2, 'Sole trader', '500100732259')""")
    con.execute("""INSERT INTO deals (deal_id, name, company_id, created_at) VALUES
        (10, 'Acme contract', 1, '2026-01-05'), (11, 'IP contract', 2, '2026-01-06')""")
    link_into(con, parse_config({}, base_dir=tmp_path))
    links = con.execute("SELECT deal_id, partner_id, method FROM deal_partner_links ORDER BY 1").fetchall()
    assert links == [(10, "acme", "inn"), (11, "ip", "inn")]
