"""Incremental linking gives exactly what a full relink gives, after random changes of every kind.

Two warehouses receive the same random changes round after round: one is linked incrementally (the
default), the other with `full=True`. Every table linking writes must be equal row for row. The value
pools are tiny on purpose, so that names and ИНН collide often: a new partner with an existing name
makes that name ambiguous, a deleted partner sends its deals to the next rule.
"""

from __future__ import annotations

import random
from dataclasses import asdict
from itertools import pairwise

import pytest

from salesglass.config import parse_config
from salesglass.link.run import link_into
from salesglass.warehouse import connect, init_canonical

NAMES = [
    "Ромашка",
    "ООО «Ромашка»",
    "Театр Луны",
    "ТЕАТР ЛУНЫ",
    "Арт Кафе",
    "Арт-Кафе",
    "Филармония",
    "Филармониа",
    "Кассир",
    "ИП Иванов",
    "Иванов",
    "Большой зал",
    "Большой зал 2",
    None,
]
INNS = [None, None, "111", "222", "333", "444-555", "444555"]
KINDS = ["organizer", "operator"]

# what linking writes, each read in a fixed order
LINK_TABLES = {
    "deal_partner_links": "SELECT * FROM deal_partner_links ORDER BY ALL",
    "link_suggestions": "SELECT * FROM link_suggestions ORDER BY ALL",
    "link_ambiguous": "SELECT * FROM link_ambiguous ORDER BY ALL",
    "deals": "SELECT deal_id, partner_id, client_kind FROM deals ORDER BY ALL",
    "partners": "SELECT partner_id, development_manager_id FROM partners ORDER BY ALL",
    "link_manager_fallback": "SELECT * FROM link_manager_fallback ORDER BY ALL",
    "quarantine": "SELECT source, source_key, reason FROM quarantine WHERE source LIKE 'linking%' ORDER BY ALL",
}


