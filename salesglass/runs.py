"""What each refresh did, for the data-quality page: a JSON-lines journal next to the warehouse.

A file, not a warehouse table, on purpose: a refresh that failed (or whose worker was killed while it
held DuckDB's write lock) must still be recordable, and the dashboard must be able to read the journal
while a worker writes the warehouse. One line per event, appended; small lines appended with O_APPEND
do not interleave. Beyond ~2 MB the journal is trimmed to its newest lines, under an exclusive `flock`
of the journal that every appender shares, so no line appended meanwhile is lost. `read_runs` folds the
lines into one record per run, newest first.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from salesglass.private_files import keep_private, open_private
from salesglass.processes import remove_dead_temps, replace_whole

MAX_BYTES = 2_000_000  # trimmed to the newest KEEP_LINES lines beyond this
KEEP_LINES = 5_000
MAX_ERROR_CHARS = 2_000
LEGACY_TEMPS = ("{name}.{pid}.tmp",)  # the trimmed copy's name before it carried the host


def runs_path_for(warehouse_path: Path) -> Path:
    return warehouse_path.with_name(warehouse_path.name + ".refresh-runs.jsonl")


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def _is_current(fd: int, path: Path) -> bool:
    """Whether the open file `fd` is still the file at `path` (a trim replaces it with a new one)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    here = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (here.st_dev, here.st_ino)


def describe_error(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS] + "…"


class Journal:
    """Append-only journal of refresh runs and steps."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def append(self, event: str, run_id: str, **fields: Any) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keep_private(self.path, what="refresh journal")
        line = (
            json.dumps(
                {"event": event, "run_id": run_id, "pid": os.getpid(), "at": time.time(), **fields},
                ensure_ascii=False,
                default=str,
            )
            + "\n"
        ).encode("utf-8")
        while True:
            fd = open_private(self.path, os.O_CREAT | os.O_APPEND | os.O_WRONLY)  # errors may quote data
            try:
                fcntl.flock(fd, fcntl.LOCK_SH)  # appenders share; a trim waits for them and they for it
                if not _is_current(fd, self.path):
                    continue  # trimmed while this waited: the line goes into the file that replaced it
                os.write(fd, line)
                size = os.fstat(fd).st_size
            finally:
                os.close(fd)  # closing releases the flock
            break
        if size > MAX_BYTES:
            self._trim()

    def _trim(self) -> None:
        """Keep the newest KEEP_LINES lines. Under an exclusive flock of the journal itself, so no process
        appends meanwhile (a line appended to the old file after it was read would be lost with it); a
        process that waited to append finds the file replaced and appends to the new one."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if not _is_current(fd, self.path) or os.fstat(fd).st_size <= MAX_BYTES:
                return  # another process trimmed it while this one waited
            with os.fdopen(os.dup(fd), "rb") as f:
                lines = f.read().splitlines(keepends=True)[-KEEP_LINES:]
            replace_whole(self.path, b"".join(lines), legacy=LEGACY_TEMPS)
        except OSError:
            pass
        finally:
            os.close(fd)

    def remove_dead_temps(self) -> None:
        """Delete the trimmed copies of trims that were killed before renaming them (up to 2 MB each)."""
        remove_dead_temps(self.path, legacy=LEGACY_TEMPS)

    def events(self) -> list[dict[str, Any]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        out = []
        for line in text.splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue  # a line cut short by a crash
        return out


@dataclass
class StepRecord:
    step: str
    started: str | None
    finished: str | None = None
    ok: bool | None = None  # None: started, never finished (worker killed)
    error: str | None = None
    changed: bool | None = None  # what the step said: did it change data / publish? (None: it did not say)
    note: str | None = None


@dataclass
class RunRecord:
    run_id: str
    trigger: str | None = None
    full: bool = False
    started: str | None = None
    finished: str | None = None
    ok: bool | None = None  # None: still running (or the journal lost its end)
    skipped: bool = False
    error: str | None = None
    steps: list[StepRecord] = field(default_factory=list)
    changed: bool | None = None  # False: the run found no change anywhere and rebuilt nothing
    notes: list[str] = field(default_factory=list)
    pid: int | None = None  # the process that ran it (its run_started line's)


def read_runs(path: Path, limit: int = 50) -> list[RunRecord]:
    """The newest `limit` runs with their steps, newest first."""
    runs: dict[str, RunRecord] = {}
    for e in Journal(path).events():
        run = runs.setdefault(e["run_id"], RunRecord(run_id=e["run_id"]))
        kind = e.get("event")
        if kind == "run_started":
            run.trigger, run.full, run.started = e.get("trigger"), bool(e.get("full")), _iso(e.get("at"))
            run.pid = e.get("pid")
        elif kind == "step_started":
            run.steps.append(StepRecord(step=e["step"], started=_iso(e.get("at"))))
        elif kind == "step_finished":
            step = next((s for s in reversed(run.steps) if s.step == e["step"] and s.ok is None), None)
            if step is None:
                step = StepRecord(step=e["step"], started=_iso(e.get("started")))
                run.steps.append(step)
            step.finished, step.ok, step.error = _iso(e.get("at")), bool(e.get("ok")), e.get("error")
            step.changed, step.note = e.get("changed"), e.get("note")
        elif kind in ("run_finished", "run_skipped"):
            run.finished, run.ok, run.error = _iso(e.get("at")), bool(e.get("ok")), e.get("error")
            run.skipped = kind == "run_skipped"
            run.changed, run.notes = e.get("changed"), list(e.get("notes") or [])
            run.trigger = run.trigger or e.get("trigger")
    return list(reversed(list(runs.values())))[:limit]
