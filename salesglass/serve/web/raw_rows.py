"""The raw text of quarantined rows, for admins: read from the working warehouse, never the published file.

The published file withholds `quarantine.raw` (salesglass/reports/publish.py `WITHHELD_COLUMNS`: a rejected
row's contact names, phones, e-mails), since BI tools of its group read it. The dashboard opens the warehouse
read-only for the one page of rows an admin looks at, and closes it at once: a refresh writing it (a sync)
waits a moment, never fails. While a refresh holds it for writing, the rows show without their text.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from salesglass.warehouse import connect

SHOWN_CHARS = 300
Key = tuple[str, str, str | None, str, datetime]


def key_of(row: dict[str, Any]) -> Key:
    return (row["source"], row["entity"], row["source_key"], row["reason"], row["seen_at"])


def raw_texts(warehouse: Path, rows: list[dict[str, Any]]) -> dict[Key, str] | None:
    """The first `SHOWN_CHARS` characters of each row's raw text by `key_of` (rows the warehouse no longer
    holds are missing); None when the warehouse cannot be read now (none yet, or a refresh writes it)."""
    if not rows:
        return {}
    if not Path(warehouse).exists():
        return None
    try:
        con = connect(warehouse, read_only=True, retries=5)
    except duckdb.Error:
        return None
    try:
        keys = [key_of(r) for r in rows]
        values = ", ".join("(?, ?, ?, ?, ?)" for _ in keys)
        found = con.execute(
            f"""SELECT k.source, k.entity, k.source_key, k.reason, k.seen_at,
                       left(CAST(q.raw AS VARCHAR), {SHOWN_CHARS})
                FROM (VALUES {values}) k(source, entity, source_key, reason, seen_at)
                JOIN quarantine q ON q.source = k.source AND q.entity = k.entity AND q.reason = k.reason
                 AND q.source_key IS NOT DISTINCT FROM k.source_key AND q.seen_at = CAST(k.seen_at AS TIMESTAMPTZ)""",
            [v for k in keys for v in k],
        ).fetchall()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return {tuple(r[:5]): r[5] for r in found}
