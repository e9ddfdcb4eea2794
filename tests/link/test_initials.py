"""A sole trader with initials ("ИП Иванов И.И.") is suggested against the full name, narrowly, never linked."""

from __future__ import annotations

import duckdb

from salesglass.config import parse_config
from salesglass.link.initials import initials_pairs
from salesglass.link.normalize import normalize_sql
from salesglass.link.run import link_into


def _norm(names: list[str]) -> list[str]:
    con = duckdb.connect()
    try:
        return [con.execute(f"SELECT {normalize_sql('$name')}", {"name": n}).fetchone()[0] for n in names]
    finally:
        con.close()


DEALS = {1: "ИП Иванов И.И.", 3: "Сидоров С. С.", 4: "Петров П.", 5: "ИП И. И. Иванов", 6: "ИП Иванов Иван"}
PARTNERS = {
    "a": "Иванов Иван Иванович",
    "b": "Иванов Игорь Ильич",  # another Иванов with the same initials: suggested too, the reviewer picks
    "c": "Иванов Пётр Иванович",  # П. is not И.
    "d": "Иванов Иван Петрович",  # the patronymic's П. is not И.
    "e": "Иванов Иван",  # one given name for two initials
    "f": "Иванова Ирина Игоревна",  # another surname
    "g": "Сидоров Семён Сергеевич",  # deal 3 matches it, but neither name says ИП
    "h": "ИП Петров Павел",  # deal 4's one initial, and the partner's name says ИП
    "i": "ИП Иванов И.",  # deal 6 "Иванов Иван" written out: one initial
}


def test_initials_pair_only_a_sole_trader_with_consistent_initials():
    deals = [(d, n, m) for (d, n), m in zip(DEALS.items(), _norm(list(DEALS.values())), strict=True)]
    partners = [(p, n, m) for (p, n), m in zip(PARTNERS.items(), _norm(list(PARTNERS.values())), strict=True)]
    assert deals[0][2] == "иванов и и" and partners[7][2] == "петров павел"
    pairs = initials_pairs(deals, partners, rejected={(5, "b")})
    assert [(d, p) for d, p, *_ in pairs] == [(1, "a"), (1, "b"), (4, "h"), (5, "a"), (6, "i")]
    assert pairs[0] == (1, "a", 100.0, "ИП Иванов И.И.", "Иванов Иван Иванович")


def test_an_initials_pair_is_suggested_not_linked(linked_world, tmp_path):
    con = linked_world
    con.execute("INSERT INTO partners (partner_id, name, kind) VALUES ('p11', 'Петров Павел Сергеевич', 'organizer')")
    con.execute("INSERT INTO companies (company_id, name) VALUES (8, 'ИП Петров П.С.')")
    con.execute("INSERT INTO deals (deal_id, name, company_id, created_at) VALUES (15, 'Петров', 8, '2024-01-01')")
    link_into(con, parse_config({"linking": {"overrides_path": "overrides.csv"}}, base_dir=tmp_path))
    got = con.execute("SELECT partner_id, score, matched FROM link_suggestions WHERE deal_id = 15").fetchall()
    assert got == [("p11", 100.0, "initials")]
    assert con.execute("SELECT count(*) FROM deal_partner_links WHERE deal_id = 15").fetchone() == (0,)
