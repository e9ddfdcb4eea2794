"""A stranger's company: names and ИНН typed the ways people type them, links decided by hand.

Each deal below is linked (or not) as a person reading both names would decide; docs/reports.md
("Linking deals to partners") states the rules these expectations follow.
"""

from __future__ import annotations

import duckdb

from salesglass.config import parse_config
from salesglass.link.normalize import normalize_sql
from salesglass.link.run import link_into
from salesglass.model.inn import inn_digits_sql

# partner_id, name, inn (as the back office holds it)
PARTNERS = """
  ('rom', 'ООО «Ромашка»', NULL),
  ('kas', 'Kassir.ru', NULL),
  ('dk', 'Дом культуры «Заря»', NULL),
  ('luna', 'Театр «Луна»', NULL),
  ('bash', 'Башкирская филармония', '274062111'),
  ('xls', 'Концертное агентство Север', '7736050003.0'),
  ('stub', 'Заглушка', '0000000000')"""
# company_id, name, inn (as amoCRM holds it)
COMPANIES = """
  (1, 'ООО"Ромашка"', NULL),
  (2, 'Kаssir.ru', NULL),
  (3, 'МБУК «Дом культуры «Заря»»', NULL),
  (4, 'Те' || chr(173) || 'атр „Луна“', NULL),
  (5, 'Филармония РБ', '0274062111'),
  (6, 'Север концерты', '7736050003'),
  (7, 'Рога и копыта', '0000000000'),
  (8, 'Другая фирма', '0000000000'),
  (9, 'OOO Romashka', NULL),
  (10, 'Pомашка', NULL)"""


def test_names_and_inns_as_people_type_them_link(warehouse, tmp_path):
    con = warehouse
    con.execute(f"INSERT INTO partners (partner_id, name, inn, kind) SELECT *, 'organizer' FROM (VALUES {PARTNERS})")
    con.execute(f"INSERT INTO companies (company_id, name, inn) VALUES {COMPANIES}")
    deals = "SELECT i, 'сделка', i, '2026-01-05' FROM range(1, 11) t(i)"  # deal i of company i
    con.execute(f"INSERT INTO deals (deal_id, name, company_id, created_at) {deals}")
    link_into(con, parse_config({}, base_dir=tmp_path))
    links = con.execute("SELECT deal_id, partner_id, method FROM deal_partner_links ORDER BY 1").fetchall()
    assert links == [
        (1, "rom", "name"),  # ООО"Ромашка" (no space before the quote) is ООО «Ромашка»
        (2, "kas", "name"),  # a Cyrillic «а» inside the Latin word «Kassir»
        (3, "dk", "name"),  # МБУК is the legal form of a municipal culture institution, like ООО
        (4, "luna", "name"),  # a soft hyphen pasted inside «Театр», other quotes
        (5, "bash", "inn"),  # the back office's number column dropped the ИНН's leading zero
        (6, "xls", "inn"),  # the back office's spreadsheet gave the ИНН as the number 7736050003.0
        # 7, 8: 0000000000 is a placeholder, not an ИНН: neither deal is the «Заглушка» partner's
        # 9: «OOO Romashka» is the same client in Latin letters; names are not transliterated (docs/reports.md):
        #    the legal form goes, «romashka» ≠ «ромашка», so it stays for an override
        (10, "rom", "name"),  # a Latin «P» in «Pомашка»
    ]


def _one(expr: str, value: str | None):
    with duckdb.connect() as con:
        return con.execute(f"SELECT {expr} FROM (SELECT ?::VARCHAR AS v)", [value]).fetchone()[0]


def test_the_normalised_name_of_each_way_of_typing_it():
    cases = {
        "ООО«Ромашка»": "ромашка",
        "OOO «Romashka»": "romashka",
        "Romashka LLC": "romashka",
        "ЗАО   „Ёлка“": "елка",
        "Д'Артаньян": "дартаньян",  # an apostrophe keeps the word whole
        "Kаssir.ru": "kassir ru",  # mostly Latin: the Cyrillic «а» read as Latin
        "ГБУК г. Москвы «Театр»": "г москвы театр",
    }
    assert {v: _one(normalize_sql("v"), v) for v in cases} == cases
    assert _one(inn_digits_sql("v"), "500100732259.0") == "500100732259"  # a 12-digit ИНН from a DOUBLE
