"""The dashboard's URL routes, one module per group, each an `APIRouter` of plain module-level functions.

| module       | routes                                                                    |
|--------------|---------------------------------------------------------------------------|
| `login.py`   | `/login`, `/logout`, `/lang`                                              |
| `admin.py`   | `/admin/users` (admins: user management)                                  |
| `bonus.py`   | `/bonus/...` (month states, payroll, audit; statements and disputes)     |
| `drill.py`   | `/drill/{name}`: the rows behind a number (`pages.DRILLS`)                |
| `exports.py` | `/{name}/export.xlsx`, `/{name}/export.csv`: a page's tables as a file    |
| `pages.py`   | `/` and `/{name}`: the report pages (`pages.PAGES`)                       |

What they share (the running dashboard's state, a request's context, the response cache, admin forms)
is in `common.py`. A new report page needs no route: an entry in `pages.PAGES` is served by `pages.py`.
"""

from __future__ import annotations

from fastapi import FastAPI

from salesglass.serve.web.routes import admin, bonus, drill, exports, login, pages


def register(app: FastAPI) -> None:
    """Mount every group on the app. `pages` comes last: its `/{name}` would answer any one-segment path."""
    bonus.add_strings()
    for group in (login, admin, bonus, drill, exports, pages):
        app.include_router(group.router)


__all__ = ["register"]
