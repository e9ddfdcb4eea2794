"""The dashboard web app: `create_app(cfg)` builds it (`salesglass/serve/cli.py` serves it with what keeps it fresh)."""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from salesglass.serve.i18n import LANGS, Formatter, pick_language
from salesglass.serve.sessions import SessionStore, sessions_path
from salesglass.serve.users import User, UserStore, amocrm_user_of
from salesglass.serve.web import auth, params
from salesglass.serve.web.cache import ResponseCache
from salesglass.serve.web.context import Ctx, Viewer
from salesglass.serve.web.data import NoData, Published, Query, warm
from salesglass.serve.web.guard import Guard, security_headers
from salesglass.serve.web.throttle import LoginThrottle, SharedCounters, shared_counters_path

HERE = Path(__file__).parent
log = logging.getLogger("salesglass.dashboard")


class App:
    """Shared state of one running dashboard."""

    def __init__(self, cfg: Any, clock: Callable[[], float] | None = None):
        self.cfg = cfg
        d = cfg.dashboard
        # several worker processes must count the same failed logins: then the counters live in a file
        counters = SharedCounters(shared_counters_path(cfg.resolve(d.users_path))) if d.workers > 1 else None
        self.throttle = LoginThrottle(
            d.login_max_failures,
            d.login_window_minutes * 60,
            max_failures_per_address=d.login_max_failures_per_address,
            clock=clock,
            counters=counters,
        )
        self.users = UserStore(cfg.resolve(d.users_path))
        self.sessions = SessionStore(
            sessions_path(cfg.resolve(d.users_path)),
            lifetime_seconds=d.session_hours * 3600,
            idle_seconds=d.session_idle_minutes * 60,
        )
        # the workers share the machine's cores: each one's DuckDB gets its part (2 cores, 2 workers: 1 thread
        # each — small report queries then also skip handing work between threads, ~15 % less CPU a request)
        self.published = Published(cfg.published_path, threads=max(1, (os.cpu_count() or 2) // d.workers))
        self.cache = ResponseCache(d.cache_entries)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True
        )
        self.env.policies["json.dumps_kwargs"] = {"default": _json_default, "ensure_ascii": False}
        self.env.filters["commands"] = commands
        self.env.filters["dates_whole"] = dates_whole

    def keep_warm(self, interval_seconds: float = 1.0) -> Callable[[], None]:
        """Open each new published version as soon as it appears and warm it (data.warm) in a background
        thread, so no user's request is the first one after a build or a start; returns `stop`.

        Before the first version it also compiles the page templates and imports the Excel writer. The
        thread checks the file every `interval_seconds` (one stat); a request arriving before it noticed a
        new build opens the file itself, as always."""
        stop = threading.Event()

        def loop() -> None:
            try:
                for name in self.env.list_templates(extensions=["html"]):
                    self.env.get_template(name)
                import xlsxwriter  # noqa: F401  (the downloads' writer, imported on first use otherwise)
            except Exception:  # a warm-up never stops the dashboard; the page that needs it will say why
                log.warning("warming the templates failed", exc_info=True)
            while not stop.is_set():
                try:
                    snap = self.published.snapshot()
                    if not snap.warmed:
                        started = time.perf_counter()
                        warm(snap)
                        log.info("published file opened and warmed in %.2f s", time.perf_counter() - started)
                except NoData:
                    pass
                except Exception:
                    log.warning("warming the published file failed", exc_info=True)
                stop.wait(interval_seconds)

        threading.Thread(target=loop, name="salesglass-warm", daemon=True).start()
        return stop.set

    def lang(self, request: Request) -> str:
        chosen = request.session.get("lang")
        if chosen in LANGS:
            return chosen
        return pick_language(request.headers.get("accept-language"), self.cfg.dashboard.default_language)

    def formatter(self, request: Request, zone: str | None = None) -> Formatter:
        """`zone`: the published build's account zone, in which times are shown."""
        return Formatter(self.lang(request), self.cfg.account.currency, zone)

    def viewer(self, request: Request, q: Query | None) -> Viewer | None:
        user = self.user(request)
        if user is None:
            return None
        manager_id = manager_name = None
        if user.role == "manager" and q is not None and q.snap.has("managers"):
            # the one rule `salesglass users add/list` and the Users page tell the admin about
            managers = q.rows("SELECT manager_id, name, email, is_active FROM managers")
            row = amocrm_user_of(user.email, managers) or {}
            manager_id, manager_name = row.get("manager_id"), row.get("name")
        company = (
            user.see_company_totals
            if user.see_company_totals is not None
            else self.cfg.dashboard.managers_see_company_totals
        )
        return Viewer(user.email, user.role, manager_id, manager_name, user.role == "admin" or bool(company))

    def user(self, request: Request) -> User | None:
        """The request's logged-in user (checked once per request by the login middleware)."""
        try:
            return request.state.sg_user
        except AttributeError:
            request.state.sg_user = auth.current_user(request, self.users, self.sessions)
            return request.state.sg_user

    def render_text(self, request: Request, template: str, **values: Any) -> str:
        fmt = values.pop("fmt", None) or self.formatter(request)
        csrf = values.pop("csrf", None) or auth.csrf_token(request)
        return self.env.get_template(template).render(
            request=request, fmt=fmt, t=fmt.t, lang=fmt.lang, csrf=csrf, path=request.url.path, **values
        )

    def render(self, request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        return HTMLResponse(self.render_text(request, template, **values), status_code=status)

    def context(self, request: Request) -> Ctx:
        """The request's context; raises NoData when nothing has been published yet."""
        snap = self.published.snapshot()
        q = Query(snap)
        viewer = self.viewer(request, q)
        if viewer is None:
            q.close()
            raise HTTPException(status_code=401)
        return Ctx(request, self.cfg, self.formatter(request, snap.timezone), q, viewer, self.cfg.dashboard.page_size)


def create_app(cfg: Any, *, clock: Callable[[], float] | None = None) -> FastAPI:
    """The dashboard as an ASGI app (tests and uvicorn both use this); `clock` times login locks.

    Its shape, in the order the steps run: the shared state (`App`), the login check on every request,
    the outer middleware (session cookie, security guard, trusted proxies), the static files, the error
    pages, /health, and last the dashboard's own routes."""
    from salesglass.serve.web import routes

    state = App(cfg, clock)
    app = FastAPI(title="salesglass", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sg = state
    _add_login_check(app, state)  # added first: the innermost middleware, it runs after the session is read
    _add_outer_middleware(app, cfg)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _add_error_pages(app, state)
    _add_health(app, state)
    routes.register(app)
    return app


def _add_login_check(app: FastAPI, state: App) -> None:
    """Every request: its query parameters checked, then a session required, and its time in Server-Timing
    (to logged-in users only: never on /login, /health, /static or the webhook, which answer anyone)."""

    @app.middleware("http")
    async def require_login(request: Request, call_next: Callable[[Request], Any]) -> Response:
        """No page or API answers without a session, except login, static files and /health."""
        path = request.scope["path"]  # what the router routes by; request.url is rebuilt from the Host header
        started = time.perf_counter()
        try:
            params.check_query(request.query_params.multi_items())
        except params.BadParam as exc:
            return _bad_param(state, request, exc)
        public = auth.is_public(path)
        if not public and state.user(request) is None:
            if request.headers.get("hx-request"):
                return Response(status_code=401, headers={"HX-Redirect": "/login"})
            if request.method == "GET" and "/export." not in path:
                nxt = path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse("/login?next=" + _quote(nxt), status_code=303)
            return PlainTextResponse("login required", status_code=401)
        response = await call_next(request)
        if not public:  # only a logged-in user's request gets here: timings are no business of anyone else
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response


def _bad_param(state: App, request: Request, exc: params.BadParam) -> Response:
    """400 in the page's language, naming the parameter and what it accepts."""
    fmt = state.formatter(request)
    detail = fmt.t(exc.message, **exc.args_)
    if request.headers.get("accept", "").startswith("application/json") or "/export." in request.url.path:
        return PlainTextResponse(detail, status_code=400)
    return state.render(request, "error.html", status=400, fmt=fmt, code=400, detail=detail, viewer=None)


def _add_outer_middleware(app: FastAPI, cfg: Any) -> None:
    """The session cookie, then (outside it) the security guard and the trusted proxies' headers.

    Each middleware added wraps the ones before it, so the order here is from the inside out."""
    d = cfg.dashboard
    app.add_middleware(
        SessionMiddleware,
        secret_key=auth.load_or_create_secret(cfg.resolve(d.secret_path)),
        session_cookie="salesglass_session",
        max_age=d.session_hours * 3600,
        same_site="lax",
        https_only=d.https,
    )
    # outermost: headers on every response (redirects and errors too), bounded bodies, same-origin POSTs
    app.add_middleware(Guard, https=d.https, public_url=d.public_url or None)
    if d.trusted_proxies:  # client address and scheme from X-Forwarded-* of these peers only
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(d.trusted_proxies))


def _add_error_pages(app: FastAPI, state: App) -> None:
    """A bug, nothing published yet, and HTTP errors each get the dashboard's answer, not the framework's."""
    secure = state.cfg.dashboard.https

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        """A bug: logged with its traceback, answered without one (and with the security headers, which
        this response would otherwise lack: it is sent outside every middleware)."""
        # a webhook's path holds its secret (amoCRM cannot log in): the log names the route, not the secret
        path = auth.SECRET_IN_HOOK_PATH.sub(r"\1***", request.scope["path"])
        log.error("unhandled error on %s %s", request.method, path, exc_info=exc)
        return PlainTextResponse(
            "internal error", status_code=500, headers=security_headers(request.url.path, https=secure)
        )

    @app.exception_handler(NoData)
    async def no_data(request: Request, exc: NoData) -> HTMLResponse:
        return state.render(request, "nodata.html", status=503, published=str(exc), viewer=None)

    # Starlette's own (FastAPI's is a subclass): an address no route matches, or a wrong method, gets the
    # dashboard's error page too, not a bare {"detail": "Not Found"}
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 401:
            return RedirectResponse("/login", status_code=303)
        if request.headers.get("accept", "").startswith("application/json"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        return state.render(
            request, "error.html", status=exc.status_code, code=exc.status_code, detail=exc.detail, viewer=None
        )


def _add_health(app: FastAPI, state: App) -> None:
    """/health: without a login only whether the dashboard answers and has a build ({"status": "ok"} or
    "no-data", for monitors); with one also which build (as_of, built_at) and whether this worker has warmed it
    — the data's date and the build time are nobody's business without a login."""

    @app.get("/health")
    def health(request: Request) -> dict:
        try:
            snap = state.published.snapshot()
        except NoData:
            return {"status": "no-data"}
        if state.user(request) is None:
            return {"status": "ok"}
        # warmed: this worker has opened the build and paid its first-use costs (App.keep_warm)
        return {"status": "ok", "as_of": str(snap.as_of), "built_at": str(snap.built_at), "warmed": snap.warmed}

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        """The icon a browser (or a bookmark, a link preview) asks for by this fixed name: the same picture
        the pages name in their <link rel=icon>, so no request of a page ends in a 404."""
        return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")


def commands(text: str | None) -> markupsafe.Markup:
    """A message's `commands` (in backticks in strings.py) as <code>, the rest escaped: a head of sales
    saw the backticks themselves on the data-quality page."""
    parts = str(text or "").split("`")
    return markupsafe.Markup("").join(
        markupsafe.Markup("<code>{}</code>").format(part) if i % 2 else markupsafe.escape(part)
        for i, part in enumerate(parts)
    )


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def dates_whole(text: str | None) -> markupsafe.Markup:
    """A header or card label with its ISO days kept on one line (escaped): "Fact to 2026-12-07" broke after
    "2026-12-" in a narrow column, leaving "07" alone on the next line."""
    escaped = str(markupsafe.escape(text or ""))
    return markupsafe.Markup(ISO_DAY.sub(lambda m: f'<span class="nobreak">{m.group(0)}</span>', escaped))


def _json_default(value: Any) -> Any:
    """Chart data only (tables keep exact Decimals): money to float, dates to ISO text."""
    from datetime import date
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")
