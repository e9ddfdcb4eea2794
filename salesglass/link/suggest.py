"""Fuzzy link suggestions for unlinked deals: written to `link_suggestions`, never applied.

Names are normalised in the warehouse (the same SQL as the name rule); rapidfuzz scores every unlinked
deal's company name (or the deal name when it has no company) against every partner name in C++
chunks, keeping the best few candidates at or above `[linking].fuzzy_min_score`.
"""

from __future__ import annotations

import duckdb
from rapidfuzz import fuzz, process

from salesglass.link.normalize import normalize_sql

TOP = 5  # candidates kept per deal
CHUNK = 2000


def suggest(con: duckdb.DuckDBPyConnection, min_score: float) -> int:
    con.execute("DELETE FROM link_suggestions")
    deals = con.execute(f"""
        SELECT k.deal_id, coalesce(k.company_name_raw, k.deal_name) AS shown,
               coalesce(k.company_name, {normalize_sql('k.deal_name')}) AS norm
        FROM __deal_keys k
        WHERE NOT k.is_deleted AND k.deal_id NOT IN (SELECT deal_id FROM __links)
          AND k.deal_id NOT IN (SELECT deal_id FROM __overrides)""").fetchall()
    partners = con.execute("SELECT partner_id, name, norm_name FROM __partner_keys WHERE norm_name IS NOT NULL") \
        .fetchall()
    deals = [d for d in deals if d[2]]
    if not deals or not partners:
        return 0
    choices = [p[2] for p in partners]
    rows: list[tuple[int, str, float, str, str]] = []
    for start in range(0, len(deals), CHUNK):
        chunk = deals[start:start + CHUNK]
        scores = process.cdist([d[2] for d in chunk], choices, scorer=fuzz.token_sort_ratio,
                               score_cutoff=min_score, workers=1)
        for i, deal in enumerate(chunk):
            row = scores[i]
            hits = row.nonzero()[0]
            best = sorted(hits, key=lambda j: (-row[j], partners[j][0]))[:TOP]
            rows.extend((deal[0], partners[j][0], round(float(row[j]), 1), deal[1], partners[j][1]) for j in best)
    if rows:
        con.executemany("INSERT INTO link_suggestions VALUES (?, ?, ?, ?, ?)", rows)
    return len(rows)
