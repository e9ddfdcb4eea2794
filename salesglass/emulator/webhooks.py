"""Webhooks as amoCRM sends them: a form-encoded POST naming the leads that changed, to every registered URL.

amoCRM posts v2-style keys (`leads[status][0][id]=…&leads[status][0][status_id]=…&account[subdomain]=…`)
shortly after a lead is added, moved, edited or deleted. The emulator does the same for the changes it
makes itself (`POST /_emulator/advance`, `POST /_emulator/move`): one POST per batch of changes, sent from
a background thread so that the change's own answer is not delayed. Register a URL with
`POST /_emulator/webhooks {"url": …}` (or `EmulatorHandle.add_webhook`). What was sent is kept in
`sent` (URL, HTTP status or error, lead count, time) for tests and benchmarks.
"""

from __future__ import annotations

import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

ACTIONS = ("add", "update", "status", "delete", "responsible")


def payload(changes: Sequence[tuple[str, dict]], *, subdomain: str, account_id: int) -> bytes:
    """The form body for `changes` ((action, lead record) pairs, action one of ACTIONS), amoCRM's field names."""
    fields: list[tuple[str, str]] = []
    counters: dict[str, int] = {}
    for action, lead in changes:
        if action not in ACTIONS:
            raise ValueError(f"unknown webhook action {action!r}")
        n = counters[action] = counters.get(action, -1) + 1
        key = f"leads[{action}][{n}]"
        fields.append((f"{key}[id]", str(lead["id"])))
        if action != "delete":
            fields += [
                (f"{key}[name]", str(lead.get("name") or "")),
                (f"{key}[status_id]", str(lead.get("status_id") or 0)),
                (f"{key}[pipeline_id]", str(lead.get("pipeline_id") or 0)),
                (f"{key}[price]", str(lead.get("price") or 0)),
                (f"{key}[responsible_user_id]", str(lead.get("responsible_user_id") or 0)),
                (f"{key}[last_modified]", str(lead.get("updated_at") or 0)),
            ]
    fields += [("account[subdomain]", subdomain), ("account[id]", str(account_id))]
    return urlencode(fields).encode()


@dataclass
class Sent:
    url: str
    status: int | None  # None: no answer (the error says why)
    leads: int
    at: float  # time.time() when the answer came
    error: str | None = None


@dataclass
class WebhookSender:
    """Posts queued payloads to the registered URLs in order, from one daemon thread."""

    timeout: float = 10.0
    urls: list[str] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    _queue: queue.Queue = field(default_factory=queue.Queue)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, url: str) -> None:
        with self._lock:
            if url not in self.urls:
                self.urls.append(url)

    def remove(self, url: str) -> None:
        with self._lock:
            if url in self.urls:
                self.urls.remove(url)

    def send(self, changes: Sequence[tuple[str, dict]], *, subdomain: str, account_id: int) -> int:
        """Queue one POST of `changes` to every registered URL; returns how many POSTs were queued."""
        with self._lock:
            urls = list(self.urls)
            if not urls or not changes:
                return 0
            body = payload(changes, subdomain=subdomain, account_id=account_id)
            for url in urls:
                self._queue.put((url, body, len(changes)))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="emulator-webhooks", daemon=True)
                self._thread.start()
        return len(urls)

    def idle(self) -> bool:
        return self._queue.unfinished_tasks == 0

    def _run(self) -> None:
        while True:
            url, body, leads = self._queue.get()
            try:
                self.sent.append(self._post(url, body, leads))
            finally:
                self._queue.task_done()

    def _post(self, url: str, body: bytes, leads: int) -> Sent:
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return Sent(url, answer.status, leads, time.time())
        except urllib.error.HTTPError as exc:
            return Sent(url, exc.code, leads, time.time(), error=str(exc))
        except (OSError, ValueError) as exc:
            return Sent(url, None, leads, time.time(), error=f"{type(exc).__name__}: {exc}")


def subdomain_of(account: dict[str, Any]) -> str:
    return str(account.get("subdomain") or "")
