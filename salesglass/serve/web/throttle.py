"""Failed-login limits: too many wrong passwords for one e-mail, or from one address, lock it for a while.

Kept in memory of the serving process (the dashboard runs as one process): a restart forgets the
counters. While a key is locked, `/login` answers 429 without checking the password, so guessing
gains nothing. A successful login clears its e-mail's counter but not its address's: one valid
account must not let an address go on trying other people's passwords.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from salesglass.serve.users import normalise_email

# counters kept at most (a flood of made-up e-mails must not grow memory without end)
MAX_KEYS = 10_000


@dataclass
class _Entry:
    failures: list[float] = field(default_factory=list)  # times of recent failures (within the window)
    locked_until: float = 0.0


class LoginThrottle:
    """Counts failed logins per e-mail (case-insensitive) and per client address, within a window.

    The Nth failure within `window_seconds` locks the key for `window_seconds` from then; refused
    attempts while locked neither count nor extend the lock. `clock` returns seconds (monotonic by
    default); tests pass their own to move time without sleeping.
    """

    def __init__(
        self,
        max_failures: int,
        window_seconds: float,
        *,
        max_failures_per_address: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.max_failures_per_address = max_failures_per_address or max_failures
        self.window = float(window_seconds)
        self.clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _keys(email: str, address: str | None) -> list[str]:
        keys = [f"email:{normalise_email(email)}"]
        if address:
            keys.append(f"addr:{address}")
        return keys

    def retry_after(self, email: str, address: str | None) -> float:
        """Seconds until this e-mail and address may try again (0 = not locked)."""
        now = self.clock()
        with self._lock:
            waits = [e.locked_until - now for k in self._keys(email, address) if (e := self._entries.get(k))]
        return max([0.0, *waits])

    def failed(self, email: str, address: str | None) -> list[str]:
        """Record a wrong password; returns the keys this failure locked (for the log)."""
        now = self.clock()
        locked: list[str] = []
        with self._lock:
            for key in self._keys(email, address):
                limit = self.max_failures_per_address if key.startswith("addr:") else self.max_failures
                entry = self._entries.pop(key, None) or _Entry()
                self._entries[key] = entry  # most recently used last
                entry.failures = [t for t in entry.failures if now - t < self.window]
                entry.failures.append(now)
                if len(entry.failures) >= limit:
                    entry.locked_until, entry.failures = now + self.window, []
                    locked.append(key)
            self._prune(now)
        return locked

    def succeeded(self, email: str) -> None:
        """A right password resets the e-mail's counter (the address's stays)."""
        with self._lock:
            self._entries.pop(f"email:{normalise_email(email)}", None)

    def _prune(self, now: float) -> None:
        if len(self._entries) <= MAX_KEYS:
            return
        for key in [
            k
            for k, e in self._entries.items()
            if e.locked_until <= now and all(now - t >= self.window for t in e.failures)
        ]:
            del self._entries[key]
        while len(self._entries) > MAX_KEYS:
            self._entries.popitem(last=False)
