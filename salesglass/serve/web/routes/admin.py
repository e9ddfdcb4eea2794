"""User management (admins only): add a login, remove one, reset a password, allow company totals."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from starlette.requests import Request

from salesglass.errors import SalesglassError
from salesglass.serve.users import amocrm_user_of
from salesglass.serve.web.routes.common import Action, Posted, admin_action, opened, render, state_of

router = APIRouter()
# who changed which login is a security record: written at WARNING, which reaches the service's log (journal)
# without any logging set-up, as the failed-login lock does; never a password
log = logging.getLogger("salesglass.dashboard")

COMPANY = {"yes": True, "no": False}  # the form's "may see company totals"; anything else: the default


def users_page(request: Request, error: str | None = None, status: int = 200) -> Response:
    """Every login with the amoCRM manager its e-mail belongs to."""
    state = state_of(request)
    with opened(request, admin=True) as ctx:
        managers = list(ctx.managers.values())
        users = [(u, amocrm_user_of(u.email, managers)) for u in state.users.list()]
        return render(
            ctx,
            "users.html",
            status=status,
            users=users,
            error=error,
            default_company=state.cfg.dashboard.managers_see_company_totals,
        )


def email_of(post: Posted) -> str:
    return post.text("email").strip().lower()


def add_user(request: Request, post: Posted) -> None:
    user = state_of(request).users.add(
        email_of(post),
        post.text("password"),
        post.text("role") or "manager",
        see_company_totals=COMPANY.get(post.text("company")),
    )
    log.warning("users: %r added login %r (%s)", post.actor, user.email, user.role)


def remove_user(request: Request, post: Posted) -> None:
    if email_of(post) == request.session.get("user"):
        raise SalesglassError("you cannot remove yourself")
    state_of(request).users.remove(email_of(post))
    state_of(request).sessions.end_user(email_of(post))
    log.warning("users: %r removed login %r", post.actor, email_of(post))


def reset_password(request: Request, post: Posted) -> None:
    state_of(request).users.set_password(email_of(post), post.text("password"))
    log.warning("users: %r reset the password of %r", post.actor, email_of(post))


def allow_company(request: Request, post: Posted) -> None:
    state_of(request).users.set_company_totals(email_of(post), COMPANY.get(post.text("company")))
    log.warning(
        "users: %r set company totals of %r to %r", post.actor, email_of(post), post.text("company") or "default"
    )


ACTIONS: dict[str, Action] = {
    "add": add_user,
    "remove": remove_user,
    "password": reset_password,
    "company": allow_company,
}


@router.get("/admin/users", response_class=HTMLResponse)
def users(request: Request) -> Response:
    return users_page(request)


@router.post("/admin/users")
async def users_action(request: Request) -> Response:
    return await admin_action(
        request, ACTIONS, back="/admin/users", show_error=lambda r, error: users_page(r, error, status=400)
    )
