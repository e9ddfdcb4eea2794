"""The real pipeline on a generated company, timed per step (run on demand: `python bench/pipeline.py`).

    python bench/pipeline.py [--company /tmp/mine-m] [--workdir /tmp/sg-pipeline] [--rate 50] [--skip-sync]

The steps are the ones `salesglass demo` runs, each in its own child process so that its peak memory
(max RSS from wait4) is its own:
  sync   the amoCRM emulator (own process, real socket) + OAuth code exchange + full sync.
         The rate limit is RAISED for the bench (default 50 requests/s on both sides instead of amoCRM's 7;
         bench/amocrm_sync.py measures the connector at the true limit) — the sync is then bounded by
         the connector and the emulator, not by the limit;
  load   the platform back-office (SQLite: every order row) and plans → canonical tables (rows/s);
  link   deals ↔ partners;
  build  every report, published atomically; compared with the one-pass floor of bench/reports.py
         (sales by partner × Moscow month) on the same warehouse, best of 3.
The company is reused as it is (`salesglass generate --scale m --seed 7 --end 2026-11-27 --out DIR`).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _emulator(company: str, rate: int, urls, stop) -> None:
    from salesglass.emulator.server import start_emulator

    handle = start_emulator(Path(company), rate_limit=rate, ban_after=10 * rate)
    urls.put(handle.url)
    stop.wait()
    handle.stop()


def _config(workdir: Path, url: str | None = None, rate: float | None = None):
    from salesglass.config import load_config

    cfg = load_config(workdir / "salesglass.toml")
    if url:  # raised for the bench: model_copy skips the ≤ 7/s check a user config gets
        cfg = cfg.model_copy(update={"amocrm": cfg.amocrm.model_copy(update={"base_url": url, "rate_limit": rate})})
    return cfg


def step(name: str, workdir: Path, url: str | None, rate: float, as_of: str) -> dict:
    """Child process: one step; returns its figures (printed as the last JSON line)."""
    cfg = _config(workdir, url, rate)
    fig: dict = {}
    started = time.perf_counter()
    if name == "sync":
        from salesglass.sources.amocrm.client import authorize
        from salesglass.sources.amocrm.sync import run_sync

        company = Path(json.loads((workdir / "bench.json").read_text())["company"])
        if cfg.amocrm.auth == "oauth":
            authorize(cfg, json.loads((company / "amocrm" / "oauth.json").read_text())["authorization_code"])
        s = run_sync(cfg, progress=False)
        fig.update(
            records=sum(s.fetched.values()), requests=s.requests, rate=s.request_rate, rate_limited=s.rate_limited
        )
    elif name == "load":
        from salesglass.sources.platform.load import run_load

        s = run_load(cfg, full=True, progress=False)
        fig.update(
            inputs={r.name: [r.read, r.loaded, r.quarantined] for r in s.all}, rows=sum(r.read for r in s.inputs)
        )
    elif name == "link":
        from salesglass.link.run import run_link

        s = run_link(cfg)
        fig.update(summary=str(s)[:300])
    elif name == "build":
        from salesglass.reports.build import run_build

        s = run_build(cfg, as_of=date.fromisoformat(as_of), progress=False)
        fig.update(
            steps={k: round(v, 2) for k, v in s.step_seconds.items()}, published_bytes=cfg.published_path.stat().st_size
        )
    elif name == "floor":
        from bench.reports import floor_sql
        from salesglass.warehouse import connect

        con = connect(cfg.warehouse_path, read_only=True)
        con.execute(floor_sql("floor"))
        con.close()
    fig["seconds"] = time.perf_counter() - started
    return fig


def run_child(name: str, workdir: Path, url: str | None, rate: float, as_of: str) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--step",
        name,
        "--workdir",
        str(workdir),
        "--rate",
        str(rate),
        "--as-of",
        as_of,
    ] + (["--url", url] if url else [])
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"step {name} failed:\n{out}")
    fig = json.loads(out.strip().splitlines()[-1])
    fig.update(peak_gib=usage.ru_maxrss / 2**20, cpu=usage.ru_utime + usage.ru_stime)
    return fig


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--company", type=Path, default=Path("/tmp/mine-m"))
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/sg-pipeline"))
    ap.add_argument("--rate", type=float, default=50.0, help="requests/s, emulator and client (amoCRM: 7)")
    ap.add_argument("--skip-sync", action="store_true", help="reuse the warehouse's amoCRM data")
    ap.add_argument("--only", help="comma-separated steps to run (sync,load,link,build)")
    ap.add_argument("--step")
    ap.add_argument("--url")
    ap.add_argument("--as-of", default="")
    args = ap.parse_args()
    if args.step:
        print(json.dumps(step(args.step, args.workdir, args.url, args.rate, args.as_of), default=str))
        return
    from salesglass.demo.config import demo_config_text

    manifest = json.loads((args.company / "manifest.json").read_text(encoding="utf-8"))
    as_of = manifest["end"]
    args.workdir.mkdir(parents=True, exist_ok=True)
    (args.workdir / "bench.json").write_text(json.dumps({"company": str(args.company.resolve())}))
    if not (args.workdir / "salesglass.toml").exists():
        (args.workdir / "salesglass.toml").write_text(demo_config_text(args.company.resolve()), encoding="utf-8")
    print(
        f"company {args.company}: scale {manifest['scale']}, seed {manifest['seed']}, end {as_of}; "
        f"{manifest['counts']['orders']:,} orders, {manifest['counts']['leads']:,} leads; "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    steps = (args.only or "sync,load,link,build").split(",")
    if args.skip_sync:
        steps = [s for s in steps if s != "sync"]
    figs: dict[str, dict] = {}
    if "sync" in steps:
        ctx = multiprocessing.get_context("spawn")
        urls, stop = ctx.Queue(), ctx.Event()
        server = ctx.Process(target=_emulator, args=(str(args.company), int(args.rate), urls, stop), daemon=True)
        started = time.perf_counter()
        server.start()
        url = urls.get(timeout=900)
        print(
            f"emulator up in {time.perf_counter() - started:.1f} s (own process; rate limit RAISED to "
            f"{args.rate:g}/s for the bench, amoCRM's is 7/s)",
            flush=True,
        )
        try:
            figs["sync"] = run_child("sync", args.workdir, url, args.rate, as_of)
        finally:
            stop.set()
            server.join(timeout=30)
        _say("sync", figs["sync"])
    for name in [s for s in steps if s != "sync"]:
        figs[name] = run_child(name, args.workdir, None, args.rate, as_of)
        _say(name, figs[name])
    if "build" in figs:
        floors = [run_child("floor", args.workdir, None, args.rate, as_of) for _ in range(3)]
        figs["floor"] = min(floors, key=lambda f: f["seconds"])
        _say("floor", figs["floor"])
    _table(figs)


def _say(name: str, fig: dict) -> None:
    extra = {k: v for k, v in fig.items() if k not in ("seconds", "peak_gib", "cpu")}
    print(
        f"  {name:<6} {fig['seconds']:8.1f} s  peak {fig['peak_gib']:.2f} GiB  {json.dumps(extra, default=str)}",
        flush=True,
    )


def _table(figs: dict[str, dict]) -> None:
    print(f"\n{'step':<8}{'wall s':>9}{'CPU s':>9}{'peak GiB':>10}  figure")
    for name, f in figs.items():
        note = ""
        if name == "sync":
            note = f"{f['records']:,} records, {f['records'] / f['seconds']:,.0f}/s; {f['requests']} requests"
        elif name == "load":
            note = f"{f['rows']:,} rows read, {f['rows'] / f['seconds']:,.0f} rows/s"
        elif name == "build" and "floor" in figs:
            note = f"{f['seconds'] / figs['floor']['seconds']:.2f} × the floor (target ≤ 4 ×, ≤ 2 GiB)"
        elif name == "floor":
            note = "one pass: sales by partner × Moscow month (best of 3)"
        print(f"{name:<8}{f['seconds']:9.1f}{f['cpu']:9.1f}{f['peak_gib']:10.2f}  {note}")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
