"""Whether a process still lives, and the small files a killed process leaves behind.

The refresh lock and the build's leftover temporary files both ask whether a pid lives. Small state files
(the lock's heartbeat, the build's fingerprint and step records, the SQL cache, the trimmed run log) are
written whole under a temporary name beside them and renamed into place, so a reader never sees half a
file; a process killed between the two leaves its temporary file. Its name carries the writer's host and
pid (`.<file>.<host>-<pid>.tmp`), so the next writer of the same file deletes those of dead processes on
this host, as a killed build's file is deleted (`reports/publish.py`).
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import shutil
import socket
import threading
from pathlib import Path

from salesglass.private_files import OWNER_ONLY, open_private


def pid_alive(pid: int) -> bool:
    """True when a process with this pid exists and is not a zombie."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def temp_beside(path: Path) -> Path:
    """The temporary name this process writes `path`'s next version under (see the module doc). A path of no
    name (`export --out ""` or `--out .`) is a folder where a file belongs: refused as such (an OSError, which
    the command prints as one line naming it), not pathlib's traceback "PosixPath('.') has an empty name"."""
    path = Path(path)
    if not path.name:
        raise IsADirectoryError(errno.EISDIR, "a folder, where a file name belongs", str(path))
    return path.with_name(f".{path.name.lstrip('.')}.{socket.gethostname()}-{os.getpid()}.tmp")


def remove_dead_temps(path: Path, *, legacy: tuple[str, ...] = ()) -> list[Path]:
    """Delete the temporary files of `path` (`temp_beside`) left by dead processes of this host.

    `legacy`: name patterns of older versions, `{pid}` standing for the writer's pid (e.g.
    `"{name}.{pid}.tmp"`, `{name}` being `path`'s name), so the files they left go too. A live process's
    file, and another host's (its pid means nothing here, on a shared folder), are left alone."""
    path = Path(path)
    bare = path.name.lstrip(".")
    patterns = [f".{bare}.{socket.gethostname()}-{{pid}}.tmp", *legacy]
    removed = []
    for pattern in patterns:
        head, _, tail = pattern.format(name=path.name, pid="\0").partition("\0")
        for found in path.parent.glob(glob.escape(head) + "*" + glob.escape(tail)):
            pid = found.name[len(head) : len(found.name) - len(tail)]
            if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
                if found.is_dir() and not found.is_symlink():  # a DuckDB spill folder (warehouse.connect)
                    shutil.rmtree(found, ignore_errors=True)
                else:
                    with contextlib.suppress(FileNotFoundError):
                        found.unlink()
                removed.append(found)
    return removed


def replace_whole(
    path: Path, data: bytes | str, *, mode: int = OWNER_ONLY, legacy: tuple[str, ...] = (), durable: bool = False
) -> None:
    """Write `path` whole under `temp_beside` and rename it into place (removed again if that fails);
    first delete what dead writers of `path` left (`legacy`: see `remove_dead_temps`). `mode`: the new
    file's permissions from the start, whatever the umask: owner-only unless said (every such file sits
    beside the company's data: the build's SQL cache, which a build runs, must be no one else's to write,
    as under a umask of 000 it was). `durable`: flush the file and the folder to disk,
    so a power cut keeps the new version or the old one (a rotated amoCRM token cannot be asked for again)."""
    path = Path(path)
    remove_dead_temps(path, legacy=legacy)
    tmp = temp_beside(path)
    try:
        _write_new(tmp, data, mode=mode, durable=durable)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.filename is None or str(exc.filename) != str(tmp):
            raise
        # the file asked for, not the temporary name beside it ("/srv/out/.r.csv.host-42.tmp: Permission denied")
        raise type(exc)(exc.errno, exc.strerror, str(path)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        _sync_folder(path.parent)


_CREATING = threading.Lock()  # one `create_whole` at a time in this process: its threads share one temp name


def create_whole(path: Path, data: bytes | str, *, mode: int = OWNER_ONLY) -> bool:
    """Make `path` holding `data` whole, unless it exists: True when this call made it, False when it was
    there already (then it is left as it is). Never replaces: of processes or threads racing to make the
    same file (two dashboard workers making the key that signs sessions), exactly one wins and the others
    find the winner's file complete, never a half-written one. The data is written under `temp_beside`
    (owner-only, or `mode`, from the start) and hard-linked to `path`; unlike a rename, a link fails when
    the name exists."""
    path = Path(path)
    with _CREATING:
        remove_dead_temps(path)
        tmp = temp_beside(path)
        try:
            _write_new(tmp, data, mode=mode, durable=True)
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
        finally:
            tmp.unlink(missing_ok=True)
    _sync_folder(path.parent)
    return True


def _write_new(path: Path, data: bytes | str, *, mode: int, durable: bool) -> None:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd = open_private(path, mode=mode)
    try:
        view = memoryview(raw)
        while view:
            view = view[os.write(fd, view) :]
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
