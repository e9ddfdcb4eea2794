"""A back-office keeping ИНН and КПП in one column loads the ИНН alone, so deals link by it."""

from __future__ import annotations

from salesglass.config import parse_config
from salesglass.sources.platform.inspect import inspect_source
from salesglass.sources.platform.load import load_into
from salesglass.sources.platform.propose import propose


def test_inn_and_kpp_in_one_column_load_as_the_inn(warehouse, tmp_path):
    (tmp_path / "clients.csv").write_text(
        "id,company,tax_ids,type\n"
        "1,Acme Events LLC,7701234567/770101001,organizer\n"
        "2,Beta Shows,7702345678 770201001,organizer\n"
        "3,Ivanov IP,500100732259,organizer\n"
        "4,Gamma,,organizer\n",
        encoding="utf-8",
    )
    cfg = parse_config(
        {
            "platform": {
                "inputs": [
                    {
                        "name": "clients",
                        "target": "partners",
                        "path": "clients.csv",
                        "columns": {
                            "partner_id": "id",
                            "name": "company",
                            "inn": {"column": "tax_ids", "digits_only": True},
                            "kind": "type",
                        },
                    }
                ]
            }
        },
        base_dir=tmp_path,
    )
    load_into(warehouse, cfg, progress=False)
    assert warehouse.execute("SELECT partner_id, inn FROM partners ORDER BY 1").fetchall() == [
        ("1", "7701234567"),
        ("2", "7702345678"),
        ("3", "500100732259"),
        ("4", None),
    ]


def test_inspect_recognises_an_inn_and_kpp_column(tmp_path):
    """Valid ИНН checksums behind a КПП: the proposal maps the column as the ИНН with high confidence."""
    exports = tmp_path / "exports"
    exports.mkdir()
    # 7707083893 and 7736050003 pass the ИНН checksum; 500100732259 is a valid 12-digit one
    (exports / "clients.csv").write_text(
        "id,company,tax_ids,type\n"
        "1,Acme Events LLC,7707083893/773601001,organizer\n"
        "2,Beta Shows,7736050003 773601001,organizer\n"
        "3,Ivanov IP,500100732259,organizer\n",
        encoding="utf-8",
    )
    partners = propose(inspect_source(None, "exports", tmp_path)).input("partners")
    assert partners.columns["inn"].value == {"column": "tax_ids", "digits_only": True}
    assert partners.columns["inn"].confidence == "high"