class World:
    """Random changes as SQL, applied alike to both warehouses; the overrides file is shared."""

    def __init__(self, rng: random.Random, overrides) -> None:
        self.rng, self.overrides = rng, overrides
        self.next_deal, self.next_company, self.next_partner = 1, 1, 1
        self.partners: list[str] = []
        self.companies: list[int] = []
        self.deals: list[int] = []

    def acc(self) -> str | None:
        r = self.rng
        return r.choice([None, None, None, f" P{r.randint(1, self.next_partner + 2)} ", "p999"])

    def partner(self, name: str | None = None) -> str:
        r, pid = self.rng, f"p{self.next_partner}"
        self.next_partner += 1
        self.partners.append(pid)
        name = name if name is not None else r.choice(NAMES[:-1])
        return (
            f"INSERT INTO partners (partner_id, name, kind, inn, development_manager_id) VALUES "
            f"({_lit(pid)}, {_lit(name)}, {_lit(r.choice(KINDS))}, {_lit(r.choice(INNS))}, "
            f"{r.choice(['NULL', 'NULL', '101'])})"
        )

    def company(self) -> str:
        r, cid = self.rng, self.next_company
        self.next_company += 1
        self.companies.append(cid)
        return (
            f"INSERT INTO companies (company_id, name, inn, platform_account_id, responsible_user_id) VALUES "
            f"({cid}, {_lit(r.choice(NAMES))}, {_lit(r.choice(INNS))}, {_lit(self.acc())}, "
            f"{r.choice(['NULL', str(200 + cid)])})"
        )

    def deal(self) -> list[str]:
        r, did = self.rng, self.next_deal
        self.next_deal += 1
        self.deals.append(did)
        company = r.choice([*self.companies, None]) if self.companies else None
        sql = [
            f"INSERT INTO deals (deal_id, name, company_id, platform_account_id, client_kind, created_at, "
            f"is_deleted) VALUES ({did}, {_lit(r.choice(NAMES))}, {_lit(company)}, {_lit(self.acc())}, "
            f"{_lit(r.choice([None, None, 'operator']))}, TIMESTAMP '2024-01-01' + INTERVAL ({did}) DAY, "
            f"{r.random() < 0.1})"
        ]
        if r.random() < 0.3:
            sql.append(
                f"INSERT INTO deal_stages VALUES ({did}, 'first_sale', "
                f"TIMESTAMP '2024-06-01' - INTERVAL ({did}) DAY, 'amocrm')"
            )
        return sql

    def write_overrides(self) -> None:
        r = self.rng
        rows = ["deal_id,partner_id"]
        for d in r.sample(self.deals, k=min(len(self.deals), r.randint(0, 5))):
            rows.append(f"{d},{r.choice([*self.partners, '', '', 'p999'])}")
        self.overrides.write_text("\n".join(rows) + "\n", encoding="utf-8")

    def start(self) -> list[str]:
        sql = [self.partner() for _ in range(15)] + [self.company() for _ in range(12)]
        for _ in range(50):
            sql += self.deal()
        self.write_overrides()
        return sql

    def change(self) -> list[str]:
        """One round: a few random changes of every kind, always a clone name and a deleted partner."""
        r, sql = self.rng, []
        # the two cases the brief names: a second partner with an existing name, a partner deleted
        sql.append(self.partner(name="__clone__"))
        clone = self.partners[-1]
        sql.append(
            f"UPDATE partners SET name = (SELECT name FROM partners WHERE partner_id = "
            f"{_lit(r.choice(self.partners[:-1]))}) WHERE partner_id = {_lit(clone)}"
        )
        gone = r.choice(self.partners[:-1])
        self.partners.remove(gone)
        sql.append(f"DELETE FROM partners WHERE partner_id = {_lit(gone)}")
        for _ in range(r.randint(3, 8)):
            kind = r.choice(
                ["deal", "deal_new", "deal_gone", "company", "company_new", "company_gone", "partner", "partner_new"]
            )
            if kind == "deal":
                d = r.choice(self.deals)
                col, val = r.choice(
                    [
                        ("company_id", r.choice([*self.companies, None])),
                        ("platform_account_id", self.acc()),
                        ("is_deleted", r.random() < 0.3),
                        ("name", r.choice(NAMES)),
                    ]
                )
                sql.append(f"UPDATE deals SET {col} = {_lit(val)} WHERE deal_id = {d}")
            elif kind == "deal_new":
                sql += self.deal()
            elif kind == "deal_gone":  # gone from the warehouse altogether, not just marked deleted
                sql.append(f"DELETE FROM deals WHERE deal_id = {self.deals.pop(r.randrange(len(self.deals)))}")
            elif kind == "company_gone":  # its deals keep a company id that no longer resolves
                sql.append(
                    f"DELETE FROM companies WHERE company_id = {self.companies.pop(r.randrange(len(self.companies)))}"
                )
            elif kind == "company":
                c = r.choice(self.companies)
                col, val = r.choice(
                    [
                        ("name", r.choice(NAMES)),
                        ("inn", r.choice(INNS)),
                        ("platform_account_id", self.acc()),
                        ("responsible_user_id", r.choice([None, 300 + c])),
                    ]
                )
                sql.append(f"UPDATE companies SET {col} = {_lit(val)} WHERE company_id = {c}")
            elif kind == "company_new":
                sql.append(self.company())
            elif kind == "partner":
                p = r.choice(self.partners)
                col, val = r.choice(
                    [
                        ("name", r.choice(NAMES[:-1])),
                        ("inn", r.choice(INNS)),
                        ("kind", r.choice(KINDS)),
                        ("development_manager_id", r.choice([None, 102])),
                    ]
                )
                sql.append(f"UPDATE partners SET {col} = {_lit(val)} WHERE partner_id = {_lit(p)}")
            else:
                sql.append(self.partner())
        if r.random() < 0.5:
            self.write_overrides()
        return sql


