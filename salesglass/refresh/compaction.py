"""A full platform load, then compaction of the warehouse file when the replaced tables left it half empty.

Two steps composed here (not in the platform source, which must not know about the refresh lock):
`salesglass load --full` and the nightly full refresh both run `load_platform`.
"""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING

from salesglass.config import Config
from salesglass.sources.platform.load import LoadSummary, run_load

if TYPE_CHECKING:
    from salesglass.warehouse import Compaction


def load_platform(cfg: Config, *, full: bool = False, progress: bool = True) -> LoadSummary:
    """`run_load`, and after a full load `compact_after_full_reload`: an optional step whose failure
    never fails the load (the loaded data is committed already); the summary says what happened."""
    summary = run_load(cfg, full=full, progress=progress)
    if full:
        try:
            summary.compaction = compact_after_full_reload(cfg)
        except Exception as exc:  # an optional step: the loaded data is committed already
            summary.compaction_error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return summary


def compact_after_full_reload(cfg: Config) -> Compaction | None:
    """A full reload replaced whole tables and left their old blocks free in the file (and the report
    build copies the file byte for byte); `compact_if_worthwhile` rewrites it when that pays.

    Runs after the load closed the warehouse, under the refresh lock (`salesglass/refresh/lock.py`) so
    that it never takes the warehouse away from a running refresh's next step: a refresh that runs this
    load holds the lock already (same process); a `salesglass load --full` takes it for the compaction,
    and skips compacting when a refresh is running. Other writers are kept out by DuckDB's own lock on
    the file, which `compact_if_worthwhile` holds until the new file is in place.
    """
    from salesglass.refresh.lock import LockBusy, RefreshLock, lock_path_for, read_holder
    from salesglass.warehouse import compact_if_worthwhile

    lock = RefreshLock(
        lock_path_for(cfg.warehouse_path),
        stale_after=cfg.refresh.stale_lock_minutes * 60.0,
        label="compaction after a full load",
    )
    holder = read_holder(lock.path) or {}
    if holder.get("pid") == os.getpid() and holder.get("host") == socket.gethostname():
        return compact_if_worthwhile(cfg.warehouse_path)
    try:
        lock.acquire()
    except LockBusy:
        return None
    try:
        return compact_if_worthwhile(cfg.warehouse_path)
    finally:
        lock.release()
