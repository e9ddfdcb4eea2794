"""Fuzzy link suggestions for unlinked deals: written to `link_suggestions`, never applied.

Scoring keeps every name pair at or above the minimum in `link_fuzzy_scores` (kept between runs);
`review` then rebuilds `link_suggestions` from it in the warehouse, set-based, each run: it leaves out
a lost deal that was closed more than LOST_BEFORE_REGISTRATION_DAYS before its candidate partner
registered (that deal cannot have brought the account), and says for each pair what was compared, the
deal's state, whether the partner is already linked to another deal by override, account id or ИНН,
how many candidates the deal and the partner have, and a confidence word (`possible` or `weak`).

Names are normalised in the warehouse (the same SQL as the name rule); rapidfuzz scores each unlinked
deal's company name (or the deal name when it has no company) against the partner names it can reach
`[linking].fuzzy_min_score` with (link/blocking.py: a lossless partition filter, so cost grows with the
candidate pairs, not deals × partners), keeping the best few candidates at or above that minimum.

Scoring is the costly part of a link run, so an incremental run rescores only the deals whose
suggestions can differ: the relinked deals, the deals with a suggestion naming a renamed or deleted
partner, and the unlinked deals that score at or above the minimum against a new or renamed partner.
A partner's ИНН or account id does not enter the scores. Every other deal's candidates are the same
partners with the same scores as last time. A pair the overrides file rejects (`!partner_id`) is never
suggested; a deal whose rejections changed is relinked, so rescored.
"""

from __future__ import annotations

import duckdb
import numpy as np
from rapidfuzz import fuzz, process

from salesglass.link.blocking import candidate_blocks, worth_blocking
from salesglass.link.incremental import AMBIGUOUS, PARTNER_STATE
from salesglass.link.initials import initials_pairs
from salesglass.link.memtable import insert_rows
from salesglass.link.normalize import normalize_sql

TOP = 5  # candidates kept per deal
CHUNK = 2000
SCORES = "link_fuzzy_scores"  # the scored pairs an incremental run patches (link_suggestions is derived)
# a lost deal closed this long before the partner's account was created is not its acquiring deal: in
# the simulated companies every truly linked lost deal closed after the registration
LOST_BEFORE_REGISTRATION_DAYS = 30
STRONG_METHODS = ("override", "account_id", "inn")


def _candidates(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str]]:
    """(deal_id, shown name, normalised name) of every deal that may get suggestions."""
    rows = con.execute(f"""
        SELECT k.deal_id, coalesce(k.company_name_raw, k.deal_name) AS shown,
               coalesce(k.company_name, {normalize_sql("k.deal_name")}) AS norm
        FROM __deal_keys k
        WHERE NOT k.is_deleted AND k.deal_id NOT IN (SELECT deal_id FROM deal_partner_links)
          AND k.deal_id NOT IN (SELECT deal_id FROM __overrides)""").fetchall()
    return [d for d in rows if d[2]]


def suggest(con: duckdb.DuckDBPyConnection, min_score: float, *, full: bool = True) -> int:
    """Rewrite the suggestions (all, or on an incremental run those that can differ); returns how many."""
    deals = candidates = _candidates(con)
    if not _has_table(con, SCORES):  # the first run of this version: score everything
        full = True
    if full:
        con.execute(f"CREATE OR REPLACE TABLE {SCORES} ({', '.join(f'{n} {t}' for n, t in SUGGESTION_COLUMNS)})")
    else:
        deals = _rescore(con, deals, min_score)
    partners = con.execute(
        "SELECT partner_id, name, norm_name FROM __partner_keys WHERE norm_name IS NOT NULL"
    ).fetchall()
    rejected = {(d, p) for d, p in con.execute("SELECT deal_id, partner_id FROM __rejections").fetchall()}
    if deals and partners:
        rows = _score(deals, partners, min_score, rejected)
        insert_rows(con, SCORES, SUGGESTION_COLUMNS, rows)
    # a sole trader's initials against the full name: cheap lookups, redone for every candidate each run
    con.execute(f"CREATE OR REPLACE TEMP TABLE __initials ({', '.join(f'{n} {t}' for n, t in SUGGESTION_COLUMNS)})")
    insert_rows(con, "__initials", SUGGESTION_COLUMNS, initials_pairs(candidates, partners, rejected))
    count = review(con)
    con.execute("DROP TABLE __initials")
    return count


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            """SELECT count(*) FROM information_schema.tables WHERE table_catalog = current_database()
               AND table_schema = 'main' AND table_name = ?""",
            [name],
        ).fetchall()[0][0]
    )


