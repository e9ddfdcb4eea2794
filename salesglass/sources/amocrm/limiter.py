"""One client-side request limiter for everything this process sends to an account.

amoCRM counts requests when they *arrive*, `limit` (7) in any `window` (1 s), and bans clients that keep
exceeding that, so what matters is how many requests can arrive within one window, not an average. Two
rules, both checked before every send:

- **The grid.** Sends are scheduled `1/rate` apart (the generic cell rate algorithm): a request that went out
  late does not push the whole schedule back (a busy machine wakes threads late), but no request goes out
  more than `tolerance` (half an interval) ahead of its slot. At `rate` = 6 that is at most 7 sends in any
  one-second window, with 80 ms (167 ms without the tolerance) to spare.
- **amoCRM's window, counted from the answers.** The spare is all the grid has against the network: a
  request held 170 ms on the way in (a lost packet resent after TCP's retransmission timeout, ≥ 200 ms)
  arrives next to the seven sent after it, and amoCRM answers the eighth with 429 although it was sent on
  time. A request can have arrived at any moment between its send and its answer, so a request still out
  counts against the window, and an answered one counts until `window` after the latest moment it may have
  arrived: its send plus however much longer than the fastest answer so far it took (the fastest answer's
  time is the way there and back with no delay; what a request took beyond that it may have spent on the way
  in — a slow answer from amoCRM only makes this careful). No send goes out while `limit` requests count.
  A delayed request thus holds the next sends back by its delay, and an answer as fast as the fastest costs
  nothing: at 6/s the window is the binding rule only when answers vary by more than ~170 ms.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self,
        rate: float,
        *,
        tolerance: float = 0.5,
        limit: int = 7,
        window: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        """`limit` requests per `window` seconds is amoCRM's own count (7 per 1 s); `rate` is the grid's pace,
        below it. `clock` and `sleep` are the real ones; a test passes its own to run the limiter on a clock it
        controls."""
        if rate <= 0:
            raise ValueError("rate must be positive")
        if limit < 1 or window <= 0:
            raise ValueError("limit and window must be positive")
        self.interval = 1.0 / rate
        self.tolerance_share = tolerance
        self.limit, self.window = limit, window
        self._tat = float("-inf")  # theoretical time of the next send
        self._lock = threading.Lock()  # the state below
        self._turn = threading.Lock()  # one sender at a time waits for its slot (in order, as before)
        self.waited = 0.0  # total seconds spent waiting (the summary reports it)
        self._slowed_at = float("-inf")
        self._clock, self._sleep = clock, sleep
        self._pending = 0  # let through by `acquire`, bytes not out yet (`sent`)
        self._out: list[float] = []  # send times of requests without an answer yet
        self._answered: deque[tuple[float, float]] = deque()  # (sent, answered) of recent requests
        self.fastest = float("inf")  # the quickest answer so far, send to answer (seconds)

    @property
    def tolerance(self) -> float:
        return self.interval * self.tolerance_share

    def acquire(self) -> None:
        """Block until this process may send the next request; then it counts as out until `done`."""
        with self._turn:
            while True:
                with self._lock:
                    now = self._clock()
                    wait = self._wait(now)
                    if wait <= 0:
                        self._tat = max(self._tat, now) + self.interval
                        self._pending += 1
                        return
                self.waited += wait
                self._sleep(wait)  # time.sleep may wake a little early: the loop checks again

    def sent(self) -> float:
        """A request's bytes left just now: the next slot is at least one interval later (a send that went
        out late moves the grid, so a late thread and an on-time one never reach amoCRM bunched). Returns the
        send time, for `done`."""
        with self._lock:
            now = self._clock()
            self._tat = max(self._tat, now + self.interval)
            self._pending = max(0, self._pending - 1)
            self._out.append(now)
            return now

    def done(self, sent_at: float | None, *, measured: bool = True) -> None:
        """The request sent at `sent_at` (`sent`'s value) is over: its answer's status line came just now, or it
        failed without one (a timeout, a dropped connection: it may still have arrived, so it counts like a
        request answered now). `measured`: its time tells how fast amoCRM answers — not so for a failure, nor
        for a refusal nothing worked on (a 429, a gateway's 5xx: quicker than any real answer, they would make
        every later answer look delayed). `sent_at` None: let through by `acquire` but never sent (counted
        from now, in case some bytes left)."""
        with self._lock:
            now = self._clock()
            if sent_at is None or sent_at not in self._out:
                self._pending = max(0, self._pending - 1)
                sent_at = now
            else:
                self._out.remove(sent_at)
                if measured:
                    self.fastest = min(self.fastest, now - sent_at)
            self._answered.append((sent_at, now))

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

    def _wait(self, now: float) -> float:
        """Seconds until a send is allowed by both rules (≤ 0: now)."""
        grid = self._tat - self.tolerance - now
        while self._answered and self._answered[0][1] + self.window <= now:
            self._answered.popleft()  # answered a whole window ago: arrived before any send from now on
        fastest = 0.0 if self.fastest == float("inf") else self.fastest
        # when each answered request stops counting: a window after the latest moment it may have arrived
        free_at = sorted(max(sent, answered - fastest) + self.window for sent, answered in self._answered)
        counting = [t for t in free_at if t > now]
        out = self._pending + len(self._out)
        over = out + len(counting) - self.limit
        if over < 0:
            return grid
        if out >= self.limit:  # only an answer frees a place: look again a little later
            return max(grid, min(self.interval, self.window / self.limit) / 2)
        return max(grid, counting[over] - now)
