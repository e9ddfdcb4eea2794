"""`salesglass backup DIR`: a consistent copy of an installation's folder while the dashboard keeps running.

What it copies: the config's folder, whole — the config, `secrets/` (tokens, the env file), the logins and
the dashboard's signing key, the webhook secret, the warehouse, the bonus state (approvals, adjustments,
disputes, the audit trail: the one file nothing can rebuild), the published reports and the run log — less
what a copy must not carry: the refresh lock and its guard, the dashboard's sessions, half-written builds and
temporary files.

Why not `cp -a`: the DuckDB files may be written meanwhile (a refresh writes the warehouse, an admin
approving a month writes the bonus state from the dashboard), and a copy taken mid-write is not a
database. So the refresh lock is held for the whole copy (no refresh starts; one running makes the backup
wait), and each DuckDB file is copied, with its write-ahead log when there is one, while this process holds
it open read-only: DuckDB lets no writer in meanwhile, and a dashboard action waits those seconds for it,
as it waits for a refresh. Restoring is copying the folder back (docs/refresh.md).
"""

from __future__ import annotations

import os
import shutil
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salesglass.errors import SalesglassError
from salesglass.private_files import GROUP_READ, OWNER_ONLY, create_private, private_folder

# the dashboard's sessions (`<logins>.sessions.sqlite`, serve/sessions.py) hold live session ids: a copy is a
# bag of bearer tokens, and restoring it would bring back sessions ended since (logout, password reset)
SESSIONS_SUFFIXES = tuple(".sessions.sqlite" + s for s in ("", "-journal", "-wal", "-shm"))
SKIPPED_SUFFIXES = (".tmp", ".refresh.lock", ".refresh.lock.guard", ".wal", *SESSIONS_SUFFIXES)


@dataclass
class BackupSummary:
    folder: Path
    files: int = 0
    bytes: int = 0
    databases: list[str] = field(default_factory=list)


def _skipped(path: Path) -> bool:
    """The lock (a backup restored elsewhere must not look held), the dashboard's sessions (after a restore
    everyone logs in again), temporary files and half-built reports (also what is in a build's folder,
    `reports/publish.building`); a write-ahead log goes only with its database (copied under its read-only
    handle). `path`: relative to the folder backed up."""
    return (
        path.name.endswith(SKIPPED_SUFFIXES)
        or any(".building-" in part for part in path.parts)
        or path.name.endswith(".compacting")
    )


def databases_of(cfg: Any) -> list[Path]:
    return [cfg.warehouse_path, cfg.bonus_state_path, cfg.published_path]


def backup(
    cfg: Any, target: Path, *, wait_seconds: float = 600.0, progress: Callable[[str], None] = print
) -> BackupSummary:
    """Copy `cfg`'s folder into `target` (new or empty), consistently; see the module doc."""
    from salesglass.refresh.lock import LockBusy, RefreshLock, lock_path_for
    from salesglass.warehouse import connect

    source = Path(cfg.base_dir).resolve()
    target = Path(target).resolve()
    if target == source or source in target.parents:
        raise SalesglassError(f"the backup folder {target} is inside the folder it backs up ({source}): pick another")
    if target.exists() and any(target.iterdir()):
        raise SalesglassError(f"the backup folder {target} is not empty: give a new or empty folder")
    stale = cfg.refresh.stale_lock_minutes * 60.0
    lock = RefreshLock(lock_path_for(cfg.warehouse_path), stale_after=stale, label="backup")  # a refresh says so
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            lock.acquire()
            break
        except LockBusy as busy:
            if time.monotonic() > deadline:
                raise SalesglassError(f"no backup taken: {busy}, for over {wait_seconds:g} s") from busy
            progress(f"waiting: {busy}")
            time.sleep(5)
    summary = BackupSummary(target)
    databases = {p.resolve() for p in databases_of(cfg)}
    try:
        private_folder(target, what="backup folder")
        for path in sorted(source.rglob("*")):
            if path.is_dir() or path.is_symlink() or _skipped(path.relative_to(source)):
                continue
            out = target / path.relative_to(source)
            out.parent.mkdir(parents=True, exist_ok=True)
            if path.resolve() in databases:
                con = connect(path, read_only=True)  # no writer until it is closed
                try:
                    copied = [path] + [w for w in (path.with_name(path.name + ".wal"),) if w.exists()]
                    for one in copied:
                        _copy(one, out.with_name(one.name), summary)
                finally:
                    con.close()
                summary.databases.append(str(path.relative_to(source)))
            else:
                _copy(path, out, summary)
        for db in databases:
            if db.exists() and source not in db.parents:
                progress(f"not copied, outside {source}: {db} (copy it separately)")
    finally:
        lock.release()
    return summary


def _copy(path: Path, out: Path, summary: BackupSummary) -> None:
    # secrets and company data: never wider than it was, nor than group-read, from the first byte copied
    st = path.stat()
    create_private(out, stat.S_IMODE(st.st_mode) & GROUP_READ | OWNER_ONLY)
    shutil.copyfile(path, out)
    # its time too: the build's records beside the published file stay valid
    os.utime(out, ns=(st.st_atime_ns, st.st_mtime_ns))
    summary.files += 1
    summary.bytes += out.stat().st_size