def review(con: duckdb.DuckDBPyConnection) -> int:
    """Rebuild `link_suggestions` from the scored pairs with what a reviewer needs; returns how many.

    Set-based over the current deals, links and partners, so a deal lost, reopened or linked since the
    pair was scored is described as it is now. An unlinked deal whose company's ИНН several partners share
    (a head office and its branches: the `inn` rule links none) gets each of them as a pair too, `matched`
    `inn`, score 100, whatever their names: the reviewer picks the right one. A sole trader
    written with initials and the full name (link/initials.py) is a pair `matched` `initials`, score 100,
    unless the names scored already. Weak: the deal is lost; the
    partner is already linked to another deal by override, account id or ИНН; or the pair is not one to
    one (the deal has several candidate partners, or the partner several candidate deals).
    """
    from salesglass.model.ddl import create_table_sql
    from salesglass.model.schema import TABLES

    table = TABLES["link_suggestions"]
    have = {r[0] for r in con.execute("SELECT column_name FROM (DESCRIBE link_suggestions)").fetchall()}
    if have != {c.name for c in table.columns}:  # written by an older version: it is derived, so rebuilt
        con.execute("DROP TABLE link_suggestions")
        con.execute(create_table_sql(table, "duckdb"))
    strong = ", ".join(f"'{m}'" for m in STRONG_METHODS)
    con.execute("DELETE FROM link_suggestions")
    con.execute(f"""
        INSERT INTO link_suggestions BY NAME
        WITH by_inn AS (
          SELECT k.deal_id, p.partner_id, 100.0 AS score, k.company_name_raw AS deal_name, p.name AS partner_name,
                 'inn' AS via
          FROM {AMBIGUOUS} a JOIN __deal_keys k ON k.deal_id = a.deal_id JOIN __partner_keys p ON p.inn = k.inn
          WHERE a.method = 'inn' AND NOT k.is_deleted
            AND k.deal_id NOT IN (SELECT deal_id FROM deal_partner_links)
            AND (k.deal_id, p.partner_id) NOT IN (SELECT (deal_id, partner_id) FROM __rejections)),
        pairs AS (
          SELECT *, NULL AS via FROM {SCORES}
          WHERE (deal_id, partner_id) NOT IN (SELECT (deal_id, partner_id) FROM by_inn)
            AND (deal_id, partner_id) NOT IN (SELECT (deal_id, partner_id) FROM __rejections)
          UNION ALL BY NAME SELECT * FROM by_inn
          UNION ALL BY NAME SELECT *, 'initials' AS via FROM __initials
          WHERE (deal_id, partner_id) NOT IN (SELECT (deal_id, partner_id) FROM {SCORES})
            AND (deal_id, partner_id) NOT IN (SELECT (deal_id, partner_id) FROM by_inn)),
        kept AS (
          SELECT s.*, CASE WHEN d.is_lost THEN 'lost' WHEN d.is_won THEN 'won' ELSE 'open' END AS deal_state,
                 d.closed_at,
                 CASE WHEN s.via IS NOT NULL THEN s.via WHEN c.name IS NOT NULL THEN 'company_name' ELSE 'deal_name' END
                   AS matched
          FROM pairs s JOIN deals d ON d.deal_id = s.deal_id
          LEFT JOIN companies c ON c.company_id = d.company_id
          LEFT JOIN partners p ON p.partner_id = s.partner_id
          WHERE NOT (coalesce(d.is_lost, false) AND d.closed_at IS NOT NULL AND p.created_at IS NOT NULL
                     AND d.closed_at < p.created_at - INTERVAL {LOST_BEFORE_REGISTRATION_DAYS} DAY)),
        linked AS (
          SELECT partner_id, arg_min(deal_id, deal_id) AS deal_id, arg_min(method, deal_id) AS method
          FROM deal_partner_links WHERE method IN ({strong}) GROUP BY partner_id)
        SELECT k.deal_id, k.partner_id, k.score, k.deal_name, k.partner_name, k.matched, k.deal_state, k.closed_at,
               l.deal_id AS partner_linked_deal_id, l.method AS partner_linked_by,
               count(*) OVER (PARTITION BY k.deal_id) AS deal_candidates,
               count(*) OVER (PARTITION BY k.partner_id) AS partner_candidates,
               CASE WHEN k.deal_state = 'lost' OR l.deal_id IS NOT NULL
                         OR count(*) OVER (PARTITION BY k.deal_id) > 1
                         OR count(*) OVER (PARTITION BY k.partner_id) > 1 THEN 'weak' ELSE 'possible' END AS confidence
        FROM kept k LEFT JOIN linked l ON l.partner_id = k.partner_id""")
    (count,) = con.execute("SELECT count(*) FROM link_suggestions").fetchall()[0]
    return count


