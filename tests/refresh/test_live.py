"""Issue 7 end to end, with the real pieces: the emulator serving a generated company, the connector,
platform load, linking, the report build, the dashboard on a real port, PostgreSQL and SMTP servers.

"Always fresh and in the tools people already use": a webhook brings changed deals to the dashboard;
a refresh killed mid-way leaves the last reports served and the next one completes; the dashboard
answers while a refresh runs; BI tools get exactly the published tables; managers get their digest.
"""

from __future__ import annotations

import email
import json
import os
import re
import signal
import time
from email import policy
from urllib.parse import urlencode

import duckdb
import httpx
import pytest

from salesglass.refresh.runner import WorkerRun, default_steps, run_in_worker
from salesglass.runs import Journal, read_runs, runs_path_for
from tests.refresh.live_stack import WEBHOOK_SECRET, free_port, table_rows, wait_for

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
STATUS = {142: "Won", 143: "Lost"}  # amoCRM's fixed won/lost status ids; anything else is an open deal


def _deals(http: httpx.Client) -> dict[int, dict[str, str]]:
    """Every deal the dashboard lists (the all-deals drill-down, one page of up to 1000 rows)."""
    r = http.get("/drill/deals", params={"basis": "all"})
    assert r.status_code == 200
    return {int(row["deal_id"]): row for row in table_rows(r.text)["deals"]}


def _built_at(http: httpx.Client) -> str:
    return http.get("/health").json()["built_at"]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _webhook_body(live, lead_ids: list[int], known: set[int]) -> str:
    """What amoCRM POSTs (v2 names, form-encoded, as amoCRM's webhooks do) for these leads' latest changes."""
    fields: list[tuple[str, str]] = []
    counters: dict[str, int] = {}
    for lead_id in lead_ids:
        lead = live.emulator.state.leads[lead_id]
        action = "delete" if lead.get("is_deleted") else ("status" if lead_id in known else "add")
        n = counters[action] = counters.get(action, -1) + 1
        fields.append((f"leads[{action}][{n}][id]", str(lead_id)))
        if action != "delete":
            fields += [
                (f"leads[{action}][{n}][status_id]", str(lead["status_id"])),
                (f"leads[{action}][{n}][pipeline_id]", str(lead["pipeline_id"])),
                (f"leads[{action}][{n}][price]", str(lead.get("price") or 0)),
            ]
    fields += [("account[subdomain]", "biletoid"), ("account[id]", str(live.emulator.state.account_id))]
    return urlencode(fields)


def test_a_webhook_brings_the_changed_deals_to_the_dashboard(live):
    http = live.client()
    before, built_before = _deals(http), _built_at(http)
    changed = live.emulator.advance(seconds=600, changes=8, seed=5)
    ids = changed["lead_ids"]
    assert ids and changed["moved"] and (changed["added"] or changed["deleted"] or changed["edited"])

    # amoCRM posts without a dashboard session: the hook is reachable past the login wall
    r = httpx.post(
        f"{live.url}/hooks/amocrm/{WEBHOOK_SECRET}", content=_webhook_body(live, ids, set(before)), headers=FORM
    )
    assert r.status_code == 200 and r.json() == {"queued": len(ids)}
    assert wait_for(lambda: _built_at(http) != built_before, 120, every=0.3), "no new build after the webhook"
    after = _deals(http)

    for lead_id in ids:
        lead = live.emulator.state.leads[lead_id]
        if lead.get("is_deleted"):
            assert lead_id not in after
            continue
        row = after[lead_id]
        assert row["status"] == STATUS.get(lead["status_id"], "Open"), lead_id
        assert _digits(row["price"]) == (f"{lead['price']}00" if lead.get("price") is not None else "")
    assert any(before.get(i) != after.get(i) for i in ids)  # the page really changed
    untouched = set(before) - set(ids)
    assert {i: after[i] for i in untouched} == {i: before[i] for i in untouched}
    # it was the webhook's targeted refresh (re-fetch those leads, re-link, rebuild), not a scheduled one
    last = read_runs(runs_path_for(live.cfg.warehouse_path), limit=1)[0]
    assert (last.trigger, last.ok, [s.step for s in last.steps]) == (
        "webhook",
        True,
        ["amocrm_refetch", "link", "build"],
    )


