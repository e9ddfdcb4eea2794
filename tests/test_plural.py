"""Messages read right for one: "1 row", not "1 rows"; Russian takes its three forms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from typer.testing import CliRunner

from salesglass.cli import app
from salesglass.outputs.digest_text import manager_message
from salesglass.plural import plural, plural_ru


def test_the_word_after_a_count():
    assert [plural(n, "row") for n in (0, 1, 2, 21)] == ["rows", "row", "rows", "rows"]
    assert plural(1, "sale is", "sales are") == "sale is"
    forms = ("партнёр", "партнёра", "партнёров")
    assert {n: plural_ru(n, *forms) for n in (0, 1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, 1001)} == {
        0: "партнёров",
        1: "партнёр",
        2: "партнёра",
        4: "партнёра",
        5: "партнёров",
        11: "партнёров",
        12: "партнёров",
        14: "партнёров",
        21: "партнёр",
        22: "партнёра",
        25: "партнёров",
        101: "партнёр",
        111: "партнёров",
        1001: "партнёр",
    }


def test_platform_inspect_of_a_one_row_file_says_1_row(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "partners.csv").write_text("partner_id,name\n1,Театр\n", encoding="utf-8")
    (tmp_path / "salesglass.toml").write_text('[platform]\nfolder = "data"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["platform", "inspect", "-c", str(tmp_path / "salesglass.toml")])
    assert result.exit_code == 0, result.output
    assert "partners.csv — 1 row (utf-8)" in result.output


def test_a_digest_about_one_partner_speaks_of_one():
    partner = {
        "name": "Театр",
        "partner_id": "p1",
        "kind": None,
        "recent_28d": Decimal(100),
        "baseline_28d": Decimal(300),
    }
    partner["decline_pct"] = Decimal("66.67")
    digest = manager_message("Анна", "anna@example.ru", [partner], date(2026, 3, 15), "RUB")
    assert "У 1 вашего партнёра продажи за последние 28 дней заметно ниже обычного" in digest.text
    assert "Стоит ему позвонить:" in digest.text
    two = manager_message("Анна", "anna@example.ru", [partner, partner], date(2026, 3, 15), "RUB")
    assert "У 2 ваших партнёров продажи" in two.text and "Стоит им позвонить:" in two.text
