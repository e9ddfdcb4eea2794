"""Benchmark the amoCRM connector against the emulator at amoCRM's true limits (7 requests/s, ban rule on).

Run: python bench/amocrm_sync.py [--company DIR] [--rate 6] [--latency 0 --latency 0.4:0.1] [--lag 0.05:0.25]
  DIR: a generated company (default /tmp/mine-m; `salesglass generate --scale m --out /tmp/mine-m`).
  --latency SECONDS[:JITTER]: the emulator holds every answer that long, ± the jitter (real amoCRM from
  Russia: 200-600 ms); repeat it to measure several (default: 0 and 0.4 ± 0.1).
  --lag SHARE:SECONDS: that share of requests reaches the emulator that many seconds late, before its rate
  limit counts them (a lost packet resent after TCP's retransmission timeout); default none.
  --page N: read lists N records a page (default: amoCRM's 250, events 100): more requests from a small company.
For each latency, a full sync into a new warehouse (a new emulator process each time): requests, the
achieved request rate against the configured one (target ≥ 95 %), 429s (target 0), the most requests the
emulator saw at once, wall time; then, after 1 % of the leads changed, the requests an incremental sync
used (target: proportional to the change, plus a fixed handful for reference lists).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from salesglass.config import parse_config
from salesglass.demo.config import amocrm_section
from salesglass.emulator.server import start_emulator
from salesglass.sources.amocrm import extract
from salesglass.sources.amocrm.sync import run_sync


def _serve(company: str, urls, stop, slow: float, jitter: float, lag: tuple[float, float]) -> None:  # own process
    # amoCRM's own limits: 7 per 1 s, ban after 10 × 429 in 10 s
    handle = start_emulator(
        Path(company), slow_seconds=slow, slow_jitter=jitter, lag_rate=lag[0], lag_seconds=lag[1], seed=1
    )
    urls.put(handle.url)
    stop.wait()
    handle.stop()


def _lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for _ in f)


def _latency(text: str) -> tuple[float, float]:
    slow, _, jitter = text.partition(":")
    return float(slow), float(jitter or 0)


def run(company: Path, rate: float, change: float, slow: float, jitter: float, lag: tuple[float, float]) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-amocrm-"))
    ctx = multiprocessing.get_context("spawn")
    urls, stop = ctx.Queue(), ctx.Event()
    server = ctx.Process(target=_serve, args=(str(company), urls, stop, slow, jitter, lag), daemon=True)
    server.start()
    url = urls.get(timeout=600)
    label = f"{slow * 1000:.0f} ms" + (f" ± {jitter * 1000:.0f} ms" if jitter else "")
    label += f", {lag[0]:.0%} +{lag[1] * 1000:.0f} ms in" if lag[0] else ""
    try:
        data = tomllib.loads(amocrm_section(company))
        oauth = json.loads((company / "amocrm" / "oauth.json").read_text())
        (work / "token.json").write_text(json.dumps({"long_lived_token": oauth["long_lived_token"]}))
        data["amocrm"].update(base_url=url, auth="long_lived", token_path=str(work / "token.json"), rate_limit=rate)
        for key in ("client_id", "client_secret", "redirect_uri"):
            data["amocrm"].pop(key, None)
        data["warehouse"] = {"path": str(work / "wh.duckdb")}
        cfg = parse_config(data, base_dir=work)

        full = run_sync(cfg, progress=False)
        records = sum(
            full.fetched.get(k, 0) for k in ("companies", "companies_deleted", "leads", "leads_deleted", "events")
        )
        stats = httpx.get(f"{url}/_emulator/stats").json()
        print(f"\nFULL SYNC at emulated latency {label}")
        print(full.render())
        print(
            f"records/s (download): {records / full.fetch_seconds:.0f}   records/s (end to end, incl. mapping): "
            f"{records / full.seconds:.0f}"
        )
        print(
            f"achieved request rate {full.request_rate:.2f}/s = {full.request_rate / rate:.1%} of the configured "
            f"{rate}/s = {full.request_rate / 7:.1%} of the emulator's limit; 429s: {full.rate_limited} "
            f"(emulator counted {stats['429']}); banned: {stats['banned']}; "
            f"{stats['lagged']} requests lagged on the way in; "
            f"at most {stats['max_in_flight']} requests in flight"
        )

        httpx.post(f"{url}/_emulator/advance", json={"change_fraction": change, "seed": 1}, timeout=600).json()
        inc = run_sync(cfg, progress=False)
        print(
            f"incremental sync after {change:.0%} of the leads changed: {inc.requests} requests "
            f"({inc.requests / full.requests:.1%} of the full sync), {inc.seconds:.1f} s, {inc.rate_limited} × 429"
        )
        return {
            "latency": label,
            "requests": full.requests,
            "rate": full.request_rate,
            "share": full.request_rate / rate,
            "429": stats["429"],
            "banned": stats["banned"],
            "in_flight": stats["max_in_flight"],
            "wall": full.seconds,
            "download": full.fetch_seconds,
            "incremental": inc.requests,
        }
    finally:
        stop.set()
        server.join(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--company", type=Path, default=Path("/tmp/mine-m"))
    ap.add_argument("--rate", type=float, default=6.0, help="client rate limit, requests per second")
    ap.add_argument(
        "--lag",
        type=_latency,
        default=(0.0, 0.0),
        help="SHARE:SECONDS of requests held on the way in, before the emulator counts them (e.g. 0.05:0.25)",
    )
    ap.add_argument("--page", type=int, help="records per list page (default: amoCRM's 250; events 100)")
    ap.add_argument("--change", type=float, default=0.01, help="share of leads changed before the incremental run")
    ap.add_argument(
        "--latency",
        type=_latency,
        action="append",
        help="emulated seconds per answer, optionally :jitter (default: 0 and 0.4:0.1)",
    )
    args = ap.parse_args()
    if args.page:
        extract.LIST_LIMIT = extract.EVENT_LIMIT = args.page
    if not (args.company / "amocrm" / "leads.jsonl").exists():
        sys.exit(f"{args.company} holds no generated company; run `salesglass generate --scale m --out {args.company}`")
    manifest = (
        json.loads((args.company / "manifest.json").read_text()) if (args.company / "manifest.json").exists() else {}
    )
    amo = args.company / "amocrm"
    print(
        f"company {args.company} (scale {manifest.get('scale', '?')}): {_lines(amo / 'leads.jsonl')} leads, "
        f"{_lines(amo / 'companies.jsonl')} companies, {_lines(amo / 'events.jsonl')} events"
    )
    print(f"client rate limit {args.rate}/s; emulator (own process) limit 7 per 1 s, ban after 10 × 429 in 10 s")
    started = time.monotonic()
    results = [
        run(args.company, args.rate, args.change, slow, jitter, args.lag)
        for slow, jitter in (args.latency or [(0.0, 0.0), (0.4, 0.1)])
    ]
    print(f"\nSUMMARY (full sync; target ≥ 95 % of {args.rate}/s and 0 × 429 at every latency)")
    print(
        f"{'latency':<30}{'requests':>9}{'rate/s':>8}{f'of {args.rate:g}/s':>8}{'429s':>6}{'in flight':>10}"
        f"{'wall s':>8}{'download s':>11}{'incr. req':>10}"
    )
    for r in results:
        print(
            f"{r['latency']:<30}{r['requests']:>9}{r['rate']:>8.2f}{r['share']:>8.1%}{r['429']:>6}"
            f"{r['in_flight']:>10}{r['wall']:>8.1f}{r['download']:>11.1f}{r['incremental']:>10}"
        )
    print(f"(bench took {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