def test_a_refresh_killed_mid_way_leaves_the_reports_served_and_the_next_one_completes(live):
    http = live.client()
    published = live.cfg.published_path
    journal = runs_path_for(live.cfg.warehouse_path)
    before_bytes, built_before = published.read_bytes(), _built_at(http)
    live.emulator.advance(seconds=300, changes=4)

    worker = WorkerRun(live.cfg, default_steps(live.cfg), trigger="test")

    def building() -> bool:
        run = next((r for r in read_runs(journal, limit=5) if r.run_id == worker.run_id), None)
        return run is not None and any(s.step == "build" and s.ok is None for s in run.steps)

    assert wait_for(building, 120, every=0.02), "the refresh never reached its build step"
    os.kill(worker.pid, signal.SIGKILL)
    result = worker.wait(timeout=30)
    assert result is not None and not result.ok
    assert result.error == "worker process killed by signal 9 during step build"
    assert result.steps_done == ["amocrm_sync", "platform_load", "link"]

    # the last good reports are still the ones served
    assert published.read_bytes() == before_bytes
    assert _built_at(http) == built_before
    for page in ("/sales", "/funnel", "/planfact"):
        assert http.get(page).status_code == 200
    # … and the data-quality page says what happened, with the reason
    runs = table_rows(http.get("/quality").text)["refresh_runs"]
    assert runs[0]["result"] == "failed"
    assert runs[0]["error"] == "worker process killed by signal 9 during step build"

    again = run_in_worker(live.cfg, default_steps(live.cfg), trigger="test")
    assert again.ok, again.error
    started = [e for e in Journal(journal).events() if e["run_id"] == again.run_id and e["event"] == "run_started"]
    assert started[0]["took_over_stale_lock"] is True  # the killed worker's lock did not block it
    assert _built_at(http) != built_before
    runs = table_rows(http.get("/quality").text)["refresh_runs"]
    assert runs[0]["result"] == "ok" and runs[0]["steps"] == "amocrm_sync → platform_load → link → build"
    assert runs[1]["result"] == "failed"


def test_the_dashboard_answers_while_a_refresh_runs(live):
    http = live.client()
    journal = runs_path_for(live.cfg.warehouse_path)
    worker = WorkerRun(live.cfg, default_steps(live.cfg), full=True, trigger="test")
    latencies: list[float] = []
    steps_seen: set[str] = set()
    n = 0
    while worker.process.is_alive():
        run = next((r for r in read_runs(journal, limit=5) if r.run_id == worker.run_id), None)
        running = {s.step for s in run.steps if s.ok is None} if run else set()
        n += 1
        started = time.perf_counter()
        # a new query string each time: answered from the published file, not from the response cache
        r = http.get("/funnel", params={"probe": n})
        latencies.append(time.perf_counter() - started)
        assert r.status_code == 200, r.text[:300]
        if running and worker.process.is_alive():
            steps_seen |= running
    assert worker.wait(timeout=60).ok
    assert {"amocrm_sync", "build"} <= steps_seen, steps_seen  # requests really overlapped the busy steps
    assert max(latencies) < 5.0, f"slowest answer during the refresh: {max(latencies):.2f} s"


