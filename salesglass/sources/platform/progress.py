"""Live progress of a load (rich), or silence when the caller asked for none."""

from __future__ import annotations

from types import TracebackType

from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn


class Reporter:
    """One line per input: rows read so far, then what was loaded and quarantined."""

    def __init__(self, enabled: bool) -> None:
        self._progress = (
            Progress(
                SpinnerColumn(finished_text="[green]✓"),
                TextColumn("{task.description}"),
                TextColumn("[cyan]{task.completed:,.0f} rows"),
                TextColumn("{task.fields[note]}"),
                TimeElapsedColumn(),
            )
            if enabled
            else None
        )

    def __enter__(self) -> Reporter:
        if self._progress:
            self._progress.__enter__()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress:
            self._progress.__exit__(et, ev, tb)

    def start(self, name: str, description: str) -> TaskID:
        if not self._progress:
            return TaskID(0)
        return self._progress.add_task(description, total=None, note="reading")

    def advance(self, task: TaskID, rows: int) -> None:
        if self._progress:
            self._progress.advance(task, rows)

    def status(self, task: TaskID, note: str, rows: int) -> None:
        if self._progress:
            self._progress.update(task, completed=rows, note=note)

    def done(self, task: TaskID, loaded: int, quarantined: int) -> None:
        if self._progress:
            note = f"loaded {loaded:,}" + (f", [yellow]quarantined {quarantined:,}" if quarantined else "")
            # finished (✓, no spinner left behind): a source read in one go (plans) shows what it loaded
            rows = max(next(t.completed for t in self._progress.tasks if t.id == task), loaded, 1)
            self._progress.update(task, note=note, total=rows, completed=rows)
