"""Logging in and out, and the page language: the only routes that answer without a session (but /logout)."""

from __future__ import annotations

import logging
import math
from urllib.parse import urlsplit

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.requests import Request

from salesglass.serve.i18n import LANGS
from salesglass.serve.web import auth
from salesglass.serve.web.routes.common import posted, state_of

log = logging.getLogger("salesglass.dashboard")
router = APIRouter()


def safe_next(value: str | None) -> str:
    """Only same-site paths after login (no open redirect)."""
    if not value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return "/"
    return value


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return state_of(request).render(request, "login.html", next=safe_next(next), error=None, viewer=None)


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the password unless the e-mail or the address is locked out; count a failure toward a lock."""
    state = state_of(request)
    post = await posted(request)
    email, password = post.text("email"), post.text("password")
    nxt = safe_next(post.text("next") or "/")
    address = request.client.host if request.client else None
    wait = state.throttle.retry_after(email, address)
    if wait > 0:  # locked: the password is not even looked at
        return locked_out(request, nxt, email, wait)
    user = state.users.authenticate(email, password)
    if user is None:
        locked = state.throttle.failed(email, address)
        if locked:
            log.warning(
                "login locked for %d min after repeated wrong passwords: %s",
                state.cfg.dashboard.login_window_minutes,
                ", ".join(map(repr, locked)),
            )
        return state.render(request, "login.html", status=401, next=nxt, error="login_failed", email=email, viewer=None)
    state.throttle.succeeded(email)
    auth.log_in(request, user, state.sessions)
    return RedirectResponse(nxt, status_code=303)


def locked_out(request: Request, nxt: str, email: str, wait: float) -> Response:
    """429 with the minutes left, in the page's language, and Retry-After in seconds."""
    minutes = max(1, math.ceil(wait / 60))
    response = state_of(request).render(
        request,
        "login.html",
        status=429,
        next=nxt,
        error="login_locked",
        error_args={"minutes": minutes},
        email=email,
        viewer=None,
    )
    response.headers["Retry-After"] = str(math.ceil(wait))
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    await posted(request)
    state = state_of(request)
    auth.log_out(request, state.users, state.sessions)
    return RedirectResponse("/login", status_code=303)


@router.post("/lang")
async def set_lang(request: Request) -> Response:
    post = await posted(request)
    if post.text("lang") in LANGS:
        request.session["lang"] = post.text("lang")
    return RedirectResponse(safe_next(post.text("next") or "/"), status_code=303)
