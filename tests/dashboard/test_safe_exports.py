"""Issue 15, defect 1: a hostile name in the data never becomes a live formula in any download."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from salesglass.safe_cells import csv_value, is_risky, printable
from tests.dashboard.conftest import add_users, login, make_config, published_site
from tests.dashboard.fixture import write_published

EVIL = '=HYPERLINK("http://evil.example","click")'
# a partner renamed in the back-office; the declining-partners table (cohorts page) shows the name
RENAME = f"""UPDATE partners SET name = $${EVIL}$$ WHERE partner_id = 'P2';
UPDATE report_declining_partners SET name = $${EVIL}$$ WHERE partner_id = 'P2';
UPDATE report_declining_partners SET name = $$@SUM(1+1)$$ WHERE partner_id = 'P3';"""


@pytest.fixture(scope="module")
def evil_site(tmp_path_factory: pytest.TempPathFactory):
    return published_site(tmp_path_factory.mktemp("evil"), RENAME)


@pytest.fixture
def evil_admin(evil_site):
    from salesglass.serve.web.app import create_app

    with TestClient(create_app(evil_site), headers={"accept-language": "en"}) as c:
        yield login(c, "admin@demo.test")


def _formula_cells(content: bytes) -> list[str]:
    wb = load_workbook(io.BytesIO(content))
    return [f"{ws.title}!{c.coordinate}" for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_a_formula_name_is_text_in_the_excel_download(evil_admin) -> None:
    r = evil_admin.get("/cohorts/export.xlsx")
    assert r.status_code == 200
    assert _formula_cells(r.content) == []
    wb = load_workbook(io.BytesIO(r.content))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value == EVIL]
    assert cells, "the name is kept as written"
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)  # Excel keeps it text after an edit too
    sheet = zipfile.ZipFile(io.BytesIO(r.content))
    assert not any(b"<f>" in sheet.read(n) for n in sheet.namelist() if n.startswith("xl/worksheets/"))


def test_a_formula_name_is_inert_in_the_csv_download(evil_admin) -> None:
    r = evil_admin.get("/cohorts/export.csv?table=declining")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    names = {row[0] for row in rows[1:]}
    assert "'" + EVIL in names and "'@SUM(1+1)" in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_numbers_are_never_prefixed() -> None:
    assert csv_value(-1234.5) == -1234.5 and csv_value(0) == 0
    assert csv_value("-5") == "'-5"  # text that looks like a number is still text in a name column
    assert is_risky(" =1+1") and is_risky("\t=1") and is_risky("\r") and not is_risky("Anna -1")
    assert printable("a\x00b\x07c") == "a\ufffdb\ufffdc"


def test_control_characters_in_a_name_do_not_break_the_excel_download(tmp_path: Path) -> None:
    from salesglass.serve.web.app import create_app

    cfg = make_config(tmp_path)
    write_published(
        cfg.published_path,
        extra_sql="UPDATE report_declining_partners SET name = 'bad' || chr(0) "
        "|| chr(7) || 'name' WHERE partner_id = 'P2'",
    )
    add_users(cfg)
    with TestClient(create_app(cfg)) as c:
        login(c, "admin@demo.test")
        r = c.get("/cohorts/export.xlsx")
        assert r.status_code == 200
        values = [c.value for ws in load_workbook(io.BytesIO(r.content)) for row in ws.iter_rows() for c in row]
        assert "bad\ufffd\ufffdname" in values


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_salesglass_export_writes_names_as_text(tmp_path: Path, fmt: str) -> None:
    from salesglass.outputs.export import export_reports

    published = write_published(tmp_path / "published.duckdb", extra_sql=RENAME)
    out = export_reports(published, fmt, tmp_path / ("out.xlsx" if fmt == "xlsx" else "out"))
    if fmt == "xlsx":
        assert _formula_cells(out.read_bytes()) == []
        ws = load_workbook(out)["declining_partners"]
        names = {c.value: c for row in ws.iter_rows() for c in row}
        assert names[EVIL].data_type == "s" and names[EVIL].quotePrefix
        column = [c.value for c in ws[1]].index("Decline")  # by its header: a name column sits by each manager id
        decline = [row[column].value for row in ws.iter_rows(min_row=2)]
        assert 83.33 in decline  # numbers stay numbers
    else:
        text = (out / "report_declining_partners.csv").read_text(encoding="utf-8")
        rows = list(csv.reader(io.StringIO(text)))
        assert {r[2] for r in rows[1:]} == {"'" + EVIL, "'@SUM(1+1)"}
        assert {r[7] for r in rows[1:]} == {"50.00", "83.33"}


def test_a_russian_csv_opens_in_a_russian_excel(evil_site) -> None:
    """A Russian Excel splits a CSV on `;` and reads `,` as the decimal point: with `,` between fields every row
    sat in one cell, and `83.33` was text (a `15.03` would even become a date). Names stay inert, numbers exact."""
    from salesglass.serve.web.app import create_app

    with TestClient(create_app(evil_site), headers={"accept-language": "ru"}) as c:
        login(c, "admin@demo.test")
        body = c.get("/cohorts/export.csv?table=declining").content
        plan = c.get("/planfact/export.csv?period=month").content.decode("utf-8-sig")
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Партнёр", "Тип клиента", "Кто звонит", "Обычно за 28 дней"]
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["'" + EVIL][3:] == ["30000,00", "5000,00", "83,33", "25000,00"]
    assert by_name["'@SUM(1+1)"][3:] == ["40000,00", "20000,00", "50,00", "20000,00"]
    assert plan.splitlines()[1] == "Оборот;150000,00;145161,29;103,33;300000,00;400000,00;310000,00;103,33"
    assert plan.splitlines()[5] == "Маржа, %;66,67;;;;;66,67;"  # the label's comma is no separator
