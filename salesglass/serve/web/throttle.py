"""Failed-login limits: too many wrong passwords for one e-mail, or from one address, lock it for a while.

The counters live in the serving process's memory when the dashboard runs as one process (a restart
forgets them), or in a small SQLite file beside the logins file when it runs as several worker
processes (`[dashboard].workers`): every worker then counts the same failures, so more workers do not
mean more guesses. While a key is locked, `/login` answers 429 without checking the password, so
guessing gains nothing. A successful login clears its e-mail's counter but not its address's: one
valid account must not let an address go on trying other people's passwords.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from salesglass.private_files import touch_private
from salesglass.serve.users import normalise_email
from salesglass.sql import transaction as sql_transaction

# counters kept at most (a flood of made-up e-mails must not grow memory without end)
MAX_KEYS = 10_000


@dataclass
class _Entry:
    failures: list[float] = field(default_factory=list)  # times of recent failures (within the window)
    locked_until: float = 0.0


class Counters(Protocol):
    """Where the entries live; `transaction` holds them still while one attempt is counted."""

    def transaction(self) -> AbstractContextManager[None]: ...
    def load(self, keys: list[str]) -> dict[str, _Entry]: ...
    def save(self, entries: dict[str, _Entry | None], now: float, window: float) -> None: ...


class MemoryCounters:
    """In this process only (one dashboard process)."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            yield

    def load(self, keys: list[str]) -> dict[str, _Entry]:
        return {k: e for k in keys if (e := self._entries.get(k)) is not None}

    def save(self, entries: dict[str, _Entry | None], now: float, window: float) -> None:
        for key, entry in entries.items():
            self._entries.pop(key, None)
            if entry is not None:
                self._entries[key] = entry  # most recently used last
        if len(self._entries) <= MAX_KEYS:
            return
        for key in [k for k, e in self._entries.items() if _expired(e, now, window)]:
            del self._entries[key]
        while len(self._entries) > MAX_KEYS:
            self._entries.popitem(last=False)


def _expired(e: _Entry, now: float, window: float) -> bool:
    return e.locked_until <= now and all(now - t >= window for t in e.failures)


class SharedCounters:
    """In a SQLite file (owner-only) that every worker process of one dashboard opens.

    Each attempt is counted inside one `BEGIN IMMEDIATE` transaction, so two workers never both read
    "4 failures" and both write 5. Times are wall-clock seconds (the file outlives a process and a
    reboot, a monotonic clock does not).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        touch_private(self.path, what="login lockouts file")
        con = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        con.execute(
            "CREATE TABLE IF NOT EXISTS login_failures (key TEXT PRIMARY KEY, failures TEXT NOT NULL, "
            "last_failure REAL NOT NULL, locked_until REAL NOT NULL)"
        )
        return con

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            con = self._connect()
            self._con = con
            try:
                with sql_transaction(con, immediate=True):
                    yield
            finally:
                self._con = None
                con.close()

    def load(self, keys: list[str]) -> dict[str, _Entry]:
        assert self._con is not None, "load() outside transaction()"
        marks = ", ".join("?" * len(keys))
        rows = self._con.execute(
            f"SELECT key, failures, locked_until FROM login_failures WHERE key IN ({marks})", keys
        ).fetchall()
        return {k: _Entry(list(json.loads(f)), float(u)) for k, f, u in rows}

    def save(self, entries: dict[str, _Entry | None], now: float, window: float) -> None:
        assert self._con is not None, "save() outside transaction()"
        for key, entry in entries.items():
            if entry is None:
                self._con.execute("DELETE FROM login_failures WHERE key = ?", (key,))
            else:
                self._con.execute(
                    "INSERT OR REPLACE INTO login_failures VALUES (?, ?, ?, ?)",
                    (key, json.dumps(entry.failures), max(entry.failures, default=0.0), entry.locked_until),
                )
        # nothing in the file outlives its window (a flood of made-up e-mails cannot grow it)
        self._con.execute(
            "DELETE FROM login_failures WHERE locked_until <= ? AND last_failure <= ?", (now, now - window)
        )


def shared_counters_path(users_path: Path) -> Path:
    """Where the workers' shared counters live: `<logins>.login-failures.sqlite` beside the logins file."""
    users_path = Path(users_path)
    return users_path.with_name(users_path.name + ".login-failures.sqlite")


class LoginThrottle:
    """Counts failed logins per e-mail (case-insensitive) and per client address, within a window.

    The Nth failure within `window_seconds` locks the key for `window_seconds` from then; refused
    attempts while locked neither count nor extend the lock. `clock` returns seconds (monotonic by
    default; wall-clock with shared counters); tests pass their own to move time without sleeping.
    """

    def __init__(
        self,
        max_failures: int,
        window_seconds: float,
        *,
        max_failures_per_address: int | None = None,
        clock: Callable[[], float] | None = None,
        counters: Counters | None = None,
    ) -> None:
        self.max_failures = max_failures
        self.max_failures_per_address = max_failures_per_address or max_failures
        self.window = float(window_seconds)
        self.counters: Counters = counters or MemoryCounters()
        shared = isinstance(self.counters, SharedCounters)
        self.clock = clock or (time.time if shared else time.monotonic)

    @staticmethod
    def _keys(email: str, address: str | None) -> list[str]:
        keys = [f"email:{normalise_email(email)}"]
        if address:
            keys.append(f"addr:{address}")
        return keys

    def retry_after(self, email: str, address: str | None) -> float:
        """Seconds until this e-mail and address may try again (0 = not locked)."""
        now = self.clock()
        with self.counters.transaction():
            entries = self.counters.load(self._keys(email, address))
        return max([0.0, *(e.locked_until - now for e in entries.values())])

    def failed(self, email: str, address: str | None) -> list[str]:
        """Record a wrong password; returns the keys this failure locked (for the log)."""
        now = self.clock()
        locked: list[str] = []
        keys = self._keys(email, address)
        with self.counters.transaction():
            entries = self.counters.load(keys)
            changed: dict[str, _Entry | None] = {}
            for key in keys:
                limit = self.max_failures_per_address if key.startswith("addr:") else self.max_failures
                entry = entries.get(key) or _Entry()
                entry.failures = [t for t in entry.failures if now - t < self.window]
                entry.failures.append(now)
                if len(entry.failures) >= limit:
                    entry.locked_until, entry.failures = now + self.window, []
                    locked.append(key)
                changed[key] = entry
            self.counters.save(changed, now, self.window)
        return locked

    def succeeded(self, email: str) -> None:
        """A right password resets the e-mail's counter (the address's stays)."""
        with self.counters.transaction():
            self.counters.save({f"email:{normalise_email(email)}": None}, self.clock(), self.window)
