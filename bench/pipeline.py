"""The real pipeline on a generated company, timed per step (run on demand: `python bench/pipeline.py`).

    python bench/pipeline.py [--company /tmp/mine-m] [--workdir /tmp/sg-pipeline] [--rate 50] [--skip-sync]
    python bench/pipeline.py --generate l --company /tmp/sg-l/company --workdir /tmp/sg-l --serve \
        --results /tmp/sg-l/figures.jsonl          # the whole scale, end to end (docs/scale.md)

The steps are the ones `salesglass demo` runs, each in its own child process so that its peak memory
is its own (max RSS from wait4 = the largest process; "tree" = the sampled sum over the step's process
tree, which for generate includes its producer process and for sync the emulator):
  generate  (with --generate SCALE) `salesglass generate --scale SCALE --seed 7` into --company first;
  sync   the amoCRM emulator (own process, real socket) + OAuth code exchange + full sync.
         The rate limit is RAISED for the bench (default 50 requests/s on both sides instead of amoCRM's 7;
         bench/amocrm_sync.py measures the connector at the true limit) — the sync is then bounded by
         the connector and the emulator, not by the limit;
  load   the platform back-office (SQLite: every order row) and plans → canonical tables (rows/s);
  link   deals ↔ partners;
  build  every report, published atomically; compared with the one-pass floor of bench/reports.py
         (sales by partner × Moscow month) on the same warehouse, best of 3;
  serve  (with --serve) bench/dashboard.py on the published file, one client, cache on and off: the
         first (cold) request of each page and the median/p95 of the following ones.
Each step's figures, with the 1-minute load average before and after it, are appended as one JSON line
to --results (default WORKDIR/figures.jsonl), so a run that stops keeps the steps it finished.
The company is reused as it is (`salesglass generate --scale m --seed 7 --end 2026-11-27 --out DIR`).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import threading
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

        s = run_link(cfg, full=True)  # every deal decided again: the cost that grows with the scale
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


class TreePeak:
    """Samples the summed RSS of a process tree (and of extra pids) every 0.2 s in a thread."""

    def __init__(self, pid: int, extra: tuple[int, ...] = ()):
        from bench.generate import _tree_rss

        self.peak, self._stop = 0, threading.Event()

        def sample() -> None:
            while not self._stop.is_set():
                self.peak = max(self.peak, sum(_tree_rss(p) for p in (pid, *extra)))
                time.sleep(0.2)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak / 2**30


def run_child(name: str, workdir: Path, url: str | None, rate: float, as_of: str, extra: tuple[int, ...] = ()) -> dict:
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
    load_before = os.getloadavg()[0]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    tree = TreePeak(proc.pid, extra)
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    tree_gib = tree.stop()
    if status != 0:
        raise SystemExit(f"step {name} failed:\n{out}")
    fig = json.loads(out.strip().splitlines()[-1])
    fig.update(
        peak_gib=usage.ru_maxrss / 2**20,
        tree_gib=tree_gib,
        cpu=usage.ru_utime + usage.ru_stime,
        load=[round(load_before, 2), round(os.getloadavg()[0], 2)],
    )
    return fig


def run_generate(scale: str, company: Path, end: str) -> dict:
    """`salesglass generate` as a child process tree (it starts a producer process): wall, CPU, peaks."""
    load_before = os.getloadavg()[0]
    before = os.times()
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "salesglass", "generate", "--scale", scale, "--seed", "7", "--end", end]
    proc = subprocess.Popen(
        [*cmd, "--out", str(company)], cwd=ROOT, stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    tree = TreePeak(proc.pid)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    tree_gib = tree.stop()
    if status != 0:
        raise SystemExit(f"generate failed ({status})")
    after = os.times()
    manifest = json.loads((company / "manifest.json").read_text(encoding="utf-8"))
    return {
        "seconds": seconds,
        "cpu": after.children_user + after.children_system - before.children_user - before.children_system,
        "peak_gib": usage.ru_maxrss / 2**20,
        "tree_gib": tree_gib,
        "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "orders": manifest["counts"]["orders"],
        "bytes": sum(p.stat().st_size for p in company.rglob("*") if p.is_file()),
    }


def run_serve(published: Path) -> dict:
    """bench/dashboard.py on the published file, one client, cache on and off; its table is kept."""
    fig: dict = {"load": [round(os.getloadavg()[0], 2)]}
    started = time.perf_counter()
    for cache in ("on", "off"):
        cmd = [sys.executable, str(ROOT / "bench" / "dashboard.py"), "--published", str(published)]
        cmd += ["--requests", "5", "--clients", "0", "--json"] + (["--no-cache"] if cache == "off" else [])
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True).stdout
        fig[f"cache_{cache}"] = json.loads(out.strip().splitlines()[-1])
    fig["seconds"] = time.perf_counter() - started
    fig["load"].append(round(os.getloadavg()[0], 2))
    return fig


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--company", type=Path, default=Path("/tmp/mine-m"))
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/sg-pipeline"))
    ap.add_argument("--rate", type=float, default=50.0, help="requests/s, emulator and client (amoCRM: 7)")
    ap.add_argument("--skip-sync", action="store_true", help="reuse the warehouse's amoCRM data")
    ap.add_argument("--only", help="comma-separated steps to run (sync,load,link,build)")
    ap.add_argument("--generate", metavar="SCALE", help="first generate the company at this scale into --company")
    ap.add_argument("--end", default="2026-11-27", help="last day of the generated history (with --generate)")
    ap.add_argument("--serve", action="store_true", help="then time every dashboard page on the published file")
    ap.add_argument("--results", type=Path, help="append each step's figures here (default WORKDIR/figures.jsonl)")
    ap.add_argument("--step")
    ap.add_argument("--url")
    ap.add_argument("--as-of", default="")
    args = ap.parse_args()
    if args.step:
        print(json.dumps(step(args.step, args.workdir, args.url, args.rate, args.as_of), default=str))
        return
    from salesglass.demo.config import demo_config_text

    args.workdir.mkdir(parents=True, exist_ok=True)
    results = args.results or args.workdir / "figures.jsonl"
    figs: dict[str, dict] = {}

    def record(name: str, fig: dict) -> None:
        figs[name] = fig
        _say(name, fig)
        with results.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"step": name, "at": time.strftime("%Y-%m-%d %H:%M:%S"), **fig}, default=str) + "\n")

    if args.generate:
        print(f"generating scale {args.generate} into {args.company} …", flush=True)
        record("generate", run_generate(args.generate, args.company, args.end))
    manifest = json.loads((args.company / "manifest.json").read_text(encoding="utf-8"))
    as_of = manifest["end"]
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
            emulator = (server.pid,) if server.pid else ()
            sync = run_child("sync", args.workdir, url, args.rate, as_of, extra=emulator)
        finally:
            stop.set()
            server.join(timeout=30)
        record("sync", sync)
    for name in [s for s in steps if s != "sync"]:
        record(name, run_child(name, args.workdir, None, args.rate, as_of))
    if "build" in figs:
        floors = [run_child("floor", args.workdir, None, args.rate, as_of) for _ in range(3)]
        record("floor", min(floors, key=lambda f: f["seconds"]))
    if args.serve:
        record("serve", run_serve(args.workdir / "salesglass-reports.duckdb"))
    _table(figs)


def _say(name: str, fig: dict) -> None:
    extra = {k: v for k, v in fig.items() if k not in ("seconds", "peak_gib", "tree_gib", "cpu")}
    peak = f"peak {fig['peak_gib']:.2f} GiB (tree {fig['tree_gib']:.2f})  " if "peak_gib" in fig else ""
    print(f"  {name:<8} {fig['seconds']:8.1f} s  {peak}{json.dumps(extra, default=str)}", flush=True)


def _table(figs: dict[str, dict]) -> None:
    print(f"\n{'step':<9}{'wall s':>9}{'CPU s':>9}{'peak GiB':>10}{'tree GiB':>10}  {'load':<11} figure")
    for name, f in figs.items():
        note = ""
        if name == "generate":
            note = f"{f['orders']:,} orders, {f['bytes'] / 2**30:.1f} GiB of files"
        elif name == "serve":
            worst = max(max(p["first"], p["p95"]) for p in f["cache_on"].values())
            cold = max(max(p["first"], p["p95"]) for p in f["cache_off"].values())
            print(f"{name:<9}{f['seconds']:9.1f}  slowest page {worst:.0f} ms (cache on), {cold:.0f} ms (cache off)")
            continue
        elif name == "sync":
            note = f"{f['records']:,} records, {f['records'] / f['seconds']:,.0f}/s; {f['requests']} requests"
        elif name == "load":
            note = f"{f['rows']:,} rows read, {f['rows'] / f['seconds']:,.0f} rows/s"
        elif name == "build" and "floor" in figs:
            note = f"{f['seconds'] / figs['floor']['seconds']:.2f} × the floor (target ≤ 4 ×, ≤ 2 GiB)"
        elif name == "floor":
            note = "one pass: sales by partner × Moscow month (best of 3)"
        load = "→".join(f"{x:.1f}" for x in f["load"])
        print(
            f"{name:<9}{f['seconds']:9.1f}{f['cpu']:9.1f}{f['peak_gib']:10.2f}{f['tree_gib']:10.2f}  {load:<11} {note}"
        )
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
