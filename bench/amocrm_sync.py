"""Benchmark the amoCRM connector against the emulator at amoCRM's true limits (7 requests/s, ban rule on).

Run: python bench/amocrm_sync.py [--company DIR] [--rate 6]
  DIR: a generated company (default /tmp/mine-m; `salesglass generate --scale m --out /tmp/mine-m`).
Prints, for a full sync: records per second and the achieved request rate against the emulator's limit
(target ≥ 90% of the configured rate, zero 429s); then, after 1% of the leads changed, the requests an
incremental sync used (target: proportional to the change, plus a fixed handful for reference lists).
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
from salesglass.sources.amocrm.sync import run_sync


def _serve(company: str, urls, stop) -> None:  # the emulator in its own process, as a real server is
    handle = start_emulator(Path(company))  # amoCRM's own limits: 7 per 1 s, ban after 10 × 429 in 10 s
    urls.put(handle.url)
    stop.wait()
    handle.stop()


def _lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for _ in f)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--company", type=Path, default=Path("/tmp/mine-m"))
    ap.add_argument("--rate", type=float, default=6.0, help="client rate limit, requests per second")
    ap.add_argument("--change", type=float, default=0.01, help="share of leads changed before the incremental run")
    args = ap.parse_args()
    if not (args.company / "amocrm" / "leads.jsonl").exists():
        sys.exit(f"{args.company} holds no generated company; run `salesglass generate --scale m --out {args.company}`")
    manifest = json.loads((args.company / "manifest.json").read_text()) if (args.company / "manifest.json").exists() \
        else {}
    work = Path(tempfile.mkdtemp(prefix="bench-amocrm-"))
    ctx = multiprocessing.get_context("spawn")
    urls, stop = ctx.Queue(), ctx.Event()
    server = ctx.Process(target=_serve, args=(str(args.company), urls, stop), daemon=True)
    server.start()
    url = urls.get(timeout=600)
    try:
        data = tomllib.loads(amocrm_section(args.company))
        oauth = json.loads((args.company / "amocrm" / "oauth.json").read_text())
        (work / "token.json").write_text(json.dumps({"long_lived_token": oauth["long_lived_token"]}))
        data["amocrm"].update(base_url=url, auth="long_lived", token_path=str(work / "token.json"),
                              rate_limit=args.rate)
        for key in ("client_id", "client_secret", "redirect_uri"):
            data["amocrm"].pop(key, None)
        data["warehouse"] = {"path": str(work / "wh.duckdb")}
        cfg = parse_config(data, base_dir=work)
        amo = args.company / "amocrm"
        leads = _lines(amo / "leads.jsonl")
        print(f"company {args.company} (scale {manifest.get('scale', '?')}): {leads} leads, "
              f"{_lines(amo / 'companies.jsonl')} companies, {_lines(amo / 'events.jsonl')} events")
        print(f"client rate limit {args.rate}/s; emulator (own process) limit 7 per 1 s, ban after 10 × 429 in 10 s")

        full = run_sync(cfg, progress=False)
        records = sum(full.fetched.get(k, 0) for k in ("companies", "companies_deleted", "leads", "leads_deleted",
                                                       "events"))
        stats = httpx.get(f"{url}/_emulator/stats").json()
        print("\nFULL SYNC")
        print(full.render())
        print(f"records/s (download): {records / full.fetch_seconds:.0f}   records/s (end to end, incl. mapping): "
              f"{records / full.seconds:.0f}")
        print(f"achieved request rate {full.request_rate:.2f}/s = {full.request_rate / args.rate:.1%} of the "
              f"configured {args.rate}/s = {full.request_rate / 7:.1%} of the emulator's limit; "
              f"429s: {full.rate_limited} (emulator counted {stats['429']}); banned: {stats['banned']}")

        started = time.monotonic()
        change = httpx.post(f"{url}/_emulator/advance", json={"change_fraction": args.change, "seed": 1},
                            timeout=600).json()
        print(f"\nadvanced the account in {time.monotonic() - started:.1f}s: {change['moved']} moved, "
              f"{change['added']} added, {change['edited']} edited, {change['deleted']} deleted "
              f"({len(change['lead_ids'])} leads = {len(change['lead_ids']) / leads:.2%})")
        inc = run_sync(cfg, progress=False)
        print("\nINCREMENTAL SYNC")
        print(inc.render())
        print(f"requests: {inc.requests} for {len(change['lead_ids'])} changed leads "
              f"(full sync: {full.requests}); {inc.requests / full.requests:.1%} of a full sync")
    finally:
        stop.set()
        server.join(timeout=30)

if __name__ == "__main__":
    main()
