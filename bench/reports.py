"""Benchmark of `salesglass build` (run on demand: `python bench/reports.py [s] [m]`).

For each scale, the canonical tables are synthesised with DuckDB SQL (`range()` — DuckDB's
generate_series — with hash-based values; tests/reports/synthetic.py) into a working warehouse, then:
- build: the full `run_build` (copy of the canonical model, derived helpers, every report, publish),
- floor: one DuckDB pass aggregating the whole `sales` table by partner and account-zone month — the
  least any build must pay,
each in a fresh process, timed, with its peak memory (max RSS from wait4) and CPU seconds (user + system,
from wait4); the floors are the best of 3. On a shared machine the wall clock follows the neighbours; the
CPU ratio does not, so both are printed.
Targets for m (10 M sales, 10 000 partners, 30 000 deals) on 2 cores: build ≤ 4 × floor, peak ≤ 2 GiB.

    python bench/reports.py [s] [m] [--reuse DIR]   (DIR: keep the synthesised warehouse there, reuse it)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCALES = {  # managers, partners, deals, sales
    "s": (40, 1_000, 3_000, 300_000),
    "m": (100, 10_000, 30_000, 10_000_000),
}
FLOOR_SQL = {  # the same aggregation, with the Moscow month (the honest floor) and with a plain UTC month
    "floor": "timezone('Europe/Moscow', sold_at)",
    "floor_utc": "sold_at::TIMESTAMP",
}


def floor_sql(kind: str) -> str:
    return f"""CREATE TEMP TABLE floor AS
        SELECT partner_id, date_trunc('month', {FLOOR_SQL[kind]}) AS month,
               sum(turnover), sum(revenue), sum(cost), sum(tickets)
        FROM sales GROUP BY ALL"""


def child(kind: str, folder: str) -> None:
    """Runs in its own process so that its peak memory is its own."""

    from tests.reports import synthetic
    from tests.reports.conftest import make_config

    cfg = make_config(Path(folder))
    start = time.perf_counter()
    if kind == "build":
        from salesglass.reports.build import run_build

        summary = run_build(cfg, as_of=synthetic.AS_OF, progress=False)
        for name, secs in summary.step_seconds.items():
            print(f"    {name:<28} {secs:6.2f} s")
    else:
        from salesglass.warehouse import connect

        con = connect(cfg.warehouse_path, read_only=True)
        con.execute(floor_sql(kind))
        con.close()
    print(f"{time.perf_counter() - start:.3f}")


def measure(kind: str, folder: Path) -> tuple[float, float, float]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", kind, str(folder)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{kind} failed:\n{out}")
    lines = out.strip().splitlines()
    if kind == "build":
        print("\n".join(lines[:-1]))
    # seconds, GiB (ru_maxrss in KiB), CPU seconds
    return float(lines[-1]), usage.ru_maxrss / 1024 / 1024, usage.ru_utime + usage.ru_stime


def bench(scale: str, reuse: Path | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix=f"salesglass-bench-{scale}-") as tmp:
        folder = reuse / scale if reuse else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        run(scale, folder)


def run(scale: str, folder: Path) -> None:
    import duckdb

    from tests.reports import synthetic

    managers, partners, deals, sales = SCALES[scale]
    start = time.perf_counter()
    if not (folder / "wh.duckdb").exists():
        con = duckdb.connect(str(folder / "wh.tmp.duckdb"))
        synthetic.synthesize(con, managers=managers, partners=partners, deals=deals, sales=sales)
        con.close()
        (folder / "wh.tmp.duckdb").rename(folder / "wh.duckdb")
    print(
        f"scale {scale}: {sales:,} sales, {partners:,} partners, {deals:,} deals "
        f"(ready in {time.perf_counter() - start:.1f} s); load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores (the machine is shared: figures vary with it)"
    )
    build_s, build_gib, build_cpu = measure("build", folder)
    floors = [measure("floor", folder) for _ in range(3)]
    floor_s, floor_gib, _ = min(floors)  # best of 3: the strictest floor
    floor_cpu = min(f[2] for f in floors)
    utc_s, _, _ = min(measure("floor_utc", folder) for _ in range(3))
    print(f"  build      {build_s:8.2f} s  CPU {build_cpu:7.2f} s  peak {build_gib:5.2f} GiB")
    print(
        f"  floor      {floor_s:8.2f} s  CPU {floor_cpu:7.2f} s  peak {floor_gib:5.2f} GiB "
        "(one pass: sales by partner × Moscow month)"
    )
    print(f"  floor_utc  {utc_s:8.2f} s   (the same pass with a UTC month: no zone conversion)")
    print(
        f"  ratio      {build_s / floor_s:8.2f} × wall, {build_cpu / floor_cpu:.2f} × CPU vs floor; "
        f"{build_s / utc_s:.2f} × wall vs floor_utc (target ≤ 4 ×; peak target ≤ 2 GiB); "
        f"load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        import argparse

        parser = argparse.ArgumentParser(description="Time `salesglass build` against the one-pass floor.")
        parser.add_argument(
            "scales",
            nargs="*",
            choices=sorted(SCALES),
            default=["s", "m"],
            help="synthetic company sizes to measure (default: s m)",
        )
        parser.add_argument("--reuse", type=Path, help="keep the synthesised warehouse in DIR and reuse it")
        opts = parser.parse_args()
        for scale in opts.scales:
            bench(scale, opts.reuse)
