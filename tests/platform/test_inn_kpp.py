"""A back-office keeping ИНН and КПП in one column loads the ИНН alone, so deals link by it."""

from __future__ import annotations

import pytest

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


NO_INN = "ИНН does not have 10 or 12 digits (kept empty)"
# typed ИНН → kept as; None: kept empty, with the note NO_INN in quarantine (`noted`); "" in the note column: no note
INN_CELLS = [
    ("7707083893", "7707083893", False),  # 2·7+4·7+10·0+3·7+5·0+9·8+4·3+6·8+8·9 = 267; 267 mod 11 = 3 ✓
    ("7701234567", "7701234567", False),  # 176 mod 11 = 0 ≠ 7: a typo, kept (it can only equal the same typo)
    ("274062111", "0274062111", False),  # a zero dropped: 2·0+4·2+10·7+3·4+5·0+9·6+4·2+6·1+8·1 = 166 → 1 ✓
    ("274062111.0", "0274062111", False),  # … by a number column, printed as a float
    ("12345678943", "012345678943", False),  # 12 digits, zero dropped: 279 mod 11 = 4 ✓, 289 mod 11 = 3 ✓
    ("123456789", None, True),  # 0123456789: 228 mod 11 = 8 ≠ 9, so 9 digits that are no ИНН
    ("12345", None, True),
    ("1234567890123", None, True),  # 13 digits
    ("7707083893/770701001", "7707083893", False),  # ИНН and КПП in one field
    ("N/A", None, False),  # no digits: no ИНН, nothing to correct
    ("", None, False),
]


def _inn_config(tmp_path, place: dict):
    cols = {"partner_id": "id", "kind": "kind", "inn": {"column": "inn", "digits_only": True}}
    inputs = [{"name": "clients", "target": "partners", **place, "columns": cols}]
    return parse_config({"platform": {"timezone": "Europe/Moscow", "inputs": inputs}}, base_dir=tmp_path)


def _check_inns(warehouse, summary) -> None:
    got = dict(warehouse.execute("SELECT partner_id, inn FROM partners").fetchall())
    assert [got[f"c{i}"] for i in range(len(INN_CELLS))] == [kept for _, kept, _ in INN_CELLS]  # every partner loads
    noted = warehouse.execute("SELECT source_key, reason, raw->>'inn' FROM quarantine ORDER BY 1").fetchall()
    assert noted == [(f"c{i}", NO_INN, typed) for i, (typed, _, note) in enumerate(INN_CELLS) if note]
    assert summary.inputs[0].warnings == {NO_INN: 3} and summary.inputs[0].quarantined == 0


def test_digits_that_are_no_inn_are_kept_empty_and_noted(warehouse, tmp_path):
    rows = "".join(f'c{i},organizer,"{typed}"\n' for i, (typed, _, _) in enumerate(INN_CELLS))
    (tmp_path / "clients.csv").write_text("id,kind,inn\n" + rows, encoding="utf-8")
    cfg = _inn_config(tmp_path, {"path": "clients.csv"})
    _check_inns(warehouse, load_into(warehouse, cfg, full=True, progress=False))
    # read again: the same notes, nothing changed; incrementally too (the note is expected, not a change)
    _check_inns(warehouse, load_into(warehouse, cfg, full=True, progress=False))
    again = load_into(warehouse, cfg, progress=False)
    assert not again.changed
    _check_inns(warehouse, load_into(warehouse, cfg, full=True, progress=False))


@pytest.mark.postgres
def test_an_inn_in_a_postgres_number_column_gets_its_leading_zero_back(postgres_url, warehouse, tmp_path):
    """A bigint or numeric column drops the leading zero; a number beyond an ИНН is no ИНН."""
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as pg:
        pg.execute("DROP TABLE IF EXISTS inn_clients")
        pg.execute("CREATE TABLE inn_clients (id text, kind text, inn numeric(20, 1))")
        pg.execute(
            "INSERT INTO inn_clients VALUES ('a', 'organizer', 274062111), ('b', 'organizer', 12345678943), "
            "('c', 'organizer', 123456789), ('d', 'operator', 7707083893), ('e', 'operator', NULL)"
        )
    load_into(
        warehouse, _inn_config(tmp_path, {"table": "inn_clients", "url": postgres_url}), full=True, progress=False
    )
    assert warehouse.execute("SELECT partner_id, inn FROM partners ORDER BY 1").fetchall() == [
        ("a", "0274062111"),
        ("b", "012345678943"),
        ("c", None),
        ("d", "7707083893"),
        ("e", None),
    ]
    assert warehouse.execute("SELECT source_key, reason FROM quarantine").fetchall() == [("c", NO_INN)]


def test_check_warns_of_digits_that_are_no_inn(tmp_path):
    """`salesglass check` lists the partners that would load without their ИНН (no amoCRM synced yet: the
    note is not mistaken for a manager e-mail waiting for the first sync)."""
    from salesglass.sources.platform.check import dry_run

    (tmp_path / "clients.csv").write_text(
        "id,kind,inn\nc1,organizer,7707083893\nc2,organizer,12345\nc3,operator,1234567890123\n", encoding="utf-8"
    )
    cfg = _inn_config(tmp_path, {"path": "clients.csv"})
    cfg = cfg.model_copy(update={"warehouse": cfg.warehouse.model_copy(update={"path": str(tmp_path / "wh.duckdb")})})
    (clients,) = dry_run(cfg, sample=None).inputs
    assert clients.warnings == [f"2 × {NO_INN}"]
    assert (clients.loaded, clients.quarantined) == (3, 0)
