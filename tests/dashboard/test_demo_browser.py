"""The dashboard on the demo company (scale s, the one `make demo` shows) in a real headless Chromium.

Walks every page and every control, as the demo's admin and its printed manager login, in Russian and in
English: each filter, the period switch, the language switch, drill-down open/close, back/forward. After
each interaction the page must be whole: every chart container holds a drawn chart and every table has
rows or says it is empty. Full-page screenshots of every page in Russian go to .ci/artifacts/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dashboard.conftest import serve_in_thread, submit_login, with_own_logins

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / ".ci" / "artifacts" / "screenshots"

# what "whole" means, checked in the page: a list of what is broken (empty when whole)
BROKEN_JS = """() => {
  const bad = [];
  const main = document.querySelector('#main');
  if (!main) return ['no #main'];
  document.querySelectorAll('[data-chart]').forEach(el => {
    const drawn = el.querySelector('svg, canvas');
    if (!drawn || drawn.querySelectorAll('path, text, rect').length === 0) bad.push('blank chart ' + el.id);
  });
  document.querySelectorAll('[data-table]').forEach(el => {
    const empty = (el.querySelector('.empty') || {}).innerText;
    if (!el.querySelector('tbody tr') && !empty) bad.push('table without rows or an empty state ' + el.dataset.table);
  });
  if (document.querySelectorAll('.htmx-request').length) bad.push('a request still running');
  const text = document.body.innerText;
  for (const w of ['undefined', 'NaN', 'null', 'Invalid Date']) {
    if (new RegExp('\\\\b' + w + '\\\\b').test(text)) bad.push('shows ' + w);
  }
  return bad;
}"""


# counts finished htmx swaps, so a test can wait for the one its interaction started
# htmx's settle count, and what went wrong with a request (an answer htmx did not swap settles nothing, so a
# wait for the settle then says why instead of only "timeout")
SETTLED_JS = """window.__settled = 0; window.__htmxErrors = [];
document.addEventListener('htmx:afterSettle', () => window.__settled++);
for (const kind of ['htmx:responseError', 'htmx:sendError', 'htmx:timeout', 'htmx:swapError']) {
  document.addEventListener(kind, e => window.__htmxErrors.push(
    kind + ' ' + ((e.detail.xhr && e.detail.xhr.status) || '') + ' ' + ((e.detail.pathInfo || {}).requestPath || '')));
}"""


@pytest.fixture(scope="module")
def demo(simulated_s, tmp_path_factory):
    """The demo company's config with the logins `salesglass demo` creates and prints (this module's own)."""
    from salesglass.demo.logins import DEMO_ADMIN, DEMO_MANAGER_PASSWORD, demo_manager_email, ensure_demo_users

    cfg = with_own_logins(simulated_s.cfg, tmp_path_factory.mktemp("demo-logins"))
    manager = demo_manager_email(cfg)
    assert manager, "the demo has no manager login to print"
    ensure_demo_users(cfg, admin=DEMO_ADMIN, manager=(manager, DEMO_MANAGER_PASSWORD))
    return cfg, {"admin": DEMO_ADMIN, "manager": (manager, DEMO_MANAGER_PASSWORD)}


@pytest.fixture(scope="module")
def demo_server(demo) -> Iterator[str]:
    from salesglass.serve.web.app import create_app

    url, stop = serve_in_thread(create_app(demo[0]))
    yield url
    stop()


@pytest.fixture
def open_as(browser, demo_server, demo):
    """A logged-in page of a fresh browser context; JS errors and dialogs fail the test."""
    contexts, errors = [], []

    def make(role: str, lang: str):
        ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="ru-RU" if lang == "ru" else "en-US")
        contexts.append(ctx)
        ctx.add_init_script(SETTLED_JS)
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(f"{role}/{lang}: {e}"))
        page.on("dialog", lambda d: (errors.append(f"dialog {d.message}"), d.dismiss()))
        email, password = demo[1][role]
        page.goto(demo_server + "/login")
        if role == "admin" and lang == "ru":
            shot(page, "demo-login")
        submit_login(page, email, password)
        assert page.locator("html").get_attribute("lang") == lang
        return page

    yield make
    for c in contexts:
        c.close()
    assert errors == [], errors


# chart labels a reader can read: a category axis told to label every category (interval 0) shows each one
# (cohorts showed months of life 0, 2, 4 only; plan vs fact every other month in Russian), and no two level
# labels of a line touch (a value axis printed "1.6B" nearly on top of "1.5B"; rotated labels are left out), and
# no label runs past the chart's edge.
# A wrapped label is drawn as one text per line.
LABELS_JS = r"""() => {
  const bad = [];
  document.querySelectorAll('[data-chart]').forEach(el => {
    const chart = window.echarts && echarts.getInstanceByDom(el);
    if (!chart) return;
    const texts = [...el.querySelectorAll('svg text')].filter(t => t.textContent.trim());
    const squash = s => s.replace(/\s+/g, '');
    // a label wrapped onto lines is one text per line, in order: runs of up to three texts count as one
    const parts = texts.map(t => squash(t.textContent));
    const next = i => parts[i] || '';
    const shown = new Set(parts.flatMap((p, i) => [p, p + next(i + 1), p + next(i + 1) + next(i + 2)]));
    [].concat(chart.getOption().xAxis || []).forEach(ax => {
      if (ax.type !== 'category' || !ax.axisLabel || ax.axisLabel.interval !== 0) return;
      const missing = (ax.data || []).map(String).filter(d => !shown.has(squash(d)));
      if (missing.length) bad.push(el.id + ': x axis labels not shown: ' + missing.join(', '));
    });
    const frame = el.getBoundingClientRect();
    texts.forEach(t => {  // nothing cut off at the chart's edge (a slanted first name lost its first letters)
      const b = t.getBoundingClientRect();
      const out = b.left < frame.left - 1 || b.right > frame.right + 1
        || b.top < frame.top - 1 || b.bottom > frame.bottom + 1;
      if (b.width && out) bad.push(el.id + ': cut at the edge: ' + t.textContent.trim());
    });
    const level = t => {
      const m = /matrix\(([^)]*)\)/.exec(t.getAttribute('transform') || '');
      return !m || Math.abs(parseFloat(m[1].split(/[ ,]+/)[1])) < 1e-6;
    };
    const boxes = texts.filter(level).map(t => [t.textContent.trim(), t.getBoundingClientRect()])
      .filter(b => b[1].width);
    boxes.forEach(([a, ra], i) => boxes.forEach(([b, rb], j) => {
      const sameLine = Math.abs((ra.top + ra.bottom) / 2 - (rb.top + rb.bottom) / 2) <= ra.height / 2;
      const gap = rb.left - ra.right;
      if (i !== j && sameLine && rb.left >= ra.left && gap < 4) bad.push(el.id + ': labels touch: ' + a + ' | ' + b);
    }));
  });
  return bad;
}"""


# legends a reader can read: every name of a legend along the top is drawn whole (a phone cut them to "Подпис…"
# or paged them sideways, "1/3 ▸") and above the plot (a legend wrapped into rows was drawn over the bars)
LEGEND_JS = r"""() => {
  const bad = [];
  document.querySelectorAll('[data-chart]').forEach(el => {
    const chart = window.echarts && echarts.getInstanceByDom(el);
    if (!chart) return;
    const opt = chart.getOption(), lg = (opt.legend || [])[0], grid = (opt.grid || [])[0];
    if (!lg || lg.show === false || lg.orient === 'vertical') return;
    const names = (opt.series || []).map(s => s.name).filter(Boolean);
    const texts = [...el.querySelectorAll('svg text')];
    const frame = el.getBoundingClientRect();
    names.forEach(n => {
      const t = texts.find(x => x.textContent === n);
      if (!t) { bad.push(el.id + ': legend name not whole: ' + n); return; }
      const b = t.getBoundingClientRect();
      if (b.right > frame.right + 1 || b.left < frame.left - 1) bad.push(el.id + ': legend name cut: ' + n);
      if (grid && typeof grid.top === 'number' && b.bottom > frame.top + grid.top + 1)
        bad.push(el.id + ': legend over the plot: ' + n);
    });
    if (lg.type === 'scroll') bad.push(el.id + ': a legend paged sideways');
  });
  return bad;
}"""

# a phone: nothing scrolls sideways, neither the page nor a table in its card (a wide table is laid out as a
# list of its rows, every number in view)
SIDEWAYS_JS = r"""() => {
  const bad = [];
  const page = document.documentElement.scrollWidth - window.innerWidth;
  if (page > 0) bad.push('the page by ' + page + ' px');
  document.querySelectorAll('#main .card, #main .scroll').forEach(s => {
    const over = s.scrollWidth - s.clientWidth;
    if (over > 1) bad.push((s.closest('[data-table]') || s).dataset.table + ' by ' + over + ' px');
  });
  return bad;
}"""


# a table of three columns or fewer shows its names whole (they wrap): the last build's table names ended in "…"
# beside a page of empty width
CUT_NAMES_JS = r"""() => [...document.querySelectorAll('#main table.grid')]
  .filter(t => !t.querySelector('th:nth-child(4)'))
  .flatMap(t => [...t.querySelectorAll('td .cut')].filter(c => c.scrollWidth > c.clientWidth + 1)
  .map(c => (t.closest('[data-table]') || t).dataset.table + ': ' + c.textContent.slice(0, 40)))"""


# a phone has no hover: every reason a "—" gives on hover (its tip) is also written on the page, at least once
UNSAID_JS = r"""() => {
  const tips = [...document.querySelectorAll('#main .tip[title]')];
  const said = new Set(tips.map(t => getComputedStyle(t, '::after').content)
    .filter(c => c && c.startsWith('"')).map(c => JSON.parse(c)));
  return [...new Set(tips.map(t => t.title))].filter(x => !said.has(x));
}"""


# no words of a chart written over its bars or marks, nor over other words: the forecast wrote the names of its
# plan lines up along them on a phone, across the bar and the P90 mark (the plot's shapes: those in its grid)
OVER_SHAPES_JS = r"""(id) => {
  const el = document.getElementById(id), chart = el && window.echarts && echarts.getInstanceByDom(el);
  if (!chart) return ['no chart ' + id];
  const box = e => e.getBoundingClientRect(), f = box(el);
  const g = chart.getModel().getComponent('grid', 0).coordinateSystem.getRect();
  const inGrid = b => b.left >= f.left + g.x - 1 && b.right <= f.left + g.x + g.width + 1
    && b.top >= f.top + g.y - 1 && b.bottom <= f.top + g.y + g.height + 1;
  const texts = [...el.querySelectorAll('svg text')].filter(t => t.textContent.trim() && box(t).width);
  const shapes = [...el.querySelectorAll('svg path')].map(box).filter(b => b.width > 3 && b.height > 3 && inGrid(b));
  const cross = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 2
    && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 2;
  const bad = [];
  texts.forEach((t, i) => {
    texts.slice(i + 1).forEach(u => { if (cross(box(t), box(u))) bad.push(t.textContent + ' over ' + u.textContent); });
    if (shapes.some(s => cross(box(t), s))) bad.push(t.textContent + ' over the plot');
  });
  return bad;
}"""


def assert_whole(page, after: str) -> None:
    """Wait until the page is whole (at once when it is; up to 30 s on a loaded machine); fail naming the
    interaction and what is broken."""
    try:
        page.wait_for_function(f"() => ({BROKEN_JS})().length === 0", timeout=30000)  # a function: the CSP forbids eval
    except Exception:
        broken = page.evaluate(f"({BROKEN_JS})()")
        pytest.fail(f"after {after} on {page.url}: {broken}")
    unreadable = page.evaluate(LABELS_JS) + page.evaluate(LEGEND_JS) + page.evaluate(CUT_NAMES_JS)
    assert unreadable == [], f"after {after} on {page.url}: {unreadable[:6]}"
    if page.viewport_size and page.viewport_size["width"] <= 600:
        sideways = page.evaluate(SIDEWAYS_JS)
        unsaid = page.evaluate(UNSAID_JS)
        assert unsaid == [], f"after {after} on {page.url}: on a phone, no tap shows why: {unsaid[:3]}"
        assert sideways == [], (
            f"after {after} on {page.url} ({page.viewport_size['width']} px) scrolls sideways: {sideways}"
        )


# headers, filter labels and choices, KPI labels and page titles in the page's language: no Cyrillic on an
# English page, no English word on a Russian one (names of people, partners, pipelines are data, not checked)
WRONG_LANGUAGE_JS = """(lang) => {
  const els = [...document.querySelectorAll('th, .filters label, .kpi .label, .empty, .notice, '
                                          + '.filters select:not([name=manager]):not([name=pipeline]) option')];
  const prose = e => {  // the text without the commands (<code>) it names
    const c = e.cloneNode(true); c.querySelectorAll('code').forEach(x => x.remove()); return c.textContent;
  };
  const texts = els.map(e => (e.tagName === 'LABEL' ? e.firstChild.textContent : prose(e)).trim());
  const allowed = /\\b[A-Z]{2,5}\\b|amoCRM|Excel|salesglass|E-mail|email|\\bM \\d+/g;
  const words = t => t.replace(allowed, '');  // commands (<code>) are commands, in no language
  return texts.filter(t => lang === 'en' ? /[а-яё]/i.test(words(t)) : /[a-z]{3,}/i.test(words(t)));
}"""


def assert_language(page, lang: str, where: str) -> None:
    wrong = page.evaluate(WRONG_LANGUAGE_JS, lang)
    assert wrong == [], f"not in {lang} on {where}: {sorted(set(wrong))[:8]}"


def settled(page, before: int, after: str = "") -> None:
    """htmx swapped and settled the page after the action `after` (30 s: a loaded CI machine)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(f"() => window.__settled > {before}", timeout=30000)
    except PlaywrightTimeout:
        errors = page.evaluate("window.__htmxErrors")
        why = f"the page did not settle within 30 s after {after or 'an action'}; htmx errors: {errors}"
        raise AssertionError(why) from None


