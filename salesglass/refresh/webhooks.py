"""amoCRM webhooks: a lead added, moved or deleted in the CRM shows up in the reports within a minute.

amoCRM POSTs a form-encoded, v2-style payload (`leads[status][0][id]=…`, docs/refresh.md, amoCRM webhooks) to
`/hooks/amocrm/<secret>`. amoCRM signs nothing, so the unguessable secret in the path is the only
gate: compared in constant time, never logged (`install_access_log_redaction` scrubs it from uvicorn's
access log). The payload is only a trigger: we take the lead ids from it and nothing else; a debounced
worker hands them to `refetch(lead_ids)` (which reads the leads from the API) and then to `rebuild()`.
A wrong secret is a 404, a malformed body a 400, and neither queues anything.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, HTTPException, Request

from salesglass.plural import plural
from salesglass.private_files import keep_private
from salesglass.processes import create_whole

log = logging.getLogger("salesglass.webhooks")

LEAD_ACTIONS = ("add", "update", "status", "delete", "restore", "responsible")
MAX_BODY_BYTES = 1_000_000
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^\[\]]*\])*$")
_LEAD_ID = re.compile(r"^leads\[([a-z_]+)\]\[(\d+)\]\[id\]$")
_SECRET_IN_PATH = re.compile(r"(/hooks/amocrm/)[^/?\s\"]+")


class MalformedPayload(ValueError):
    """The body is not an amoCRM webhook payload."""


_ID = re.compile(r"[0-9]{1,18}", re.ASCII)


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, read chunk by chunk and refused (413) as soon as it passes `limit` bytes: a huge or
    chunked POST costs at most `limit` bytes of memory, never its whole size."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise HTTPException(status_code=413, detail=f"body larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(status_code=413, detail=f"body larger than {limit} bytes")
    return bytes(body)


def lead_ids_from_payload(body: bytes, *, expected_subdomain: str | None = None) -> list[int]:
    """The lead ids a webhook body names (added, changed, moved, deleted, restored), in first-seen order."""
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedPayload(f"not a form-encoded body: {exc}") from None
    ids: list[int] = []
    for key, value in pairs:
        if not _KEY.match(key):
            raise MalformedPayload(f"key {key[:60]!r} is not a bracketed form key")
        m = _LEAD_ID.match(key)
        if m and m.group(1) in LEAD_ACTIONS:
            if not _ID.fullmatch(value):  # ASCII digits only (str.isdigit accepts '١٢٣'), int64-sized
                raise MalformedPayload(f"{key} = {value[:30]!r} is not a lead id")
            lead_id = int(value)
            if lead_id not in ids:
                ids.append(lead_id)
        if key == "account[subdomain]" and expected_subdomain and value.lower() != expected_subdomain.lower():
            raise MalformedPayload("payload is from another amoCRM account")
    return ids


class LeadQueue:
    """Lead ids waiting for a targeted re-fetch, handed over in batches by one debounced thread.

    A batch goes out once no new id arrived for `debounce` seconds, and never later than `max_wait`
    after its first id. If `refetch` or `rebuild` fails (e.g. a scheduled refresh holds the lock),
    the ids go back into the queue and are tried again after `retry_after` seconds, twice as long after
    each further failure in a row, up to `retry_max` (a rejected token fails until a person acts: it must
    not send amoCRM a 401 and log a warning every 15 seconds for days); a success starts again at
    `retry_after`.
    """

    def __init__(
        self,
        refetch: Callable[[list[int]], Any],
        rebuild: Callable[[], Any] | None = None,
        *,
        debounce: float = 5.0,
        max_wait: float = 30.0,
        retry_after: float = 15.0,
        retry_max: float = 900.0,
    ) -> None:
        self.refetch, self.rebuild = refetch, rebuild
        self.debounce, self.max_wait, self.retry_after = debounce, max_wait, retry_after
        self.retry_max = max(retry_max, retry_after)
        self.failures = 0  # failed batches in a row
        self._ids: dict[int, None] = {}
        self._first_at = self._last_at = 0.0
        self._cond = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.batches_done = 0
        self.last_error: str | None = None

    def add(self, ids: Iterable[int]) -> None:
        with self._cond:
            now = time.monotonic()
            if not self._ids:
                self._first_at = now
            self._last_at = now
            self._ids.update(dict.fromkeys(ids))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="salesglass-webhook-queue", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def pending(self) -> list[int]:
        with self._cond:
            return list(self._ids)

    def stop(self, timeout: float = 10.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def _next_batch(self) -> list[int] | None:
        with self._cond:
            while not self._stopping:
                if not self._ids:
                    self._cond.wait()
                    continue
                due = min(self._last_at + self.debounce, self._first_at + self.max_wait)
                wait = due - time.monotonic()
                if wait <= 0:
                    batch = list(self._ids)
                    self._ids.clear()
                    return batch
                self._cond.wait(wait)
            return None

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            try:
                self.refetch(batch)
                if self.rebuild is not None:
                    self.rebuild()
                self.batches_done += 1
                self.last_error = None
                self.failures = 0
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                wait = min(self.retry_after * 2**self.failures, self.retry_max)
                self.failures += 1
                log.warning(
                    "webhook re-fetch of %d %s failed (%d in a row), retrying in %g s: %s",
                    len(batch),
                    plural(len(batch), "lead"),
                    self.failures,
                    wait,
                    self.last_error,
                )
                with self._cond:  # back into the queue, due again in `wait` seconds
                    for lead_id in batch:
                        self._ids.setdefault(lead_id, None)
                    self._first_at = self._last_at = time.monotonic() + wait - self.debounce


def webhook_router(secret: str, queue: LeadQueue, *, expected_subdomain: str | None = None) -> APIRouter:
    """`POST /hooks/amocrm/{secret}`: queue the payload's lead ids for a targeted re-fetch."""
    if len(secret) < 16:
        raise ValueError("the webhook secret must be at least 16 characters")
    expected = secret.encode()
    router = APIRouter()

    @router.post("/hooks/amocrm/{secret}", include_in_schema=False)
    async def amocrm_hook(secret: str, request: Request) -> dict[str, int]:
        if not hmac.compare_digest(secret.encode(), expected):
            raise HTTPException(status_code=404, detail="Not Found")
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise HTTPException(status_code=400, detail="expected application/x-www-form-urlencoded")
        body = await read_limited(request, MAX_BODY_BYTES)
        if not body:
            raise HTTPException(status_code=400, detail="empty body")
        try:
            ids = lead_ids_from_payload(body, expected_subdomain=expected_subdomain)
        except MalformedPayload as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from None
        if ids:
            queue.add(ids)
        return {"queued": len(ids)}

    return router


