"""A page's tables as a file, with the page's filters: `/{name}/export.xlsx` (every table), `.csv` (one)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response
from starlette.requests import Request

from salesglass.serve.web.context import Ctx
from salesglass.serve.web.export import csv_bytes, xlsx_bytes
from salesglass.serve.web.pages import planfact
from salesglass.serve.web.routes.common import CSV, XLSX, cached, download, opened
from salesglass.serve.web.routes.pages import page_named

router = APIRouter()


def filename(name: str, ctx: Ctx) -> str:
    if name == "planfact":  # one month, quarter or year, not the month range the other pages filter by
        return f"salesglass-{name}-{planfact.file_period(ctx)}"
    return f"salesglass-{name}-{ctx.month_from:%Y-%m}-{ctx.month_to:%Y-%m}"


@router.get("/{name}/export.xlsx")
def export_xlsx(request: Request, name: str) -> Response:
    page = page_named(name)
    with opened(request, admin=page.admin_only) as ctx:
        data = cached(ctx, "xlsx", lambda: xlsx_bytes(page.build(ctx), ctx), volatile=page.volatile)
        return download(data, XLSX, f"{filename(name, ctx)}.xlsx")


@router.get("/{name}/export.csv")
def export_csv(request: Request, name: str, table: str | None = None) -> Response:
    """One table (the first, or `table`). The file is named after its table: two tables of a page saved
    from one filter were two files of the same name, and only their contents told which was which."""
    page = page_named(name)

    def make() -> tuple[str, bytes]:
        view = page.build(ctx)
        keys = [t.key for t in view.tables]
        if table is not None and table not in keys:  # a crafted or stale link: never an empty file
            raise HTTPException(status_code=404, detail=f"no table {table!r} on this page")
        return (table or keys[0] if keys else ""), csv_bytes(view, ctx, table)

    with opened(request, admin=page.admin_only) as ctx:
        key, data = cached(ctx, "csv", make, volatile=page.volatile)
        stem = filename(name, ctx)
        if key and key.replace("_", "") != name:  # a table named like its page (plan_fact): not twice
            stem = stem.replace(f"salesglass-{name}-", f"salesglass-{name}-{key.replace('_', '-')}-", 1)
        return download(data, CSV, f"{stem}.csv")
