"""The HTTP client for one amoCRM account: limiter, retries, auth, and the API's quirks.

Policy (amoCRM's limits and errors, docs/amocrm.md): every request passes the one limiter; 429 → exponential backoff
with jitter (for reads and writes: a 429 was not applied); 403 with an HTML page → stop at once, the
account is blocked; 5xx and timeouts → bounded retries for GETs only; a write that timed out or got
a 5xx is reported as uncertain, never resent; one 401 → one token refresh → one retry. 204 is an
empty result, not an error.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from salesglass.sources.amocrm.auth import LongLivedAuth, OAuthAuth, TokenStore
from salesglass.sources.amocrm.deadline import bound, within
from salesglass.sources.amocrm.errors import (
    AccountBlocked,
    AccountUnpaid,
    AmoCRMError,
    AuthError,
    NotFound,
    Transient,
    WriteUncertain,
)
from salesglass.sources.amocrm.limiter import RateLimiter

BLOCKED = (
    "amoCRM answered 403 with an HTML page: the account (or this server's IP) is blocked for exceeding "
    "the request limit. Stopped at once — retrying makes the block longer. Ask amoCRM support to lift it "
    "(give them the account subdomain, account id and this server's IP), and lower [amocrm] rate_limit."
)

UNPAID = (
    "amoCRM answered 402 Payment Required to {request} ({detail}): the account's paid period has ended, or its "
    "plan does not include this. Nothing was changed. Extend the subscription in amoCRM (or ask its "
    "administrator), then run the sync again."
)
FORBIDDEN = (
    "amoCRM refused {request} with 403 Forbidden ({detail}): the token's user may not read it, or this server's "
    "IP is not on the account's allowed list. Use a token of an account administrator (a long-lived token acts "
    "with the rights of the administrator who made it) and check the IP restrictions in amoCRM's security settings."
)


@dataclass
class ClientStats:
    requests: int = 0
    retries: int = 0
    rate_limited: int = 0  # 429 answers
    server_errors: int = 0  # 5xx answers
    timeouts: int = 0
    refreshes: int = 0
    first_send: float = 0.0  # monotonic time of the first and the last request sent
    last_send: float = 0.0
    by_status: dict[int, int] = field(default_factory=dict)


@dataclass
class ClientSettings:
    base_url: str
    rate_limit: float = 6.0
    account_limit: int = 7  # amoCRM's own count: this many requests arriving within account_window seconds
    account_window: float = 1.0
    timeout: float = 60.0  # seconds for one whole request: connect, send, and the answer's last byte
    max_retries: int = 5
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    in_flight: int = 1  # requests sent before their answers came (several threads share the client)


class AmoClient:
    """GET/PATCH against `/api/v4`; `auth` gives bearer tokens (long-lived or OAuth)."""

    def __init__(self, settings: ClientSettings, auth: Any = None) -> None:
        self.settings = settings
        # with requests in flight the grid is fed all the time and needs no early sends to keep its rate, so
        # no tolerance: eight sends then span at least 7 intervals (1.17 s at 6/s), and amoCRM may stamp
        # arrivals up to 167 ms unevenly before it sees 8 in one second (80 ms with the tolerance)
        self.limiter = RateLimiter(
            settings.rate_limit,
            tolerance=0.0 if settings.in_flight > 1 else 0.5,
            limit=settings.account_limit,
            window=settings.account_window,
        )
        self.stats = ClientStats()
        timeout = httpx.Timeout(settings.timeout, connect=min(5.0, settings.timeout))
        # one deadline for the whole request, headers included (deadline.py): httpx's own count per read
        self.http = bound(
            httpx.Client(
                base_url=settings.base_url,
                timeout=timeout,
                headers={"User-Agent": "salesglass", "Accept": "application/hal+json"},
            )
        )
        self.auth = auth
        self.blocked = False  # set by the first ban page; every thread then stops sending
        # several threads share one client (the sync keeps requests in flight): counters under a lock,
        # and each thread remembers the token it sent (a 401 refreshes exactly that one)
        self._stats_lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max(1, settings.in_flight))
        self._gate = threading.Lock()  # from a send slot to the request's last byte: one request at a time
        self._local = threading.local()

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> AmoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- public calls ----------------------------------------------------------------------------
    def get(self, path: str, params: dict | list | None = None) -> dict | None:
        """A GET with retries; None for 204 (nothing there)."""
        return self._retrying("GET", path, params=params)

    def get_one(self, path: str) -> dict | None:
        """One record by id (`/api/v4/leads/{id}`); None when there is none: amoCRM answers a missing or
        deleted record with 204, or with 404."""
        try:
            return self.get(path)
        except NotFound:
            return None

    def get_url(self, url: str) -> dict | None:
        """Follow a `_links.next.href` (absolute URL with its own query) — on the configured account only: its
        path and query are asked of `base_url`, so a link naming another host never gets the bearer token."""
        parts = urlsplit(url)
        return self._retrying("GET", parts.path + (f"?{parts.query}" if parts.query else ""))

    def patch_leads(self, updates: list[dict]) -> list[dict]:
        """Update leads in batches of ≤ 50 (status_id + pipeline_id, price, …); results as amoCRM returns them.

        A batch that times out or gets a 5xx raises WriteUncertain naming its lead ids: re-read those
        leads before deciding to send it again. Earlier batches stay applied.
        """
        return self._write_batches(
            "PATCH",
            "/api/v4/leads",
            updates,
            id_key="id",
            embedded="leads",
            uncertain="PATCH of leads {ids} got no clear answer ({exc}); it may or may not "
            "have been applied — re-read these leads before sending it again",
        )

    def add_notes(self, notes: list[dict]) -> list[dict]:
        """POST /api/v4/leads/notes in batches of ≤ 50 (`{entity_id, note_type, params: {text}}`).

        Notes are not idempotent (a repeat adds them twice), so a batch without a clear answer raises
        WriteUncertain and is never resent; only a 429 (not applied) is retried.
        """
        return self._write_batches(
            "POST",
            "/api/v4/leads/notes",
            notes,
            id_key="entity_id",
            embedded="notes",
            uncertain="notes on leads {ids} got no clear answer ({exc}); they may or may "
            "not have been added — check those leads before adding them again",
        )

    def _write_batches(
        self, method: str, path: str, items: list[dict], *, id_key: str, embedded: str, uncertain: str
    ) -> list[dict]:
        """Send `items` in batches of ≤ 50 (amoCRM's limit); a batch without a clear answer raises
        WriteUncertain (never resent blindly), earlier batches stay applied."""
        results: list[dict] = []
        for start in range(0, len(items), 50):
            batch = items[start : start + 50]
            try:
                body = self._retrying(method, path, json=batch)
            except Transient as exc:
                ids = [item.get(id_key) for item in batch]
                raise WriteUncertain(uncertain.format(ids=ids, exc=exc)) from None
            results.extend(((body or {}).get("_embedded") or {}).get(embedded, []))
        return results

    def post_token(self, body: dict) -> tuple[int, dict]:
        """POST /oauth2/access_token, never resent after a lost or failed answer (it may have burned the
        refresh token); only a 429 (refused before anything was done) is sent again after a back-off."""
        s = self.settings
        for attempt in range(s.max_retries + 1):
            self._sent()
            sent_at, measured = self.limiter.sent(), False  # (its bytes leave next: no gate for a rare request)
            try:
                with within(s.timeout) as deadline:
                    try:
                        request = self.http.build_request("POST", "/oauth2/access_token", json=body)
                        head = self.http.send(request, stream=True)
                        measured = _worked_on(head.status_code)
                    finally:
                        self.limiter.done(sent_at, measured=measured)
                    resp = _read_by(head, deadline, s.timeout)
            except httpx.TimeoutException as exc:
                raise AuthError(f"amoCRM's token endpoint: {_timeout_text(exc, s.timeout)}") from None
            except httpx.HTTPError as exc:
                raise AuthError(f"could not reach amoCRM's token endpoint: {exc.__class__.__name__}") from None
            except _TooSlow as exc:
                raise AuthError(f"amoCRM's token endpoint: {exc}") from None
            self._count(resp.status_code)
            self._check_blocked(resp)
            if resp.status_code != 429 or attempt == s.max_retries:
                break
            self._bump("rate_limited")
            wait = min(max(s.backoff_base * 2**attempt, _retry_after(resp) or 0.0), s.backoff_max)
            self.limiter.slow_down()
            self.limiter.pause(wait)
        try:
            data = resp.json()
        except ValueError:
            data = {"detail": resp.text[:200]}
        return resp.status_code, data if isinstance(data, dict) else {}

    # ---- machinery -------------------------------------------------------------------------------
    def _retrying(self, method: str, path: str, **kw: Any) -> dict | None:
        s = self.settings

        def worth_retry(exc: BaseException) -> bool:
            return isinstance(exc, Transient) and (method == "GET" or exc.rate_limited)

        def before_sleep(state: RetryCallState) -> None:
            self._bump("retries")
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, Transient) and exc.rate_limited and state.next_action:
                self.limiter.slow_down()
                self.limiter.pause(state.next_action.sleep)

        backoff = wait_exponential_jitter(initial=s.backoff_base, max=s.backoff_max, jitter=s.backoff_base)

        def wait(state: RetryCallState) -> float:
            # a Retry-After (amoCRM documents none, a proxy in front of it may send one) is honoured up to
            # backoff_max: retrying sooner only earns another 429 and, ten of them on, the ban
            exc = state.outcome.exception() if state.outcome else None
            asked = getattr(exc, "retry_after", None) or 0.0
            return min(max(backoff(state), asked), max(s.backoff_max, backoff(state)))

        retrying = Retrying(
            stop=stop_after_attempt(s.max_retries + 1),
            wait=wait,
            retry=retry_if_exception(worth_retry),
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            return retrying(self._once, method, path, **kw)
        except Transient as exc:
            if method != "GET" and not exc.rate_limited:
                raise
            raise AmoCRMError(f"{method} {_short(path)} failed after {s.max_retries + 1} attempts: {exc}") from None

    def _once(self, method: str, path: str, **kw: Any) -> dict | None:
        resp = self._send(method, path, **kw)
        if resp.status_code == 401 and self.auth is not None:
            self._bump("refreshes")
            self.auth.refresh(self._local.token)
            resp = self._send(method, path, **kw)
            if resp.status_code == 401:
                raise AuthError(
                    "amoCRM still answers 401 after a token refresh: the integration lost access "
                    "(revoked in amoCRM?). Authorize again."
                )
        return self._result(method, path, resp)

    def _send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {}
        token = self._local.token = self.auth.token() if self.auth is not None else ""
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            with self._slots:  # at most `in_flight` requests out at once, each paced by the limiter
                resp = self._paced(method, path, headers, kw)
        except httpx.TimeoutException as exc:
            self._bump("timeouts")
            raise Transient(_timeout_text(exc, self.settings.timeout)) from None
        except _TooSlow as exc:
            self._bump("timeouts")
            raise Transient(str(exc)) from None
        except httpx.TransportError as exc:
            self._bump("timeouts")
            # the address said: "connection problem (ConnectError)" alone left a stranger guessing which one
            raise Transient(
                f"connection problem ({exc.__class__.__name__}) reaching {_address(self.settings.base_url)} "
                "([amocrm] base_url: check it and this machine's network)"
            ) from None
        self._count(resp.status_code)
        self._check_blocked(resp)
        return resp

    def _paced(self, method: str, path: str, headers: dict, kw: dict) -> httpx.Response:
        """Send one request on the limiter's grid, counted from when its bytes actually left until its answer.

        With several requests in flight, a thread that wakes late (a busy machine) would send after its
        slot while the next thread sends on time, and amoCRM, which counts arrivals, would see them
        bunched. So one request at a time passes from its slot to its last byte written (the gate), and
        the next slot is counted from that moment (httpcore's trace tells it). The answer's status line
        tells the limiter when amoCRM had the request at the latest (limiter.py: amoCRM's window)."""
        self._gate.acquire()
        held = True
        sent_at: float | None = None

        def trace(event: str, _info: dict) -> None:
            nonlocal held, sent_at
            if held and event.endswith("send_request_body.complete"):
                held = False
                sent_at = self.limiter.sent()
                self._gate.release()

        try:
            self._sent()
        except BaseException:
            held = False
            self._gate.release()
            raise
        measured = False
        with within(self.settings.timeout) as deadline:  # from here to the answer's last byte
            try:
                request = self.http.build_request(method, path, headers=headers, extensions={"trace": trace}, **kw)
                resp = self.http.send(request, stream=True)
                measured = _worked_on(resp.status_code)
            finally:
                if held:
                    held = False
                    self._gate.release()
                self.limiter.done(sent_at, measured=measured)
            return _read_by(resp, deadline, self.settings.timeout)

    def _sent(self) -> None:  # thread-safe: the limiter has a lock; the counters are single bytecode steps
        if self.blocked:  # another thread met the ban page: nothing more goes out
            raise AccountBlocked(BLOCKED)
        self.limiter.acquire()
        if self.blocked:
            self.limiter.done(None, measured=False)  # let through, never sent
            raise AccountBlocked(BLOCKED)
        now = time.monotonic()
        with self._stats_lock:
            self.stats.first_send = self.stats.first_send or now
            self.stats.last_send = max(self.stats.last_send, now)
            self.stats.requests += 1

    def _bump(self, counter: str) -> None:
        with self._stats_lock:
            setattr(self.stats, counter, getattr(self.stats, counter) + 1)

    def _count(self, status: int) -> None:
        with self._stats_lock:
            self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1

    def _check_blocked(self, resp: httpx.Response) -> None:
        if resp.status_code == 403 and "json" not in resp.headers.get("content-type", ""):
            self.blocked = True
            raise AccountBlocked(BLOCKED)

    def _result(self, method: str, path: str, resp: httpx.Response) -> dict | None:
        status = resp.status_code
        if status == 204:
            return None
        if status == 429:
            self._bump("rate_limited")
            raise Transient("429 Too Many Requests", status=429, rate_limited=True, retry_after=_retry_after(resp))
        if status >= 500:
            self._bump("server_errors")
            raise Transient(f"HTTP {status}{_request_id(resp)}", status=status, retry_after=_retry_after(resp))
        if 300 <= status < 400:  # never followed: the bearer token stays with the configured address
            raise AmoCRMError(_moved(method, path, resp))
        if status == 402:  # not worth a retry (the sync reads the account first and alone: it stops there)
            raise AccountUnpaid(
                UNPAID.format(request=f"{method} {_short(path)}", detail=_problem(resp)) + _request_id(resp)
            )
        if status == 403:  # as JSON (a ban is an HTML page, `_check_blocked`): this user or IP may not
            raise AmoCRMError(
                FORBIDDEN.format(request=f"{method} {_short(path)}", detail=_problem(resp)) + _request_id(resp)
            )
        if status == 404:
            raise NotFound(f"{method} {_short(path)}: HTTP 404 {_problem(resp)}{_request_id(resp)}")
        if status >= 400:
            raise AmoCRMError(f"{method} {_short(path)}: HTTP {status} {_problem(resp)}{_request_id(resp)}")
        try:
            return resp.json()
        except ValueError:
            raise AmoCRMError(f"{method} {_short(path)}: HTTP {status} but the body is not JSON") from None


def _worked_on(status: int) -> bool:
    """Whether amoCRM worked on a request answered with `status`: not a 429 nor a gateway's 5xx, refusals
    answered quicker than any real answer (the limiter learns from the others how fast amoCRM answers)."""
    return status != 429 and status < 500


class _TooSlow(Exception):
    """The answer did not arrive whole within the request's deadline."""


def _read_by(resp: httpx.Response, deadline: float, timeout: float) -> httpx.Response:
    """The answer read whole by `deadline`, else `_TooSlow`. httpx's read timeout counts from the last byte
    that came, so a server (or proxy) sending a few bytes at a time keeps one request alive for ever and the
    sync with it; here the body is read piece by piece against one deadline for the whole request."""
    chunks: list[bytes] = []
    try:
        for chunk in resp.iter_raw():
            chunks.append(chunk)
            if time.monotonic() > deadline:
                got = sum(map(len, chunks))
                raise _TooSlow(
                    f"no whole answer within the {timeout:g}s deadline ([amocrm] timeout): the server was "
                    f"still sending after {got:,} bytes"
                )
    finally:
        resp.close()
    # the raw (still encoded) body with the original headers: httpx decodes it as it would have
    return httpx.Response(resp.status_code, headers=resp.headers, content=b"".join(chunks), request=resp.request)


def _moved(method: str, path: str, resp: httpx.Response) -> str:
    """A redirect, said as what it most likely means: the account's address changed (a renamed account)."""
    target = urlsplit(resp.headers.get("location", ""))
    where = f"{target.scheme}://{target.netloc}" if target.netloc else ""
    then = f"set [amocrm] base_url to {where} (and subdomain)" if where else "check [amocrm] base_url"
    return (
        f"amoCRM answered {method} {_short(path)} with HTTP {resp.status_code}, pointing at "
        f"{resp.headers.get('location') or 'no address'}: the account's address has changed (renamed in amoCRM?) "
        f"or base_url is not the account's own. Not followed (the token goes to the configured address only): "
        f"{then}, then run the sync again."
    )


def _timeout_text(exc: httpx.TimeoutException, timeout: float) -> str:
    """What a timeout says: the whole-request deadline's own words when it was that, else the old text."""
    text = str(exc)
    return text if "deadline" in text else f"timeout after {timeout:g}s"


def _retry_after(resp: httpx.Response) -> float | None:
    """`Retry-After` in seconds (a number or an HTTP date), None when absent or unreadable."""
    value = resp.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _request_id(resp: httpx.Response) -> str:
    """amoCRM's id of the request (`X-Request-Id`), for its support to find it; empty when not sent."""
    rid = resp.headers.get("x-request-id", "").strip()[:80]
    return f" (amoCRM request id {rid}: give it to amoCRM support if you ask them)" if rid else ""


def _short(path: str) -> str:
    return path.split("?", 1)[0]


def _problem(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:200]
    detail = body.get("detail") or body.get("title") or ""
    errors = body.get("validation-errors")
    return f"{detail} {errors}" if errors else str(detail)


def _paced_settings(amo: Any, **more: Any) -> ClientSettings:
    """Client settings for an `[amocrm]` section: its address, timeout and amoCRM's pace (every client of the
    account, the token exchange's included, keeps to the same limit); `more` adds the sync's own."""
    return ClientSettings(
        base_url=amo.base_url,
        rate_limit=amo.rate_limit,
        account_limit=amo.account_limit,
        account_window=amo.account_window,
        timeout=amo.timeout,
        **more,
    )


def client_from_config(amo: Any, base_dir: Any = None) -> AmoClient:
    """The client for an `[amocrm]` section (tokens from its token_path, resolved against `base_dir`)."""
    settings = _paced_settings(
        amo,
        max_retries=amo.max_retries,
        backoff_base=amo.backoff_base,
        backoff_max=amo.backoff_max,
        in_flight=amo.in_flight,
    )
    client = AmoClient(settings)
    path = Path(amo.token_path)
    if base_dir is not None and not path.is_absolute():
        path = Path(base_dir) / path
    store = TokenStore(path)
    if amo.auth == "long_lived":
        client.auth = LongLivedAuth(store)
    else:
        client.auth = OAuthAuth(
            store,
            client.post_token,
            client_id=amo.client_id or "",
            client_secret=client_secret(amo),
            redirect_uri=amo.redirect_uri or "",
        )
    return client


def client_secret(amo: Any) -> str:
    secret = os.environ.get("SALESGLASS_AMOCRM_CLIENT_SECRET") or amo.client_secret
    if not secret:
        raise AuthError(
            "OAuth needs the integration's client secret: set [amocrm] client_secret or the "
            "environment variable SALESGLASS_AMOCRM_CLIENT_SECRET"
        )
    return secret


def authorize(cfg: Any, code: str) -> Path:
    """The OAuth authorization-code exchange for `cfg.amocrm`; tokens go to its token_path (0600)."""
    from salesglass.sources.amocrm.auth import exchange_code

    amo = cfg.amocrm
    if not (amo.client_id and amo.redirect_uri):
        raise AuthError("[amocrm] client_id and redirect_uri are needed for the authorization-code exchange")
    store = TokenStore(cfg.resolve(amo.token_path))
    with AmoClient(_paced_settings(amo)) as c:
        exchange_code(
            store,
            c.post_token,
            code=code,
            client_id=amo.client_id,
            client_secret=client_secret(amo),
            redirect_uri=amo.redirect_uri,
        )
    return store.path


def _address(url: str) -> str:
    """The account's address as a message may show it: scheme and host, never a user or password in it."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"
