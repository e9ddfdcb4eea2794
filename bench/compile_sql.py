"""The CPU of compiling every build step's Ibis expression to DuckDB SQL (reports/compiled.compile_step),
as a build whose SQL is not kept yet pays it (run on demand).

    python bench/compile_sql.py [--runs 3]

The expressions of the synthetic company (tests/reports/synthetic.py, small size) are built once, then
compiled `--runs` times; prints per step the best CPU seconds of the runs, the total of each run and the
load average. The data never enters the SQL, so the company's size does not matter here.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs

    import duckdb
    import ibis

    from salesglass.reports.base import BuildParams, nullable
    from salesglass.reports.build import canon_of, report_exprs
    from salesglass.reports.compiled import compile_step
    from salesglass.reports.config import ReportsConfig
    from tests.reports import synthetic

    con = duckdb.connect()
    synthetic.synthesize(con)
    backend = ibis.duckdb.from_connection(con)
    exprs: dict[str, ibis.Table] = {}

    def keep(name: str, expr: ibis.Table) -> ibis.Table:
        exprs[name] = expr
        backend.create_table(name, nullable(expr), overwrite=True)  # later steps read the table
        return backend.table(name)

    params = BuildParams(as_of=synthetic.AS_OF, timezone="Europe/Berlin", rules=ReportsConfig())
    report_exprs(canon_of(backend), params, keep=keep)
    best: dict[str, float] = {}
    totals = []
    for _ in range(runs):
        total = 0.0
        for name, expr in exprs.items():
            cpu = time.process_time()
            compile_step(backend, name, expr)
            took = time.process_time() - cpu
            best[name] = min(best.get(name, took), took)
            total += took
        totals.append(total)
    for name, s in best.items():
        print(f"{name:<32} {s:6.3f} CPU-s")
    print(f"every step, each run: {', '.join(f'{t:.2f}' for t in totals)} CPU-s; load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
