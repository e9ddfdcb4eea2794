"""Backtest of the forecast on the simulated company (run on demand: `python bench/forecast.py [s] [m]`).

For each scale, the demo company (seed 7, ending 2026-11-27) is generated and taken through the real
pipeline once (`salesglass demo --no-serve` into bench-forecast-<scale>/ here, reused when present), then
`salesglass forecast backtest` replays the 1st, 8th, 15th and 22nd of the last 24 months in one pass of
queries and prints, by period type, metric and point of the period, the MAPE of the forecast, the naive
run-rate and last year × growth, the bias and the P10–P90 coverage; the time it took is printed too.
The forecast is the blended one (docs/forecast.md: each case blended with the weight learnt from the
periods that had ended before it).
Targets on the simulated company: month-turnover MAPE on days 8–14 ≥ 40 % below the run-rate's, and
P10–P90 holding the actual in 70–90 % of cases.

    python bench/forecast.py [s] [m] [--dir DIR]

DIR (default: the current folder) receives bench-forecast-<scale>/; keep it outside the repository, e.g.
--dir /tmp/bench (the m company is ~3 GB and takes tens of minutes to generate and load).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
END = date(2026, 11, 27)


def company(scale: str, base: Path) -> Path:
    folder = base / f"bench-forecast-{scale}"
    if not (folder / "salesglass.toml").exists():
        print(f"generating and loading the {scale} company into {folder} …", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "salesglass",
                "demo",
                "--dir",
                str(folder),
                "--scale",
                scale,
                "--end",
                END.isoformat(),
                "--no-serve",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return folder / "salesglass.toml"


SCALES = ("xs", "s", "m", "l")


def main(argv: list[str]) -> None:
    if "-h" in argv or "--help" in argv:
        print(__doc__)
        return
    opts = [a for i, a in enumerate(argv) if a not in SCALES and not (i > 0 and argv[i - 1] == "--dir")]
    if [a for a in opts if a != "--dir"] or argv[-1:] == ["--dir"]:
        sys.exit(f"unknown arguments {opts}: expected scales {'/'.join(SCALES)} and --dir DIR (see --help)")
    from rich.console import Console

    from salesglass.config import load_config
    from salesglass.reports.forecast.run import METRIC_ORDER, accuracy_table, run_backtest

    base = Path(argv[argv.index("--dir") + 1]) if "--dir" in argv else Path.cwd()
    scales = [a for a in argv if a in SCALES] or ["s"]
    console = Console(width=130)
    for scale in scales:
        cfg = load_config(company(scale, base))
        result = run_backtest(cfg, END, say=lambda m: console.print(f"  {m}"))
        console.print(f"[bold]scale {scale}[/]: {result.cases} as-of days in {result.seconds:.1f} s")
        for period in ("month", "quarter", "year"):
            console.print(accuracy_table(result.accuracy, period, METRIC_ORDER))
        by = {(r["period_type"], r["metric"], r["point"], r["method"]): r for r in result.accuracy}
        f, rr = by[("month", "turnover", 2, "forecast")], by[("month", "turnover", 2, "run_rate")]
        gain = 100 * (1 - f["mape_pct"] / rr["mape_pct"])
        console.print(
            f"month turnover, days 8–14: MAPE {f['mape_pct']:.1f} % vs run-rate {rr['mape_pct']:.1f} % "
            f"({abs(gain):.0f} % {'lower' if gain >= 0 else 'HIGHER'}; target ≥ 40 % lower); "
            f"P10–P90 held {f['coverage_pct']:.0f} % (target 70–90 %)"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