def load_or_create_secret(path: Path) -> str:
    """The webhook secret from its owner-only file, generated on first use (0600). Made once: of processes
    starting together with none, one makes it and the others read that one, whole (`create_whole`). One
    others may read (restored from a backup, copied by hand) is narrowed with a warning naming it, as the
    other secrets."""
    path = Path(path)
    keep_private(path, what="webhook secret file")
    if not path.exists():
        create_whole(path, secrets.token_urlsafe(32) + "\n")
    value = path.read_text(encoding="utf-8").strip()
    if len(value) < 16:
        raise ValueError(f"{path}: the webhook secret is shorter than 16 characters")
    return value


def webhook_secret(cfg: Any) -> str:
    configured = cfg.refresh.webhook_secret
    if configured is not None:
        return configured.get_secret_value()
    return load_or_create_secret(cfg.resolve(cfg.refresh.webhook_secret_file))


class _RedactWebhookSecret(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_SECRET_IN_PATH.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = _SECRET_IN_PATH.sub(r"\1***", record.msg)
        return True


def install_access_log_redaction() -> None:
    """Scrub `/hooks/amocrm/<secret>` from uvicorn's access (and error) log records."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactWebhookSecret) for f in logger.filters):
            logger.addFilter(_RedactWebhookSecret())


def make_webhook_router(
    cfg: Any, refetch: Callable[[list[int]], Any] | None = None, rebuild: Callable[[], Any] | None = None
) -> tuple[APIRouter, LeadQueue]:
    """The production wiring: ids → targeted refresh (re-fetch, link, build) in a worker process."""
    if refetch is None:
        from functools import partial

        from salesglass.refresh.runner import refetch_in_worker, warm_workers

        refetch = partial(refetch_in_worker, cfg)
        warm_workers()
    queue = LeadQueue(refetch, rebuild, debounce=cfg.refresh.webhook_debounce_seconds)
    install_access_log_redaction()
    subdomain = getattr(getattr(cfg, "amocrm", None), "subdomain", None)
    return webhook_router(webhook_secret(cfg), queue, expected_subdomain=subdomain), queue
