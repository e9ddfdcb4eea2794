"""The review as an admin lives it: one ИНН on a head office and its branches, overrides written, a partner
that disappears from the back office and comes back. Expected links and suggestions decided by hand."""

from __future__ import annotations

from salesglass.config import parse_config
from salesglass.link.run import link_into

# a head office and two branches: one ИНН (each its own КПП, which is not kept), names unlike the company's
PARTNERS = """
  ('ho', 'ООО «Северный ветер»', '7736050003', 'organizer'),
  ('kzn', 'Северный ветер — филиал Казань', '7736050003', 'organizer'),
  ('spb', 'Северный ветер СПб', '7736050003/781001001', 'organizer'),
  ('other', 'Другой', '7707083893', 'organizer')"""
COMPANIES = "(1, 'СВ Групп', '7736050003'), (2, 'Другой', '7707083893')"
# deals 1 and 2: two deals of one company; deal 3 links by ИНН
DEALS = "(1, 'Билеты', 1, '2026-01-05'), (2, 'Абонементы', 1, '2026-02-05'), (3, 'Сделка', 2, '2026-01-05')"


def _state(con):
    links = con.execute("SELECT deal_id, partner_id, method FROM deal_partner_links ORDER BY 1").fetchall()
    suggestions = con.execute("""SELECT deal_id, partner_id, score, matched, deal_candidates, partner_candidates,
                                        confidence FROM link_suggestions ORDER BY 1, 2""").fetchall()
    return links, suggestions


def test_a_shared_inn_is_suggested_and_an_override_outlives_its_partner(warehouse, tmp_path):
    con = warehouse
    con.execute(f"INSERT INTO partners (partner_id, name, inn, kind) VALUES {PARTNERS}")
    con.execute(f"INSERT INTO companies (company_id, name, inn) VALUES {COMPANIES}")
    con.execute(f"INSERT INTO deals (deal_id, name, company_id, created_at) VALUES {DEALS}")
    overrides = tmp_path / "overrides.csv"
    overrides.write_text("deal_id,partner_id\n", encoding="utf-8")
    cfg = parse_config({"linking": {"overrides_path": "overrides.csv"}}, base_dir=tmp_path)

    s = link_into(con, cfg)
    # «СВ Групп» is like none of the three names (no fuzzy suggestion), but its ИНН is theirs: all three are
    # offered for both deals, each deal with 3 candidates and each partner with 2 deals → weak
    branch = [(d, p, 100.0, "inn", 3, 2, "weak") for d in (1, 2) for p in ("ho", "kzn", "spb")]
    assert _state(con) == ([(3, "other", "inn")], branch)
    assert (s.unlinked, s.ambiguous, s.suggestions) == (2, {"inn": 2}, 6)

    # the admin knows both deals are the Kazan branch's
    overrides.write_text("deal_id,partner_id\n1,kzn\n2,kzn\n", encoding="utf-8")
    s = link_into(con, cfg)
    assert not s.full
    assert _state(con) == ([(1, "kzn", "override"), (2, "kzn", "override"), (3, "other", "inn")], [])

    # the back office drops the branch's account: the overrides cannot be used, the file keeps them, the
    # deals go back to the rules (the ИНН now on two partners: both offered again) and quarantine says why
    con.execute("DELETE FROM partners WHERE partner_id = 'kzn'")
    s = link_into(con, cfg)
    two = [(d, p, 100.0, "inn", 2, 2, "weak") for d in (1, 2) for p in ("ho", "spb")]
    assert _state(con) == ([(3, "other", "inn")], two)
    assert s.bad_overrides == 2
    assert con.execute("SELECT source_key, reason FROM quarantine ORDER BY 1").fetchall() == [
        ("1", "override: unknown partner"),
        ("2", "override: unknown partner"),
    ]
    assert overrides.read_text(encoding="utf-8") == "deal_id,partner_id\n1,kzn\n2,kzn\n"

    # it comes back: so do the links, and the quarantine empties; a full relink agrees
    con.execute(f"INSERT INTO partners (partner_id, name, inn, kind) VALUES {PARTNERS.splitlines()[2].strip(' ,')}")
    link_into(con, cfg)
    back = ([(1, "kzn", "override"), (2, "kzn", "override"), (3, "other", "inn")], [])
    assert _state(con) == back
    assert con.execute("SELECT count(*) FROM quarantine").fetchone() == (0,)
    assert link_into(con, cfg, full=True).full and _state(con) == back