def change_control(page, control, after: str) -> None:
    """Pick another value of a filter control: htmx swaps #main in place (a plain form is submitted)."""
    before = page.evaluate("window.__settled")
    tag = control.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '')")
    if not tag.startswith("select"):
        raise AssertionError(f"a filter control of an unknown kind: {tag}")
    values = control.locator("option").evaluate_all("os => os.map(o => o.value)")
    if len(values) < 2:
        return
    i = values.index(control.input_value())
    htmx = control.evaluate("el => !!el.form.getAttribute('hx-get')")
    control.select_option(values[i + 1] if i + 1 < len(values) else values[i - 1])
    if htmx:
        settled(page, before, after)
    else:
        with page.expect_navigation():
            control.evaluate("el => el.form.requestSubmit()")
    assert_whole(page, after)


def drill_once(page, after: str, shot_as: str | None = None) -> None:
    """Open the first drill-down link of the page in the drawer, check it, close it: the list is as wide as
    the drawer (at 1 440 px; on a phone its rows are laid out as blocks of "column  value" lines)."""
    links = page.locator("#main a.drill")
    if not links.count():
        return
    before = page.evaluate("window.__settled")
    links.first.click()
    settled(page, before, f"opening a drill-down ({after})")
    page.wait_for_selector("#drawer.open [data-testid=drill-panel]")
    assert_whole(page, f"opening a drill-down ({after})")
    rows = page.locator("#drawer tbody tr").count()
    assert rows > 0 or page.locator("#drawer .empty").count(), f"empty drawer after {after}"
    # every column of the drawer shows whole: no cell is narrower than its own text (a cut date, a name
    # broken letter by letter)
    cut = page.evaluate("""() => [...document.querySelectorAll('#drawer td')]
        .filter(td => td.scrollWidth > td.clientWidth + 1).map(td => td.dataset.col + ': ' + td.innerText)""")
    assert cut == [], f"drawer cells cut after {after}: {cut[:5]}"
    # ... and the list fits the drawer: its last column is in view without scrolling sideways (on a phone too)
    wide = page.evaluate("""() => [...document.querySelectorAll('#drawer .scroll')]
        .filter(s => s.scrollWidth > s.clientWidth + 1).map(s => s.scrollWidth + ' > ' + s.clientWidth)""")
    assert wide == [], f"drawer table wider than the drawer after {after}: {wide}"
    if shot_as:
        page.wait_for_timeout(250)  # the drawer slides in
        shot(page, shot_as, full_page=False)  # the drawer is fixed to the window
    page.locator("#drawer [data-close]").click()
    page.wait_for_selector("#drawer.open", state="detached")
    assert_whole(page, f"closing a drill-down ({after})")


