"""Soak benchmark: the dashboard under load while the data refreshes every 10 s against a faulty amoCRM.

    .venv/bin/python bench/soak.py [--minutes 10] [--every 10] [--error-rate 0.05] [--scale s] [--keep]

What it does, and what "pass" means:
1. generates the simulated company, serves its amoCRM from the emulator, authorizes by OAuth and runs a
   full refresh (sync, load, link, build) — the demo's path; then the emulator injects `error_rate` 5xx;
2. `salesglass serve`'s own wiring (`serving(cfg, refresh=True)`) in this process: the dashboard on a
   loopback port and a refresh every `--every` seconds in worker processes, while the emulator's
   account moves forward an hour (new leads, moves, edits, deletions) every `--every` seconds;
3. a client logged in as an admin loads every dashboard page and a drill-down in a loop: **no page may
   fail** (anything but 200, or a connection error);
4. at the end: faults off, one last incremental refresh, then a **fresh full sync** into a separate
   warehouse: deals/sales/deal_stages/partners must match row for row — no lost, duplicated or stale row
   (a deal deleted in amoCRM is compared by id and is_deleted only: a fresh sync sees only the tombstone);
5. the serving process's memory (RSS) is sampled: **flat** means the last quarter's median is within
   20% of the first quarter's median.

A refresh still running when the soak stops is terminated (`killed by signal 15`): reported apart,
not as a failure.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo's salesglass, as the other benches

PIECES = {
    "generator": "salesglass.simulate.generate:ensure_company",
    "emulator": "salesglass.emulator.server:start_emulator",
    "amoCRM connector": "salesglass.sources.amocrm.sync:run_sync",
    "platform load": "salesglass.sources.platform.load:run_load",
    "linking": "salesglass.link.run:run_link",
    "report builder": "salesglass.reports.build:run_build",
    "dashboard": "salesglass.serve.web.app:create_app",
    "demo config": "salesglass.demo.config:demo_config_text",
}
COMPARED = {"deals": "deal_id", "sales": "sale_id", "deal_stages": "deal_id, stage", "partners": "partner_id"}
# A lead deleted after we saw it keeps its last known values here, while a fresh sync only sees amoCRM's trash
# tombstone (id + is_deleted, every other field null: docs/amocrm.md, deleted leads). So deleted deals are compared by
# (deal_id, is_deleted) only; live deals column by column.
VIEWS = {
    "deals": "(SELECT deal_id, is_deleted, to_json(d)::VARCHAR AS row FROM {db}.deals d "
    "WHERE NOT coalesce(is_deleted, false) "
    "UNION ALL SELECT deal_id, is_deleted, NULL FROM {db}.deals WHERE is_deleted)"
}


def need(name: str):
    target = PIECES[name]
    module, _, attr = target.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        sys.exit(
            f"soak: the {name} ({target}) is not available in this checkout: {exc}. "
            "Run this benchmark after every branch is merged."
        )


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page_paths() -> list[str]:
    """Every dashboard page (the dashboard's own page list, so nothing is guessed) and a drill-down."""
    from salesglass.serve.web.pages import PAGES

    return [f"/{name}" for name in PAGES] + ["/drill/deals?basis=all", "/health"]


def log_in(http, user: str, password: str) -> None:
    """The login form as a browser submits it (its CSRF token comes with the form)."""
    import re

    form = http.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    r = http.post(
        "/login", data={"email": user, "password": password, "next": "/", "csrf_token": token.group(1) if token else ""}
    )
    if r.status_code != 303:
        raise RuntimeError(f"login failed: HTTP {r.status_code}")


def load_pages(base: str, paths: list[str], stop: threading.Event, user: str, password: str, stats: dict) -> None:
    """Load every page in a loop as a logged-in admin; anything but 200 is a failure."""
    import httpx

    with httpx.Client(base_url=base, timeout=60, follow_redirects=False) as http:
        try:
            log_in(http, user, password)
        except Exception as exc:
            stats["failures"].append(f"login: {exc}")
            return
        while not stop.is_set():
            for path in paths:
                started = time.perf_counter()
                try:
                    r = http.get(path)
                    if r.status_code != 200:
                        stats["failures"].append(f"{path}: HTTP {r.status_code}")
                except Exception as exc:
                    stats["failures"].append(f"{path}: {type(exc).__name__}: {exc}")
                stats["pages"] += 1
                stats["latency"].append(time.perf_counter() - started)


def _relation(db: str, table: str) -> str:
    """The rows of `table` in attached database `db` that a fresh full sync can reproduce (see VIEWS)."""
    return VIEWS.get(table, "{db}." + table).format(db=db)


def compare_with_fresh_sync(cfg, fresh_cfg) -> list[str]:
    """Row-for-row comparison of the soaked warehouse with a fresh full sync; returns the differences."""
    import duckdb

    problems = []
    con = duckdb.connect()
    con.execute(f"ATTACH '{cfg.warehouse_path}' AS soaked (READ_ONLY)")
    con.execute(f"ATTACH '{fresh_cfg.warehouse_path}' AS fresh (READ_ONLY)")
    for table, key in COMPARED.items():
        dupes = con.execute(f"SELECT count(*) - count(DISTINCT ({key})) FROM soaked.{table}").fetchone()[0]
        soaked, fresh = _relation("soaked", table), _relation("fresh", table)
        lost = con.execute(f"SELECT count(*) FROM (SELECT * FROM {fresh} EXCEPT SELECT * FROM {soaked})").fetchone()[0]
        extra = con.execute(f"SELECT count(*) FROM (SELECT * FROM {soaked} EXCEPT SELECT * FROM {fresh})").fetchone()[0]
        rows = con.execute(f"SELECT count(*) FROM soaked.{table}").fetchone()[0]
        print(f"  {table}: {rows} rows, duplicated keys {dupes}, missing vs fresh {lost}, differing/extra {extra}")
        if dupes or lost or extra:
            problems.append(f"{table}: {dupes} duplicated, {lost} missing, {extra} differing")
    con.close()
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--every", type=float, default=10, help="seconds between refreshes")
    ap.add_argument("--error-rate", type=float, default=0.05)
    ap.add_argument("--scale", default="s")
    ap.add_argument("--keep", action="store_true", help="keep the working folder")
    args = ap.parse_args()

    ensure_company, _ = need("generator"), need("emulator")
    for piece in ("amoCRM connector", "platform load", "linking", "report builder", "dashboard", "demo config"):
        need(piece)
    import uvicorn

    from salesglass.config import load_config
    from salesglass.demo.amocrm import demo_sync
    from salesglass.demo.config import demo_config_text
    from salesglass.refresh.runner import default_steps, run_refresh
    from salesglass.runs import read_runs, runs_path_for
    from salesglass.serve.cli import serving
    from salesglass.serve.users import UserStore

    work = Path(tempfile.mkdtemp(prefix="salesglass-soak-"))
    company = ensure_company(work / "company", scale=args.scale, seed=7)
    config_path = work / "salesglass.toml"
    config_path.write_text(demo_config_text(Path(company).resolve()), encoding="utf-8")
    t0 = time.perf_counter()
    # the demo's path: emulator on a free port, OAuth code exchange, first full sync (no faults yet)
    emulator, _summary = demo_sync(company, config_path, progress=False)
    cfg = load_config(config_path)
    first = run_refresh(cfg, default_steps(cfg), full=True, trigger="soak-initial")
    print(
        f"soak: {work}, scale {args.scale}, emulator {emulator.url}; initial full refresh: "
        f"{'ok' if first.ok else first.error} in {time.perf_counter() - t0:.1f} s"
    )
    if not first.ok:
        return 1
    emulator.set_faults(error_rate=args.error_rate, seed=11)
    user, password = "soak@example.com", "soak-password-123"
    UserStore(cfg.resolve(cfg.dashboard.users_path)).add(user, password, "admin", replace=True)

    port = free_port()
    served = serving(cfg, refresh=True, refresh_interval_seconds=args.every)
    server = uvicorn.Server(uvicorn.Config(served.app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    handle = served.refresher
    stop = threading.Event()
    stats: dict = {"pages": 0, "failures": [], "latency": []}
    paths = page_paths()
    client = threading.Thread(
        target=load_pages, args=(f"http://127.0.0.1:{port}", paths, stop, user, password, stats), daemon=True
    )
    client.start()
    memory, deadline = [rss_mb()], time.time() + args.minutes * 60
    while time.time() < deadline:
        time.sleep(args.every)
        emulator.advance(seconds=3600, change_fraction=0.002)
        memory.append(rss_mb())
        r = handle.last_result
        print(
            f"  t+{args.minutes * 60 - (deadline - time.time()):5.0f}s pages {stats['pages']:6d} "
            f"failures {len(stats['failures'])} refreshes {handle.runs} last "
            f"{'ok' if r and r.ok else (r.error if r else '-')} rss {memory[-1]:.0f} MB",
            flush=True,
        )
    stop.set()
    client.join(30)
    served.stop()
    server.should_exit = True
    counts = dict(emulator.emulator.dice.counts)
    runs = {"ok": 0, "failed": 0, "skipped": 0, "stopped": 0}
    failed_reasons = []
    served_runs = [
        r
        for r in read_runs(runs_path_for(cfg.warehouse_path), limit=100_000)
        if r.trigger in ("schedule", "manual", "nightly", "webhook")
    ]
    for run in served_runs:
        if run is served_runs[0] and run.ok is False and "killed by signal 15" in (run.error or ""):
            runs["stopped"] = 1  # the refresh under way when the soak stopped the scheduler
            continue
        runs["ok" if run.ok else "skipped" if run.skipped else "failed"] += 1
        if run.ok is False and not run.skipped:
            failed_reasons.append(run.error or "?")

    emulator.set_faults()  # no faults for the final comparison
    last = run_refresh(cfg, default_steps(cfg), trigger="soak-final")
    fresh_cfg = cfg.model_copy(deep=True)
    fresh_cfg.warehouse.path = work / "fresh.duckdb"
    fresh_cfg.warehouse.published_path = work / "fresh-reports.duckdb"
    fresh = run_refresh(fresh_cfg, default_steps(fresh_cfg), full=True, trigger="soak-fresh")
    print(f"final incremental: {'ok' if last.ok else last.error}; fresh full sync: {'ok' if fresh.ok else fresh.error}")
    problems = compare_with_fresh_sync(cfg, fresh_cfg) if last.ok and fresh.ok else ["final refreshes failed"]
    emulator.stop()

    q = max(1, len(memory) // 4)
    first_q, last_q = statistics.median(memory[:q]), statistics.median(memory[-q:])
    lat = sorted(stats["latency"]) or [0.0]
    print(
        f"pages {stats['pages']} ({len(paths)} distinct), failed {len(stats['failures'])}, "
        f"p50 {lat[len(lat) // 2] * 1000:.0f} ms, p95 {lat[int(len(lat) * 0.95)] * 1000:.0f} ms, "
        f"max {lat[-1] * 1000:.0f} ms"
    )
    print(
        f"refreshes while serving: {runs['ok']} ok, {runs['failed']} failed, {runs['skipped']} skipped, "
        f"{runs['stopped']} stopped at the end; "
        f"emulator injected {counts.get('5xx', 0)} × 5xx"
    )
    for reason in failed_reasons[:10]:
        print(f"  failed refresh: {reason}")
    print(
        f"memory (RSS of the serving process): start {memory[0]:.0f} MB, end {memory[-1]:.0f} MB; "
        f"first-quarter median {first_q:.0f} MB, last-quarter {last_q:.0f} MB"
    )
    for failure in stats["failures"][:20]:
        print(f"  page failure: {failure}")
    flat = last_q <= first_q * 1.2
    ok = not stats["failures"] and not problems and flat and not runs["failed"]
    print(
        "SOAK "
        + (
            "PASSED"
            if ok
            else "FAILED: "
            + "; ".join(
                problems
                + (["memory grew"] if not flat else [])
                + ([f"{len(stats['failures'])} page failures"] if stats["failures"] else [])
                + ([f"{runs['failed']} refreshes failed"] if runs["failed"] else [])
            )
        )
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
