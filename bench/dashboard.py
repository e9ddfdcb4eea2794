# ruff: noqa: E501  (the synthetic data is one SQL script; its lines read best unbroken)
"""Dashboard benchmark: server time of every page, drill-down and Excel download on a scale-`m` published file.

By default the published file is synthesised with DuckDB SQL at the sizes of scale `m` (10M sales rows,
30 000 deals, 10 000 partners, 40 managers, 3 years) — report tables aggregated from those rows so their
sizes are realistic; it is kept in bench/out/ and reused. `--published FILE` uses a real build instead
(e.g. the one bench/pipeline.py leaves in /tmp/sg-pipeline/salesglass-reports.duckdb).
Server time is the app's own `Server-Timing` header (uvicorn in a separate process, loopback HTTP).

    python bench/dashboard.py [--requests 20] [--clients 20] [--rebuild] [--no-cache] [--published FILE] [--workers N]
        [--json]

`client p95` is the time the client waited (loopback HTTP included): with several workers a request can
also wait in the kernel for a free worker, which the server's own time would not show. `first` is each URL's first request on the fresh server
(an empty response cache; the server has opened and warmed the file in the background, `/health` "warmed"); `--clients 0` skips the concurrent part;
`--json` ends with the sequential figures as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

SALES, DEALS, PARTNERS, MANAGERS = 10_000_000, 30_000, 10_000, 40

SYNTH = f"""
CREATE TABLE managers AS SELECT i AS manager_id, 'Manager ' || i AS name, 'm' || i || '@bench.test' AS email,
  CASE WHEN i % 2 = 0 THEN 'sales' ELSE 'development' END AS role, i % 13 <> 0 AS is_active
  FROM range(1, {MANAGERS} + 1) t(i);
CREATE TABLE partners AS SELECT 'P' || i AS partner_id, 'Partner ' || i AS name,
  CASE WHEN i % 3 = 0 THEN 'operator' ELSE 'organizer' END AS kind, NULL::TEXT AS inn,
  TIMESTAMPTZ '2023-01-01 00:00:00+00' + to_days((i % 1000)::INT) AS created_at,
  NULL::TIMESTAMPTZ AS contract_signed_at, NULL::TIMESTAMPTZ AS widget_installed_at,
  CASE WHEN i % 17 = 0 THEN NULL ELSE 1 + i % {MANAGERS} END::BIGINT AS development_manager_id,
  i % 97 = 0 AS is_support FROM range({PARTNERS}) t(i);
