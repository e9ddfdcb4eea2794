"""The dashboard's outermost layer: security headers on every response, bounded bodies, same-origin POSTs.

Pure ASGI (no request parsing of its own), so it also covers redirects, errors and the 413/403 it sends:

- **Headers.** A strict Content-Security-Policy (scripts only from our own /static: no inline script, no
  eval; inline *style attributes* are allowed because ECharts positions its tooltips with them),
  `Cache-Control: no-store` on everything but /static (figures and bonus statements must not stay in a
  browser or proxy cache after logout), nosniff, no framing, a same-origin referrer, no powerful browser
  features, and HSTS when the dashboard is served over HTTPS (`secure_cookies` or an https:// `public_url`).
- **Bodies.** A request body is counted while it is read and refused with 413 past `form_limit` bytes
  (a `Content-Length` above it is refused before anything is read), so `/login` never parses a 50 MB
  password. The amoCRM webhook reads its body itself under its own limit (refresh/webhooks.py).
- **Paths.** A path with control characters (`/static/%00`) is refused with 400 before any route sees it.
- **Host.** A `Host` header that is not a host name or address with an optional port is refused with 400:
  Starlette ≤ 1.0.0 builds `request.url` from it, and `Host: x/login?` made the URL's path `/login` for a
  request to `/sales` (CVE-2026-48710), which path-based checks then took for a public page.
- **Origin.** A POST (any unsafe method) whose `Origin` — or, without one, `Referer` — is another site
  is refused with 403 even when its CSRF token is right; so is `Sec-Fetch-Site: cross-site`. The own
  origin is `[dashboard].public_url` when set (behind a proxy that rewrites Host), else the request's Host
  (host and port; the scheme is not compared, as TLS may end at a proxy).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
FORM_LIMIT = 64 * 1024  # a login or an admin form is a few hundred bytes
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
OWN_BODY_PREFIXES = ("/hooks/",)  # read and limited by their own handlers
# a name (letters, digits, `.`, `-`, `_` as Docker's service names have) or a bracketed IPv6 address, then a port
HOST = re.compile(r"(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


def security_headers(path: str, *, https: bool = False) -> dict[str, str]:
    """The headers every response carries (the 500 handler adds them itself: it answers outside the app)."""
    headers = {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if not path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"
    if https:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    port = parts.port
    default = {"http": 80, "https": 443}.get(parts.scheme)
    host = (parts.hostname or "").lower()
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


class Guard:
    def __init__(
        self, app: Any, *, https: bool = False, public_url: str | None = None, form_limit: int = FORM_LIMIT
    ) -> None:
        self.app, self.https, self.form_limit = app, https, form_limit
        self.public_origin = _origin_of(public_url) if public_url else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        extra = [
            (k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in security_headers(path, https=self.https).items()
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in names)]
            await send(message)

        if any(ord(ch) < 32 or ord(ch) == 127 for ch in path):  # e.g. /static/%00: no route or file has one
            await _plain(send_with_headers, 400, "control characters in the path")
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if "host" in headers and not HOST.fullmatch(headers["host"]):
            await _plain(send_with_headers, 400, "bad Host header")
            return
        if scope.get("method") in UNSAFE_METHODS and not path.startswith(OWN_BODY_PREFIXES):
            refusal = self._cross_site(scope, headers)
            if refusal:
                await _plain(send_with_headers, 403, refusal)
                return
            declared = headers.get("content-length", "")
            if declared and not (declared.isascii() and declared.isdigit()):
                await _plain(send_with_headers, 400, "bad Content-Length")
                return
            if declared and int(declared) > self.form_limit:
                await _plain(send_with_headers, 413, f"request body larger than {self.form_limit} bytes")
                return
            receive = _counting(receive, self.form_limit)
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_with_headers(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception as exc:
            too_large = _body_too_large(exc)
            if too_large is None or started:
                raise
            await _plain(send_with_headers, 413, str(too_large))

    def _cross_site(self, scope: Scope, headers: dict[str, str]) -> str | None:
        """Why this unsafe request is refused as cross-site, or None (same origin, or a non-browser client)."""
        if headers.get("sec-fetch-site") == "cross-site":
            return "cross-site request refused"
        sent = headers.get("origin")
        if sent is None and headers.get("referer"):
            sent = headers["referer"]
        if sent is None:
            return None  # browsers always send Origin on POST; a script must still hold a session and token
        origin = _origin_of(sent) if sent != "null" else None
        if origin is None or not self._is_own(origin, headers):
            return "request from another site refused (Origin does not match this dashboard)"
        return None

    def _is_own(self, origin: str, headers: dict[str, str]) -> bool:
        if self.public_origin:
            return origin == self.public_origin
        # the host the browser addressed; the scheme is left out, as TLS may end at a proxy in front of us
        host = headers.get("host", "").lower()
        return bool(host) and urlsplit(origin).netloc == host


class BodyTooLarge(Exception):
    """Raised from `receive` past the limit; Guard answers 413 (no handler inside the app may swallow it)."""


def _body_too_large(exc: BaseException) -> BodyTooLarge | None:
    """`exc` when it is the body limit, or the limit inside the exception group Starlette (≥ 1.0) wraps it
    in when it rises through an `@app.middleware("http")` (whose task group collects its errors); None for
    anything else, and for a group that holds another error too (that one is a bug: let it be a 500)."""
    if isinstance(exc, BodyTooLarge):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        match, rest = exc.split(BodyTooLarge)
        if match is not None and rest is None:
            return _body_too_large(match.exceptions[0])
    return None


def _counting(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(f"request body larger than {limit} bytes")
        return message

    return counted


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
