"""Every link a page shows answers: a number a viewer can click never leads to an error page.

A link the page builds but the input guard refuses is a dead click (htmx swaps nothing on a 4xx), so each
viewer's pages are crawled one level deep: every `href` / `hx-get` into the dashboard must answer 200.
"""

from __future__ import annotations

import html
import re

import pytest

from tests.dashboard.conftest import login

# (the statement page needs the bonus close columns, which this fixture file lacks: tests/dashboard/bonus_fixture.py)
PAGES = ("/sales", "/funnel", "/planfact", "/partners", "/cohorts", "/bonuses")
LINK = re.compile(r'(?:href|hx-get)="(/(?:drill|sales|funnel|planfact|partners|cohorts|bonuses)\b[^"]*)"')


@pytest.mark.parametrize("email", ["stranger@demo.test", "anna@demo.test"])
def test_every_link_on_a_managers_pages_answers(client, email) -> None:
    login(client, email)
    seen: dict[str, int] = {}
    for page in PAGES:
        r = client.get(page)
        assert r.status_code == 200, page
        for href in LINK.findall(r.text):
            url = html.unescape(href)
            if url not in seen:
                seen[url] = client.get(url).status_code
    assert len(seen) > 10, sorted(seen)  # the pages do link their numbers
    dead = {url: code for url, code in seen.items() if code != 200}
    assert dead == {}, dead
