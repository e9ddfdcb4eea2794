"""The reviewer's negative decisions in the overrides file: "no partner" (an empty partner_id) is counted on
its own data-quality line, not as unlinked; `!partner_id` rejects one pair, on full and incremental runs."""

from __future__ import annotations

from salesglass.config import parse_config
from salesglass.link.run import link_into
from salesglass.reports import data_quality as dq
from salesglass.reports.doctor import quality_rows
from salesglass.serve.strings import STRINGS
from tests.link.conftest import OVERRIDES


def _cfg(tmp_path):
    return parse_config({"linking": {"overrides_path": "overrides.csv"}}, base_dir=tmp_path)


def _rows(con, sql):
    return con.execute(sql).fetchall()


def test_a_deal_marked_no_partner_is_not_counted_as_unlinked(linked_world, tmp_path):
    link_into(linked_world, _cfg(tmp_path))
    got = {r[2]: r[3] for r in quality_rows(linked_world) if r[:2] == ("linking", "deals")}
    # deals without a partner: 4 (two "арт кафе" partners), 8 (a typo: suggested only), 10 (file: "10," = none)
    # → 2 to act on, 1 decided by the reviewer
    assert got == {dq.UNLINKED: 2, dq.MARKED_NO_PARTNER: 1}
    assert _rows(linked_world, "SELECT * FROM link_rejections") == [(10, None)]
    en, ru = STRINGS[dq.MARKED_NO_PARTNER]
    assert en == dq.MARKED_NO_PARTNER and "без партнёра" in ru


def test_not_this_partner_rejects_one_pair_on_full_and_incremental_runs(linked_world, tmp_path):
    con = linked_world
    # a second candidate for deal 8's company «Филармониа»: «Филармоние» is one letter off as well
    con.execute("INSERT INTO partners (partner_id, name, kind) VALUES ('p10', 'Филармоние', 'organizer')")
    s = link_into(con, _cfg(tmp_path))
    assert s.full
    suggested = "SELECT deal_id, partner_id, score FROM link_suggestions ORDER BY 1, 2"
    # token-sort ratio of 10-letter names one letter apart: 100·(1 − 2/20) = 90
    assert _rows(con, suggested) == [(4, "p5", 100.0), (4, "p6", 100.0), (8, "p10", 90.0), (8, "p8", 90.0)]

    # the reviewer: deal 8 is not p8, deal 4 is not p6 (the export's rows, partner_id prefixed with "!")
    (tmp_path / "overrides.csv").write_text(OVERRIDES + "8,!p8,wrong Филармония\n4, !p6 \n", encoding="utf-8")
    s = link_into(con, _cfg(tmp_path))
    assert not s.full and s.bad_overrides == 2  # the fixture's own two bad rows, no more
    # deal 8 keeps its other candidate; deal 4's name now equals one partner's that is not rejected: p5
    assert _rows(con, suggested) == [(8, "p10", 90.0)]
    assert _rows(con, "SELECT partner_id, method FROM deal_partner_links WHERE deal_id = 4") == [("p5", "name")]
    assert _rows(con, "SELECT * FROM link_rejections ORDER BY 1") == [(4, "p6"), (8, "p8"), (10, None)]

    s = link_into(con, _cfg(tmp_path), full=True)  # the same after a full relink
    assert s.full and _rows(con, suggested) == [(8, "p10", 90.0)]
    assert _rows(con, "SELECT partner_id FROM deals WHERE deal_id = 4") == [("p5",)]

    # the rejection taken out of the file: the pair comes back on an incremental run
    (tmp_path / "overrides.csv").write_text(OVERRIDES + "4,!p6\n", encoding="utf-8")
    s = link_into(con, _cfg(tmp_path))
    assert not s.full and _rows(con, suggested) == [(8, "p10", 90.0), (8, "p8", 90.0)]


def test_a_rejection_clashing_with_the_deals_partner_is_quarantined(linked_world, tmp_path):
    con = linked_world
    con.execute("INSERT INTO partners (partner_id, name, kind) VALUES ('!odd', 'Странный', 'organizer')")
    # deal 9: given p6 by the fixture's row and told it is not p6 → both rows quarantined;
    # deal 1: '!odd' is a partner's own id, so an old file's row keeps linking it
    (tmp_path / "overrides.csv").write_text(OVERRIDES + "9,!p6\n1,!odd\n", encoding="utf-8")
    s = link_into(con, _cfg(tmp_path))
    assert s.bad_overrides == 4  # the fixture's two and deal 9's two
    clash = "override: the same deal is given a partner and told it is not that partner"
    assert _rows(con, "SELECT reason, count(*) FROM quarantine WHERE source_key = '9' GROUP BY 1") == [(clash, 2)]
    links = "SELECT deal_id, partner_id, method FROM deal_partner_links WHERE deal_id IN (1, 9) ORDER BY 1"
    assert _rows(con, links) == [(1, "!odd", "override")]  # deal 9: "арт кафе" is two partners, so unlinked
