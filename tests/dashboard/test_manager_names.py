"""Two amoCRM users of one name (a namesake in another branch): every list that names managers tells them apart."""

from __future__ import annotations

from tests.dashboard.conftest import published_app, signed_in

# a second "Anna Petrova" (104) beside the fixture's Anna Petrova (101, anna@demo.test), with a bonus line in March
NAMESAKE = """
INSERT INTO managers VALUES (104, 'Anna Petrova', 'anna.p@branch.test', 'sales', TRUE);
INSERT INTO report_bonus_lines VALUES ('2026-03-01', 104, 'sales', 'first_sale', 'P3', 1003, NULL, NULL, 1.0, 5000.00);
INSERT INTO report_bonus_summary VALUES ('2026-03-01', 104, 5000.00, 0.00, 5000.00, 1);
"""


def test_namesakes_are_told_apart_by_their_email(tmp_path) -> None:
    with signed_in(published_app(tmp_path, NAMESAKE)) as admin:
        pages = {p: admin.get(p).text for p in ("/bonuses?from=2026-03&to=2026-03", "/bonus/statement?month=2026-03")}
        for page, html in pages.items():
            assert ">Anna Petrova (anna@demo.test)</option>" in html, page
            assert ">Anna Petrova (anna.p@branch.test)</option>" in html, page
        lines = pages["/bonuses?from=2026-03&to=2026-03"]
        assert 'data-col="manager">Anna Petrova (anna.p@branch.test)<' in lines  # the lines and totals too
        assert ">Boris Ivanov</option>" in lines  # a name nobody shares stays as it is
