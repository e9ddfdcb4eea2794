"""Dashboard sessions kept on the server, so that a login can be ended for real.

The browser's cookie (signed, HttpOnly) only names a random session id. The session itself lives here, in a
small SQLite file next to the logins file (owner-only), with the login's *session version* at login time:

- logging out deletes the session row and bumps the user's version, so every other session of that user
  (a copied cookie, another browser) is dead on its next request too;
- a password reset, a role change or removing the login bump or drop the version the same way, from the web
  page or from `salesglass users …` in another process;
- a session lives at most `session_hours` from login (absolute: renewing the cookie cannot extend it) and
  ends after `session_idle_minutes` without a request.

SQLite (standard library) rather than memory: sessions survive a restart of `salesglass serve`, and the
CLI and the server see the same state. `last_seen_at` is written at most once a minute per session.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from salesglass.private_files import touch_private

TOUCH_EVERY = 60.0  # seconds between writes of last_seen_at
_SCHEMA = """CREATE TABLE IF NOT EXISTS web_sessions (
    sid TEXT PRIMARY KEY, email TEXT NOT NULL, version INTEGER NOT NULL,
    created_at REAL NOT NULL, last_seen_at REAL NOT NULL)"""


@dataclass(frozen=True)
class Session:
    sid: str
    email: str
    version: int
    created_at: float
    last_seen_at: float


def sessions_path(users_path: Path) -> Path:
    """Where the sessions of a logins file live: `<logins>.sessions.sqlite` beside it."""
    users_path = Path(users_path)
    return users_path.with_name(users_path.name + ".sessions.sqlite")


class SessionStore:
    def __init__(
        self, path: Path, *, lifetime_seconds: float, idle_seconds: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = Path(path)
        self.lifetime, self.idle, self.clock = lifetime_seconds, idle_seconds, clock
        self._lock = threading.Lock()
        self._con: sqlite3.Connection | None = None
        self._identity: tuple[int, int, int] | None = None  # pid, device and inode the connection is for
        self._inherited: list[sqlite3.Connection] = []

    def _connection(self) -> sqlite3.Connection:
        """This process's connection, opened at first use and kept (call with the lock held): a request
        pays one query, not an open of the file and a read of its schema. Opened again in a forked child
        (a connection must not cross a fork) and when the file was removed or replaced since."""
        try:
            st = os.stat(self.path)
            identity: tuple[int, int, int] | None = (os.getpid(), st.st_dev, st.st_ino)
        except FileNotFoundError:
            identity = None
        if self._con is None or identity is None or identity != self._identity:
            if self._con is not None and self._identity is not None and self._identity[0] == os.getpid():
                self._con.close()
            elif self._con is not None:  # the parent's, inherited by a fork: never used nor closed here
                self._inherited.append(self._con)
            self._con = self._open()
            st = os.stat(self.path)
            self._identity = (os.getpid(), st.st_dev, st.st_ino)
        return self._con

    def _open(self) -> sqlite3.Connection:
        touch_private(self.path, what="sessions file")
        # used by one thread at a time (under the lock), by whichever thread serves the request
        con = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        con.execute(_SCHEMA)
        return con

    def create(self, email: str, version: int) -> str:
        """A new session for `email` at its current version; returns the id the cookie carries."""
        sid = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            con = self._connection()
            con.execute(
                "DELETE FROM web_sessions WHERE created_at < ? OR last_seen_at < ?",
                (now - self.lifetime, now - self.idle),
            )
            con.execute("INSERT INTO web_sessions VALUES (?, ?, ?, ?, ?)", (sid, email, version, now, now))
        return sid

    def get(self, sid: str) -> Session | None:
        """The live session `sid` names (touched), or None when unknown, too old or idle too long."""
        if not sid or len(sid) > 100:
            return None
        now = self.clock()
        with self._lock:
            con = self._connection()
            row = con.execute(
                "SELECT sid, email, version, created_at, last_seen_at FROM web_sessions WHERE sid = ?", (sid,)
            ).fetchone()
            if row is None:
                return None
            session = Session(*row)
            if now - session.created_at > self.lifetime or now - session.last_seen_at > self.idle:
                con.execute("DELETE FROM web_sessions WHERE sid = ?", (sid,))
                return None
            if now - session.last_seen_at >= TOUCH_EVERY:
                con.execute("UPDATE web_sessions SET last_seen_at = ? WHERE sid = ?", (now, sid))
            return session

    def end_user(self, email: str) -> int:
        """End every session of `email`; returns how many there were."""
        with self._lock:
            return self._connection().execute("DELETE FROM web_sessions WHERE email = ?", (email,)).rowcount
