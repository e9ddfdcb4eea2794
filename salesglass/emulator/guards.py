"""What stands between a client and the data: the rate limit with its ban, OAuth tokens, injected faults."""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

ACCESS_TTL = 86400  # amoCRM access tokens live 24 hours


@dataclass
class Faults:
    """Fault injection for tests; rates are probabilities per API request (seeded, so reproducible)."""

    error_rate: float = 0.0  # answer 500/502/503 without doing anything
    timeout_rate: float = 0.0  # hold the request `hang_seconds`, then drop the connection unanswered
    hang_seconds: float = 2.0
    slow_seconds: float = 0.0  # added to every API response
    slow_jitter: float = 0.0  # ± this much, uniformly, around slow_seconds (real latency varies)
    mutate_every: int = 0  # every Nth leads-list request first edits a lead the client has likely seen
    # the way in: this share of API requests reaches the account `lag_seconds` late, *before* the rate limit
    # counts it (a lost packet resent after TCP's retransmission timeout, ≥ 200 ms); the others come at once
    lag_rate: float = 0.0
    lag_seconds: float = 0.25
    seed: int = 0


class RateGuard:
    """amoCRM's limit: over `limit` requests in `window` seconds → 429; `ban_after` 429s within
    `ban_window` seconds → banned: every later request gets 403 with an nginx HTML page until reset."""

    def __init__(
        self,
        limit: int = 7,
        window: float = 1.0,
        ban_after: int = 10,
        ban_window: float = 10.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window = limit, window
        self.clock = clock  # a test may pass a clock it controls
        self.ban_after, self.ban_window = ban_after, ban_window
        self.arrivals: deque[float] = deque()
        self.rejections: deque[float] = deque()
        self.banned = False
        self.counts = {"requests": 0, "429": 0, "403": 0}
        self.lock = threading.Lock()

    def check(self) -> int:
        """200 (go on), 429 or 403 for a request arriving now."""
        now = self.clock()
        with self.lock:
            self.counts["requests"] += 1
            if self.banned:
                self.counts["403"] += 1
                return 403
            while self.arrivals and self.arrivals[0] <= now - self.window:
                self.arrivals.popleft()
            over = len(self.arrivals) >= self.limit
            self.arrivals.append(now)
            if not over:
                return 200
            self.counts["429"] += 1
            self.rejections.append(now)
            while self.rejections and self.rejections[0] <= now - self.ban_window:
                self.rejections.popleft()
            if len(self.rejections) >= self.ban_after:
                self.banned = True
            return 429

    def reset(self) -> None:
        with self.lock:
            self.banned = False
            self.arrivals.clear()
            self.rejections.clear()


class TokenGuard:
    """OAuth 2.0 as amoCRM does it: one-time authorization code, 24-hour access tokens, refresh tokens
    that work exactly once (a reused one is 'revoked'), plus the integration's long-lived token."""

    def __init__(self, oauth: dict) -> None:
        self.oauth = oauth
        self.code_used = False
        self.access: dict[str, float] = {}  # token -> expiry (wall clock)
        self.refresh: dict[str, bool] = {}  # token -> still usable
        self.lock = threading.Lock()
        self.issued = 0

    def valid(self, token: str) -> bool:
        if token and token == self.oauth.get("long_lived_token"):
            return True
        with self.lock:
            exp = self.access.get(token)
        return exp is not None and exp > time.time()

    def expire_access_tokens(self) -> None:
        """Test helper: every issued access token is now expired (as after 24 hours)."""
        with self.lock:
            for t in self.access:
                self.access[t] = 0.0

    def _issue(self) -> dict:
        access, refresh = "emu-at-" + secrets.token_hex(16), "def50200" + secrets.token_hex(24)
        self.access[access] = time.time() + ACCESS_TTL
        self.refresh[refresh] = True
        self.issued += 1
        return {
            "token_type": "Bearer",
            "expires_in": ACCESS_TTL,
            "server_time": int(time.time()),
            "access_token": access,
            "refresh_token": refresh,
        }

    def exchange(self, body: dict) -> tuple[int, dict]:
        """POST /oauth2/access_token: (status, JSON body)."""
        o = self.oauth
        if body.get("client_id") != o.get("client_id") or body.get("client_secret") != o.get("client_secret"):
            return 401, _oauth_problem(401, "Некорректный клиент", "Client authentication failed")
        if body.get("redirect_uri") != o.get("redirect_uri"):
            return 400, _oauth_problem(400, "Bad Request", "Wrong redirect_uri")
        grant = body.get("grant_type")
        with self.lock:
            if grant == "authorization_code":
                if body.get("code") != o.get("authorization_code") or self.code_used:
                    return 400, _oauth_problem(400, "Authorization code has been revoked", "Code is invalid")
                self.code_used = True
                return 200, self._issue()
            if grant == "refresh_token":
                token = body.get("refresh_token") or ""
                if not self.refresh.get(token):
                    return 401, _oauth_problem(401, "Token has been revoked", "Refresh token is invalid")
                self.refresh[token] = False
                return 200, self._issue()
        return 400, _oauth_problem(400, "Unsupported grant type", f"grant_type {grant!r}")


def _oauth_problem(status: int, hint: str, detail: str) -> dict:
    return {
        "hint": hint,
        "title": "Unauthorized" if status == 401 else "Bad Request",
        "type": "https://developers.amocrm.ru/v3/errors/OAuthProblemJson",
        "status": status,
        "detail": detail,
    }


class FaultDice:
    """Seeded decisions for injected faults; one roll per request, in arrival order."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.rng = random.Random(faults.seed)
        self.jitter_rng = random.Random(faults.seed + 1)  # its own stream: jitter leaves the faults' rolls alone
        self.lag_rng = random.Random(faults.seed + 2)  # and so does the lag on the way in
        self.lock = threading.Lock()
        self.counts = {"5xx": 0, "timeouts": 0, "mutations": 0, "lagged": 0}
        self.leads_requests = 0

    def roll(self) -> str | None:
        f = self.faults
        with self.lock:
            r = self.rng.random()
            if r < f.error_rate:
                self.counts["5xx"] += 1
                return "error"
            if r < f.error_rate + f.timeout_rate:
                self.counts["timeouts"] += 1
                return "timeout"
        return None

    def latency(self) -> float:
        """Seconds to hold this answer: slow_seconds ± slow_jitter (never below zero)."""
        f = self.faults
        if not f.slow_jitter:
            return f.slow_seconds
        with self.lock:
            return max(0.0, f.slow_seconds + self.jitter_rng.uniform(-f.slow_jitter, f.slow_jitter))

    def lag(self) -> float:
        """Seconds this request spends on the way in before the account counts it: 0, or `lag_seconds` for a
        `lag_rate` share of requests."""
        f = self.faults
        if not f.lag_rate:
            return 0.0
        with self.lock:
            if self.lag_rng.random() >= f.lag_rate:
                return 0.0
            self.counts["lagged"] += 1
            return f.lag_seconds

    def error_status(self) -> int:
        with self.lock:
            return self.rng.choice((500, 502, 503))

    def should_mutate(self) -> bool:
        with self.lock:
            self.leads_requests += 1
            hit = (
                bool(self.faults.mutate_every)
                and self.leads_requests > 1
                and self.leads_requests % self.faults.mutate_every == 0
            )
            if hit:
                self.counts["mutations"] += 1
            return hit


@dataclass
class Misbehaviour:
    """One scripted way real amoCRM misbehaves, for the next `times` API requests under `path` (a prefix;
    `/api/v4/leads$` is that path alone).

    - `status` (with `headers`, `body`): answer that instead, doing nothing (429 with or without Retry-After,
      a 502/503/504 burst, 204 for a page that should have records, …);
    - `reset_mid_body`: start the real answer (status, headers, half the body), then drop the connection;
    - `delay`: hold the answer this many seconds first (a slow response; the client's timeout decides);
    - `trickle`: send the real answer's body in `trickle_bytes`-byte pieces, this many seconds apart (a slow
      link or proxy: every piece comes well within a per-read timeout, the whole answer takes long);
      `trickle_headers` sends the status line and headers that way too (the client has no answer yet);
    - `next_link`: `"missing"` drops the page's `_links.next`, `"self"` points it back at the page itself,
      `"http://host:port"` points it at that host (same path and query);
    Only what is set applies; a request matching no entry is answered as usual.
    """

    path: str
    times: int = 1
    status: int | None = None
    headers: dict[str, str] | None = None
    body: bytes = b""
    reset_mid_body: bool = False
    delay: float = 0.0
    next_link: str | None = None
    trickle: float = 0.0
    trickle_bytes: int = 64
    trickle_headers: bool = False
    page: int | None = None  # only requests for this page number (`page=`; none given = page 1)


class Script:
    """The misbehaviours waiting for requests, in the order they were added; each used up after `times`."""

    def __init__(self) -> None:
        self.entries: list[Misbehaviour] = []
        self.used: list[tuple[str, str]] = []  # (path, what) of every misbehaviour served
        self.lock = threading.Lock()

    def add(self, entry: Misbehaviour) -> None:
        with self.lock:
            self.entries.append(entry)

    def take(self, path: str, page: int = 1) -> Misbehaviour | None:
        with self.lock:
            for entry in self.entries:
                hit = path == entry.path[:-1] if entry.path.endswith("$") else path.startswith(entry.path)
                if hit and entry.times > 0 and entry.page in (None, page):
                    entry.times -= 1
                    self.used.append((path, _what(entry)))
                    return entry
        return None


def _what(m: Misbehaviour) -> str:
    if m.status is not None:
        return str(m.status)
    if m.reset_mid_body:
        return "reset"
    if m.next_link:
        return f"next:{m.next_link}"
    if m.trickle:
        return f"trickle:{m.trickle:g}"
    return f"delay:{m.delay:g}"