def _rescore(
    con: duckdb.DuckDBPyConnection, deals: list[tuple[int, str, str]], min_score: float
) -> list[tuple[int, str, str]]:
    """Drop the suggestions that can differ; returns the candidate deals to score again."""
    # partners whose shown or normalised name is new (added or renamed): the only ones whose scores changed
    renamed = f"""SELECT n.partner_id, n.name, n.norm_name FROM __partner_keys n
                  LEFT JOIN {PARTNER_STATE} o USING (partner_id)
                  WHERE o.partner_id IS NULL OR o.name IS DISTINCT FROM n.name
                     OR o.norm_name IS DISTINCT FROM n.norm_name"""
    changed = con.execute(f"SELECT * FROM ({renamed}) WHERE norm_name IS NOT NULL ORDER BY partner_id").fetchall()
    again = {
        r[0]
        for r in con.execute(f"""
        SELECT deal_id FROM __scope
        UNION SELECT deal_id FROM {SCORES}
              WHERE partner_id IN (SELECT partner_id FROM ({renamed}))
                 OR partner_id NOT IN (SELECT partner_id FROM __partner_keys)""").fetchall()
    }
    rest = [d for d in deals if d[0] not in again]
    if rest and changed:
        again |= {r[0] for r in _score(rest, changed, min_score)}
    con.execute("CREATE OR REPLACE TEMP TABLE __rescore (deal_id BIGINT)")
    insert_rows(con, "__rescore", [("deal_id", "BIGINT")], [(d,) for d in sorted(again)])
    con.execute(f"DELETE FROM {SCORES} WHERE deal_id IN (SELECT deal_id FROM __rescore)")
    # a deal that left the candidates (linked, overridden, deleted) keeps no suggestion either
    con.execute(f"""DELETE FROM {SCORES} WHERE deal_id NOT IN (
                     SELECT deal_id FROM __deal_keys WHERE NOT is_deleted
                       AND deal_id NOT IN (SELECT deal_id FROM deal_partner_links)
                       AND deal_id NOT IN (SELECT deal_id FROM __overrides))""")
    con.execute("DROP TABLE __rescore")
    return [d for d in deals if d[0] in again]


SUGGESTION_COLUMNS = (
    ("deal_id", "BIGINT"),
    ("partner_id", "VARCHAR"),
    ("score", "DOUBLE"),
    ("deal_name", "VARCHAR"),
    ("partner_name", "VARCHAR"),
)


def _score(
    deals: list[tuple[int, str, str]],
    partners: list[tuple[str, str, str]],
    min_score: float,
    rejected: set[tuple[int, str]] | None = None,
) -> list[tuple[int, str, float, str, str]]:
    """The best TOP partners per deal at or above min_score: (deal, partner, score, deal name, partner name),
    but the (deal, partner) pairs `rejected` (the overrides file's `!partner_id`): the next best take their place.

    Only the candidate blocks of link/blocking.py are scored (distinct names, one `cdist` per block):
    every pair that can reach min_score, not all. Scores are float32 like `_score_all_pairs`' matrix,
    so scores, order and ties equal scoring all pairs.
    """
    dnames = sorted({d[2] for d in deals})
    pnames = sorted({p[2] for p in partners})
    rejected = rejected or set()
    if not worth_blocking(dnames, pnames, min_score):
        return _score_all_pairs(deals, partners, min_score, rejected)
    dnames_arr, pnames_arr = np.array(dnames, dtype=object), np.array(pnames, dtype=object)
    scored: dict[tuple[int, int], float] = {}  # (deal name, partner name) indexes → score ≥ min_score
    for left, right in candidate_blocks(dnames, pnames, min_score):
        scores = process.cdist(
            dnames_arr[left], pnames_arr[right], scorer=fuzz.token_sort_ratio, score_cutoff=min_score, workers=1
        )
        for a, b in zip(*scores.nonzero(), strict=True):
            scored[(left[a], right[b])] = scores[a, b]  # a pair in two blocks: the same score twice
    hits: dict[str, list[tuple[float, str]]] = {}  # deal name → (score, partner name) at or above min_score
    for (a, b), score in scored.items():
        hits.setdefault(dnames[a], []).append((score, pnames[b]))
    by_name: dict[str, list[int]] = {}
    for j, p in enumerate(partners):
        by_name.setdefault(p[2], []).append(j)
    rows: list[tuple[int, str, float, str, str]] = []
    for deal in deals:
        found = [
            (s, j)
            for s, name in hits.get(deal[2], ())
            for j in by_name[name]
            if (deal[0], partners[j][0]) not in rejected
        ]
        best = sorted(found, key=lambda h: (-h[0], partners[h[1]][0]))[:TOP]
        rows.extend((deal[0], partners[j][0], round(float(s), 1), deal[1], partners[j][1]) for s, j in best)
    return rows


def _score_all_pairs(
    deals: list[tuple[int, str, str]],
    partners: list[tuple[str, str, str]],
    min_score: float,
    rejected: set[tuple[int, str]] | None = None,
) -> list[tuple[int, str, float, str, str]]:
    """`_score` without blocking: every deal against every partner (the reference the tests and bench/ compare)."""
    choices = [p[2] for p in partners]
    rows: list[tuple[int, str, float, str, str]] = []
    for start in range(0, len(deals), CHUNK):
        chunk = deals[start : start + CHUNK]
        scores = process.cdist(
            [d[2] for d in chunk], choices, scorer=fuzz.token_sort_ratio, score_cutoff=min_score, workers=1
        )
        for i, deal in enumerate(chunk):
            row = scores[i]
            hits = [j for j in row.nonzero()[0] if (deal[0], partners[j][0]) not in (rejected or ())]
            best = sorted(hits, key=lambda j: (-row[j], partners[j][0]))[:TOP]
            rows.extend((deal[0], partners[j][0], round(float(row[j]), 1), deal[1], partners[j][1]) for j in best)
    return rows