def shot(page, name: str, full_page: bool = True) -> None:
    page.wait_for_timeout(100)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def walk(page, server: str, lang: str, shots: str | None) -> None:
    links = page.locator("nav a[data-nav]").evaluate_all("as => as.map(a => [a.dataset.nav, a.getAttribute('href')])")
    for name, href in links:
        page.goto(server + href)
        assert_whole(page, f"opening {name}")
        assert_language(page, lang, name)
        # the colour scale says what its ends are, as the cells write amounts (a manager sees no heat-map)
        if name == "cohorts" and page.locator("#chart-heatmap").count():
            ends = page.evaluate(
                "() => echarts.getInstanceByDom(document.querySelector('#chart-heatmap')).getOption().visualMap[0].text"
            )
            texts = page.locator("#chart-heatmap svg text").all_text_contents()
            assert ends and len(ends) == 2 and all(e in texts for e in ends), (ends, texts[-4:])
        if name == "funnel" and lang == "ru":
            assert_funnel_labels_as_the_table(page, server)
            page.goto(server + href)
        if shots:
            shot(page, f"{shots}-{name}")
        controls = page.locator("form.filters select, form.filters input")
        changed = 0
        for i in range(controls.count()):
            control = page.locator("form.filters select, form.filters input").nth(i)
            label = control.get_attribute("name")
            change_control(page, control, f"changing {label} on {name} ({lang})")
            changed += 1
        drill_once(page, f"{name} ({lang})", f"{shots}-{name}-drill" if shots else None)
        if changed:
            page.go_back()
            assert_whole(page, f"back on {name} ({lang})")
            page.go_forward()
            assert_whole(page, f"forward on {name} ({lang})")


