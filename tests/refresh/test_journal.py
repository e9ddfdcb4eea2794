"""The run log (`salesglass/runs.py`) loses no line while processes append to it and one of them trims it."""

from __future__ import annotations

import json
import multiprocessing

from salesglass import runs
from salesglass.runs import Journal

PROCESSES, LINES = 4, 150


def _append_lines(path, who: int) -> None:
    journal = Journal(path)
    for n in range(LINES):
        journal.append("step_finished", f"run-{who}", step=f"line {n}", note="x" * 60)


def test_processes_appending_while_the_log_is_trimmed_lose_no_line(tmp_path, monkeypatch):
    """The log is trimmed beyond its size limit; here the limit is tiny and the lines kept are all of them, so
    every append trims (reads the log, writes it anew, renames it over): a line another process appends
    between the read and the rename used to vanish with the old file. Real processes, forked."""
    monkeypatch.setattr(runs, "MAX_BYTES", 2_000)
    monkeypatch.setattr(runs, "KEEP_LINES", PROCESSES * LINES)
    path = tmp_path / "wh.duckdb.refresh-runs.jsonl"
    ctx = multiprocessing.get_context("fork")  # the children see the patched limits
    workers = [ctx.Process(target=_append_lines, args=(path, who)) for who in range(PROCESSES)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0

    lines = path.read_text(encoding="utf-8").splitlines()
    seen = sorted((e["run_id"], e["step"]) for e in map(json.loads, lines))  # every line whole, none cut
    assert seen == sorted((f"run-{who}", f"line {n}") for who in range(PROCESSES) for n in range(LINES))
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no trimmed copy left behind
