"""User management page (admins only): add, remove, reset a password, allow company totals."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.requests import Request

from salesglass.errors import SalesglassError
from salesglass.serve.web import auth
from salesglass.serve.web.pages import nav_items


def register(app: FastAPI, state: Any) -> None:
    def admin_ctx(request: Request) -> Any:
        ctx = state.context(request)
        if not ctx.viewer.is_admin:
            ctx.q.close()
            raise HTTPException(status_code=403, detail="admins only")
        return ctx

    def show(request: Request, message: str | None = None, error: str | None = None, status: int = 200) -> Response:
        ctx = admin_ctx(request)
        try:
            emails = {(m["email"] or "").lower(): m for m in ctx.managers.values()}
            users = [(u, emails.get(u.email)) for u in state.users.list()]
            return state.render(
                request,
                "users.html",
                status=status,
                fmt=ctx.fmt,
                ctx=ctx,
                viewer=ctx.viewer,
                nav=nav_items(ctx),
                snap=ctx.snap,
                users=users,
                message=message,
                error=error,
                default_company=state.cfg.dashboard.managers_see_company_totals,
            )
        finally:
            ctx.q.close()

    @app.get("/admin/users", response_class=HTMLResponse)
    def users_page(request: Request) -> Response:
        return show(request)

    @app.post("/admin/users")
    async def users_action(request: Request) -> Response:
        admin_ctx(request).q.close()
        form = await auth.checked_form(request)
        action = str(form.get("action") or "")
        email = str(form.get("email") or "").strip().lower()
        try:
            if action == "add":
                company = {"yes": True, "no": False}.get(str(form.get("company") or ""))
                state.users.add(
                    email,
                    str(form.get("password") or ""),
                    str(form.get("role") or "manager"),
                    see_company_totals=company,
                )
            elif action == "remove":
                if email == request.session.get("user"):
                    raise SalesglassError("you cannot remove yourself")
                state.users.remove(email)
            elif action == "password":
                state.users.set_password(email, str(form.get("password") or ""))
            elif action == "company":
                state.users.set_company_totals(email, {"yes": True, "no": False}.get(str(form.get("company") or "")))
            else:
                raise SalesglassError("unknown action")
        except SalesglassError as exc:
            return show(request, error=str(exc), status=400)
        return RedirectResponse(f"/admin/users?done={action}", status_code=303)
