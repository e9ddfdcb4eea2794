"""One client-side request limiter for everything this process sends to an account.

amoCRM counts requests per second and bans clients that keep exceeding the limit, so the guarantee
that matters is a minimum gap between two sends, not an average: each request waits until
`1/rate` seconds have passed since the previous one was sent. At most `rate` requests then fall
in any one-second window, whatever the latency of each.
"""

from __future__ import annotations

import threading
import time


class RateLimiter:
    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self._last = float("-inf")
        self._lock = threading.Lock()
        self.waited = 0.0  # total seconds spent waiting (the summary reports it)

    def acquire(self) -> None:
        """Block until this process may send the next request."""
        with self._lock:
            now = time.monotonic()
            wait = self._last + self.interval - now
            if wait > 0:
                self.waited += wait
                _sleep_until(now + wait)
            self._last = time.monotonic()

    def slow_down(self, factor: float = 0.8, floor: float = 0.5) -> None:
        """After a 429 someone else shares the account's budget: keep a lower rate for the rest of the run."""
        with self._lock:
            self.interval = min(1.0 / floor, self.interval / factor)

    def pause(self, seconds: float) -> None:
        """Push the next send back (after a 429 every thread waits, not only the one that saw it)."""
        with self._lock:
            self._last = max(self._last, time.monotonic() + seconds - self.interval)


def _sleep_until(deadline: float) -> None:
    # time.sleep may wake a little early on some systems; never send before the deadline
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(left)
