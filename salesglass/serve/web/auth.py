"""Login, sessions and CSRF.

The cookie is Starlette's signed session cookie (itsdangerous): HttpOnly, SameSite=Lax, signed with a key
read from `[dashboard].secret_path` (created owner-only on first start; never logged). It carries a random
session id, the e-mail, the CSRF token and the language; the session itself is kept on the server
(serve/sessions.py), so logout, a password reset, a role change or removal end it for real. Every POST
form carries the session's CSRF token in a hidden field; a mismatch is refused with 403.
"""

from __future__ import annotations

import hmac
import re
import secrets
from pathlib import Path

from fastapi import HTTPException
from starlette.datastructures import FormData
from starlette.requests import Request

from salesglass.errors import SalesglassError
from salesglass.private_files import keep_private, private_folder
from salesglass.processes import create_whole
from salesglass.serve.sessions import SessionStore
from salesglass.serve.users import User, UserStore

# webhooks authenticate by the secret in their URL (amoCRM cannot log in); the router checks it
PUBLIC_PREFIXES = ("/static/", "/hooks/amocrm/")
PUBLIC_PATHS = {"/login", "/health", "/lang", "/favicon.ico"}
SECRET_IN_HOOK_PATH = re.compile(r"^(/hooks/[^/]+/)[^/]+")  # /hooks/amocrm/<secret>


def load_or_create_secret(path: Path) -> str:
    """The session-signing key; made (0600, its folder 0700 when new) when missing. Made once: workers
    starting together with no key each made their own, and a session signed by one was refused by the
    others; now one makes it and the others read that one (`create_whole`). A key others may read (restored
    from a backup, copied by hand) is narrowed to 0600 with a warning before it is used."""
    path = Path(path)
    keep_private(path, what="session-signing key")
    if not path.exists():
        private_folder(path.parent)
        create_whole(path, secrets.token_urlsafe(48) + "\n")
    value = path.read_text(encoding="utf-8").strip()
    if len(value) < 32:
        raise SalesglassError(
            f"{path}: the session-signing key is shorter than 32 characters; delete the file and a new key is "
            "made at the next start (everyone then logs in again)"
        )
    return value


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def checked_form(request: Request) -> FormData:
    """The POSTed form, after checking its CSRF token against the session's."""
    form = await request.form()
    sent = str(form.get("csrf_token") or "")
    expected = request.session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong; reload the page and try again")
    return form


def log_in(request: Request, user: User, sessions: SessionStore) -> None:
    """A fresh server-side session for the user (a new id and CSRF token too: no fixation)."""
    lang = request.session.get("lang")
    request.session.clear()
    request.session["sid"] = sessions.create(user.email, user.session_version)
    request.session["user"] = user.email
    request.session["csrf"] = secrets.token_urlsafe(32)
    if lang:
        request.session["lang"] = lang


def current_user(request: Request, users: UserStore, sessions: SessionStore) -> User | None:
    """The logged-in user, if the cookie names a live server-side session of that user's current version."""
    sid, email = request.session.get("sid"), request.session.get("user")
    if not isinstance(sid, str) or not isinstance(email, str):
        return None
    session = sessions.get(sid)
    if session is None or session.email != email:
        return None
    user = users.get(email)
    if user is None or user.session_version != session.version:
        return None
    return user


def log_out(request: Request, users: UserStore, sessions: SessionStore) -> None:
    """End every session of the user (this browser and any other, or a copied cookie), keep the language."""
    user = current_user(request, users, sessions)
    if user is not None:
        sessions.end_user(user.email)
        users.end_sessions(user.email)
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
