"""amoCRM pipelines by name on the dashboard (no browser): the deal lists' filter offers the names in amoCRM's
order (the value stays the id), a quarantine reason names its pipeline, names are escaped and cut, and a
file published before the `pipelines` table existed still renders, with the ids.

The fixture (tests/dashboard/fixture.py) has pipeline 7 «Продажи» (sort 20) and pipeline 8 with a hostile
150-character name (sort 10): 8 comes first."""

from __future__ import annotations

import html
import re

from tests.dashboard.conftest import published_app, signed_in
from tests.dashboard.fixture import PIPELINE_8, XSS

GONE_STATUS = """INSERT INTO quarantine VALUES ('amocrm', 'deals', '1006',
 'status 55 of pipeline 7 does not exist in the account (deleted status?)', '{"id": 1006}', '2026-03-14 08:03:00+00'),
 ('amocrm', 'deals', '1007', 'status 56 of pipeline 8 does not exist in the account (deleted status?)',
  '{"id": 1007}', '2026-03-14 08:04:00+00');"""


def choices(page: str) -> list[tuple[str, str, str]]:
    """(value, title, shown text) of each option of the pipeline filter, unescaped."""
    select = re.search(r'<select name="pipeline".*?</select>', page, re.S)
    assert select, "no pipeline filter on the page"
    options = re.findall(r'<option value="([^"]*)"(?: title="([^"]*)")?([^>]*)>([^<]*)</option>', select.group(0))
    return [(v, html.unescape(title), html.unescape(text)) for v, title, _attrs, text in options]


def selected(page: str) -> str:
    select = re.search(r'<select name="pipeline".*?</select>', page, re.S)
    assert select
    found = re.findall(r'<option value="([^"]*)"[^>]*\bselected\b', select.group(0))
    return found[0] if found else ""


def test_the_filter_names_the_pipelines_in_amocrm_order_escaped_and_cut(admin) -> None:
    page = admin.get("/drill/deals").text
    cut = PIPELINE_8[:59].rstrip() + "…"  # 60 characters shown; the whole name on hover
    assert choices(page) == [
        ("", "", "All pipelines"),
        ("8", f"{PIPELINE_8} (8)", cut),
        ("7", "Продажи (7)", "Продажи"),
    ]
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt; Партнёры 🤝" in page


def test_choosing_a_pipeline_by_name_lists_its_deals(admin) -> None:
    page = admin.get("/drill/deals?pipeline=8").text
    assert selected(page) == "8"
    assert "/leads/detail/1004" in page and "/leads/detail/1001" not in page  # 1004 is the only deal of 8
    page = admin.get("/drill/deals?pipeline=7").text
    assert selected(page) == "7" and "/leads/detail/1001" in page and "/leads/detail/1004" not in page


def test_a_quarantine_reason_names_its_pipeline(tmp_path) -> None:
    with signed_in(published_app(tmp_path, GONE_STATUS)) as c:
        for path in ("/quality", "/drill/quarantine?source=amocrm"):
            page = c.get(path).text
            assert "status 55 of pipeline «Продажи» (7) no longer exists in amoCRM" in page, path
            shown = html.escape(PIPELINE_8[:59].rstrip() + "…", quote=False)
            assert f"status 56 of pipeline «{shown}» (8) no longer exists" in page.replace("&#39;", "'"), path
            assert XSS not in page


def test_a_file_published_before_the_pipelines_table_shows_the_ids(tmp_path) -> None:
    with signed_in(published_app(tmp_path, GONE_STATUS + "DROP TABLE pipelines;")) as c:
        r = c.get("/drill/deals")
        assert r.status_code == 200
        assert choices(r.text) == [("", "", "All pipelines"), ("7", "7", "7"), ("8", "8", "8")]  # by number
        r = c.get("/drill/deals?pipeline=8", headers={"HX-Request": "true"})  # the drawer
        assert r.status_code == 200 and "/leads/detail/1004" in r.text and "/leads/detail/1001" not in r.text
        for path in ("/quality", "/drill/quarantine"):
            r = c.get(path)
            assert r.status_code == 200 and "status 55 of pipeline 7 no longer exists in amoCRM" in r.text, path
