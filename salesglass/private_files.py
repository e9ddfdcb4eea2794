"""Who may read the files salesglass writes: company data is its owner's alone.

Policy (told to users in docs/dashboard.md "Security" and docs/bi-tools.md):
- owner-only (0600): the warehouse, the bonus state file, DuckDB's write-ahead logs (`<file>.wal`) next to
  them, the logins and sessions files, token and secret files, the refresh journal, exports written to disk;
- owner read-write, group read (0640): the published reports file, so that a BI tool running as another
  user of the file's group can open it (docs/bi-tools.md: a setgid folder gives new files its group).

DuckDB creates its files, write-ahead logs and spill folders itself with the process umask, so the `salesglass`
command sets an owner-only umask once at start (`private_by_default`), and so does opening a DuckDB file
(`warehouse.connect`) in a process that never went through the command (DuckDB makes a write-ahead log anew
after each checkpoint and refuses a file made beforehand, so nothing else reaches them). The published file is
built in an owner-only folder and made 0640 as it is renamed into place (`reports/publish.building`). The
files whose mode matters are set explicitly where they are created too (`keep_private`).
A file found wider than its policy (written by an older version, copied in by hand, restored from a
backup) is narrowed on first use, with a warning naming it. A mode is only ever narrowed, never widened,
but a new file's in a folder nobody else may enter (`give_mode`: the published file, before it is moved out).

Every mode salesglass sets is set here (`open_private`, `create_private`, `touch_private`, `keep_private`,
`private_folder`, `give_mode`): tests/test_architecture.py fails on a chmod, an `os.open` with a mode or an
octal mode anywhere else, so a new file cannot get a mode of its own by accident.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("salesglass")

OWNER_ONLY = 0o600
GROUP_READ = 0o640
PRIVATE_FOLDER = 0o700  # a folder of secrets: only its owner may list or enter it


def private_by_default() -> None:
    """Every file this process creates from now on is owner-only (umask 077 added to the current one)."""
    os.umask(os.umask(0o077) | 0o077)


def open_private(path: Path, flags: int = os.O_CREAT | os.O_WRONLY | os.O_TRUNC, mode: int = OWNER_ONLY) -> int:
    """`os.open(path, flags)` for writing a file that allows no more than `mode` from its first byte, whatever
    the umask, also when it existed with a wider mode (O_CREAT keeps an existing file's mode): emptied
    (O_TRUNC) it gets `mode` exactly; kept (appended to, locked) it is narrowed to `mode`, before the caller
    writes."""
    fd = os.open(path, flags, mode)
    try:
        if flags & os.O_TRUNC:
            os.fchmod(fd, mode)
        elif (current := stat.S_IMODE(os.fstat(fd).st_mode)) & ~mode:
            os.fchmod(fd, current & mode)
    except BaseException:
        os.close(fd)
        raise
    return fd


def create_private(path: Path, mode: int = OWNER_ONLY) -> None:
    """Create (or empty) `path` with `mode` before anything is written into it, so no reader can open it
    in between (a copy into it, or an `open(path, "w")` after, then keeps the mode)."""
    os.close(open_private(path, mode=mode))


def touch_private(path: Path, mode: int = OWNER_ONLY, *, what: str) -> None:
    """`path` exists and allows no more than `mode`: made empty with it when missing (its folder too), an
    existing one kept as it is but narrowed, with a warning (`keep_private`). For files a library then opens
    itself (SQLite), which would create them with the umask's mode."""
    path = Path(path)
    if path.exists():
        keep_private(path, mode, what=what)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(open_private(path, os.O_CREAT | os.O_WRONLY, mode))


def private_folder(path: Path, *, what: str | None = None) -> None:
    """`path` made if missing (its parents too), owner-only from creation; with `what`, one that exists
    already is narrowed to owner-only as well (silently: the caller is the one who chose it for secrets)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER)
    if what is not None:
        keep_private(path, PRIVATE_FOLDER, what=what, created=True)


def give_mode(path: Path, mode: int) -> None:
    """`path`, a file this process has just made where nobody else can reach it (in a `private_folder`),
    gets `mode` exactly, widened too, before it is moved to where its readers are: the published reports
    file is built in an owner-only folder and made group-readable (0640) as it is renamed into place."""
    os.chmod(path, mode)


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
