"""The deal lists' pipeline filter in a real headless Chromium, on the demo company (scale s, built once per
session: tests/conftest.py `simulated_s`): it offers the amoCRM pipelines by name in amoCRM's order, choosing
one lists that pipeline's deals (on the full page and in the drawer), and the list is still whole after.

The expected names come from the generated company's amoCRM pipelines (amocrm/pipelines.json), not from
the code under test."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator

import duckdb
import pytest

from tests.dashboard.conftest import serve_in_thread, with_own_logins

pytestmark = pytest.mark.browser

# counts finished htmx swaps, so the test can wait for the one its choice started
SETTLED_JS = "window.__settled = 0; document.addEventListener('htmx:afterSettle', () => window.__settled++);"


@pytest.fixture(scope="module")
def demo(simulated_s, tmp_path_factory):
    """The simulated company with the demo's logins, this module's own (with_own_logins says why)."""
    from salesglass.demo.logins import DEMO_ADMIN, DEMO_MANAGER_PASSWORD, demo_manager_email, ensure_demo_users

    cfg = with_own_logins(simulated_s.cfg, tmp_path_factory.mktemp("pipeline-logins"))
    ensure_demo_users(cfg, admin=DEMO_ADMIN, manager=(demo_manager_email(cfg), DEMO_MANAGER_PASSWORD))
    return dataclasses.replace(simulated_s, cfg=cfg)


@pytest.fixture(scope="module")
def demo_url(demo) -> Iterator[str]:
    from salesglass.serve.web.app import create_app

    url, stop = serve_in_thread(create_app(demo.cfg))
    yield url
    stop()


@pytest.fixture
def page(browser, demo_url):
    from salesglass.demo.logins import DEMO_ADMIN

    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    ctx.add_init_script(SETTLED_JS)
    errors: list[str] = []
    p = ctx.new_page()
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.on("dialog", lambda d: (errors.append(f"dialog {d.message}"), d.dismiss()))
    p.goto(demo_url + "/login")
    p.fill("input[name=email]", DEMO_ADMIN[0])
    p.fill("input[name=password]", DEMO_ADMIN[1])
    p.click("button[type=submit]")
    p.wait_for_url(lambda url: "/login" not in url)
    yield p
    ctx.close()
    assert errors == [], errors


def expected_choices(demo) -> list[tuple[str, str]]:
    """(id, name) of the pipelines the published deals are in, in amoCRM's order (`sort`)."""
    pipelines = json.loads((demo.company / "amocrm" / "pipelines.json").read_text(encoding="utf-8"))
    con = duckdb.connect(str(demo.cfg.published_path), read_only=True)
    try:
        used = {r[0] for r in con.execute("SELECT DISTINCT pipeline_id FROM deals").fetchall()}
    finally:
        con.close()
    return [(str(p["id"]), p["name"]) for p in sorted(pipelines, key=lambda p: p["sort"]) if p["id"] in used]


def options(page, scope: str) -> list[tuple[str, str]]:
    found = page.locator(f"{scope} select[name=pipeline] option").evaluate_all(
        "os => os.map(o => [o.value, o.textContent.trim()])"
    )
    return [(value, text) for value, text in found]


def rows_found(page, scope: str) -> int:
    """The list's row count as its subtitle says it ("… · 1 234 rows")."""
    text = page.locator(f"{scope} .sub").first.inner_text()
    return int(re.sub(r"\D", "", text.rsplit("·", 1)[-1]))


def assert_list_whole(page, scope: str) -> None:
    table = page.locator(f"{scope} [data-table=deals]")
    assert table.count() == 1, f"no deal list in {scope}"
    assert table.locator("tbody tr").count() > 0, f"the deal list in {scope} has no rows"


def test_the_filter_lists_pipeline_names_and_choosing_one_filters_the_list(page, demo, demo_url) -> None:
    expected = expected_choices(demo)
    assert len(expected) >= 2, "the demo's deals should be in more than one pipeline"
    assert not any(name.isdigit() for _, name in expected)

    page.goto(f"{demo_url}/drill/deals")
    assert options(page, "#main") == [("", "All pipelines"), *expected]
    total = rows_found(page, "#main")
    counted = 0
    for value, name in expected:
        with page.expect_navigation():
            page.select_option("#main select[name=pipeline]", value)
        assert f"pipeline={value}" in page.url
        assert page.locator("#main select[name=pipeline]").input_value() == value
        chosen = page.locator("#main select[name=pipeline] option:checked").inner_text().strip()
        assert chosen == name
        assert_list_whole(page, "#main")
        counted += rows_found(page, "#main")
    assert counted == total  # every deal is in exactly one pipeline: the lists add up to the whole one

    # in the drawer (htmx): the same choices; choosing one swaps the drawer's list in place
    page.goto(f"{demo_url}/funnel")
    link = page.locator('#main a.drill[href*="/drill/deals"]').first
    before = page.evaluate("window.__settled")
    link.click()
    page.wait_for_function(f"() => window.__settled > {before}")
    page.wait_for_selector("#drawer.open [data-testid=drill-panel]")
    assert options(page, "#drawer") == [("", "All pipelines"), *expected]
    value, name = expected[-1]
    before = page.evaluate("window.__settled")
    page.select_option("#drawer select[name=pipeline]", value)
    page.wait_for_function(f"() => window.__settled > {before}")
    page.wait_for_selector("#drawer.open [data-testid=drill-panel]")
    assert page.locator("#drawer select[name=pipeline] option:checked").inner_text().strip() == name
    table = page.locator("#drawer [data-table=deals]")
    assert table.count() == 1 and (table.locator("tbody tr").count() > 0 or table.locator(".empty").count())
