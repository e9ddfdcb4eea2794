"""Read-only access to the published DuckDB file, re-opened when the build swaps it.

The report builder writes a new file and `os.replace`s it over the old one; a connection opened
earlier keeps reading the old inode. So every request checks (inode, mtime) and opens the new file
when they change. Each request gets its own cursor of the shared connection (DuckDB cursors are
per-thread connections to the same database), and every query is parameterised SQL.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from salesglass.account_zone import DEFAULT_ZONE
from salesglass.code_hash import code_fingerprint
from salesglass.sql import quote_ident
from salesglass.warehouse import connect


class NoData(Exception):
    """The published file does not exist yet (no build has run)."""


@dataclass
class Snapshot:
    """One opened version of the published file and what it holds."""

    con: duckdb.DuckDBPyConnection
    key: tuple[int, int]
    tables: set[str]
    columns: dict[str, set[str]]
    build: dict[str, Any] = field(default_factory=dict)
    warmed: bool = False  # warm() has run on this version

    @property
    def as_of(self) -> date:
        return self.build.get("as_of") or datetime.now(ZoneInfo(self.timezone)).date()

    @property
    def timezone(self) -> str:
        """The zone the published build took its periods in (build_info); labels and drills use it too."""
        return self.build.get("timezone") or DEFAULT_ZONE

    @property
    def built_by_other_code(self) -> bool:
        """Whether a report build of another salesglass made this file (an older release: it may lack the
        tables and columns added since, which the pages then leave out). A build records its code's hash
        (`build_info.code`); a file with build_info rows but no hash was built before it was recorded."""
        if "table_name" not in self.build:  # not a report build's file (a hand-made one): nothing to compare
            return False
        return self.build.get("code") != code_fingerprint()

    @property
    def built_at(self) -> datetime | None:
        return self.build.get("built_at")

    _cache_lock: threading.Lock = field(default_factory=threading.Lock)
    _first_sales: str | None = None
    _derived: set[str] = field(default_factory=set)
    _managers: dict[int, dict[str, Any]] | None = None
    _once: dict[str, Any] = field(default_factory=dict)

    def once(self, key: str, make: Callable[[], Any]) -> Any:
        """`make()` read once per published version: facts every request needs that change only with a build
        (the first month with sales, the pipelines, a table's column types). Shared by all requests: read-only.
        Two requests racing on the first read both make it; either answer is the same."""
        try:
            return self._once[key]
        except KeyError:
            value = self._once[key] = make()
            return value

    def managers(self) -> dict[int, dict[str, Any]]:
        """manager_id → {manager_id, name, email, role, is_active}, by name: read once per published version
        (every page names managers; the list changes only with a build). Shared by all requests: read-only."""
        if self._managers is None:
            rows: list[dict[str, Any]] = []
            if self.has("managers"):
                cur = self.con.cursor()
                try:
                    q = cur.execute("SELECT manager_id, name, email, role, is_active FROM managers ORDER BY name")
                    names = [d[0] for d in q.description]
                    rows = [dict(zip(names, r, strict=True)) for r in q.fetchall()]
                finally:
                    cur.close()
            self._managers = {r["manager_id"]: r for r in rows}
        return self._managers

    def first_sales(self) -> str:
        """A relation partner_id → first_sale_at (model.md: earliest sale with tickets > 0).

        The build publishes it (`first_sales`, the partners' first sales by as_of); a file published before
        that may have it on `partners`, or else it is derived once per published version into an in-memory
        database attached to this snapshot (shared by every request's cursor), so drill-downs never scan all
        sales per request.
        """
        if self.has("partners", "first_sale_at"):
            return "(SELECT partner_id, first_sale_at FROM partners)"
        if self.has("first_sales", "first_sale_at"):  # the build's own (reports/derive/first_sale.py, by as_of)
            return "(SELECT partner_id, first_sale_at FROM first_sales)"
        with self._cache_lock:
            if self._first_sales is None:
                self.con.execute("ATTACH IF NOT EXISTS ':memory:' AS sg_cache (READ_WRITE)")
                self.con.execute(
                    "CREATE OR REPLACE TABLE sg_cache.first_sales AS SELECT partner_id, min(sold_at) AS first_sale_at "
                    "FROM sales WHERE tickets > 0 AND partner_id IS NOT NULL GROUP BY partner_id"
                )
                self._first_sales = "sg_cache.first_sales"
        return self._first_sales

    def derived(self, name: str, select: str) -> str:
        """`sg_cache.<name>`, a table made from `select` once per published version in an in-memory database
        attached to this snapshot (shared by every request's cursor; like first_sales): a page's rows in the
        grain or order its filters need, so a request reads a few row groups instead of sorting or summing
        a report table."""
        with self._cache_lock:
            if name not in self._derived:
                self.con.execute("ATTACH IF NOT EXISTS ':memory:' AS sg_cache (READ_WRITE)")
                self.con.execute(f"CREATE OR REPLACE TABLE sg_cache.{name} AS {select}")
                self._derived.add(name)
        return f"sg_cache.{name}"

    def partner_month_sales(self) -> str:
        """partner_id, month, turnover, revenue, tickets: `partner_days` (kopecks, account days) summed by
        month, ordered by month so a range of months reads only its own row groups."""
        return self.derived(
            "partner_month_sales",
            "SELECT partner_id, CAST(date_trunc('month', day) AS DATE) AS month, "
            "CAST(sum(turnover) AS BIGINT) AS turnover, CAST(sum(revenue) AS BIGINT) AS revenue, "
            "CAST(sum(tickets) AS BIGINT) AS tickets FROM partner_days GROUP BY ALL ORDER BY month, partner_id",
        )

    def has(self, table: str, column: str | None = None) -> bool:
        return table in self.tables and (column is None or column in self.columns.get(table, set()))


class Published:
    def __init__(self, path: Path, threads: int = 2):
        self.path = Path(path)
        self.threads = threads
        self._snap: Snapshot | None = None
        self._lock = threading.Lock()

    def _open_version(self, key: tuple[int, int]) -> duckdb.DuckDBPyConnection:
        return _open_version(self.path, key)

    def _stat_key(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def snapshot(self) -> Snapshot:
        key = self._stat_key()
        if key is None:
            raise NoData(str(self.path))
        snap = self._snap
        if snap is not None and snap.key == key:
            return snap
        with self._lock:
            if self._snap is not None and self._snap.key == key:
                return self._snap
            con = self._open_version(key)
            con.execute(f"SET threads = {int(self.threads)}")
            cols: dict[str, set[str]] = {}
            for table, column in con.execute(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
            ).fetchall():
                cols.setdefault(table, set()).add(column)
            build: dict[str, Any] = {}
            if "build_info" in cols:
                cur = con.execute("SELECT * FROM build_info LIMIT 1")
                row = cur.fetchone()
                if row:
                    build = dict(zip([d[0] for d in cur.description], row, strict=True))
            self._snap = Snapshot(con, key, set(cols), cols, build)
            return self._snap


def _open_version(path: Path, key: tuple[int, int]) -> duckdb.DuckDBPyConnection:
    """Open this version of the file under a name of its own.

    DuckDB caches open databases by path inside a process, so connecting to the same path again
    would hand back the old (replaced) file. A hard link named after the inode gives each version its
    own path; the link is removed at once (the open file stays readable, as any unlinked file does).
    """
    link = path.with_name(f".{path.name}.{key[0]}-{key[1]}.ro")
    try:
        link.unlink(missing_ok=True)
        os.link(path, link)
    except OSError:
        return connect(path, read_only=True)
    try:
        return connect(link, read_only=True)
    finally:
        link.unlink(missing_ok=True)


def warm(snap: Snapshot) -> None:
    """Pay the first-use costs of a newly opened version before a user's request does.

    What the first request after a (re)open otherwise pays: DuckDB's first parameterised query imports
    its Python helpers (pandas, ~1 s), the first read of each table loads its blocks, and the facts read
    once per version (managers, the first month with sales; the partners' first sales when the file
    lacks them) are made. Every report table and helper is read whole here — they are small next to
    `sales`, which no page reads per request except the one-partner drill (one partner's rows)."""
    q = Query(snap)
    try:
        q.scalar("SELECT ?", [1])
        snap.managers()
        if snap.has("partner_months"):
            snap.once("first_month", lambda: q.scalar("SELECT min(month) FROM partner_months"))
        snap.first_sales()
        if snap.has("partner_days", "day"):
            snap.partner_month_sales()
        if snap.has("report_bonus_lines") and snap.has("partners"):
            from salesglass.serve.web.pages.bonuses import ordered_lines_sql  # the page's own order

            snap.derived("bonus_lines_ordered", ordered_lines_sql())
        for table in sorted(snap.tables - {"sales"}):
            q.rows(f"SELECT max(hash(COLUMNS(*))) FROM {quote_ident(table)}")
    finally:
        q.close()
    snap.warmed = True


class Query:
    """A request's view of one snapshot: its own cursor, rows as dicts."""

    def __init__(self, snap: Snapshot):
        self.snap = snap
        self.cur = snap.con.cursor()

    def rows(self, sql: str, params: list | tuple = ()) -> list[dict[str, Any]]:
        cur = self.cur.execute(sql, list(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def one(self, sql: str, params: list | tuple = ()) -> dict[str, Any]:
        rows = self.rows(sql, params)
        return rows[0] if rows else {}

    def scalar(self, sql: str, params: list | tuple = ()) -> Any:
        row = self.cur.execute(sql, list(params)).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        self.cur.close()