@pytest.mark.postgres
def test_the_postgres_publish_equals_the_duckdb_reports(live, postgres_url):
    import psycopg
    from psycopg import sql

    from salesglass.outputs.publish import publish_from_config
    from salesglass.reports.publish import WITHHELD_COLUMNS

    summary = publish_from_config(live.cfg, postgres_url)
    con = duckdb.connect(str(live.cfg.published_path), read_only=True)
    try:  # closed whatever fails: a file left open fails the next test's read-only open
        con.execute("SET TimeZone = 'UTC'")
        every = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1"
            ).fetchall()
        ]
        tables = [t for t in every if not t.startswith("forecast_")]  # the forecast's working steps stay behind
        assert sorted(summary.tables) == tables and "report_plan_fact" in tables and "deals" in tables
        url = re.sub(r"^postgres(ql)?\+\w+://", "postgresql://", postgres_url)
        with psycopg.connect(url) as pg:
            pg.execute("SET TimeZone = 'UTC'")
            for table in tables:
                duck_types = {
                    name: kind
                    for name, kind in con.execute(
                        "SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_schema = 'main' AND table_name = ?",
                        [table],
                    ).fetchall()
                    if name not in WITHHELD_COLUMNS.get(table, ())  # e.g. quarantine.raw: personal data
                }
                pg_types = dict(
                    pg.execute(
                        "SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_schema = %s AND table_name = %s",
                        ["salesglass", table],
                    ).fetchall()
                )
                assert set(pg_types) == set(duck_types), table
                cols = list(duck_types)
                # a column PostgreSQL holds as text (a DuckDB list, say) is compared with DuckDB's text of it
                exprs = [
                    f'CAST("{c}" AS VARCHAR)' if pg_types[c] == "text" and duck_types[c] != "VARCHAR" else f'"{c}"'
                    for c in cols
                ]
                duck_rows = con.execute(f'SELECT {", ".join(exprs)} FROM "{table}"').fetchall()
                pg_rows = pg.execute(
                    sql.SQL("SELECT {} FROM {}").format(
                        sql.SQL(", ").join(map(sql.Identifier, cols)), sql.Identifier("salesglass", table)
                    )
                ).fetchall()
                assert len(pg_rows) == len(duck_rows) == summary.tables[table], table
                assert _canon(duck_rows, cols, duck_types) == _canon(pg_rows, cols, duck_types), table
                if "DECIMAL(18,2)" in duck_types.values():
                    money = next(c for c, t in duck_types.items() if t == "DECIMAL(18,2)")
                    assert pg_types[money] == "numeric", (table, money)  # exact, never floating point
    finally:
        con.close()


def _canon(rows: list[tuple], cols: list[str], types: dict[str, str]) -> list[str]:
    """Rows in one comparable form: instants in UTC, JSON parsed, sorted."""
    from datetime import UTC, datetime

    def one(value: object, kind: str) -> object:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC)
        if kind == "JSON" and isinstance(value, str):
            return json.loads(value)
        return value

    return sorted(repr(tuple(one(v, types[c]) for v, c in zip(row, cols, strict=True))) for row in rows)


