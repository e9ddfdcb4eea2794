"""A small LRU of rendered responses, keyed by published version, URL, viewer scope and language.

Reports change only when a build swaps the published file in, so the same view asked again gives the
same bytes; the key carries the file's (inode, mtime), so a new build never serves an old answer.
The per-session CSRF token is rendered as a placeholder and put in on the way out.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from salesglass.serve.web.context import Ctx

CSRF_PLACEHOLDER = f"csrf-{secrets.token_hex(12)}"


class ResponseCache:
    def __init__(self, entries: int):
        self.entries = entries
        self._data: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        if not self.entries:
            return None
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: tuple, value: Any) -> None:
        if not self.entries:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.entries:
                self._data.popitem(last=False)


def cache_key(ctx: Ctx, kind: str) -> tuple:
    """Everything the answer depends on: data version, URL, who may see what, language, htmx or not."""
    req = ctx.request
    v = ctx.viewer
    return (
        kind,
        ctx.snap.key,
        req.url.path,
        tuple(sorted(req.query_params.multi_items())),
        v.role,
        v.manager_id,
        v.company,
        v.email if kind == "page" else "",
        ctx.fmt.lang,
        bool(req.headers.get("hx-request")),
    )
