"""Everything one request needs: who is looking, in which language, with which filters, at which data.

Filters live in the query string so that a view can be bookmarked and shared. A manager's scope is
applied here, once: whatever `manager=` the URL asks for, a manager only gets their own rows (or the
company total when they are allowed to see it).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote_plus

from starlette.requests import Request

from salesglass.serve.i18n import Formatter
from salesglass.serve.web.data import Query

KINDS = ("organizer", "operator", "unknown")
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")  # what quote_plus leaves as it is


def _quoted(text: str) -> str:
    return text if _PLAIN.fullmatch(text) else quote_plus(text)


NOBODY = -1  # a manager login not tied to any amoCRM user sees no manager rows


@dataclass
class Viewer:
    email: str
    role: str
    manager_id: int | None
    manager_name: str | None
    company: bool  # may see company-wide totals

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(d: date, n: int) -> date:
    m = d.year * 12 + d.month - 1 + n
    return date(m // 12, m % 12 + 1, 1)


def _month(value: str | None) -> date | None:
    if not value:
        return None
    try:
        y, m = value[:7].split("-")
        return date(int(y), int(m), 1)
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


class Ctx:
    def __init__(self, request: Request, cfg: Any, fmt: Formatter, q: Query, viewer: Viewer, page_size: int):
        self.request = request
        self.cfg = cfg
        self.fmt = fmt
        self.t = fmt.t
        self.q = q
        self.snap = q.snap
        self.viewer = viewer
        self.page_size = page_size
        p = request.query_params
        self.params = p
        as_of_month = month_start(self.snap.as_of)
        picked_from, picked_to = _month(p.get("from")), _month(p.get("to"))
        if picked_from and picked_to and picked_from > picked_to:
            # "To" picked before "From": the months between the two (it read as the one month "To", before the
            # reports began: every chart and table empty, and nothing said why)
            picked_from, picked_to = picked_to, picked_from
        self.month_to = min(picked_to or as_of_month, as_of_month)
        self.month_from = picked_from or add_months(self.month_to, -5)
        if self.month_from > self.month_to:
            self.month_from = self.month_to
        kind = p.get("kind") or None
        self.kind = kind if kind in KINDS else None
        self.requested_manager = _int(p.get("manager"))
        self.pipeline = _int(p.get("pipeline"))
        self.page = max(_int(p.get("page")) or 1, 1)
        self._managers: dict[int, dict] | None = None

    # ---- scope -------------------------------------------------------------------------------
    @property
    def manager(self) -> int | None:
        """Manager the aggregate figures are for; None = whole company (admins, or allowed managers)."""
        v = self.viewer
        if v.is_admin:
            return self.requested_manager
        if v.company and self.params.get("manager") == "":
            return None  # "Company" picked in the filter
        return v.manager_id if v.manager_id is not None else NOBODY

    @property
    def row_manager(self) -> int | None:
        """Manager whose individual rows (deals, partners, bonus lines) may be listed; None = all."""
        if self.viewer.is_admin:
            return self.requested_manager
        return self.viewer.manager_id if self.viewer.manager_id is not None else NOBODY

    @property
    def may_see_company(self) -> bool:
        return self.viewer.is_admin or self.viewer.company

    # ---- reference data ----------------------------------------------------------------------
    @property
    def managers(self) -> dict[int, dict]:
        if self._managers is None:
            self._managers = self.snap.managers()
        return self._managers

    def manager_name(self, manager_id: int | None) -> str:
        if manager_id is None:
            return self.t("company")
        if manager_id == NOBODY:  # a login tied to no amoCRM user: its own e-mail, never the sentinel "#-1"
            return self.viewer.email
        m = self.managers.get(manager_id)
        if not m:
            return f"#{manager_id}"
        if m["name"] and m["name"] in self.shared_names():  # two amoCRM users of one name: tell them apart
            return f"{m['name']} ({m['email'] or f'#{manager_id}'})"
        return m["name"] or m["email"] or str(manager_id)

    def shared_names(self) -> set[str]:
        """Names that more than one amoCRM user has (read once per published version)."""

        def read() -> set[str]:
            seen = Counter(m["name"] for m in self.managers.values() if m["name"])
            return {name for name, n in seen.items() if n > 1}

        return self.snap.once("shared_manager_names", read)

    def manager_label(self, manager_id: int | None) -> str:
        """Name for a row's manager: "Empty" when none, "(left)" when deactivated — who should call?"""
        if manager_id is None:
            return self.t("bucket_empty")
        m = self.managers.get(manager_id)
        gone = m is not None and not m["is_active"]
        return self.manager_name(manager_id) + (f" ({self.t('inactive')})" if gone else "")

    def month_choices(self) -> list[tuple[str, str]]:
        """(YYYY-MM, «ноя 2026») for the month pickers, newest first: every month with sales up to as_of.

        Selects, not <input type=month>: the browser draws that one in its own language, not the page's."""
        last = month_start(self.snap.as_of)
        first = None
        if self.snap.has("partner_months"):
            first = self.snap.once("first_month", lambda: self.q.scalar("SELECT min(month) FROM partner_months"))
        first = max(month_start(first) if first else add_months(last, -24), add_months(last, -120))
        first = min(first, self.month_from)
        out, m = [], last
        while m >= first:
            out.append((m.strftime("%Y-%m"), self.fmt.month(m)))
            m = add_months(m, -1)
        return out

    def manager_choices(self) -> list[tuple[str, str]]:
        """(value, label) pairs for the manager filter, limited to what the viewer may pick."""
        if self.viewer.is_admin:
            return [("", self.t("all_managers"))] + [
                (str(k), self.manager_name(k) + ("" if m["is_active"] else f" ({self.t('inactive')})"))
                for k, m in self.managers.items()
            ]
        out = []
        if self.viewer.company:
            out.append(("", self.t("company")))
        if self.viewer.manager_id is not None:
            out.append((str(self.viewer.manager_id), self.manager_name(self.viewer.manager_id)))
        return out

    # ---- URLs --------------------------------------------------------------------------------
    def filter_params(self) -> dict[str, str]:
        out = {"from": self.month_from.strftime("%Y-%m"), "to": self.month_to.strftime("%Y-%m")}
        for key in ("manager", "kind", "period", "at", "measure", "mode", "pipeline"):
            v = self.params.get(key)
            if v not in (None, ""):
                out[key] = v
        if self.params.get("manager") == "":
            out["manager"] = ""
        return out

    def url(self, path: str, **params: Any) -> str:
        """`path?k=v&…` exactly as urllib's urlencode writes it (None as empty); a table links every row, so
        the common case — keys and values with nothing to quote — skips the quoting."""
        if not params:
            return path
        return path + "?" + "&".join(f"{_quoted(k)}={_quoted('' if v is None else str(v))}" for k, v in params.items())

    def here(self, **overrides: Any) -> str:
        params: dict[str, Any] = dict(self.filter_params())
        params.update(overrides)
        return self.url(self.request.url.path, **{k: v for k, v in params.items() if v is not None})

    def amo_url(self, deal_id: int) -> str:
        return f"{self.cfg.amocrm.web_url()}/leads/detail/{int(deal_id)}"

    # ---- SQL helpers -------------------------------------------------------------------------
    def kind_sql(self, column: str) -> tuple[str, list]:
        """A condition on a client-kind column ('unknown' = NULL in canonical tables)."""
        if self.kind is None:
            return "TRUE", []
        if self.kind == "unknown":
            return f"({column} IS NULL OR {column} = 'unknown')", []
        return f"{column} = ?", [self.kind]
