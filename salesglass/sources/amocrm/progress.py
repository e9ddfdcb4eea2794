"""Progress bars for a sync: records per stream, requests and the achieved request rate."""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from salesglass.plural import plural


class SyncProgress:
    """A rich live display (or nothing, when disabled): one line per stream, and the request counter once, on
    the step line. Short lines (they fit an 80-column terminal); a finished line shows ✓, not a spinner."""

    def __init__(self, client: Any, *, enabled: bool = True, console: Console | None = None) -> None:
        self.client, self.enabled = client, enabled
        self.started = time.monotonic()
        self.tasks: dict[str, Any] = {}
        self.counts: dict[str, int] = {}
        self.progress = Progress(
            SpinnerColumn(finished_text="[green]✓"),
            TextColumn("{task.description:<22}"),
            TextColumn("{task.fields[count]}"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
            transient=False,
            disable=not enabled,
            expand=False,
        )
        self.step_task: Any = None

    def __enter__(self) -> SyncProgress:
        self.progress.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.step_task is not None:  # the step line ends as the whole sync's, not its last phase's
            s, records = self.client.stats, sum(self.counts.values())
            self.progress.update(
                self.step_task,
                description="amoCRM sync done" if kind is None else "amoCRM sync stopped",
                count=f"{s.requests} req, {records:,} {plural(records, 'record')}, {s.retries} retries, "
                f"{s.rate_limited}×429",
            )
        for t in self.progress.tasks:  # every line ends as done (✓), with no spinner left behind
            self.progress.update(t.id, total=t.completed or 1, completed=t.completed or 1)
        self.progress.__exit__(kind, error, trace)

    def _rate(self) -> str:
        s = self.client.stats
        elapsed = max(time.monotonic() - self.started, 1e-6)
        return f"{s.requests} req, {s.requests / elapsed:.1f}/s, {s.retries} retries, {s.rate_limited}×429"

    def _refresh(self) -> None:
        if self.step_task is not None:  # the request counter shares the records column: short lines
            self.progress.update(self.step_task, count=self._rate())

    def step(self, text: str) -> None:
        if self.step_task is None:
            self.step_task = self.progress.add_task(text, total=None, rate="", count="")
        self.progress.update(self.step_task, description=text, count=self._rate())

    def start(self, stream: str) -> None:
        self.tasks[stream] = self.progress.add_task(stream, total=None, rate="", count="")

    def advance(self, stream: str, n: int) -> None:
        if stream not in self.tasks:
            self.start(stream)
        self.counts[stream] = self.counts.get(stream, 0) + n
        count = self.counts[stream]
        self.progress.update(self.tasks[stream], advance=n, count=f"{count:>9,} {plural(count, 'record')}")
        self._refresh()
