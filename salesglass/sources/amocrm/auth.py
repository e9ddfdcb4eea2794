"""Tokens: a long-lived token, or OAuth 2.0 with amoCRM's single-use refresh tokens.

amoCRM invalidates a refresh token the moment it is used, for every process holding it. So:
- new tokens are written to disk (temp file, fsync, rename, 0600) *before* they are used;
- a refresh happens under a file lock, and re-reads the file first (another process may have done it);
- before sending a refresh, the file records `refresh_started_at`. If a run dies between amoCRM's answer
  and the write, the next run finds that mark, and when amoCRM then says "revoked" the message says
  exactly that (the chain is lost and needs a new authorization) instead of a bare 401. amoCRM gives
  no way to recover such a token, so this is detection, made as unlikely as possible by persisting
  immediately on receipt.
Token values are never logged or printed.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from salesglass.private_files import OWNER_ONLY, keep_private, open_private, private_folder
from salesglass.processes import replace_whole
from salesglass.sources.amocrm.errors import AuthError

log = logging.getLogger("salesglass.amocrm")

REFRESH_EARLY = 300  # refresh this many seconds before the access token expires
TokenPost = Callable[[dict], tuple[int, dict]]  # POST /oauth2/access_token → (status, JSON)


def write_secret(path: Path, data: dict) -> None:
    """Atomically replace `path` with `data` as JSON, owner-only; survives a crash at any point."""
    private_folder(path.parent)  # a new secrets folder is owner-only too
    # named by host and pid, 0600 from creation: a write killed midway leaves a file the next write deletes
    replace_whole(path, json.dumps(data), durable=True)


class TokenStore:
    """The token file named by `[amocrm] token_path` and its lock file next to it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def load(self) -> dict[str, Any]:
        if not self.path.exists():
            raise AuthError(
                f"no amoCRM token at {self.path}: run `salesglass amocrm auth --code <code>` (OAuth) "
                "or `salesglass amocrm auth --long-lived` first"
            )
        self._owner_only()
        text = self.path.read_text(encoding="utf-8").strip()
        if not text.startswith("{"):
            return {"long_lived_token": text}  # a plain file holding just the token
        try:
            return json.loads(text)
        except ValueError:
            raise AuthError(f"the token file {self.path} is not valid JSON; authorize again") from None

    def save(self, data: dict[str, Any]) -> None:
        write_secret(self.path, data)

    def _owner_only(self) -> None:
        """A token file others may read (copied in by hand, restored from a backup) is made 0600, and said."""
        keep_private(self.path, OWNER_ONLY, what="token file")

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive across processes: only one of them refreshes at a time."""
        private_folder(self.path.parent)
        fd = open_private(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


class LongLivedAuth:
    """A private integration's long-lived token: nothing to refresh; a 401 means it expired or was revoked."""

    def __init__(self, store: TokenStore) -> None:
        data = store.load()
        self._token = data.get("long_lived_token") or data.get("access_token") or ""
        if not self._token:
            raise AuthError(f"the token file {store.path} holds no long_lived_token")

    def token(self) -> str:
        return self._token

    def refresh(self, failed: str) -> str:
        raise AuthError(
            "amoCRM rejected the long-lived token (401): it has expired or was revoked. Create a new "
            "one (amoCRM → Settings → Integrations → your private integration → Keys and scopes) and "
            "store it with `salesglass amocrm auth --long-lived`."
        )


