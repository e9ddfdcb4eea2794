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
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            os.chmod(self.path, 0o600)
        con = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        if not self._ready:
            con.execute(_SCHEMA)
            self._ready = True
        return con

    def create(self, email: str, version: int) -> str:
        """A new session for `email` at its current version; returns the id the cookie carries."""
        sid = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            con = self._connect()
            try:
                con.execute(
                    "DELETE FROM web_sessions WHERE created_at < ? OR last_seen_at < ?",
                    (now - self.lifetime, now - self.idle),
                )
                con.execute("INSERT INTO web_sessions VALUES (?, ?, ?, ?, ?)", (sid, email, version, now, now))
            finally:
                con.close()
        return sid

    def get(self, sid: str) -> Session | None:
        """The live session `sid` names (touched), or None when unknown, too old or idle too long."""
        if not sid or len(sid) > 100:
            return None
        now = self.clock()
        with self._lock:
            con = self._connect()
            try:
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
            finally:
                con.close()

    def end_user(self, email: str) -> int:
        """End every session of `email`; returns how many there were."""
        with self._lock:
            con = self._connect()
            try:
                return con.execute("DELETE FROM web_sessions WHERE email = ?", (email,)).rowcount
            finally:
                con.close()