CREATE TABLE sales AS SELECT 's' || i AS sale_id,
  CASE WHEN i % 50 = 0 THEN NULL ELSE 'P' || (hash(i) % {PARTNERS}) END AS partner_id, 'e' || (i % 5000) AS event_id,
  TIMESTAMPTZ '2023-03-16 00:00:00+00' + to_microseconds((i * (1096 * 86400000000 // {SALES}))::BIGINT) AS sold_at,
  (1 + i % 4)::INTEGER AS tickets, (500 + i % 3000)::DECIMAL(18,2) AS turnover,
  ((500 + i % 3000) * 0.08)::DECIMAL(18,2) AS revenue, ((500 + i % 3000) * 0.03)::DECIMAL(18,2) AS cost,
  'widget' AS channel FROM range({SALES}) t(i);
CREATE TABLE deals AS SELECT 100000 + i AS deal_id, 'Deal ' || i AS name, 7::BIGINT AS pipeline_id, 10::BIGINT AS status_id,
  'lead' AS stage, (100000 + i % 900000)::DECIMAL(18,2) AS price, (1 + i % {MANAGERS})::BIGINT AS sales_manager_id,
  CASE WHEN i % 5 = 0 THEN NULL ELSE 'P' || (i % {PARTNERS}) END AS partner_id,
  CASE WHEN i % 3 = 0 THEN 'operator' WHEN i % 7 = 0 THEN NULL ELSE 'organizer' END AS client_kind,
  i % 4 = 0 AS is_cold, TIMESTAMPTZ '2023-03-16 09:00:00+00' + to_minutes((i * 52)::BIGINT) AS created_at,
  NULL::TIMESTAMPTZ AS updated_at, NULL::TIMESTAMPTZ AS closed_at, i % 6 = 5 AS is_won, i % 6 = 1 AS is_lost,
  NULL::TEXT AS loss_reason, i % 101 = 0 AS is_deleted, NULL::BIGINT AS company_id, NULL::TEXT AS platform_account_id
  FROM range({DEALS}) t(i);
UPDATE deals SET closed_at = created_at + INTERVAL 20 DAY WHERE is_won OR is_lost;
CREATE TABLE deal_stages AS SELECT d.deal_id, s.stage, d.created_at + to_days((5 * s.k)::INT) AS reached_at,
  CASE WHEN s.k = 0 THEN 'created' ELSE 'amocrm' END AS source
  FROM deals d, (SELECT * FROM (VALUES (0, 'lead'), (1, 'negotiation'), (2, 'proposal'), (3, 'contract_signed'),
                                        (4, 'widget_installed'), (5, 'first_sale')) v(k, stage)) s
  WHERE s.k <= (d.deal_id % 6) AND d.created_at + to_days((5 * s.k)::INT) <= TIMESTAMPTZ '2026-03-15 20:00:00+00';
CREATE TABLE plans AS SELECT (DATE '2023-04-01' + to_months(m))::DATE AS month, NULL::BIGINT AS manager_id,
  'turnover' AS metric, 150000000.00::DECIMAL(18,2) AS realistic, 180000000.00::DECIMAL(18,2) AS optimistic FROM range(36) t(m);
CREATE TABLE companies (company_id BIGINT, name TEXT, inn TEXT, platform_account_id TEXT, responsible_user_id BIGINT,
  is_deleted BOOLEAN);
CREATE TABLE deal_partner_links AS SELECT deal_id, partner_id, 'account_id' AS method, 100.0 AS score FROM deals
  WHERE partner_id IS NOT NULL;
CREATE TABLE link_suggestions AS SELECT deal_id, 'P' || (deal_id % 977) AS partner_id, 92.5 AS score, name AS deal_name,
  'Partner ' || (deal_id % 977) AS partner_name FROM deals WHERE partner_id IS NULL LIMIT 500;
CREATE TABLE quarantine AS SELECT 'platform' AS source, 'sales' AS entity, 'q' || i AS source_key,
  CASE WHEN i % 3 = 0 THEN 'tickets is not an integer' ELSE 'sold_at is missing' END AS reason,
  '{{"x": 1}}'::JSON AS raw, now() AS seen_at FROM range(2000) t(i);

CREATE TEMP VIEW d AS SELECT *, timezone('Europe/Moscow', created_at) AS loc, coalesce(client_kind, 'unknown') AS ck
  FROM deals WHERE NOT is_deleted;
CREATE TEMP VIEW st AS SELECT s.*, timezone('Europe/Moscow', s.reached_at) AS loc FROM deal_stages s;
CREATE TABLE report_weekly AS SELECT week_start, ck AS client_kind, sum(c) AS deals_created, sum(w) AS widget_installed,
  sum(f) AS first_sale FROM (
  SELECT date_trunc('week', loc)::DATE AS week_start, ck, 1 AS c, 0 AS w, 0 AS f FROM d
  UNION ALL SELECT date_trunc('week', st.loc)::DATE, d.ck, 0, (st.stage = 'widget_installed')::INT,
    (st.stage = 'first_sale')::INT FROM st JOIN d USING (deal_id) WHERE st.stage IN ('widget_installed', 'first_sale'))
  GROUP BY ALL;
CREATE TABLE report_monthly_deals AS SELECT date_trunc('month', loc)::DATE AS month, ck AS client_kind,
  count(*) AS deals_created, count(*) FILTER (WHERE is_won) AS deals_won,
  coalesce(sum(price) FILTER (WHERE is_won), 0)::DECIMAL(18,2) AS annual_budget_won,
  count(*) FILTER (WHERE deal_id % 6 = 5) AS created_reached_first_sale FROM d GROUP BY ALL;
CREATE TABLE report_funnel AS SELECT date_trunc('month', d.loc)::DATE AS cohort_month, d.sales_manager_id,
  d.ck AS client_kind, st.stage, list_position(['lead','negotiation','proposal','contract_signed','widget_installed',
  'first_sale'], st.stage) AS stage_order, count(*) AS deals,
  sum(date_diff('second', d.created_at, st.reached_at) / 86400.0) AS days_to_reach_sum,
  count(*) FILTER (WHERE d.is_lost AND st.stage = (['lead','negotiation','proposal','contract_signed',
  'widget_installed','first_sale'])[1 + d.deal_id % 6]) AS lost_at_stage
  FROM st JOIN d USING (deal_id) GROUP BY ALL;
CREATE TEMP TABLE pm AS SELECT s.partner_id, date_trunc('month', timezone('Europe/Moscow', s.sold_at))::DATE AS month,
  sum(turnover) AS turnover, sum(revenue) AS revenue, sum(cost) AS cost, sum(tickets) AS tickets
  FROM sales s GROUP BY ALL;
CREATE TEMP TABLE mm AS SELECT p.development_manager_id AS manager_id, pm.month, sum(turnover) AS turnover,
  sum(revenue) AS revenue, sum(cost) AS cost, sum(tickets) AS tickets FROM pm LEFT JOIN partners p USING (partner_id)
  GROUP BY GROUPING SETS ((p.development_manager_id, pm.month), (pm.month));
CREATE TABLE report_plan_fact AS SELECT pt.period_type, CASE pt.period_type WHEN 'month' THEN month
  WHEN 'quarter' THEN date_trunc('quarter', month)::DATE ELSE date_trunc('year', month)::DATE END AS period_start,
  manager_id, m.metric, sum(CASE m.metric WHEN 'turnover' THEN turnover WHEN 'revenue' THEN revenue WHEN 'cost' THEN cost
  WHEN 'margin' THEN revenue - cost WHEN 'tickets' THEN tickets WHEN 'margin_pct' THEN 37.5 ELSE 3 END)::DECIMAL(18,2) AS fact,
  (sum(turnover) * 1.1)::DECIMAL(18,2) AS plan_realistic, (sum(turnover) * 1.3)::DECIMAL(18,2) AS plan_optimistic,
  sum(turnover)::DECIMAL(18,2) AS forecast, max(month) < DATE '2026-03-01' AS is_complete
  FROM mm, (VALUES ('month'), ('quarter'), ('year')) pt(period_type),
  (VALUES ('turnover'), ('revenue'), ('cost'), ('margin'), ('margin_pct'), ('tickets'), ('new_partners')) m(metric)
  GROUP BY ALL;
CREATE TABLE report_new_partners AS SELECT date_trunc('month', st.loc)::DATE AS month, d.sales_manager_id,
  d.ck AS client_kind, count(*) FILTER (WHERE st.stage = 'contract_signed') AS contracts_signed,
  count(*) FILTER (WHERE st.stage = 'widget_installed') AS widgets_installed,
  count(*) FILTER (WHERE st.stage = 'first_sale') AS first_sales,
  count(*) FILTER (WHERE st.stage = 'contract_signed' AND d.deal_id % 6 = 5) AS signed_then_selling
  FROM st JOIN d USING (deal_id) WHERE st.stage IN ('contract_signed', 'widget_installed', 'first_sale') GROUP BY ALL;
CREATE TABLE report_sales_share AS SELECT pm.month, CASE WHEN pm.partner_id IS NULL OR p.is_support THEN 'support'
  WHEN p.partner_id IS NULL THEN 'unknown' WHEN m.is_active THEN 'manager' ELSE 'empty' END AS bucket,
  CASE WHEN m.is_active AND NOT p.is_support THEN p.development_manager_id END AS manager_id,
  sum(pm.turnover)::DECIMAL(18,2) AS turnover, sum(pm.revenue)::DECIMAL(18,2) AS revenue, sum(pm.tickets) AS tickets
  FROM pm LEFT JOIN partners p USING (partner_id) LEFT JOIN managers m ON m.manager_id = p.development_manager_id
  GROUP BY ALL;
CREATE TEMP TABLE fs AS SELECT partner_id, min(month) AS cohort_month FROM pm WHERE partner_id IS NOT NULL GROUP BY 1;
CREATE TABLE report_cohorts AS SELECT fs.cohort_month, p.kind,
  (date_diff('month', fs.cohort_month, pm.month))::INTEGER AS month_offset,
  max(c.n) AS partners, count(*) FILTER (WHERE pm.tickets > 0) AS active_partners,
  sum(pm.turnover)::DECIMAL(18,2) AS turnover, sum(pm.revenue)::DECIMAL(18,2) AS revenue, sum(pm.tickets) AS tickets
  FROM pm JOIN fs USING (partner_id) JOIN partners p USING (partner_id)
  JOIN (SELECT cohort_month, kind, count(*) AS n FROM fs JOIN partners USING (partner_id) GROUP BY ALL) c
    ON c.cohort_month = fs.cohort_month AND c.kind = p.kind
  GROUP BY ALL;
CREATE TABLE report_declining_partners AS SELECT DATE '2026-03-15' AS as_of, partner_id, name, kind,
  development_manager_id, 40000.00::DECIMAL(18,2) AS baseline_28d, (10000 + (hash(partner_id) % 15000))::DECIMAL(18,2)
  AS recent_28d, 50.00::DECIMAL(18,2) AS decline_pct FROM partners WHERE hash(partner_id) % 31 = 0;
CREATE TABLE report_bonus_lines AS SELECT pm.month, p.development_manager_id AS manager_id, 'development' AS role,
  'growth' AS rule, pm.partner_id, NULL::BIGINT AS deal_id, pm.revenue::DECIMAL(18,2) AS base, 0.05::DECIMAL(9,4) AS rate,
  NULL::DECIMAL(9,4) AS multiplier, round(pm.revenue * 0.05, 2)::DECIMAL(18,2) AS amount
  FROM pm JOIN partners p USING (partner_id) WHERE p.development_manager_id IS NOT NULL AND hash(pm.partner_id, pm.month) % 4 = 0;
CREATE TABLE report_bonus_summary AS SELECT month, manager_id, 0.00::DECIMAL(18,2) AS sales_bonus,
  sum(amount)::DECIMAL(18,2) AS development_bonus, sum(amount)::DECIMAL(18,2) AS total, count(*) AS lines
  FROM report_bonus_lines GROUP BY ALL;
CREATE TABLE report_data_quality AS SELECT source, entity, reason, count(*) AS rows FROM quarantine GROUP BY ALL;
CREATE TABLE build_info AS SELECT DATE '2026-03-15' AS as_of, now() AS built_at, 'Europe/Moscow' AS timezone,
  'duckdb (synthetic bench)' AS engine, '{SALES}' AS sales_rows;
"""


def synthesize(path: Path) -> None:
    from salesglass.warehouse import connect

    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    started = time.time()
    con = connect(tmp)
    con.execute(SYNTH)
    con.execute("CHECKPOINT")
    counts = {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("sales", "deals", "partners", "deal_stages", "report_funnel", "report_bonus_lines", "report_cohorts")
    }
    con.close()
    os.replace(tmp, path)
    print(f"synthesised {path} in {time.time() - started:.0f}s: {counts}")


URLS = {
    "sales": "/sales",
    "funnel": "/funnel",
    "funnel (manager, kind)": "/funnel?manager=2&kind=organizer&from=2025-01&to=2026-03",
    "planfact": "/planfact",
    "planfact (year)": "/planfact?period=year",
    "partners": "/partners",
    "cohorts": "/cohorts?from=2023-03&to=2026-03",
    "bonuses": "/bonuses",
    "quality": "/quality",
    "drill deals (month)": "/drill/deals?basis=created&since=2026-01-01&until=2026-02-01",
    "drill deals (cohort stage)": "/drill/deals?basis=cohort&stage=first_sale&since=2025-10-01&until=2026-04-01",
    "drill partners (sales, month)": "/drill/partners?basis=sales&since=2026-02-01&until=2026-03-01&manager=3",
    "drill partners (cohort)": "/drill/partners?basis=cohort&since=2025-06-01&until=2025-07-01",
    "drill bonus lines": "/drill/bonus?manager=3&since=2025-01-01&until=2026-04-01",
    "excel: sales": "/sales/export.xlsx",
    "excel: bonuses": "/bonuses/export.xlsx",
}


def _server(root: Path, published: Path, port: int, cache: bool, workers: int = 1) -> subprocess.Popen:
    cfg = root / "salesglass.toml"
    cfg.write_text(
        f'[warehouse]\npublished_path = "{published}"\n[dashboard]\nport = {port}\n'
        f'users_path = "users.json"\nsecret_path = "secret"\ncache_entries = {256 if cache else 0}\n',
        encoding="utf-8",
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "salesglass",
            "users",
            "add",
            "bench@bench.test",
            "--role",
            "admin",
            "--password-stdin",
            "-c",
            str(cfg),
        ],
        input="bench-pass-1\n",
        text=True,
        check=True,
        env=env,
        capture_output=True,
    )
    return subprocess.Popen(
        [sys.executable, "-m", "salesglass", "serve", "-c", str(cfg), "--no-refresh"]
        + (["--workers", str(workers)] if workers > 1 else []),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _client(base: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=60)
    page = c.get("/login").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    r = c.post("/login", data={"email": "bench@bench.test", "password": "bench-pass-1", "csrf_token": token})
    assert r.status_code in (200, 303), r.status_code
    return c


def _timed(c: httpx.Client, url: str) -> tuple[float, int, float]:
    started = time.perf_counter()
    r = c.get(url)
    waited = (time.perf_counter() - started) * 1000
    dur = float(r.headers.get("server-timing", "app;dur=nan").split("dur=")[1])
    return dur, r.status_code, waited


def _stats(values: list[float]) -> tuple[float, float]:
    v = sorted(values)
    return statistics.median(v), v[min(len(v) - 1, max(0, round(0.95 * len(v)) - 1))]


def _line(name: str, runs: list[tuple[float, int, float]]) -> None:
    med, p95 = _stats([d for d, _, _ in runs])
    _, client_p95 = _stats([w for _, _, w in runs])
    errors = sum(1 for _, s, _ in runs if s != 200)
    print(f"{name:34} {med:8.1f} {p95:8.1f} {client_p95:11.1f} {errors:7d}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=20, help="sequential requests per URL")
    ap.add_argument("--clients", type=int, default=20, help="concurrent clients")
    ap.add_argument("--rebuild", action="store_true", help="synthesise the published file again")
    ap.add_argument("--no-cache", action="store_true", help="render every request ([dashboard].cache_entries = 0)")
    ap.add_argument("--published", type=Path, help="use this published file (e.g. a real build) instead")
    ap.add_argument("--workers", type=int, default=1, help="dashboard worker processes (salesglass serve --workers)")
    ap.add_argument("--json", action="store_true", help="end with the sequential figures as one JSON line")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    published = args.published or OUT / "dashboard-m.duckdb"
    if not args.published and (args.rebuild or not published.exists()):
        synthesize(published)
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        proc = _server(Path(tmp), published, port, not args.no_cache, args.workers)
        print(
            f"response cache: {'off' if args.no_cache else 'on (256 entries)'}; {args.workers} worker process(es); "
            f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
        )
        try:
            for _ in range(600):
                try:
                    if httpx.get(base + "/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            # `first` = each URL's first request once the server has opened and warmed the published file in
            # the background (`/health` says so; a server without the warm-up never does: 30 s at most)
            deadline, warm_answers = time.time() + 30, 0  # each worker answers some of the checks
            # /health names the build and its warm-up only to a login; a new connection each time reaches each worker
            cookies = _client(base).cookies
            while time.time() < deadline and warm_answers < 4 * args.workers:
                warmed = httpx.get(base + "/health", cookies=cookies).json().get("warmed", False)
                warm_answers = warm_answers + 1 if warmed else 0
                time.sleep(0 if warmed else 0.2)
            first: dict[str, float] = {}
            for c in [_client(base) for _ in range(4 * args.workers)]:  # every worker opens the file first
                for name, url in URLS.items():
                    first.setdefault(name, _timed(c, url)[0])
            client = _client(base)
            for url in URLS.values():  # warm-up: first open of the file, page caches
                client.get(url)
            print(f"\nsequential ({args.requests} requests per URL), server time in ms")
            header = f"{'page':34} {'median':>8} {'p95':>8} {'client p95':>11} {'errors':>7}"
            print(header)
            figures = {}
            for name, url in URLS.items():
                runs = [_timed(client, url) for _ in range(args.requests)]
                _line(name, runs)
                med, p95 = _stats([d for d, _, _ in runs])
                errors = sum(1 for _, s, _ in runs if s != 200)
                figures[name] = {"first": first[name], "median": med, "p95": p95, "errors": errors}
            if args.json:
                print(json.dumps(figures))
            if not args.clients:
                return
            results: dict[str, list[tuple[float, int, float]]] = {n: [] for n in URLS}
            clients = [_client(base) for _ in range(args.clients)]
            per_client = max(1, args.requests // 4)

            def work(c: httpx.Client, offset: int) -> None:
                names = list(URLS)
                for i in range(per_client * len(names)):
                    name = names[(i + offset) % len(names)]
                    results[name].append(_timed(c, URLS[name]))

            started = time.time()
            threads = [threading.Thread(target=work, args=(c, i)) for i, c in enumerate(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            total = sum(len(v) for v in results.values())
            print(
                f"\n{args.clients} concurrent clients ({total} requests in {time.time() - started:.1f}s), "
                "server time in ms"
            )
            print(header)
            for name, runs in results.items():
                _line(name, runs)
            print(f"load average {os.getloadavg()[0]:.1f}")
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
