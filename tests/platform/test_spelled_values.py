"""Values as people and exports spell them: a kind typed 'Organizer', an empty id printed as 'NULL' — read as
what they mean, the same from CSV, Excel and PostgreSQL, while a genuinely unknown value still ends in
quarantine with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesglass.config import parse_config
from salesglass.sources.platform.load import load_into
from salesglass.sql import quote_lit

UNKNOWN_KIND = "unknown kind (expected one of: organizer, operator)"

PARTNERS = [  # (id, kind) → loaded as (id, kind), or the reason it is quarantined
    (("p1", "Organizer"), ("p1", "organizer")),
    (("p2", " OPERATOR "), ("p2", "operator")),  # spaces around it, as a spreadsheet cell keeps them
    (("p3", "organiser"), UNKNOWN_KIND),  # another word: still unknown, no guessing
    (("p4", "Организатор"), UNKNOWN_KIND),  # (a `map` says what a Russian word means)
    (("NULL", "organizer"), "missing partner_id"),  # a NULL printed as text: no partner of that name
    (("n/a", "operator"), "missing partner_id"),
    (("Nullable", "organizer"), ("Nullable", "organizer")),  # near misses are ids as typed
    (("NA", "organizer"), ("NA", "organizer")),
]
SALES = [  # (id, partner) → loaded as (id, partner: NULL is Support's sale), or the reason it is quarantined
    (("s1", "p1"), ("s1", "p1")),
    (("s2", "NULL"), ("s2", None)),  # the back-office's NULL partner: a Support sale, as in the database
    (("s3", "None"), ("s3", None)),  # Python's None
    (("s4", "#N/A"), ("s4", None)),  # a spreadsheet's error value (an error cell in Excel)
    (("s5", "\\N"), ("s5", None)),  # MySQL's dump of a NULL
    (("s6", " nan "), ("s6", "nan")),  # a float's text: an id may be named so (a partner unknown)
    (("s7", "NA"), ("s7", "NA")),  # a partner id as typed (not one of the spellings)
    (("null", "p1"), "missing sale_id"),
]


def _write(source: str, tmp_path: Path, request: pytest.FixtureRequest) -> tuple[dict, dict]:
    """The two tables in `source`; returns (the partners input's place, the sales input's place)."""
    partners = [r for r, _ in PARTNERS]
    sales = [(i, p, "2024-03-05 10:00:00", "1", "100") for (i, p), _ in SALES]
    if source == "csv":
        (tmp_path / "p.csv").write_text("id;kind\n" + "".join(f"{i};{k}\n" for i, k in partners), encoding="utf-8")
        (tmp_path / "s.csv").write_text(
            "id;org;at;qty;rub\n" + "".join(";".join(r) + "\n" for r in sales), encoding="utf-8"
        )
        return {"path": "p.csv", "delimiter": ";"}, {"path": "s.csv", "delimiter": ";"}
    if source == "xlsx":
        import openpyxl

        for name, header, rows in (("p", ("id", "kind"), partners), ("s", ("id", "org", "at", "qty", "rub"), sales)):
            wb = openpyxl.Workbook()
            ws = wb.active
            assert ws is not None
            for row in (header, *rows):
                ws.append(list(row))
            wb.save(tmp_path / f"{name}.xlsx")
        return {"path": "p.xlsx"}, {"path": "s.xlsx"}
    if source == "mysql":
        from tests.mysqlserver import run_script

        url = request.getfixturevalue("mysql_url")

        def values(rows: list[tuple[str, ...]]) -> str:
            # (MySQL reads a backslash in a literal as an escape: '\\N' is the two characters \N)
            return ", ".join("(" + ", ".join(quote_lit(v.replace("\\", "\\\\")) for v in r) + ")" for r in rows)

        run_script(
            url,
            "DROP TABLE IF EXISTS spelled_p; DROP TABLE IF EXISTS spelled_s; "
            "CREATE TABLE spelled_p (id VARCHAR(20), kind VARCHAR(20)); "
            "CREATE TABLE spelled_s (id VARCHAR(20), org VARCHAR(20), at DATETIME, qty INT, rub DECIMAL(9,2)); "
            f"INSERT INTO spelled_p VALUES {values(partners)}; INSERT INTO spelled_s VALUES {values(sales)}",
        )
        return {"table": "spelled_p", "url": url}, {"table": "spelled_s", "url": url}
    import psycopg

    url = request.getfixturevalue("postgres_url")
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute("DROP TABLE IF EXISTS spelled_p; DROP TABLE IF EXISTS spelled_s")
        pg.execute(
            "CREATE TABLE spelled_p (id text, kind text); "
            "CREATE TABLE spelled_s (id text, org text, at text, qty int, rub numeric)"
        )
        with pg.cursor() as cur:
            cur.executemany("INSERT INTO spelled_p VALUES (%s, %s)", partners)
            cur.executemany("INSERT INTO spelled_s VALUES (%s, %s, %s, %s, %s)", sales)
    return {"table": "spelled_p", "url": url}, {"table": "spelled_s", "url": url}


@pytest.mark.parametrize(
    "source",
    [
        "csv",
        "xlsx",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ],
)
def test_kinds_in_any_case_and_null_spelled_ids_from_each_source(source, warehouse, tmp_path, request):
    p_place, s_place = _write(source, tmp_path, request)
    inputs = [
        {"name": "p", "target": "partners", **p_place, "columns": {"partner_id": "id", "kind": "kind"}},
        {
            "name": "s",
            "target": "sales",
            **s_place,
            "columns": {
                "sale_id": "id",
                "partner_id": "org",
                "sold_at": "at",
                "tickets": "qty",
                "turnover": "rub",
                "revenue": {"sql": "0"},
                "cost": {"sql": "0"},
            },
        },
    ]
    cfg = parse_config({"platform": {"timezone": "Europe/Moscow", "inputs": inputs}}, base_dir=tmp_path)
    load_into(warehouse, cfg, full=True, progress=False)
    loaded = {r[0]: r for r in warehouse.execute("SELECT partner_id, kind FROM partners").fetchall()}
    why = warehouse.execute("SELECT raw->>'id', reason FROM quarantine WHERE source = 'platform:p'").fetchall()
    got = [(row, loaded.get(row[0]) or next((r for i, r in why if i == row[0]), None)) for row, _ in PARTNERS]
    assert got == [(row, want) for row, want in PARTNERS]
    assert len(why) == 4  # p3, p4, NULL, n/a — nothing else
    loaded = {r[0]: r for r in warehouse.execute("SELECT sale_id, partner_id FROM sales").fetchall()}
    why = warehouse.execute("SELECT raw->>'id', reason FROM quarantine WHERE source = 'platform:s'").fetchall()
    got = [(row, loaded.get(row[0]) or next((r for i, r in why if i == row[0]), None)) for row, _ in SALES]
    assert got == [(row, want) for row, want in SALES]
    assert len(why) == 1
    # the load again finds nothing new: 'Organizer' was stored as organizer, and reads so again
    assert not load_into(warehouse, cfg, progress=False).changed


def test_a_plan_of_manager_null_is_the_companys_and_a_metric_in_capitals_is_known(warehouse, tmp_path):
    (tmp_path / "plans.csv").write_text(
        "month,manager,metric,realistic,optimistic\n"
        "2024-03,NULL,Turnover,100,120\n"  # the company's turnover plan
        "2024-03,,REVENUE ,10,12\n"  # the company's revenue plan
        "2024-03,null,profit,1,2\n",  # no such metric, in any case
        encoding="utf-8",
    )
    cfg = parse_config({"platform": {"timezone": "Europe/Moscow"}, "plans": {"path": "plans.csv"}}, base_dir=tmp_path)
    load_into(warehouse, cfg, full=True, progress=False)
    assert warehouse.execute("SELECT metric, manager_id, realistic FROM plans ORDER BY 1").fetchall() == [
        ("revenue", None, 10),
        ("turnover", None, 100),
    ]
    assert warehouse.execute("SELECT reason FROM quarantine").fetchall() == [
        ("unknown metric (expected one of: turnover, revenue, margin, tickets, new_partners)",)
    ]
