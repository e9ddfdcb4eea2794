"""Linking follows docs/reports.md on a hand-made world: every method, ambiguity, overrides, suggestions."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal

from salesglass.config import parse_config
from salesglass.link.evaluate import first_sale_coverage, measure_linking
from salesglass.link.run import link_into
from salesglass.reports import data_quality as dq
from salesglass.reports.doctor import export_suggestions, quality_rows


def _cfg(tmp_path, overrides: str | None = "overrides.csv"):
    return parse_config({"linking": {"overrides_path": overrides}} if overrides else {}, base_dir=tmp_path)


EXPECTED_LINKS = [
    (1, "p1", "name"),  # company "Ромашка" = "ООО «Ромашка»" normalised
    (2, "p2", "inn"),  # "500-111-2223" digits = partner inn (the name also matches; inn comes first)
    (3, "p3", "name"),  # inn 111 is on two partners → not by inn; the name "Иванов" = "ИП Иванов"
    (5, "p7", "account_id"),  # the company's field " P7 "
    (6, "p8", "account_id"),  # the deal's own field, no company
    (7, "p2", "account_id"),  # the deal's field wins over its company's name (p1)
    (9, "p6", "override"),  # two partners share the name "арт кафе": only the override links it
    (11, "p2", "inn"),  # its override names an unknown partner → quarantined, the rules decide
    (14, "p7", "account_id"),
]


def test_each_rule_in_order(linked_world, tmp_path):
    s = link_into(linked_world, _cfg(tmp_path))
    links = linked_world.execute("SELECT deal_id, partner_id, method FROM deal_partner_links ORDER BY 1").fetchall()
    assert links == EXPECTED_LINKS
    assert (s.deals, s.linked_total, s.unlinked) == (12, 9, 3)  # unlinked: 4 (ambiguous), 8 (typo), 10 (none)
    assert s.linked == {"name": 2, "inn": 2, "account_id": 4, "override": 1}
    assert s.ambiguous == {"inn": 1, "name": 1}  # deal 3 by inn, deal 4 by name
    # deals.partner_id follows the links; client_kind is filled only where amoCRM had none
    deals = linked_world.execute("SELECT deal_id, partner_id, client_kind FROM deals ORDER BY 1").fetchall()
    assert deals[0] == (1, "p1", "operator") and deals[5] == (6, "p8", "organizer") and deals[3] == (4, None, None)


def test_suggestions_are_written_not_applied(linked_world, tmp_path):
    s = link_into(linked_world, _cfg(tmp_path))
    got = linked_world.execute("SELECT deal_id, partner_id, score FROM link_suggestions ORDER BY 1, 2").fetchall()
    # deal 4: both "арт кафе" partners; deal 8: one typo away from "филармония"; deal 10 said "no partner"
    assert got == [(4, "p5", 100.0), (4, "p6", 100.0), (8, "p8", 90.0)]
    assert s.suggestions == 3
    assert linked_world.execute("SELECT partner_id FROM deals WHERE deal_id = 8").fetchone() == (None,)


def test_bad_overrides_are_quarantined(linked_world, tmp_path):
    s = link_into(linked_world, _cfg(tmp_path))
    assert s.bad_overrides == 2
    assert linked_world.execute("SELECT source_key, reason FROM quarantine ORDER BY 1").fetchall() == [
        ("11", "override: unknown partner"),
        ("abc", "override: deal_id is not an amoCRM lead id"),
    ]


def test_development_manager_fallback_uses_the_acquiring_deal(linked_world, tmp_path):
    link_into(linked_world, _cfg(tmp_path))
    got = dict(linked_world.execute("SELECT partner_id, development_manager_id FROM partners").fetchall())
    # p1 ← company 1 of deal 1; p2 keeps the platform's 101; p3 ← deal 3's company; p7: deal 5 reached
    # first_sale (acquiring) although deal 14 is newer → 205; p8: its only deal has no company → none
    assert (got["p1"], got["p2"], got["p3"], got["p7"], got["p8"]) == (201, 101, 203, 205, None)


def test_the_fallback_is_redone_when_the_acquiring_deal_goes_away(linked_world, tmp_path):
    # p7 got 205 from deal 5 (first sale); deal 5 is then deleted in amoCRM. The partner row itself is not
    # reloaded (the platform load is incremental), yet the next link must give what a fresh load gives:
    # the company of p7's only remaining deal, 14 → 207. p2's own 101 from the platform is never touched.
    link_into(linked_world, _cfg(tmp_path))
    linked_world.execute("UPDATE deals SET is_deleted = true WHERE deal_id = 5")
    link_into(linked_world, _cfg(tmp_path))
    got = dict(linked_world.execute("SELECT partner_id, development_manager_id FROM partners").fetchall())
    assert (got["p7"], got["p2"], got["p1"]) == (207, 101, 201)
    # switched off, the fallback's values go too; the platform's stay
    cfg = parse_config(
        {"linking": {"overrides_path": "overrides.csv", "development_manager_fallback": False}}, base_dir=tmp_path
    )
    link_into(linked_world, cfg)
    assert linked_world.execute(
        "SELECT partner_id, development_manager_id FROM partners WHERE development_manager_id IS NOT NULL"
    ).fetchall() == [("p2", 101)]


def test_a_fallback_table_from_before_loses_its_key_index_not_its_meaning(linked_world, tmp_path):
    # as an older version left it: the fallback's fills in a table with a PRIMARY KEY (p7 ← 205 from deal 5)
    link_into(linked_world, _cfg(tmp_path))
    fills = linked_world.execute("SELECT * FROM link_manager_fallback ORDER BY 1").fetchall()
    assert ("p7", 205) in fills and ("p2", 101) not in fills  # p2's 101 is the platform's own
    linked_world.execute("DROP TABLE link_manager_fallback")
    linked_world.execute("CREATE TABLE link_manager_fallback (partner_id TEXT PRIMARY KEY, manager_id BIGINT)")
    linked_world.executemany("INSERT INTO link_manager_fallback VALUES (?, ?)", fills)
    # deal 5 goes: p7's fill from it is undone and redone from deal 14's company (207), as a fresh load gives
    linked_world.execute("UPDATE deals SET is_deleted = true WHERE deal_id = 5")
    link_into(linked_world, _cfg(tmp_path))
    keys = "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'link_manager_fallback'"
    assert linked_world.execute(keys).fetchall() == [(0,)]  # rewritten whole at every checkpoint otherwise
    got = dict(linked_world.execute("SELECT partner_id, development_manager_id FROM partners").fetchall())
    assert (got["p7"], got["p2"], got["p1"]) == (207, 101, 201)
    after = linked_world.execute("SELECT * FROM link_manager_fallback ORDER BY 1").fetchall()
    assert after == [(p, 207 if p == "p7" else m) for p, m in fills]  # one row per partner, p7's redone


def test_a_changed_name_normaliser_relinks_every_deal(linked_world, tmp_path, monkeypatch):
    # an incremental run reuses the normalised names the last run stored for unchanged names: a new
    # normaliser must therefore make the stored state useless (a full relink), never leave old names in it
    from salesglass.link import normalize

    link_into(linked_world, _cfg(tmp_path))
    assert not link_into(linked_world, _cfg(tmp_path)).full
    old = normalize.normalize_sql
    monkeypatch.setattr(normalize, "normalize_sql", lambda expr: f"upper({old(expr)})")
    assert link_into(linked_world, _cfg(tmp_path)).full


def test_relinking_without_overrides_unlinks(linked_world, tmp_path):
    link_into(linked_world, _cfg(tmp_path))
    link_into(linked_world, _cfg(tmp_path, None))
    assert linked_world.execute("SELECT partner_id FROM deals WHERE deal_id = 9").fetchone() == (None,)
    assert linked_world.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0


def test_doctor_counts_and_export_round_trip(linked_world, tmp_path):
    t = datetime(2024, 3, 1, tzinfo=UTC)
    linked_world.executemany(
        "INSERT INTO sales VALUES (?, ?, NULL, ?, 1, 10, 1, 0, 'widget')",
        [("s1", "p1", t), ("s2", "p9", t), ("s3", "p404", t), ("s4", None, t)],
    )
    link_into(linked_world, _cfg(tmp_path))
    assert sorted(quality_rows(linked_world)) == sorted(
        [
            ("linking:overrides", "deal_partner_links", "override: unknown partner", 1),
            ("linking:overrides", "deal_partner_links", "override: deal_id is not an amoCRM lead id", 1),
            ("linking", "deals", dq.UNLINKED, 2),  # 4 (two "арт кафе"), 8 (typo)
            ("linking", "deals", dq.MARKED_NO_PARTNER, 1),  # 10: "no partner" in the overrides file
            ("linking", "partners", dq.NO_DEAL, 3),  # p4, p5, p9
            ("linking", "partners", dq.NO_SALES_MANAGER, 1),  # of them p9 sells: nobody is credited with it
            ("platform", "sales", dq.UNKNOWN_PARTNER, 1),  # p404
            ("linking", "link_suggestions", dq.SUGGESTION, 3),
            ("reports", "partners", dq.NO_MANAGER, 1),  # p9 sells, nobody develops it
        ]
    )
    out = tmp_path / "review.csv"
    assert export_suggestions(linked_world, out) == 3
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["deal_id"] == "4" and {r["partner_id"] for r in rows} == {"p5", "p6", "p8"}
    # the reviewer keeps deal 8 → p8 and deal 4 → p5; the file itself is the new overrides file
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(r for r in rows if (r["deal_id"], r["partner_id"]) in {("8", "p8"), ("4", "p5")})
    s = link_into(linked_world, _cfg(tmp_path, "review.csv"))
    # deal 9 lost its hand-made override → its two "арт кафе" candidates are suggested again;
    # deal 10 is no longer marked "no partner" → linked by name
    assert (s.linked["override"], s.linked["name"], s.unlinked, s.suggestions) == (2, 3, 1, 2)
    assert linked_world.execute("SELECT partner_id FROM deals WHERE deal_id IN (4, 8) ORDER BY deal_id").fetchall() == [
        ("p5",),
        ("p8",),
    ]


def test_measure_linking_against_truth(linked_world, tmp_path):
    link_into(linked_world, _cfg(tmp_path))
    truth = tmp_path / "links.csv"
    truth.write_text("deal_id,partner_id\n1,p1\n2,p2\n3,p4\n4,p5\n5,p7\n6,p8\n7,p2\n9,p6\n11,p2\n14,p7\n999,p1\n")
    precision, recall, counts = measure_linking(linked_world, truth)
    assert counts == {"predicted": 9, "truth": 10, "correct": 8, "wrong_partner": 1, "extra": 0, "missed": 1}
    assert (precision, recall) == (8 / 9, 8 / 10)
    assert Decimal(str(round(recall, 2))) == Decimal("0.8")


def test_first_sale_coverage_against_truth(linked_world, tmp_path):
    """Each partner with a first sale in one kind: linked (before / only after it), wrong, missed, no deal."""
    link_into(linked_world, _cfg(tmp_path))  # links 1→p1, 3→p3, 5→p7, 6→p8, 14→p7 …; 4 and 8 unlinked
    linked_world.execute("UPDATE deals SET is_deleted = true WHERE deal_id = 10")
    (tmp_path / "links.csv").write_text("deal_id,partner_id\n1,p1\n3,p4\n4,p5\n5,p7\n6,p8\n8,p8\n10,p9\n14,p7\n2,p2\n")
    (tmp_path / "partners.csv").write_text(
        "partner_id,kind,first_sale_at,development_manager_id\n"
        "p1,organizer,2024-02-01T00:00:00Z,\n"  # deal 1 (created 1 Jan) linked → before
        "p2,organizer,,\n"  # no first sale: not counted
        "p3,organizer,2024-05-01T00:00:00Z,\n"  # no deal of its own; deal 3 (p4's) is linked to it
        "p4,organizer,2024-05-01T00:00:00Z,\n"  # its deal 3 went to p3 → wrong partner
        "p5,organizer,2024-05-01T00:00:00Z,\n"  # deal 4: two "арт кафе" partners, unlinked → missed
        "p7,operator,2023-12-01T00:00:00Z,\n"  # deals 5 and 14 created in January/February → only after
        "p8,organizer,2024-03-01T00:00:00Z,\n"  # deal 6 linked, deal 8 (typo) missed: one linked is enough
        "p9,organizer,2024-05-01T00:00:00Z,\n"  # its only deal was deleted → no deal
        "p99,organizer,2024-05-01T00:00:00Z,\n"  # not in the warehouse: not counted
    )
    assert first_sale_coverage(linked_world, tmp_path) == {
        "partners": 7,
        "linked_before_first_sale": 2,  # p1, p8
        "linked_after_first_sale": 1,  # p7
        "wrong_partner": 1,  # p4
        "missed": 1,  # p5
        "no_deal": 2,  # p3, p9
        "credited_wrongly": 1,  # p3 (deal 3)
    }


def test_development_manager_fallback_can_be_switched_off(linked_world, tmp_path):
    cfg = parse_config(
        {"linking": {"overrides_path": "overrides.csv", "development_manager_fallback": False}}, base_dir=tmp_path
    )
    assert link_into(linked_world, cfg).managers_filled == 0
    assert linked_world.execute("SELECT count(development_manager_id) FROM partners").fetchone() == (1,)  # p2's own
