"""The whole report build in ClickHouse SQL (chdb, the ClickHouse engine in-process) against DuckDB, same input.

    python bench/clickhouse.py --workdir /tmp/sg-m [--as-of 2026-11-27] [--tmp /tmp/sg-ch]

WORKDIR is a bench/pipeline.py work folder after sync, load and link (salesglass.toml, salesglass.duckdb).
Each engine runs in its own child process (peak = its max RSS):
  duckdb   `salesglass build` as it runs in production (run_build: byte copy of the warehouse, every
           derived helper and report materialised in the published file);
  chdb     the canonical tables exported from the warehouse to Parquet and inserted into MergeTree tables
           of a chdb session on disk (Nullable columns, model/ddl.py: "push"), then every derived helper
           and report materialised there by the SQL Ibis compiles for ClickHouse (reports/clickhouse.py)
           — what the build runs on a ClickHouse server, minus the network and the copy of the results
           back into the published file.
Then every report and derived table is compared: row counts, and the sum of every numeric column
(money exact, doubles within 1e-9 relative); tables under 200 000 rows also row by row
(tests/reports/compare.py: money exact, ratios within 1e-9).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EXACT_BELOW = 200_000


def _params(cfg, as_of: str):
    from salesglass.account_zone import resolve_zone
    from salesglass.reports.base import BuildParams

    return BuildParams(as_of=date.fromisoformat(as_of), timezone=resolve_zone(cfg).name, rules=cfg.reports)


def _numeric(schema) -> list[str]:
    return [n for n, t in schema.items() if t.is_numeric() and not t.is_boolean()]


def run_duckdb(workdir: Path, as_of: str) -> dict:
    from salesglass.config import load_config
    from salesglass.reports.build import run_build

    cfg = load_config(workdir / "salesglass.toml")
    started = time.perf_counter()
    s = run_build(cfg, as_of=date.fromisoformat(as_of), progress=False)
    return {"seconds": time.perf_counter() - started, "steps": s.step_seconds}


def run_chdb(workdir: Path, as_of: str, tmp: Path) -> dict:
    import duckdb
    from chdb import session

    from salesglass.config import load_config
    from salesglass.model.ddl import create_table_sql
    from salesglass.model.schema import CANONICAL
    from salesglass.reports.build import report_exprs
    from salesglass.reports.clickhouse import BUILD_PREFIX, materialize_in_chdb
    from tests.reports.canon_io import unbound_canon

    cfg = load_config(workdir / "salesglass.toml")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    started = time.perf_counter()
    src = duckdb.connect(str(cfg.warehouse_path), read_only=True)
    src.execute("SET TimeZone = 'UTC'")
    s = session.Session(str(tmp / "chdb"))
    s.query("SET join_use_nulls = 1")
    rows = {}
    for t in CANONICAL:
        path = tmp / f"{t.name}.parquet"
        src.execute(f"COPY (SELECT {', '.join(t.names)} FROM \"{t.name}\") TO '{path}' (FORMAT parquet)")
        s.query(f'DROP TABLE IF EXISTS "{t.name}"')
        s.query(create_table_sql(t, "clickhouse"))
        s.query(f"INSERT INTO \"{t.name}\" SELECT * FROM file('{path}', Parquet)")
        rows[t.name] = int(s.query(f'SELECT count() FROM "{t.name}"', "CSV").bytes().decode().strip())
        path.unlink()
    src.close()
    push = time.perf_counter() - started
    seconds: dict[str, float] = {}

    def keep(name, expr):
        t0 = time.perf_counter()
        table = materialize_in_chdb(s, name, expr)
        seconds[name] = time.perf_counter() - t0
        print(f"  chdb {name:<30} {seconds[name]:7.2f} s", file=sys.stderr, flush=True)
        return table

    built = time.perf_counter()
    exprs = report_exprs(unbound_canon(), _params(cfg, as_of), keep=keep)
    build = time.perf_counter() - built
    figures = {}
    for name, expr in exprs.items():
        table = BUILD_PREFIX + name
        num = _numeric(expr.schema())
        sums = ", ".join([f'toString(sum("{c}"))' for c in num])
        got = s.query(f'SELECT toString(count()){", " + sums if sums else ""} FROM "{table}"', "JSONCompact")
        values = json.loads(got.bytes())["data"][0]
        figures[name] = {"rows": int(values[0]), "sums": dict(zip(num, values[1:], strict=True))}
        if figures[name]["rows"] < EXACT_BELOW:
            out = tmp / f"{name}.parquet"
            s.query(f"SELECT * FROM \"{table}\" INTO OUTFILE '{out}' FORMAT Parquet")
    return {"push_seconds": push, "seconds": build, "steps": seconds, "pushed_rows": rows, "tables": figures}


def duckdb_figures(published: Path, names: dict[str, list[str]]) -> dict:
    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    out = {}
    for name, num in names.items():
        sums = ", ".join(f'sum("{c}")::VARCHAR' for c in num)
        values = con.execute(f'SELECT count(*)::VARCHAR{", " + sums if sums else ""} FROM "{name}"').fetchone()
        out[name] = {"rows": int(values[0]), "sums": dict(zip(num, values[1:], strict=True))}
    con.close()
    return out


def _same_number(a: str | None, b: str | None) -> bool:
    if a is None or b is None or a in ("\\N", "None") or b in ("\\N", "None"):
        return (a in (None, "\\N", "None")) == (b in (None, "\\N", "None"))
    if "." not in a and "e" not in a.lower() and "." not in b and "e" not in b.lower():
        return int(a) == int(b)
    try:
        if Decimal(a) == Decimal(b):
            return True
    except ArithmeticError:
        pass
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-6)


def child(phase: str, args) -> dict:
    cmd = [sys.executable, __file__, "--phase", phase, "--workdir", str(args.workdir), "--as-of", args.as_of]
    cmd += ["--tmp", str(args.tmp)]
    load_before = os.getloadavg()[0]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    if status:
        raise SystemExit(f"{phase} failed:\n{out[-3000:]}")
    fig = json.loads(out.strip().splitlines()[-1])
    fig.update(
        peak_gib=usage.ru_maxrss / 2**20,
        cpu=usage.ru_utime + usage.ru_stime,
        load=[round(load_before, 2), round(os.getloadavg()[0], 2)],
    )
    return fig


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--as-of", default="2026-11-27")
    ap.add_argument("--tmp", type=Path, default=Path("/tmp/salesglass-bench-chdb"))
    ap.add_argument("--phase", choices=["duckdb", "chdb"], help="internal: one child")
    args = ap.parse_args()
    if args.phase == "duckdb":
        print(json.dumps(run_duckdb(args.workdir, args.as_of), default=str))
        return
    if args.phase == "chdb":
        print(json.dumps(run_chdb(args.workdir, args.as_of, args.tmp), default=str))
        return
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}", flush=True)
    duck = child("duckdb", args)
    print(
        f"duckdb: build {duck['seconds']:.1f} s wall, {duck['cpu']:.1f} CPU-s, peak {duck['peak_gib']:.2f} GiB",
        flush=True,
    )
    ch = child("chdb", args)
    print(
        f"chdb:   push {ch['push_seconds']:.1f} s + build {ch['seconds']:.1f} s wall, {ch['cpu']:.1f} CPU-s (both), "
        f"peak {ch['peak_gib']:.2f} GiB",
        flush=True,
    )
    published = args.workdir / "salesglass-reports.duckdb"
    names = {n: list(f["sums"]) for n, f in ch["tables"].items()}
    dk = duckdb_figures(published, names)
    bad = []
    for name, f in ch["tables"].items():
        d = dk[name]
        if d["rows"] != f["rows"]:
            bad.append(f"{name}: {d['rows']} rows on DuckDB, {f['rows']} on ClickHouse")
        for col, v in f["sums"].items():
            if not _same_number(d["sums"][col], v):
                bad.append(f"{name}.{col}: sum {d['sums'][col]} on DuckDB, {v} on ClickHouse")
    exact = _compare_rows(published, args.tmp, [n for n, f in ch["tables"].items() if f["rows"] < EXACT_BELOW], bad)
    print(f"\n{'table':<30}{'rows':>12}{'duckdb s':>10}{'chdb s':>9}")
    for name, f in ch["tables"].items():
        print(f"{name:<30}{f['rows']:>12,}{duck['steps'].get(name, float('nan')):>10.2f}{ch['steps'][name]:>9.2f}")
    print(
        f"\ncompared {len(ch['tables'])} tables: row counts and {sum(len(v) for v in names.values())} column sums; "
        f"{exact} tables row by row; {len(bad)} differences"
    )
    for line in bad:
        print("  DIFFERENT", line)
    summary = {
        "duckdb": {k: duck[k] for k in ("seconds", "cpu", "peak_gib", "load")},
        "chdb": {k: ch[k] for k in ("push_seconds", "seconds", "cpu", "peak_gib", "load")},
        "tables": len(ch["tables"]),
        "differences": bad,
    }
    (args.workdir / "clickhouse.json").write_text(json.dumps(summary, indent=1, default=str))
    print(json.dumps(summary, default=str))
    shutil.rmtree(args.tmp, ignore_errors=True)


def _compare_rows(published: Path, tmp: Path, names: list[str], bad: list[str]) -> int:
    import duckdb
    import pyarrow.parquet as pq

    from tests.reports.compare import assert_same

    con = duckdb.connect(str(published), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    done = 0
    for name in names:
        ch = pq.read_table(tmp / f"{name}.parquet")
        dk = con.execute(f'SELECT * FROM "{name}"').to_arrow_table()
        try:
            assert_same(name, dk, ch)
            done += 1
        except AssertionError as exc:
            bad.append(str(exc).splitlines()[0])
    con.close()
    return done


if __name__ == "__main__":
    main()