def test_the_digest_reaches_smtp_with_each_managers_declining_partners(live):
    from aiosmtpd.controller import Controller

    from salesglass.outputs.digest import send_digests
    from salesglass.refresh.config import DigestConfig

    received: list[tuple[list[str], email.message.EmailMessage]] = []

    class Inbox:
        async def handle_DATA(self, server, session, envelope):
            received.append(
                (list(envelope.rcpt_tos), email.message_from_bytes(envelope.original_content, policy=policy.default))
            )
            return "250 OK"

    # what the real build says: whom to call, per development manager
    con = duckdb.connect(str(live.cfg.published_path), read_only=True)
    rows = con.execute(
        "SELECT m.email, r.name FROM report_declining_partners r "
        "JOIN managers m ON m.manager_id = r.development_manager_id "
        "WHERE m.email IS NOT NULL"
    ).fetchall()
    all_names = {r[0] for r in con.execute("SELECT name FROM report_declining_partners").fetchall()}
    con.close()
    expected: dict[str, set[str]] = {}
    for address, name in rows:
        expected.setdefault(address, set()).add(name)
    assert expected, "the xs company should have declining partners as of 2026-11-28"

    controller = Controller(Inbox(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        digest = DigestConfig.model_validate(
            {
                "enabled": True,
                "smtp_host": "127.0.0.1",
                "smtp_port": controller.port,
                "from": "reports@example.ru",
                "head_of_sales": ["head@example.ru"],
            }
        )
        report = send_digests(live.cfg.model_copy(update={"digest": digest}))
    finally:
        controller.stop()
    by_recipient = {tuple(rcpt): msg for rcpt, msg in received}
    assert report.emails_sent == len(received)
    assert set(by_recipient) == {(a,) for a in expected} | {("head@example.ru",)}
    for address, names in expected.items():
        text = by_recipient[(address,)].get_body(preferencelist=("plain",)).get_content()
        assert all(name in text for name in names), (address, names)
        assert not any(other in text for other in all_names - names), address


def test_a_refresh_that_finds_no_change_rebuilds_nothing_and_a_change_after_it_rebuilds(live):
    from salesglass.refresh.build_step import NO_CHANGE

    http = live.client()
    journal = runs_path_for(live.cfg.warehouse_path)
    settle = run_in_worker(live.cfg, default_steps(live.cfg), trigger="test")  # whatever earlier tests left
    assert settle.ok, settle.error
    published = live.cfg.published_path
    before_bytes, before_stat, built_before = published.read_bytes(), published.stat(), _built_at(http)

    quiet = run_in_worker(live.cfg, default_steps(live.cfg), trigger="test")
    assert quiet.ok, quiet.error
    assert quiet.changed is False and NO_CHANGE in quiet.notes
    # nothing was published: the very same file, and the dashboard still shows the same build
    assert published.stat().st_mtime_ns == before_stat.st_mtime_ns and published.read_bytes() == before_bytes
    assert _built_at(http) == built_before
    # the run log says so, step by step
    run = read_runs(journal, limit=1)[0]
    assert run.run_id == quiet.run_id and run.changed is False and NO_CHANGE in run.notes
    assert {s.step: s.changed for s in run.steps} == {
        "amocrm_sync": False,
        "platform_load": False,
        "link": False,
        "build": False,
    }

    # a lead moved in amoCRM: the next refresh rebuilds, and the page shows the move
    deals = _deals(http)
    open_ids = sorted(i for i, row in deals.items() if row["status"] == "Open")
    lead_id = open_ids[0]
    live.emulator.move(lead_id, 143)  # lost
    moved = run_in_worker(live.cfg, default_steps(live.cfg), trigger="test")
    assert moved.ok, moved.error
    assert moved.changed is True and NO_CHANGE not in moved.notes
    assert _built_at(http) != built_before
    assert _deals(http)[lead_id]["status"] == "Lost"


def test_a_lead_moved_in_amocrm_reaches_the_page_through_the_webhook_amocrm_sends(live):
    http = live.client()
    deals = _deals(http)
    lead_id = max(i for i, row in deals.items() if row["status"] == "Open")
    hook = f"{live.url}/hooks/amocrm/{WEBHOOK_SECRET}"
    live.emulator.add_webhook(hook)
    try:
        live.emulator.move(lead_id, 142)  # won; the emulator POSTs amoCRM's webhook to the dashboard
        assert wait_for(lambda: _deals(http)[lead_id]["status"] == "Won", 120, every=0.3), "the move never showed"
    finally:
        live.emulator.remove_webhook(hook)
    sent = live.emulator.emulator.webhooks.sent
    assert [(s.url, s.status, s.leads) for s in sent] == [(hook, 200, 1)]
    journal = runs_path_for(live.cfg.warehouse_path)
    assert wait_for(lambda: read_runs(journal, limit=1)[0].ok is not None, 30)
    last = read_runs(journal, limit=1)[0]
    assert (last.trigger, last.ok, last.changed) == ("webhook", True, True)