def test_the_dashboard_says_an_inn_pair_is_a_shared_inn_not_alike_names(tmp_path):
    from tests.dashboard.conftest import published_app, signed_in

    pair = """INSERT INTO link_suggestions VALUES
      (1, 'ho', 100.0, 'СВ Групп', 'ООО «Северный ветер»', 'inn', 'open', NULL, NULL, NULL, 3, 2, 'weak');"""
    with signed_in(published_app(tmp_path, pair)) as c:
        html = c.get("/quality").text
    why = "company ИНН = partner ИНН, shared by other partners (head office and branches?); ambiguous: 3 partners"
    assert why in html  # not "same words, other order or form": «СВ Групп» is not like «Северный ветер»


def test_an_overrides_file_saved_by_a_russian_excel_is_read(warehouse, tmp_path):
    # the export opened in Excel, wrong rows deleted, saved as "CSV": Windows-1251, semicolons, the header
    # as Excel shows it; the names hold commas and quotes. Before: "cannot read it as CSV", the link run failed
    con = warehouse
    con.execute(f"INSERT INTO partners (partner_id, name, inn, kind) VALUES {PARTNERS}")
    con.execute(f"INSERT INTO companies (company_id, name, inn) VALUES {COMPANIES}")
    con.execute(f"INSERT INTO deals (deal_id, name, company_id, created_at) VALUES {DEALS}")
    text = 'Deal_ID;Partner_ID;Название\r\n1;kzn;"СВ Групп, ""Казань"""\r\n2;spb;СВ Групп\r\n\r\n'
    (tmp_path / "overrides.csv").write_bytes(text.encode("cp1251"))
    s = link_into(con, parse_config({"linking": {"overrides_path": "overrides.csv"}}, base_dir=tmp_path))
    assert s.bad_overrides == 0
    assert _state(con)[0] == [(1, "kzn", "override"), (2, "spb", "override"), (3, "other", "inn")]
    # the same as UTF-8 with a byte-order mark (Excel's "CSV UTF-8"): the same links
    (tmp_path / "overrides.csv").write_bytes(text.encode("utf-8-sig"))
    cfg = parse_config({"linking": {"overrides_path": "overrides.csv"}}, base_dir=tmp_path)
    link_into(con, cfg, full=True)
    assert _state(con)[0] == [(1, "kzn", "override"), (2, "spb", "override"), (3, "other", "inn")]
    # a full reload of amoCRM writes the deals afresh, without partners; the next (incremental) link finds
    # no evidence changed, and the deals get their partners back all the same
    con.execute("DELETE FROM deals")
    con.execute(f"INSERT INTO deals (deal_id, name, company_id, created_at) VALUES {DEALS}")
    assert not link_into(con, cfg).full
    assert con.execute("SELECT deal_id, partner_id FROM deals ORDER BY 1").fetchall() == [
        (1, "kzn"),
        (2, "spb"),
        (3, "other"),
    ]


def test_doctor_will_not_export_over_the_overrides_file(warehouse, tmp_path):
    # the second review round, done as the first one was: `doctor --export review.csv` with review.csv
    # already the overrides file. The export holds only the deals no override links, so the decisions of the
    # first round would be gone; it is refused, the file untouched, and another file works
    from typer.testing import CliRunner

    from salesglass.cli import app

    con = warehouse
    con.execute(f"INSERT INTO partners (partner_id, name, inn, kind) VALUES {PARTNERS}")
    con.execute(f"INSERT INTO companies (company_id, name, inn) VALUES {COMPANIES}")
    con.execute(f"INSERT INTO deals (deal_id, name, company_id, created_at) VALUES {DEALS}")
    (tmp_path / "review.csv").write_text("deal_id,partner_id\n1,kzn\n", encoding="utf-8")
    link_into(con, parse_config({"linking": {"overrides_path": "review.csv"}}, base_dir=tmp_path))
    con.execute("CHECKPOINT")
    config = tmp_path / "salesglass.toml"
    config.write_text('[warehouse]\npath = "wh.duckdb"\n[linking]\noverrides_path = "review.csv"\n', encoding="utf-8")
    con.close()
    runner = CliRunner()
    out = runner.invoke(app, ["doctor", "-c", str(config), "--export", str(tmp_path / "review.csv")])
    assert out.exit_code != 0
    assert "is your overrides file" in str(out.exception)  # a SalesglassError: the CLI prints it, exit 1
    assert (tmp_path / "review.csv").read_text(encoding="utf-8") == "deal_id,partner_id\n1,kzn\n"
    out = runner.invoke(app, ["doctor", "-c", str(config), "--export", str(tmp_path / "round2.csv")])
    assert out.exit_code == 0, out.output
    # deal 1 is the override's; deal 2 still has the three branches to choose from
    rows = (tmp_path / "round2.csv").read_text(encoding="utf-8").splitlines()
    assert [r.split(",")[:2] for r in rows[1:]] == [["2", "ho"], ["2", "kzn"], ["2", "spb"]]
