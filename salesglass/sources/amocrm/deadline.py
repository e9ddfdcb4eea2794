"""One deadline for a whole HTTP request: connect, send, the status line and headers, and the body.

httpx's timeouts count per socket operation: a server (or a proxy in front of it) that sends its status
line and headers a few bytes at a time, each piece inside the read timeout, holds a request — and the sync
with it — for as long as it likes. The client's answer reading (`client._read_by`) bounds the body, but the
headers are read inside httpx before it gets the answer. So every socket operation of the client's
connections goes through `DeadlineBackend`, whose streams cut each operation's timeout to what is left of
the current thread's deadline (`within`), and give up with a ReadTimeout/WriteTimeout once it is spent.
A thread with no deadline set (none of the client's requests) is not touched.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpcore

_local = threading.local()


@contextmanager
def within(seconds: float) -> Iterator[float]:
    """Everything this thread sends and reads in the block must be done `seconds` from now; yields the
    deadline (a `time.monotonic()` value)."""
    deadline = time.monotonic() + seconds
    outer = getattr(_local, "deadline", None)
    _local.deadline, _local.seconds = deadline, seconds
    try:
        yield deadline
    finally:
        _local.deadline = outer


def _left(timeout: float | None, exc: type[Exception]) -> float | None:
    """The timeout for one socket operation: the caller's, cut to what is left of the deadline."""
    deadline = getattr(_local, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise exc(_spent())
    return left if timeout is None else min(timeout, left)


def _spent() -> str:
    return f"no whole answer within the {getattr(_local, 'seconds', 0):g}s deadline ([amocrm] timeout)"


def _past_deadline() -> bool:
    deadline = getattr(_local, "deadline", None)
    return deadline is not None and time.monotonic() >= deadline


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return self.inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))
        except httpcore.ReadTimeout:
            if _past_deadline():
                raise httpcore.ReadTimeout(_spent()) from None
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            self.inner.write(buffer, _left(timeout, httpcore.WriteTimeout))
        except httpcore.WriteTimeout:
            if _past_deadline():
                raise httpcore.WriteTimeout(_spent()) from None
            raise

    def close(self) -> None:
        self.inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
        return _Stream(self.inner.start_tls(ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend with every stream bounded by the calling thread's deadline (`within`)."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self.inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        return _Stream(self.inner.connect_tcp(host, port, left, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        return _Stream(self.inner.connect_unix_socket(path, left, socket_options))

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


def bound(client: Any) -> Any:
    """`client` (an httpx.Client) with the connections of its transport and proxy mounts made through
    `DeadlineBackend`. httpx offers no public way to give its pools a network backend, so this reaches
    for the pool's `_network_backend` (httpx/httpcore are pinned; tests/amocrm/test_misbehaving.py fails
    should an upgrade move it)."""
    transports = [client._transport, *client._mounts.values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        inner = getattr(pool, "_network_backend", None)
        if inner is None:
            if transport is client._transport:
                raise RuntimeError("httpx changed: its connection pool has no _network_backend to bound")
            continue
        if not isinstance(inner, DeadlineBackend):
            pool._network_backend = DeadlineBackend(inner)  # type: ignore[union-attr]
    return client