def _lit(v) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def _snapshot(con) -> dict[str, list[tuple]]:
    return {name: con.execute(sql).fetchall() for name, sql in LINK_TABLES.items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_equals_full_after_random_changes(tmp_path, seed):
    rng = random.Random(seed)
    cfg = parse_config({"linking": {"overrides_path": "overrides.csv", "fuzzy_min_score": 85}}, base_dir=tmp_path)
    inc, full = (connect(tmp_path / f"{n}.duckdb") for n in ("inc", "full"))
    for con in (inc, full):
        init_canonical(con)
    world = World(rng, tmp_path / "overrides.csv")
    history, relinked_share = [], []
    sql = world.start()
    for round_no in range(8):
        for con in (inc, full):
            for stmt in sql:
                con.execute(stmt)
        s_inc, s_full = link_into(inc, cfg), link_into(full, cfg, full=True)
        got, want = _snapshot(inc), _snapshot(full)
        for table in LINK_TABLES:
            assert got[table] == want[table], f"seed {seed}, round {round_no}: {table} differs"
        same = {k: v for k, v in asdict(s_inc).items() if k not in ("relinked", "full")}
        assert same == {k: v for k, v in asdict(s_full).items() if k not in ("relinked", "full")}
        assert s_inc.full is (round_no == 0) and s_full.full and s_full.relinked == s_full.deals
        history.append(want)
        relinked_share.append(s_inc.relinked / s_inc.deals)
        sql = world.change()
    # the rounds did exercise linking: links changed from round to round, some deals were ambiguous,
    # and the incremental runs relinked only part of the deals
    assert sum(a["deal_partner_links"] != b["deal_partner_links"] for a, b in pairwise(history)) >= 5
    assert any(h["link_ambiguous"] for h in history) and any(h["link_suggestions"] for h in history)
    assert all(share < 1 for share in relinked_share[1:])
    inc.close()
    full.close()


def test_a_run_with_nothing_changed_relinks_nothing(linked_world, tmp_path):
    cfg = parse_config({"linking": {"overrides_path": "overrides.csv"}}, base_dir=tmp_path)
    first = link_into(linked_world, cfg)
    assert (first.full, first.relinked) == (True, 12)
    again = link_into(linked_world, cfg)
    assert (again.full, again.relinked, again.linked, again.ambiguous) == (False, 0, first.linked, first.ambiguous)
    # p1 ("ООО «Ромашка»") deleted: the deals of company "Ромашка" (1, 7, 10) are relinked, nothing else;
    # deal 1 loses its link, deal 7 keeps p2 (its own account id). A second "Филармония" (p10) links no
    # deal, but deal 8 ("Филармониа") now gets it suggested next to p8.
    linked_world.execute("INSERT INTO partners (partner_id, name, kind) VALUES ('p10', 'Филармония', 'organizer')")
    linked_world.execute("DELETE FROM partners WHERE partner_id = 'p1'")
    s = link_into(linked_world, cfg)
    assert not s.full and s.relinked == 3
    links = dict(linked_world.execute("SELECT deal_id, partner_id FROM deal_partner_links").fetchall())
    assert 1 not in links and links[7] == "p2"
    assert linked_world.execute("SELECT partner_id FROM link_suggestions WHERE deal_id = 8 ORDER BY 1").fetchall() == [
        ("p10",),
        ("p8",),
    ]


def test_link_tables_changed_behind_its_back_give_a_full_relink(linked_world, tmp_path):
    cfg = parse_config({"linking": {"overrides_path": "overrides.csv"}}, base_dir=tmp_path)
    link_into(linked_world, cfg)
    linked_world.execute("DELETE FROM deal_partner_links WHERE deal_id = 1")  # e.g. a restore of an old copy
    s = link_into(linked_world, cfg)
    assert (s.full, s.relinked) == (True, 12)
    assert linked_world.execute("SELECT partner_id FROM deal_partner_links WHERE deal_id = 1").fetchone() == ("p1",)
    changed = parse_config({"linking": {"overrides_path": "overrides.csv", "fuzzy_min_score": 80}}, base_dir=tmp_path)
    assert link_into(linked_world, changed).full  # another minimum score: every suggestion may differ
    assert not link_into(linked_world, changed).full


def test_state_left_by_another_version_gives_a_full_relink(linked_world, tmp_path):
    """A warehouse linked by an earlier build of this code (its run state has other columns) is relinked in
    full, not refused with a binder error."""
    cfg = parse_config({"linking": {"overrides_path": "overrides.csv"}}, base_dir=tmp_path)
    link_into(linked_world, cfg)
    linked_world.execute("CREATE OR REPLACE TABLE link_state_run AS SELECT 'old' AS settings")
    s = link_into(linked_world, cfg)
    assert (s.full, s.relinked) == (True, 12)
    assert not link_into(linked_world, cfg).full
