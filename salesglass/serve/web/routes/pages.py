"""The report pages: `/` opens the first page of the viewer's menu, `/{name}` any page of `pages.PAGES`."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.requests import Request

from salesglass.serve.web.pages import PAGES, Page, nav_items
from salesglass.serve.web.routes.common import cached_page, opened

router = APIRouter()


def page_named(name: str) -> Page:
    page = PAGES.get(name)
    if page is None:
        raise HTTPException(status_code=404)
    return page


@router.get("/")
def home(request: Request) -> Response:
    """The first page of the viewer's menu: a manager who sees only their own figures starts where
    those are, not on a company-only page."""
    with opened(request) as ctx:
        first = nav_items(ctx)[0].name
    return RedirectResponse(f"/{first}", status_code=303)


@router.get("/{name}", response_class=HTMLResponse)
def report_page(request: Request, name: str) -> HTMLResponse:
    page = page_named(name)
    with opened(request, admin=page.admin_only) as ctx:
        return cached_page(ctx, "page.html", lambda: page.build(ctx), volatile=page.volatile, page=page)
