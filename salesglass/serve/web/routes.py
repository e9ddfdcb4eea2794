"""URL routes: login, the report pages, their downloads, drill-downs and user management."""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.requests import Request

from salesglass.errors import SalesglassError
from salesglass.serve.i18n import LANGS
from salesglass.serve.web import auth
from salesglass.serve.web.cache import CSRF_PLACEHOLDER, cache_key
from salesglass.serve.web.export import csv_bytes, xlsx_bytes
from salesglass.serve.web.pages import DRILLS, PAGES, nav_items

log = logging.getLogger("salesglass.dashboard")


def register(app: FastAPI, state: Any) -> None:
    from salesglass.serve.web.app import safe_next

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/") -> HTMLResponse:
        return state.render(request, "login.html", next=safe_next(next), error=None, viewer=None)

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await auth.checked_form(request)
        email, password = str(form.get("email") or ""), str(form.get("password") or "")
        nxt = safe_next(str(form.get("next") or "/"))
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
            return state.render(
                request, "login.html", status=401, next=nxt, error="login_failed", email=email, viewer=None
            )
        state.throttle.succeeded(email)
        auth.log_in(request, user, state.sessions)
        return RedirectResponse(nxt, status_code=303)

    def locked_out(request: Request, nxt: str, email: str, wait: float) -> Response:
        minutes = max(1, math.ceil(wait / 60))
        response = state.render(
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

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        await auth.checked_form(request)
        auth.log_out(request, state.users, state.sessions)
        return RedirectResponse("/login", status_code=303)

    @app.post("/lang")
    async def set_lang(request: Request) -> Response:
        form = await auth.checked_form(request)
        lang = str(form.get("lang") or "")
        if lang in LANGS:
            request.session["lang"] = lang
        return RedirectResponse(safe_next(str(form.get("next") or "/")), status_code=303)

    @app.get("/")
    def home(request: Request) -> Response:
        """The first page of the viewer's menu: a manager who sees only their own figures starts where
        those are, not on a company-only page."""
        ctx = state.context(request)
        try:
            first = nav_items(ctx)[0].name
        finally:
            ctx.q.close()
        return RedirectResponse(f"/{first}", status_code=303)

    def page_view(request: Request, name: str) -> tuple[Any, Any]:
        """A page and the request's context; the caller closes ctx.q."""
        page = PAGES.get(name)
        if page is None:
            raise HTTPException(status_code=404)
        ctx = state.context(request)
        if page.admin_only and not ctx.viewer.is_admin:
            ctx.q.close()
            raise HTTPException(status_code=403, detail="admins only")
        return page, ctx

    def cached(ctx: Any, kind: str, make: Any, page: Any = None) -> Any:
        if page is not None and page.volatile:
            return make()
        key = cache_key(ctx, kind)
        value = state.cache.get(key)
        if value is None:
            value = make()
            state.cache.put(key, value)
        return value

    @app.get("/drill/{name}", response_class=HTMLResponse)
    def drill(request: Request, name: str) -> HTMLResponse:
        build = DRILLS.get(name)
        if build is None:
            raise HTTPException(status_code=404)
        ctx = state.context(request)
        try:
            template = "drill_panel.html" if request.headers.get("hx-request") else "drill.html"
            html = cached(
                ctx,
                "page",
                lambda: state.render_text(
                    request,
                    template,
                    fmt=ctx.fmt,
                    ctx=ctx,
                    view=build(ctx),
                    viewer=ctx.viewer,
                    nav=nav_items(ctx),
                    snap=ctx.snap,
                    csrf=CSRF_PLACEHOLDER,
                ),
            )
            return HTMLResponse(html.replace(CSRF_PLACEHOLDER, auth.csrf_token(request)))
        finally:
            ctx.q.close()

    @app.get("/{name}/export.xlsx")
    def export_xlsx(request: Request, name: str) -> Response:
        page, ctx = page_view(request, name)
        try:
            data = cached(ctx, "xlsx", lambda: xlsx_bytes(page.build(ctx), ctx), page)
        finally:
            ctx.q.close()
        return Response(
            data,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{_filename(name, ctx)}.xlsx"'},
        )

    @app.get("/{name}/export.csv")
    def export_csv(request: Request, name: str, table: str | None = None) -> Response:
        page, ctx = page_view(request, name)
        try:
            data = cached(ctx, "csv", lambda: csv_bytes(page.build(ctx), ctx, table), page)
        finally:
            ctx.q.close()
        return Response(
            data,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{_filename(name, ctx)}.csv"'},
        )

    from salesglass.serve.web import admin

    admin.register(app, state)
    from salesglass.serve.web import bonus_close

    bonus_close.register(app, state)  # month states, statements, disputes, audit (before the /{name} page)

    @app.get("/{name}", response_class=HTMLResponse)
    def page(request: Request, name: str) -> HTMLResponse:
        page, ctx = page_view(request, name)
        try:
            html = cached(
                ctx,
                "page",
                lambda: state.render_text(
                    request,
                    "page.html",
                    fmt=ctx.fmt,
                    ctx=ctx,
                    view=page.build(ctx),
                    page=page,
                    viewer=ctx.viewer,
                    nav=nav_items(ctx),
                    snap=ctx.snap,
                    csrf=CSRF_PLACEHOLDER,
                ),
                page,
            )
            return HTMLResponse(html.replace(CSRF_PLACEHOLDER, auth.csrf_token(request)))
        finally:
            ctx.q.close()


def _filename(name: str, ctx: Any) -> str:
    return f"salesglass-{name}-{ctx.month_from:%Y-%m}-{ctx.month_to:%Y-%m}"


__all__ = ["SalesglassError", "register"]
