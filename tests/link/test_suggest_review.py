"""The link suggestions a reviewer sees: a lost deal from before the partner existed is left out, and every
pair says what matched, the deal's state, what speaks against it and a confidence word (a hand-made world)."""

from __future__ import annotations

import csv

from salesglass.config import parse_config
from salesglass.link.evaluate import measure_suggestions
from salesglass.link.run import link_into
from salesglass.reports.doctor import export_suggestions

# partner_id, name, inn, created_at (registered on the platform)
PARTNERS = """
  ('pm', 'ИП Макаров Сергей', NULL, '2025-09-01'),
  ('po', 'ИП Орлова Ксения', '7701', '2024-01-01'),
  ('pb', 'ИП Белов Игорь', NULL, '2024-01-01'),
  ('pn', 'ИП Николаева Дарья', NULL, '2025-09-01')"""
# deal_id, name, company_id, is_won, is_lost, created_at, closed_at
DEALS = """
  (10, 'Сергей Макаров', NULL, false, true, '2024-07-01', '2024-08-01'),
  (11, 'Сергей Макаров', NULL, false, false, '2025-10-01', NULL),
  (13, 'Ксения Орлова', NULL, false, false, '2025-10-01', NULL),
  (20, 'Орлова и партнёры', 1, true, false, '2023-12-01', '2023-12-20'),
  (31, 'Игорь Белов', NULL, false, false, '2025-10-01', NULL),
  (32, 'Игорь Белов', NULL, false, false, '2025-11-01', NULL),
  (40, 'Дарья Николаева', NULL, false, true, '2025-07-01', '2025-08-20')"""


def _world(con):
    con.execute(
        f"INSERT INTO partners (partner_id, name, inn, created_at, kind) SELECT *, 'organizer' FROM (VALUES {PARTNERS})"
    )
    con.execute("INSERT INTO companies (company_id, name, inn) VALUES (1, 'Орлова и партнёры', '7701')")
    con.execute(f"INSERT INTO deals (deal_id, name, company_id, is_won, is_lost, created_at, closed_at) VALUES {DEALS}")
    return con


def _suggestions(con):
    return con.execute("""SELECT deal_id, partner_id, score, matched, deal_state, partner_linked_deal_id,
                                 partner_linked_by, deal_candidates, partner_candidates, confidence
                          FROM link_suggestions ORDER BY deal_id, partner_id""").fetchall()


def test_review_leaves_out_old_losses_and_says_why(warehouse, tmp_path):
    con = _world(warehouse)
    s = link_into(con, parse_config({}, base_dir=tmp_path))
    assert con.execute("SELECT deal_id, partner_id, method FROM deal_partner_links").fetchall() == [(20, "po", "inn")]
    assert _suggestions(con) == [
        # 10: lost 2024-08-01, a year before «ИП Макаров Сергей» registered (2025-09-01): not its deal, left out
        # 11: the same name, open, the only candidate on each side, partner linked nowhere
        (11, "pm", 100.0, "deal_name", "open", None, None, 1, 1, "possible"),
        # 13: «ИП Орлова Ксения» is already linked to deal 20 by ИНН
        (13, "po", 100.0, "deal_name", "open", 20, "inn", 1, 1, "weak"),
        # 31 and 32: one partner, two deals: ambiguous
        (31, "pb", 100.0, "deal_name", "open", None, None, 1, 2, "weak"),
        (32, "pb", 100.0, "deal_name", "open", None, None, 1, 2, "weak"),
        # 40: lost 12 days before the partner registered (within 30 days): kept, weak because lost
        (40, "pn", 100.0, "deal_name", "lost", None, None, 1, 1, "weak"),
    ]
    assert s.suggestions == 5


def test_review_follows_the_deal_on_an_incremental_run(warehouse, tmp_path):
    """The review is redone each run over the kept scores: a deal lost since is now described as lost."""
    con = _world(warehouse)
    cfg = parse_config({}, base_dir=tmp_path)
    link_into(con, cfg)
    con.execute("UPDATE deals SET is_lost = true, closed_at = '2025-12-01' WHERE deal_id = 11")
    s = link_into(con, cfg)
    assert not s.full
    assert con.execute("SELECT deal_state, confidence FROM link_suggestions WHERE deal_id = 11").fetchall() == [
        ("lost", "weak")
    ]


def test_export_carries_the_review_columns_possible_first(warehouse, tmp_path):
    con = _world(warehouse)
    link_into(con, parse_config({}, base_dir=tmp_path))
    out = tmp_path / "review.csv"
    assert export_suggestions(con, out) == 5
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["deal_id"], r["confidence"]) for r in rows] == [
        ("11", "possible"),
        ("13", "weak"),
        ("31", "weak"),
        ("32", "weak"),
        ("40", "weak"),
    ]
    assert rows[1]["partner_linked_by"] == "inn" and rows[2]["partner_candidates"] == "2"


def test_suggestions_are_measured_against_the_truth(warehouse, tmp_path):
    """bench/link_truth.py's count: deal 11 truly belongs to «ИП Макаров Сергей», deal 31 to another partner."""
    con = _world(warehouse)
    link_into(con, parse_config({}, base_dir=tmp_path))
    truth = tmp_path / "links.csv"
    truth.write_text("deal_id,partner_id\n11,pm\n31,px\n20,po\n", encoding="utf-8")
    assert measure_suggestions(con, truth) == [
        ("possible", "open", 1, 1, 1),  # deal 11: right
        ("weak", "lost", 1, 0, 0),  # deal 40
        ("weak", "open", 3, 0, 1),  # deals 13, 31 (its true partner is px), 32
    ]
