"""Who may read the files salesglass writes: company data is its owner's alone.

Policy (told to users in docs/dashboard.md "Security" and docs/bi-tools.md):
- owner-only (0600): the warehouse, the bonus state file, DuckDB's write-ahead logs (`<file>.wal`) next to
  them, the logins and sessions files, token and secret files, the refresh journal, exports written to disk;
- owner read-write, group read (0640): the published reports file, so that a BI tool running as another
  user of the file's group can open it (docs/bi-tools.md: a setgid folder gives new files its group).

DuckDB creates its files, write-ahead logs and spill folders itself with the process umask, so the `salesglass` command
sets an owner-only umask once at start (`private_by_default`); the files whose mode matters are set
explicitly where they are created too (`keep_private`), for callers that never went through the command.
A file found wider than its policy (written by an older version, copied in by hand, restored from a
backup) is narrowed on first use, with a warning naming it. A mode is only ever narrowed, never widened.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("salesglass")

OWNER_ONLY = 0o600
GROUP_READ = 0o640


def private_by_default() -> None:
    """Every file this process creates from now on is owner-only (umask 077 added to the current one)."""
    os.umask(os.umask(0o077) | 0o077)


def create_private(path: Path, mode: int = OWNER_ONLY) -> None:
    """Create (or empty) `path` with `mode` before anything is written into it, so no reader can open it
    in between (a copy into it then keeps the mode)."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)  # an existing file keeps its old mode on O_CREAT
    finally:
        os.close(fd)


def keep_private(path: Path, mode: int = OWNER_ONLY, *, what: str, created: bool = False) -> None:
    """`path`, when it exists, allows no more than `mode`.

    `created`: this process has just made the file (a library call under a wide umask), so narrowing it
    says nothing. Otherwise a wider file is narrowed with a warning naming it; when that fails (another
    user owns it) the warning says what to run instead.
    """
    path = Path(path)
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if not current & ~mode:
        return
    narrowed = current & mode
    try:
        os.chmod(path, narrowed)
    except OSError as exc:
        log.warning(
            "the %s %s is readable by others (mode %o) and could not be made %s: %s; run chmod %o on it",
            what,
            path,
            current,
            describe(mode),
            exc.strerror,
            narrowed,
        )
        return
    if not created:
        log.warning(
            "the %s %s was readable by others (mode %o): made it %s (%04o)",
            what,
            path,
            current,
            describe(mode),
            narrowed,
        )


def describe(mode: int) -> str:
    return "owner-only" if not mode & 0o077 else "readable by its owner and group only"
