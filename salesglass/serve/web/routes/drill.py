"""Drill-downs: `/drill/{name}` lists the rows behind a number (`pages.DRILLS`), as a drawer (htmx) or a page."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse
from starlette.requests import Request

from salesglass.serve.web.pages import DRILLS
from salesglass.serve.web.routes.common import cached_page, opened

router = APIRouter()


@router.get("/drill/{name}", response_class=HTMLResponse)
def drill(request: Request, name: str) -> HTMLResponse:
    build = DRILLS.get(name)
    if build is None:
        raise HTTPException(status_code=404)
    template = "drill_panel.html" if request.headers.get("hx-request") else "drill.html"
    with opened(request) as ctx:
        return cached_page(ctx, template, lambda: build(ctx))
