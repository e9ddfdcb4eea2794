"""One `salesglass build` of an existing warehouse, per step: building + compiling the Ibis expression
vs running its SQL, wall and CPU (run on demand).

    python bench/build_steps.py CONFIG.toml AS_OF [--runs 2] [--forget]

Each run is a fresh process (as the CLI or the refresh worker): the first one with `--forget` compiles
afresh (the kept SQL next to the published file is deleted first), the later ones reuse the kept SQL
(reports/compiled.py). Prints per step: compile s (expression built and compiled to SQL) and run s
(CREATE + INSERT + count), then the whole process's wall, CPU (user + system) and peak memory, with the
load average. Point CONFIG at a copy of the warehouse: the build writes the published file next to it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def child(config: str, as_of: str) -> None:
    started = time.perf_counter()
    from datetime import date

    from salesglass.config import load_config
    from salesglass.reports import build

    imported = time.perf_counter() - started
    compile_s: dict[str, float] = {}  # the expression built since the previous step, and compiled
    run_s: dict[str, float] = {}
    orig_run = build._Timer.run

    def run(self, con, step, plan, compiling=0.0):
        t = time.perf_counter()
        orig_run(self, con, step, plan)
        run_s[step.name] = time.perf_counter() - t
        compile_s[step.name] = compiling

    build._Timer.run = run  # type: ignore[method-assign]
    # every step runs (full): the figures are of one build's steps, none kept from the last build
    s = build.run_build(load_config(Path(config)), as_of=date.fromisoformat(as_of), progress=False, full=True)
    print(
        json.dumps(
            {
                "imports": imported,
                "copy": s.step_seconds.get("copy canonical tables", 0.0),
                "compile": compile_s,
                "run": run_s,
                "build": s.seconds,
            }
        )
    )


def measure(config: str, as_of: str) -> dict:
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", config, as_of],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    out = proc.stdout.read().decode() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"build failed:\n{out}")
    fig = json.loads(out.strip().splitlines()[-1])
    fig |= {
        "wall": time.perf_counter() - start,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_gib": usage.ru_maxrss / 1024 / 1024,
        "load": (load, os.getloadavg()[0]),
    }
    return fig


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config")
    ap.add_argument("as_of")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--forget", action="store_true", help="delete the kept SQL before the first run")
    args = ap.parse_args()
    if args.forget:
        from salesglass.config import load_config
        from salesglass.reports.compiled import store_path

        store_path(load_config(Path(args.config)).published_path).unlink(missing_ok=True)
    figs = [measure(args.config, args.as_of) for _ in range(args.runs)]
    names = list(figs[0]["run"])
    print(f"{'step':<28}" + "".join(f"  run {i + 1}: compile   run s" for i in range(len(figs))))
    for n in names:
        print(f"{n:<28}" + "".join(f"  {f['compile'].get(n, 0):14.2f} {f['run'].get(n, 0):7.2f}" for f in figs))
    for i, f in enumerate(figs, 1):
        c, r = sum(f["compile"].values()), sum(f["run"].values())
        print(
            f"run {i}: process wall {f['wall']:.2f} s, CPU {f['cpu']:.2f} s, peak {f['peak_gib']:.2f} GiB; "
            f"imports {f['imports']:.2f}, copy {f['copy']:.2f}, compile {c:.2f}, run {r:.2f}, "
            f"build {f['build']:.2f} s; load average {f['load'][0]:.1f} → {f['load'][1]:.1f}"
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