def assert_funnel_labels_as_the_table(page, server: str) -> None:
    """The funnel's labels write each stage's deals as its table does ("Лид: 4 595", not "Лид: 4595"): over
    the company's whole history, for counts of thousands (the demo's admin sees 1 987 leads)."""
    page.goto(f"{server}/funnel?from=2000-01")
    assert_whole(page, "opening the funnel of the whole history")
    labels = page.locator("#chart-funnel svg text").all_text_contents()
    stages = page.locator('[data-table="funnel"] tbody td[data-col="stage"]').all_inner_texts()
    deals = page.locator('[data-table="funnel"] tbody td[data-col="deals"]').all_inner_texts()
    spaced = lambda text: re.sub(r"[\u00a0\u202f]", " ", text)  # noqa: E731  (the table's and Intl's spaces)
    expected = [spaced(f"{stage}: {n}") for stage, n in zip(stages, deals, strict=True)]
    shown = [spaced(x) for x in labels if ": " in x]
    assert shown == expected, (shown, expected)


def switch_language(page, to: str) -> None:
    with page.expect_navigation():
        page.click(f"form.langs button[value={to}]")
    assert page.locator("html").get_attribute("lang") == to
    assert_whole(page, f"switching language to {to}")


def test_changing_client_kind_on_sales_keeps_the_charts(open_as, demo_server) -> None:
    """The first thing a head of sales tries: «Тип клиента» → operators. The charts must stay drawn."""
    page = open_as("admin", "ru")
    assert_whole(page, "opening sales")
    charts = page.locator("[data-chart] svg").count()
    assert charts == page.locator("[data-chart]").count() > 0
    before = page.evaluate("window.__settled")
    page.select_option("select[name=kind]", "operator")
    settled(page, before)
    page.wait_for_url(re.compile(r".*kind=operator.*"))
    assert_whole(page, "changing client kind")
    assert page.locator("[data-chart] svg").count() == charts


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_every_page_and_control_keeps_the_page_whole(open_as, demo_server, role) -> None:
    """The admin at 1 440 px; the manager on a 390 px phone in Russian (then at 1 440 px in English): on the
    phone nothing scrolls sideways, every legend name and every month under a chart shows whole."""
    page = open_as(role, "ru")
    if role == "manager":
        page.set_viewport_size({"width": 390, "height": 844})
    walk(page, demo_server, "ru", shots=f"demo-{role}")
    page.set_viewport_size({"width": 1440, "height": 900})
    switch_language(page, "en")
    walk(page, demo_server, "en", shots=None)
    switch_language(page, "ru")


