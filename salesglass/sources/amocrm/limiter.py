"""One client-side request limiter for everything this process sends to an account.

amoCRM counts requests per second and bans clients that keep exceeding the limit, so what matters
is how many requests fall in any one-second window, not an average. Sends are scheduled on a grid
`1/rate` apart (the generic cell rate algorithm): a request that went out late does not push the
whole schedule back (a busy machine wakes threads late), but no request goes out more than
`tolerance` (half an interval) ahead of its slot. At `rate` = 6 that allows at most 7 requests in any
one-second window — amoCRM's limit, never more — with 80 ms to spare; a sequential client (each
request waits for the previous answer) cannot have its arrivals squeezed closer than its sends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self,
        rate: float,
        *,
        tolerance: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        """`clock` and `sleep` are the real ones; a test passes its own to run the limiter on a clock it controls."""
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self.tolerance_share = tolerance
        self._tat = float("-inf")  # theoretical time of the next send
        self._lock = threading.Lock()
        self.waited = 0.0  # total seconds spent waiting (the summary reports it)
        self._slowed_at = float("-inf")
        self._clock, self._sleep = clock, sleep

    @property
    def tolerance(self) -> float:
        return self.interval * self.tolerance_share

    def acquire(self) -> None:
        """Block until this process may send the next request."""
        with self._lock:
            now = self._clock()
            allowed = self._tat - self.tolerance
            if allowed > now:
                self.waited += allowed - now
                self._sleep_until(allowed)
                now = self._clock()
            self._tat = max(self._tat, now) + self.interval

    def sent(self) -> None:
        """A request's bytes left just now: the next slot is at least one interval later (a send that went
        out late moves the grid, so a late thread and an on-time one never reach amoCRM bunched)."""
        with self._lock:
            self._tat = max(self._tat, self._clock() + self.interval)

    def slow_down(self, factor: float = 0.8, floor: float = 0.5) -> None:
        """After a 429 someone else shares the account's budget: keep a lower rate for the rest of the run.
        Several requests in flight may meet the same crowded second: one slow-down per 7 sends' time (about
        amoCRM's one-second window at our rate) counts."""
        with self._lock:
            now = self._clock()
            if now - self._slowed_at < 7 * self.interval:
                return
            self._slowed_at = now
            self.interval = min(1.0 / floor, self.interval / factor)

    def pause(self, seconds: float) -> None:
        """Push the next send back at least `seconds` (after a 429 every thread waits, not only the one that saw it)."""
        with self._lock:
            self._tat = max(self._tat, self._clock() + seconds + self.tolerance)

    def _sleep_until(self, deadline: float) -> None:
        # time.sleep may wake a little early on some systems; never send before the deadline
        while True:
            left = deadline - self._clock()
            if left <= 0:
                return
            self._sleep(left)
