"""What the route groups share: the running dashboard, a request's context, cached pages, admin forms.

Routes are plain functions; the dashboard's state (`App`, built once by `create_app`) is reached through
the request (`request.app.state.sg`), so no route is a closure over it and each can be read on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.requests import Request

from salesglass.errors import SalesglassError
from salesglass.serve.web import auth
from salesglass.serve.web.cache import CSRF_PLACEHOLDER, cache_key
from salesglass.serve.web.context import Ctx
from salesglass.serve.web.pages import nav_items

if TYPE_CHECKING:
    from salesglass.serve.web.app import App

T = TypeVar("T")


def state_of(request: Request) -> App:
    """The running dashboard this request came to (config, users, sessions, published file, cache)."""
    state: App = request.app.state.sg
    return state


@contextmanager
def opened(request: Request, *, admin: bool = False) -> Iterator[Ctx]:
    """The request's context, its cursor closed on the way out; `admin`: 403 for anyone else."""
    ctx = state_of(request).context(request)
    try:
        if admin and not ctx.viewer.is_admin:
            raise HTTPException(status_code=403, detail="admins only")
        yield ctx
    finally:
        ctx.q.close()


def require_admin(request: Request) -> None:
    """403 unless the viewer is an admin (401 without a session; NoData before the first build)."""
    with opened(request, admin=True):
        pass


def chrome(ctx: Ctx) -> dict[str, Any]:
    """What base.html needs around any page: formatter, viewer, menu, published version."""
    return {"fmt": ctx.fmt, "ctx": ctx, "viewer": ctx.viewer, "nav": nav_items(ctx), "snap": ctx.snap}


def render(ctx: Ctx, template: str, *, status: int = 200, **values: Any) -> HTMLResponse:
    """A template inside the dashboard's frame (menu, filters' context), for this request."""
    return state_of(ctx.request).render(ctx.request, template, status=status, **chrome(ctx), **values)


def cached(ctx: Ctx, kind: str, make: Callable[[], T], *, volatile: bool = False) -> T:
    """`make()`'s answer, kept per published version, URL, viewer scope and language (cache.py);
    `volatile`: the answer shows more than the published file, so it is made afresh each time."""
    if volatile:
        return make()
    cache = state_of(ctx.request).cache
    key = cache_key(ctx, kind)
    value = cache.get(key)
    if value is None:
        value = make()
        cache.put(key, value)
    return value


def cached_page(
    ctx: Ctx, template: str, make_view: Callable[[], Any], *, volatile: bool = False, **values: Any
) -> HTMLResponse:
    """A rendered view from the response cache (built only on a miss), with this session's CSRF token."""
    state = state_of(ctx.request)

    def make() -> str:
        return state.render_text(
            ctx.request, template, view=make_view(), csrf=CSRF_PLACEHOLDER, **chrome(ctx), **values
        )

    html = cached(ctx, "page", make, volatile=volatile)
    return HTMLResponse(html.replace(CSRF_PLACEHOLDER, auth.csrf_token(ctx.request)))


def download(body: bytes, media_type: str, filename: str) -> Response:
    """A file the browser saves under `filename`."""
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


# ---- forms ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Posted:
    """A POSTed form whose CSRF token matched (the same-origin check is done for every POST by guard.py)."""

    form: FormData
    actor: str  # the logged-in user's e-mail, for the audit trail

    def text(self, key: str) -> str:
        return str(self.form.get(key) or "")

    @property
    def action(self) -> str:
        return self.text("action")


async def posted(request: Request) -> Posted:
    form = await auth.checked_form(request)
    return Posted(form, str(request.session.get("user") or "?"))


Action = Callable[[Request, Posted], None]


async def admin_action(
    request: Request,
    actions: dict[str, Action],
    *,
    back: str,
    show_error: Callable[[Request, str], Response],
) -> Response:
    """One admin form POST: admins only, CSRF-checked, dispatched on its `action` field.

    Done: a redirect to `back?done=<action>` (the page says what was done; a reload does not repeat it).
    Refused (SalesglassError: a rule of the store, an unknown action): the page again, with the reason, 400."""
    require_admin(request)
    post = await posted(request)
    try:
        act = actions.get(post.action)
        if act is None:
            raise SalesglassError("unknown action")
        act(request, post)
    except SalesglassError as exc:
        return show_error(request, str(exc))
    return RedirectResponse(f"{back}?done={post.action}", status_code=303)