class OAuthAuth:
    """OAuth 2.0 access + refresh tokens kept in the token file."""

    def __init__(
        self, store: TokenStore, post: TokenPost, *, client_id: str, client_secret: str, redirect_uri: str
    ) -> None:
        self.store, self.post = store, post
        self.client = {"client_id": client_id, "client_secret": client_secret, "redirect_uri": redirect_uri}
        self._data = store.load()
        if "refresh_token" not in self._data:
            raise AuthError(f"the token file {store.path} holds no OAuth tokens; run `salesglass amocrm auth --code`")
        if self._data.get("refresh_started_at"):
            # a previous run died mid-refresh: find out now, while the old access token may still work
            self.refresh(self._data.get("access_token", ""))

    def token(self) -> str:
        if self._data.get("expires_at", 0) - REFRESH_EARLY <= time.time():
            return self.refresh(self._data.get("access_token", ""))
        return self._data["access_token"]

    def refresh(self, failed: str) -> str:
        """Get a new access token unless another process already did; at most one refresh in flight."""
        with self.store.locked():
            cur = self.store.load()
            fresh = cur.get("access_token") != failed and cur.get("expires_at", 0) - REFRESH_EARLY > time.time()
            if fresh and not cur.get("refresh_started_at"):
                self._data = cur
                return cur["access_token"]
            interrupted = cur.get("refresh_started_at")
            self.store.save({**cur, "refresh_started_at": interrupted or int(time.time())})
            status, body = self.post(
                {**self.client, "grant_type": "refresh_token", "refresh_token": cur.get("refresh_token", "")}
            )
            if status == 404 or 300 <= status < 400:  # no account at this address: nothing was rotated
                self.store.save(cur)
                raise AuthError(
                    f"amoCRM's token endpoint answered HTTP {status}: there is no account at base_url "
                    "any more (renamed in amoCRM?). Set [amocrm] base_url to the account's new address and "
                    "run again; the stored refresh token was not used up."
                )
            if status != 200:
                self._refused(status, body, interrupted)
            self._data = self._persist(body)
            return self._data["access_token"]

    def _persist(self, body: dict) -> dict:
        data = tokens_from_response(body)
        self.store.save(data)
        return data

    def _refused(self, status: int, body: dict, interrupted: int | None) -> None:
        hint = str(body.get("hint") or body.get("detail") or body.get("title") or "")
        if interrupted:
            when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(interrupted))
            raise AuthError(
                f"an earlier token refresh (started {when}) was interrupted after amoCRM had already replaced the "
                f"refresh token, so the stored one is void (amoCRM: {status} {hint}). Authorize again: get a new "
                "authorization code and run `salesglass amocrm auth --code <code>`."
            )
        if status == 401 and "revoked" in hint.lower():
            raise AuthError(
                "amoCRM says the refresh token has been revoked: it was already used (another copy of "
                "the token file?) or not used for 3 months. Authorize again with "
                "`salesglass amocrm auth --code <code>`."
            )
        raise AuthError(f"token refresh failed: HTTP {status} {hint}")


def tokens_from_response(body: dict) -> dict:
    """What we keep from a token response (the expiry as an absolute time, so a restart knows it)."""
    try:
        return {
            "access_token": body["access_token"],
            "refresh_token": body["refresh_token"],
            "expires_at": int(time.time()) + int(body.get("expires_in", 86400)),
            "obtained_at": int(time.time()),
        }
    except KeyError as exc:
        raise AuthError(f"amoCRM's token response lacks {exc.args[0]}") from None


def exchange_code(
    store: TokenStore, post: TokenPost, *, code: str, client_id: str, client_secret: str, redirect_uri: str
) -> None:
    """The authorization-code exchange: store the first access + refresh tokens (0600)."""
    status, body = post(
        {
            "client_id": client_id,
            "client_secret": client_secret,
            "redirect_uri": redirect_uri,
            "grant_type": "authorization_code",
            "code": code,
        }
    )
    if status != 200:
        hint = body.get("hint") or body.get("detail") or ""
        raise AuthError(
            f"amoCRM refused the authorization code (HTTP {status}: {hint}). Codes live 20 minutes "
            "and work once; get a fresh one from the integration's settings."
        )
    with store.locked():
        store.save(tokens_from_response(body))


def store_long_lived(store: TokenStore, token: str) -> None:
    token = token.strip()
    if not token:
        raise AuthError(
            "no token given: paste the private integration's long-lived token when asked, or pipe it in "
            "(salesglass amocrm auth --long-lived < token.txt)"
        )
    with store.locked():
        store.save({"long_lived_token": token})
