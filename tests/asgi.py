"""Drive an ASGI app with a hand-made body stream, for tests that must see how much of a body is read.

`asyncio.run` refuses to start when the calling thread already runs an event loop (Playwright's sync API
keeps one in the main thread once a browser test has run), so the app runs in a thread of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def run_asgi(app: Any, scope: dict[str, Any], receive: Receive, send: Send) -> None:
    """Run one request through `app` to completion, on a fresh event loop in a worker thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
