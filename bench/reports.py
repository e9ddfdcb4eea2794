"""Benchmark of `salesglass build` (run on demand: `python bench/reports.py [s] [m]`).

For each scale, the canonical tables are synthesised with DuckDB SQL (`range()` — DuckDB's
generate_series — with hash-based values; tests/reports/synthetic.py) into a working warehouse, then:
- build: the full `run_build` (copy of the canonical model, derived helpers, every report, publish),
- floor: one DuckDB pass aggregating the whole `sales` table by partner and account-zone month — the
  least any build must pay,
each in a fresh process, timed, with its peak memory (max RSS from wait4); the floors are the best of 3.
Targets for m (10 M sales, 10 000 partners, 30 000 deals) on 2 cores: build ≤ 4 × floor, peak ≤ 2 GiB.
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


def measure(kind: str, folder: Path) -> tuple[float, float]:
    proc = subprocess.Popen([sys.executable, __file__, "--child", kind, str(folder)], stdout=subprocess.PIPE,
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{kind} failed:\n{out}")
    lines = out.strip().splitlines()
    if kind == "build":
        print("\n".join(lines[:-1]))
    return float(lines[-1]), usage.ru_maxrss / 1024 / 1024  # seconds, GiB (ru_maxrss in KiB)


def bench(scale: str) -> None:
    import duckdb

    from tests.reports import synthetic

    managers, partners, deals, sales = SCALES[scale]
    with tempfile.TemporaryDirectory(prefix=f"salesglass-bench-{scale}-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        con = duckdb.connect(str(folder / "wh.duckdb"))
        synthetic.synthesize(con, managers=managers, partners=partners, deals=deals, sales=sales)
        con.close()
        print(f"scale {scale}: {sales:,} sales, {partners:,} partners, {deals:,} deals "
              f"(synthesised in {time.perf_counter() - start:.1f} s); load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} cores (the machine is shared: figures vary with it)")
        build_s, build_gib = measure("build", folder)
        floor_s, floor_gib = min(measure("floor", folder) for _ in range(3))  # best of 3: the strictest floor
        utc_s, _ = min(measure("floor_utc", folder) for _ in range(3))
        print(f"  build      {build_s:8.2f} s   peak {build_gib:5.2f} GiB")
        print(f"  floor      {floor_s:8.2f} s   peak {floor_gib:5.2f} GiB   (one pass: sales by partner × Moscow month)"
              .replace("   (", " ("))
        print(f"  floor_utc  {utc_s:8.2f} s   (the same pass with a UTC month: no zone conversion)")
        print(f"  ratio      {build_s / floor_s:8.2f} ×  vs floor, {build_s / utc_s:.2f} × vs floor_utc "
              "(target ≤ 4 ×; peak target ≤ 2 GiB)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        for s in sys.argv[1:] or ["s", "m"]:
            bench(s)
