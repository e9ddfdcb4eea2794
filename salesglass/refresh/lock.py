"""One refresh at a time, even across crashes: a lock file that a dead holder cannot keep forever.

The lock is a small JSON file next to the warehouse (`<warehouse>.refresh.lock`) holding the holder's
pid, hostname, a random token and a heartbeat time:

- **take**: `open(O_CREAT | O_EXCL)`: the file system decides who was first, atomically.
- **hold**: a daemon thread in the holder rewrites the heartbeat every `heartbeat_seconds`
  (write a temporary file, then `os.replace`, so a reader never sees half a file; the next holder
  deletes one a killed holder left).
- **release**: remove the file, but only if it still carries our token.
- **stale**: a lock is taken over, not waited on, when its holder's pid is not alive on this host
  (killed, crashed, machine rebooted), or is alive but a process that started after the lock was taken
  (the pid was reused), or its heartbeat is older than `stale_after` seconds (the holder
  hung, or lives on another host that stopped). Takeover happens under a short `flock` on a guard
  file, and re-reads the lock there, so two contenders cannot both take over the same stale lock.

Why not just `flock` the lock file? It does not survive network file systems well and says nothing
about *who* holds it; the file tells an operator which process and since when.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import json
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from salesglass.private_files import open_private
from salesglass.processes import pid_alive, remove_dead_temps, replace_whole


class LockBusy(Exception):
    """Another live refresh holds the lock."""

    def __init__(self, holder: dict[str, Any]) -> None:
        self.holder = holder
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(holder.get("started", 0)))
        what = "another refresh" if holder.get("label", "refresh") == "refresh" else f"a {holder.get('label')}"
        super().__init__(f"{what} is running (pid {holder.get('pid')} on {holder.get('host')}, since {since} UTC)")


def process_started(pid: int) -> float | None:
    """When the process `pid` started (Unix time), from /proc; None where that cannot be read (not Linux)."""
    try:
        ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
        boot = next(
            int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime ")
        )
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def read_holder(path: Path) -> dict[str, Any] | None:
    """The current lock content, or None when there is no (readable) lock."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}  # half-written by a holder that died in the middle of creating it


def is_stale(holder: dict[str, Any], stale_after: float, now: float | None = None) -> bool:
    now = time.time() if now is None else now
    heartbeat = holder.get("heartbeat")
    if not isinstance(heartbeat, int | float) or now - heartbeat > stale_after:
        return True
    if holder.get("host") != socket.gethostname():
        return False
    pid = int(holder.get("pid", 0))
    if not pid_alive(pid):
        return True
    # the pid is alive but is another process's: the holder died and its pid was given to a process started
    # after it took the lock (after a reboot pids start over), which would keep the lock for stale_after.
    # A minute of slack: a clock stepped forward (NTP at boot) moves /proc's start times along with it
    started, began = holder.get("started"), process_started(pid)
    return isinstance(started, int | float) and began is not None and began > started + 60.0


@dataclass
class RefreshLock:
    """The refresh lock at `path`; use as a context manager or call acquire()/release()."""

    path: Path
    stale_after: float = 600.0
    heartbeat_seconds: float = 15.0
    label: str = "refresh"

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self.token = secrets.token_hex(8)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.took_over: dict[str, Any] | None = None  # the stale holder we replaced, if any

    def _content(self, started: float) -> bytes:
        return json.dumps(
            {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "token": self.token,
                "label": self.label,
                "started": started,
                "heartbeat": time.time(),
            }
        ).encode()

    def _create(self) -> bool:
        try:
            fd = open_private(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return False
        with os.fdopen(fd, "wb") as f:
            f.write(self._content(time.time()))
            f.flush()
            os.fsync(f.fileno())
        return True

    def acquire(self) -> RefreshLock:
        """Take the lock now or raise LockBusy; a stale lock is removed and taken over."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self._create():
            with self._guard():
                holder = read_holder(self.path)
                if holder is not None and not is_stale(holder, self.stale_after):
                    raise LockBusy(holder)
                if holder is not None:
                    self.took_over = holder
                    with contextlib.suppress(FileNotFoundError):
                        self.path.unlink()
                if not self._create():
                    raise LockBusy(read_holder(self.path) or {})
        self._started = time.time()
        self._remove_dead_heartbeats()
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="refresh-lock-heartbeat", daemon=True)
        self._thread.start()
        return self

    @contextlib.contextmanager
    def _guard(self):
        guard = self.path.with_name(self.path.name + ".guard")
        fd = open_private(guard, os.O_CREAT | os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def _remove_dead_heartbeats(self) -> None:
        """Delete the heartbeat files (`processes.temp_beside`) of holders killed while writing one. Only a
        holder writes them, so once this process holds the lock every other one is dead; under the guard, as
        a holder judged stale but still alive checks there that the lock is still its own before writing.
        Older versions named them by the holder's token (`<lock>.<16 hex digits>.tmp`)."""
        with self._guard():
            remove_dead_temps(self.path)
            for old in self.path.parent.glob(glob.escape(self.path.name) + ".*.tmp"):
                token = old.name[len(self.path.name) + 1 : -len(".tmp")]
                if len(token) == 16 and all(c in "0123456789abcdef" for c in token):
                    old.unlink(missing_ok=True)

    def _still_ours(self) -> bool:
        holder = read_holder(self.path)
        return holder is not None and holder.get("token") == self.token

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_seconds):
            with self._guard():  # the same guard as takeover: never overwrite a new holder's file
                if not self._still_ours():
                    return  # taken over (we were judged stale); the new holder's file is not ours to touch
                replace_whole(self.path, self._content(self._started))

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with self._guard():
            if self._still_ours():
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()

    def __enter__(self) -> RefreshLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_path_for(warehouse_path: Path) -> Path:
    """The refresh lock lives next to the warehouse it protects."""
    return warehouse_path.with_name(warehouse_path.name + ".refresh.lock")
