"""A real HTTP server that answers like amoCRM's API v4 for one simulated company.

Threaded `http.server` on a real socket (HTTP/1.1 keep-alive). Order of checks for every request, as
a client meets them in production: an existing ban (403 HTML) → the rate limit (429) → injected
faults → the bearer token (401) → the endpoint. `/_emulator/*` is the test/admin side door (advance
time, lift a ban, counters) and bypasses all of that.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

from salesglass.emulator.guards import FaultDice, Faults, Misbehaviour, RateGuard, Script, TokenGuard
from salesglass.emulator.routes import route
from salesglass.emulator.state import AccountState
from salesglass.emulator.webhooks import WebhookSender, subdomain_of

BAN_PAGE = (
    b"<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1>"
    b"</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


@dataclass
class Emulator:
    """Everything one running emulator holds; the request handler reaches it through the server."""

    state: AccountState
    rate: RateGuard
    tokens: TokenGuard
    dice: FaultDice
    # amoCRM's API filtering (an alpha feature, on for some accounts only); off = filter[...] of the
    # leads and companies lists is ignored and the account reports is_api_filter_enabled = false
    api_filter: bool = True
    # "desc": the events list comes newest first (as some amoCRM accounts answer it), "asc": oldest first
    events_order: str = "asc"
    log: list[list] = field(default_factory=list)  # [method, path, status]; status 0 = never answered
    log_lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0  # API requests being answered right now
    max_in_flight: int = 0  # the most at once: how many requests a client keeps going
    webhooks: WebhookSender = field(default_factory=WebhookSender)  # amoCRM's webhooks to registered URLs
    script: Script = field(default_factory=Script)  # scripted misbehaviours (guards.Misbehaviour)

    def notify(self, actions: list) -> int:
        """POST the webhook for these changes ([action, lead id] pairs) to every registered URL."""
        with self.state.lock:
            changes = [(action, dict(self.state.leads[lead_id])) for action, lead_id in actions]
        return self.webhooks.send(changes, subdomain=subdomain_of(self.state.account), account_id=self.state.account_id)

    def move(self, lead_id: int, status_id: int, pipeline_id: int | None = None) -> dict:
        """Move one lead to another status now (a manager dragging the card), and send its webhook."""
        state = self.state
        with state.lock:
            lead = state.leads.get(lead_id)
            if lead is None or lead.get("is_deleted"):
                raise KeyError(f"no live lead {lead_id}")
            pipeline = lead["pipeline_id"] if pipeline_id is None else pipeline_id
            if (pipeline, status_id) not in state.status_ids():
                raise KeyError(f"no status {status_id} in pipeline {pipeline}")
            state.move_lead(lead, pipeline, status_id, state.tick(), 0)
            out = {"id": lead_id, "pipeline_id": pipeline, "status_id": status_id, "updated_at": lead["updated_at"]}
        out["webhooks"] = self.notify([["status", lead_id]])
        return out

    def began(self) -> None:
        with self.log_lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def ended(self) -> None:
        with self.log_lock:
            self.in_flight -= 1

    def record(self, method: str, path: str) -> list:
        """Log a request on arrival (a request left hanging still counts); the status is filled in later."""
        entry = [method, path, 0]
        with self.log_lock:
            self.log.append(entry)
        return entry


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid 40 ms delayed-ACK stalls
    server_version = "nginx"
    sys_version = ""

    @property
    def emu(self) -> Emulator:
        return cast(_Server, self.server).emulator

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests and the demo print their own
        return

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    # ---- plumbing ------------------------------------------------------------------------------
    def _body(self) -> Any:
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return ValueError("body is not JSON")

    def _send(self, status: int, body: bytes = b"", ctype: str = "application/hal+json") -> None:
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Request-Id", f"emu-{time.monotonic_ns():x}")
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _json(self, status: int, obj: Any, ctype: str = "application/hal+json") -> None:
        self._send(status, json.dumps(obj, ensure_ascii=False).encode(), ctype)

    def _problem(self, status: int, title: str, detail: str, **extra: Any) -> None:
        body = {"title": title, "type": f"https://httpstatus.es/{status}", "status": status, "detail": detail, **extra}
        self._json(status, body, "application/problem+json")

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        path, query = parts.path.rstrip("/") or "/", parse_qsl(parts.query, keep_blank_values=True)
        body = self._body() if method in ("POST", "PATCH") else None
        entry = self.emu.record(method, path)
        if path.startswith("/_emulator/"):
            entry[2] = self._dispatch(method, path, query, body)
            return
        self.emu.began()
        try:
            entry[2] = self._dispatch(method, path, query, body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (its timeout)
            self.close_connection = True
        finally:
            self.emu.ended()

    def _dispatch(self, method: str, path: str, query: list[tuple[str, str]], body: Any) -> int:
        emu = self.emu
        if path.startswith("/_emulator/"):
            return self._admin(method, path, body)
        lag = emu.dice.lag()
        if lag:  # held on the way in: the limit counts the request when it arrives, after this
            time.sleep(lag)
        verdict = emu.rate.check()
        if verdict == 403:
            self._send(403, BAN_PAGE, "text/html")
            return 403
        if verdict == 429:
            self._send(429, b"Too Many Requests", "text/plain")
            return 429
        page = next((v for k, v in query if k == "page"), "1")
        odd = emu.script.take(path, int(page) if page.isdigit() else 1)
        if odd is not None and odd.delay:
            time.sleep(odd.delay)
        if odd is not None and odd.status is not None:
            return self._canned(odd)
        if path == "/oauth2/access_token" and method == "POST":
            if not isinstance(body, dict):
                self._problem(400, "Bad Request", "expected a JSON object")
                return 400
            status, out = emu.tokens.exchange(body)
            ctype = "application/json" if status == 200 else "application/problem+json"
            if odd is not None and odd.trickle:
                return self._trickle(status, json.dumps(out).encode(), ctype, odd)
            self._json(status, out, ctype)
            return status
        fault = emu.dice.roll()
        if emu.dice.faults.slow_seconds:
            time.sleep(emu.dice.latency())
        if fault == "error":
            status = emu.dice.error_status()
            self._problem(status, "Server Error", "injected fault")
            return status
        if fault == "timeout" and method == "GET":
            return self._hang()
        auth = self.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else ""
        if not emu.tokens.valid(token):
            self._problem(401, "Unauthorized", "Token is invalid or expired")
            return 401
        if isinstance(body, ValueError):
            self._problem(400, "Bad Request", str(body))
            return 400
        base = f"http://{self.headers.get('Host', 'localhost')}"
        result = route(emu, method, path, query, body, base)
        if fault == "timeout":  # a write that was applied, but whose answer never arrives
            return self._hang()
        status, payload, ctype = result
        if odd is not None and odd.next_link and isinstance(payload, dict):
            links = payload.setdefault("_links", {})
            if odd.next_link == "self" and "self" in links:
                links["next"] = dict(links["self"])
            elif odd.next_link.startswith("http"):  # a link to another host, same path and query
                href = urlsplit(links.get("self", {}).get("href", ""))
                links["next"] = {"href": f"{odd.next_link}{href.path}?{href.query}"}
            else:
                links.pop("next", None)
        if odd is not None and odd.reset_mid_body:
            return self._reset(status, payload)
        if odd is not None and odd.trickle and status != 204:
            body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
            return self._trickle(status, body, ctype, odd)
        if status == 204:
            self._send(204)
        elif isinstance(payload, bytes):
            self._send(status, payload, ctype)
        else:
            self._json(status, payload, ctype)
        return status

    def _canned(self, odd: Misbehaviour) -> int:
        self.send_response(odd.status or 200)
        for name, value in (odd.headers or {}).items():
            self.send_header(name, value)
        if odd.status != 204:
            self.send_header("Content-Length", str(len(odd.body)))
        self.end_headers()
        if odd.body and odd.status != 204:
            self.wfile.write(odd.body)
        return odd.status or 200

    def _reset(self, status: int, payload: Any) -> int:
        """The answer's status, headers and first half of its body, then the connection drops."""
        body = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else b"{}"
        self.send_response(status)
        self.send_header("Content-Type", "application/hal+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True
        return 0

    def _trickle(self, status: int, body: bytes, ctype: str, odd: Misbehaviour) -> int:
        """The whole answer, its body a few bytes at a time with a pause before each piece."""
        head = (
            f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}\r\nServer: nginx\r\n"
            f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        step = max(1, odd.trickle_bytes)
        if odd.trickle_headers:  # the status line and headers come as slowly as the body
            body = head + body
        else:
            self.wfile.write(head)
            self.wfile.flush()
        for start in range(0, len(body), step):
            time.sleep(odd.trickle)
            self.wfile.write(body[start : start + step])
            self.wfile.flush()
        return status

    def _hang(self) -> int:
        time.sleep(self.emu.dice.faults.hang_seconds)
        self.close_connection = True
        return 0

    def _admin(self, method: str, path: str, body: Any) -> int:
        emu, args = self.emu, body if isinstance(body, dict) else {}
        if path == "/_emulator/advance" and method == "POST":
            out = emu.state.advance(
                **{k: v for k, v in args.items() if k in ("seconds", "change_fraction", "changes", "seed")}
            )
            emu.notify(out["actions"])  # registered webhook URLs hear of the changes
            self._json(200, out, "application/json")
        elif path == "/_emulator/move" and method == "POST":
            try:
                moved = emu.move(int(args["lead_id"]), int(args["status_id"]), args.get("pipeline_id"))
            except (KeyError, TypeError, ValueError) as exc:
                self._problem(400, "Bad Request", f"cannot move: {exc}")
                return 400
            self._json(200, moved, "application/json")
        elif path == "/_emulator/webhooks" and method == "POST":
            if not isinstance(args.get("url"), str) or not args["url"].startswith(("http://", "https://")):
                self._problem(400, "Bad Request", 'expected {"url": "http://…"}')
                return 400
            emu.webhooks.add(args["url"])
            self._json(200, {"webhooks": emu.webhooks.urls}, "application/json")
        elif path == "/_emulator/webhooks" and method == "GET":
            sent = [vars(s) for s in emu.webhooks.sent]
            self._json(200, {"webhooks": emu.webhooks.urls, "sent": sent}, "application/json")
        elif path == "/_emulator/reset-ban" and method == "POST":
            emu.rate.reset()
            self._json(200, {"banned": False}, "application/json")
        elif path == "/_emulator/expire-tokens" and method == "POST":
            emu.tokens.expire_access_tokens()
            self._json(200, {"expired": True}, "application/json")
        elif path == "/_emulator/stats":
            self._json(
                200,
                {
                    **emu.rate.counts,
                    **emu.dice.counts,
                    "banned": emu.rate.banned,
                    "max_in_flight": emu.max_in_flight,
                    "now": emu.state.now,
                },
                "application/json",
            )
        else:
            self._problem(404, "Not Found", f"no admin endpoint {path}")
            return 404
        return 200


class _Server(ThreadingHTTPServer):
    """The HTTP server, holding the emulator its handlers answer from."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        super().__init__(address, Handler)


@dataclass
class EmulatorHandle:
    """A running emulator: `url` to point a client at, `state` to inspect or advance, `stop()` to end it."""

    url: str
    state: AccountState
    emulator: Emulator
    server: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def rate(self) -> RateGuard:
        return self.emulator.rate

    @property
    def tokens(self) -> TokenGuard:
        return self.emulator.tokens

    @property
    def faults(self) -> Faults:
        return self.emulator.dice.faults

    def set_faults(self, **faults: Any) -> None:
        """Change the injected faults of a running emulator (a fresh seeded dice)."""
        self.emulator.dice = FaultDice(Faults(**faults))

    def misbehave(self, path: str, **how: Any) -> None:
        """Script a misbehaviour for the next requests under `path` (`guards.Misbehaviour` fields)."""
        self.emulator.script.add(Misbehaviour(path, **how))

    def requests(self, method: str | None = None, prefix: str = "") -> list[tuple[str, str, int]]:
        with self.emulator.log_lock:
            return [
                tuple(r) for r in self.emulator.log if (method is None or r[0] == method) and r[1].startswith(prefix)
            ]

    def advance(self, **kwargs: Any) -> dict:
        """Move the company forward (`advance.advance`); registered webhooks hear of every change."""
        out = self.state.advance(**kwargs)
        self.emulator.notify(out["actions"])
        return out

    def add_webhook(self, url: str) -> None:
        """Send amoCRM's webhooks (emulator/webhooks.py) for the emulator's own changes to `url`."""
        self.emulator.webhooks.add(url)

    def remove_webhook(self, url: str) -> None:
        self.emulator.webhooks.remove(url)

    def move(self, lead_id: int, status_id: int, pipeline_id: int | None = None) -> dict:
        """Move one lead now (and send its webhook): `Emulator.move`."""
        return self.emulator.move(lead_id, status_id, pipeline_id)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_emulator(
    company_dir: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    rate_limit: int = 7,
    rate_window: float = 1.0,
    ban_after: int = 10,
    ban_window: float = 10.0,
    seed: int = 0,
    api_filter: bool = True,
    **faults: Any,
) -> EmulatorHandle:
    """Serve `company_dir`'s amoCRM snapshot on a real socket in a background thread.

    `rate_limit` requests per `rate_window` seconds (amoCRM: 7 per 1 s); `ban_after` 429s within
    `ban_window` seconds ban the client. `seed` drives advancing time and the faults; `faults` are
    `guards.Faults` fields (error_rate, timeout_rate, hang_seconds, slow_seconds, slow_jitter, mutate_every,
    lag_rate, lag_seconds). `api_filter=False` serves an account without API filtering:
    `filter[...]` on the leads and companies lists is ignored, as amoCRM does there.
    """
    state = AccountState(Path(company_dir), seed=seed)
    emulator = Emulator(
        state=state,
        rate=RateGuard(rate_limit, rate_window, ban_after, ban_window),
        tokens=TokenGuard(state.oauth),
        dice=FaultDice(Faults(seed=seed, **faults)),
        api_filter=api_filter,
    )
    server = _Server((host, port), emulator)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="amocrm-emulator", daemon=True
    )
    thread.start()
    real_host, real_port = server.socket.getsockname()[:2]
    return EmulatorHandle(f"http://{real_host}:{real_port}", state, emulator, server, thread)