def test_the_admin_on_a_phone_reads_every_page(open_as, demo_server) -> None:
    """A head of sales opens every page on a 390 px phone once: nothing scrolls sideways (the last build's code
    hash pushed the data-quality page wider than the screen) and the retention heat-map writes no number over
    the next (its narrow cells printed "470 тыс" touching "400 тыс": the numbers are in the table under it), nor
    the forecast's two plan lines ("План (реалист.)" ran into "План (оптим.)"), nor the forecast's words over its
    bar (the plans' names ran up along their lines across it), at 390 px and at 1 280 px."""
    page = open_as("admin", "ru")
    page.set_viewport_size({"width": 390, "height": 844})
    links = page.locator("nav a[data-nav]").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    for href in links:
        page.goto(demo_server + href)
        page.wait_for_function(f"() => ({BROKEN_JS})().length === 0", timeout=30000)  # a loaded machine
        assert page.evaluate(SIDEWAYS_JS) == [], href
    # ... nor do the forecast's plan lines, a few pixels apart, write their names into each other
    for href, chart in (("/cohorts", "chart-heatmap"), ("/planfact", "chart-forecast")):
        page.goto(demo_server + href)
        page.wait_for_function(f"() => ({BROKEN_JS})().length === 0", timeout=30000)  # a loaded machine
        touching = [x for x in page.evaluate(LABELS_JS) if chart in x]
        assert touching == [], touching[:4]
    # ... nor over the bar: the names of the plans are in the legend, the plans told apart by their dashes
    assert page.evaluate(OVER_SHAPES_JS, "chart-forecast") == []
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(demo_server + "/planfact?period=quarter")
    page.wait_for_function(f"() => ({BROKEN_JS})().length === 0", timeout=30000)
    assert page.evaluate(OVER_SHAPES_JS, "chart-forecast") == []


