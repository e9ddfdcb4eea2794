"""`salesglass doctor`: the data-quality counts, and the link suggestions as an editable overrides file."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from salesglass.account_zone import DEFAULT_ZONE, AccountZone
from salesglass.model.schema import CANONICAL
from salesglass.processes import replace_whole

if TYPE_CHECKING:
    from salesglass.reports.config import ReportsConfig


def quality_rows(
    con: duckdb.DuckDBPyConnection,
    zone: AccountZone | None = None,
    development: list[int | str] | None = None,
    rules: ReportsConfig | None = None,
) -> list[tuple[str, str, str, int]]:
    """report_data_quality computed on this DuckDB warehouse (the same Ibis code as the published report),
    as of today in the account zone; `development`: `[amocrm] development_pipelines`, and `rules`: the
    user's `[reports]` (default: the defaults), as the build uses them."""
    import ibis

    from salesglass.config import Config
    from salesglass.reports import data_quality
    from salesglass.reports.base import BuildParams, Canon

    zone = zone or AccountZone(DEFAULT_ZONE, "default")
    backend = ibis.duckdb.from_connection(con)
    canon = Canon(**{t.name: backend.table(t.name) for t in CANONICAL})
    from salesglass.reports.development import from_connection

    params = BuildParams(
        as_of=zone.today(),
        timezone=zone.name,
        rules=rules or Config().reports,
        development_pipelines=from_connection(development or [], con),
    )
    expr = data_quality.build(canon, params)
    return [tuple(r) for r in backend.execute(expr).itertuples(index=False)]


def last_build_zone(published: Path) -> AccountZone | None:
    """The zone the published reports were built in; None before the first build."""
    from salesglass.account_zone import published_zone
    from salesglass.warehouse import connect

    if not published.exists():
        return None
    try:
        con = connect(published, read_only=True)
    except duckdb.Error:
        return None
    try:
        return published_zone(con)
    finally:
        con.close()


# what a reviewer weighs, after the overrides file's columns (link/suggest.py `review`)
REVIEW_COLUMNS = (
    "confidence",
    "deal_state",
    "matched",
    "partner_linked_deal_id",
    "partner_linked_by",
    "deal_candidates",
    "partner_candidates",
)


def export_suggestions(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Write the suggestions as CSV with the overrides file's columns first (deal_id, partner_id).

    Keep the right row per deal (or blank its partner_id to say "no partner"), delete the rest, and
    point `[linking].overrides_path` at the file.
    """
    columns = ["deal_id", "partner_id", "score", "deal_name", "partner_name"]
    have = {r[0] for r in con.execute("SELECT column_name FROM (DESCRIBE link_suggestions)").fetchall()}
    columns += [c for c in REVIEW_COLUMNS if c in have]
    order = "confidence = 'weak', " if "confidence" in have else ""
    rows = con.execute(f"""SELECT {", ".join(columns)} FROM link_suggestions
                           ORDER BY {order}deal_id, score DESC, partner_id""").fetchall()
    text = io.StringIO(newline="")
    w = csv.writer(text)
    w.writerow(columns)
    w.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    # whole or not at all: a Ctrl-C or a crash mid-write left an earlier export (edited by hand) cut short;
    # partners' names and ИНН: owner-only, also over an older file of a wider mode
    replace_whole(path, text.getvalue())
    return len(rows)
