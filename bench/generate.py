"""Benchmark `salesglass generate`: wall time and peak memory (max RSS of the child process) per scale.

Run: python bench/generate.py [s m ...]   (default: s m). Output goes to a temporary folder, removed after.
Targets: scale m under 3 minutes and under 2 GiB peak on a 2-core machine. Wall time depends on what else
runs; CPU seconds (generator + its producer process) and the 1-minute load average are printed alongside.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(status.split("VmRSS:")[1].split()[0]) * 1024 if "VmRSS:" in status else 0
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


def run(scale: str, seed: int = 7, end: str = "2026-11-27") -> None:
    out = Path(tempfile.mkdtemp(prefix=f"bench-gen-{scale}-"))
    code = (
        "from datetime import date; from pathlib import Path; from salesglass.simulate.generate import generate; "
        f"generate(Path({str(out / 'company')!r}), {scale!r}, {seed}, date.fromisoformat({end!r}))"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    tree_peak = 0
    while child.poll() is None:  # sample the whole process tree: generate() may start a producer process
        tree_peak = max(tree_peak, _tree_rss(child.pid))
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    status = child.returncode
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if status != 0:
        raise SystemExit(f"scale {scale}: generation failed ({status})")
    size = sum(p.stat().st_size for p in (out / "company").rglob("*") if p.is_file())
    manifest = (out / "company" / "manifest.json").read_text(encoding="utf-8")
    orders = manifest.split('"orders": ')[1].split(",")[0]
    cpu = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
    print(
        f"scale {scale}: {seconds:7.1f} s wall, {cpu:7.1f} s CPU (all processes)  "
        f"peak RSS: process tree {tree_peak / 2**20:6.0f} MiB, largest process {usage.ru_maxrss / 1024:6.0f} MiB  "
        f"orders {int(orders):,}  files {size / 2**20:,.0f} MiB  load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    shutil.rmtree(out)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Time `salesglass generate` and measure its peak memory.")
    parser.add_argument(
        "scales",
        nargs="*",
        choices=["xs", "s", "m", "l"],
        default=["s", "m"],
        help="company sizes to generate (default: s m; l takes long and ~27 GB)",
    )
    for name in parser.parse_args().scales:
        run(name)