def test_the_printed_manager_login_has_a_full_view(open_as, demo_server) -> None:
    """`make demo` prints a manager login: their own deals, partners and bonuses of the last months show."""
    page = open_as("manager", "ru")
    for name in ("funnel", "planfact", "partners", "bonuses"):
        page.goto(f"{demo_server}/{name}")
        assert_whole(page, f"opening {name}")
        for table in page.locator("[data-table]").all():
            assert table.locator("tbody tr").count() > 0, f"{name}: {table.get_attribute('data-table')} is empty"
    csv = page.request.get(f"{demo_server}/bonuses/export.csv?table=lines")
    assert csv.ok and csv.body().count(b"\n") > 10, csv.body()[:200]


@pytest.fixture(scope="module")
def older_server(demo, tmp_path_factory) -> Iterator[str]:
    """The demo's published file as an older release left it: built before the `pipelines` table, the
    forecast's new-deals part and the build's code hash existed (a fresh build with them dropped)."""
    import shutil

    import duckdb

    from salesglass.serve.web.app import create_app

    cfg = demo[0]
    old = tmp_path_factory.mktemp("older") / "reports.duckdb"
    shutil.copyfile(cfg.published_path, old)
    con = duckdb.connect(str(old))
    con.execute("DROP TABLE pipelines")
    con.execute("ALTER TABLE report_plan_fact DROP COLUMN forecast_new_deals")
    con.execute("ALTER TABLE build_info DROP COLUMN code")
    con.close()
    older = cfg.model_copy(update={"warehouse": cfg.warehouse.model_copy(update={"published_path": str(old)})})
    url, stop = serve_in_thread(create_app(older))
    yield url
    stop()


def test_a_file_built_by_an_older_release_shows_every_page_and_says_to_rebuild(
    browser, demo_server, older_server, demo
) -> None:
    """After an upgrade the dashboard may serve a file the old release built, until the next refresh rebuilds
    it: every page and drill-down still opens whole (no 500, nothing blank), and each says the reports come
    from another version and how to rebuild them. The demo's own file, built by this code, says nothing."""
    email, password = demo[1]["admin"]
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    ctx.add_init_script(SETTLED_JS)
    errors: list[str] = []
    try:
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("response", lambda r: r.status >= 500 and errors.append(f"{r.status} {r.url}"))
        for server in (demo_server, older_server):
            page.goto(server + "/login")
            submit_login(page, email, password)
        page.goto(demo_server + "/planfact")
        assert page.locator("[data-testid=older-build]").count() == 0
        nav = "as => as.map(a => [a.dataset.nav, a.getAttribute('href')])"
        links = page.locator("nav a[data-nav]").evaluate_all(nav)
        assert len(links) >= 7
        for name, href in links:
            response = page.goto(older_server + href)
            assert response is not None and response.status == 200, name
            assert_whole(page, f"opening {name} of an older build")
            assert page.locator("#main table, #main [data-chart], #main .kpi").count() > 0, f"{name} is blank"
            notice = page.locator("[data-testid=older-build]")
            assert notice.is_visible(), name
            assert "another version of salesglass" in notice.inner_text()
            assert "salesglass build" in notice.inner_text()
            if name == "planfact":  # the forecast without its new-deals part
                drill_once(page, f"{name} of an older build")
    finally:
        ctx.close()
    assert errors == []
