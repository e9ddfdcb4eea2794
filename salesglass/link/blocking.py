"""Candidate pairs for the fuzzy suggestions, without losing any pair that can reach the minimum score.

The suggestions score names with rapidfuzz's token-sort ratio: the Indel similarity
`100 · (1 − d / (la + lb))` of the names with their words sorted, `d` the insertions plus deletions
turning one into the other. A score ≥ `min_score` therefore needs `d ≤ D = (1 − min_score/100)(la + lb)`,
which gives two lossless filters:

- length: `|la − lb| ≤ D` (each insertion or deletion changes the length by one);
- q-grams (after Jokinen–Ukkonen): a deletion destroys at most q of a name's `la − q + 1` character
  trigrams (q = 3), an insertion at most q − 1, and the surviving ones occur in the other name; with
  `d` the largest distance ≤ D of the parity of `la + lb` (d = la + lb − 2·LCS), deletions
  `(d + la − lb)/2` and insertions `(d − la + lb)/2`, the names share at least T trigram occurrences
  (counted with repeats; the larger of the bounds from either name).

Pairs are found with a prefix filter over an inverted index: each name's trigram occurrences are
sorted rarest first and only the first `n − t + 1` of them are indexed, `t` the smallest `T` the name
can have with any admissible length. Two names sharing ≥ t occurrences share one of those prefixes.
Pairs whose `T` is ≤ 0 (very short names, or a low minimum score) need no shared trigram at all: those
names are compared with every name of the other side. Every candidate is then scored exactly as
before, so the suggestions equal the all-pairs ones; only the pairs that cannot qualify are skipped.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator

import numpy as np

Q = 3
CHUNK = 5000  # left names per index join


def sorted_words(name: str) -> str:
    """The string the token-sort ratio compares: the words in sorted order, single-spaced."""
    return " ".join(sorted(name.split()))


def _max_edits(la: int, lb: int, min_score: float) -> int:
    """The most insertions + deletions two names of these lengths can differ by and still score ≥ min_score."""
    return math.floor((1 - min_score / 100) * (la + lb) + 1e-9)


def _shared_needed(la: int, lb: int, min_score: float) -> int:
    """The fewest trigram occurrences two names of these lengths share when they score ≥ min_score."""
    d = _max_edits(la, lb, min_score)
    d -= (d - la - lb) % 2  # insertions + deletions = la + lb − 2·(longest common subsequence): same parity
    if d < abs(la - lb):
        return 0  # not admissible; callers check that first

    def surviving(a: int, b: int) -> int:  # of a's trigrams, after `dele` deletions and `ins` insertions
        dele, ins = (d + a - b) // 2, (d - a + b) // 2
        return a - Q + 1 - Q * dele - (Q - 1) * ins

    return max(surviving(la, lb), surviving(lb, la))


def _admissible(la: int, lb: int, min_score: float) -> bool:
    return abs(la - lb) <= _max_edits(la, lb, min_score)


def worth_blocking(left: list[str], right: list[str], min_score: float) -> bool:
    """False when at least half the pairs need no shared trigram (a low minimum score): then the filter
    cannot prune and scoring every pair in rapidfuzz's own loop is cheaper and bounded in memory."""
    cl = Counter(len(sorted_words(s)) for s in left)
    cr = Counter(len(sorted_words(s)) for s in right)
    loose = sum(
        cl[a] * cr[b] for a in cl for b in cr if _admissible(a, b, min_score) and _shared_needed(a, b, min_score) <= 0
    )
    return loose * 2 < len(left) * len(right)


def candidate_pairs(left: list[str], right: list[str], min_score: float) -> tuple[np.ndarray, np.ndarray]:
    """(left indexes, right indexes) of every pair that may score ≥ min_score, in ascending order."""
    chunks = list(candidate_chunks(left, right, min_score))
    if not chunks:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate([c[0] for c in chunks]), np.concatenate([c[1] for c in chunks])


def candidate_chunks(
    left: list[str], right: list[str], min_score: float, chunk: int | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """`candidate_pairs` for `chunk` left names at a time (by default fewer as `right` grows, from CHUNK
    down to 500): the join's memory stays bounded at any size.

    Lossless (see the module docstring). The index join runs in an in-memory DuckDB: set-based, not a
    Python loop per name; the trigrams themselves are cut in Python, by code point as rapidfuzz counts.
    """
    import duckdb
    import pyarrow as pa

    if chunk is None:
        chunk = max(500, min(CHUNK, 20_000_000 // max(len(right), 1)))
    lw = [sorted_words(s) for s in left]
    rw = [sorted_words(s) for s in right]
    lengths = sorted({len(s) for s in lw} | {len(s) for s in rw})
    admissible = [(la, lb) for la in lengths for lb in lengths if _admissible(la, lb, min_score)]
    least: dict[int, int] = {}  # name length → the smallest T over the admissible lengths of the other side
    for la, lb in admissible:
        least[la] = min(least.get(la, la), _shared_needed(la, lb, min_score))
    sides = [(0, lw), (1, rw)]
    names = pa.table(
        {
            "side": [side for side, texts in sides for _ in texts],
            "i": [i for _, texts in sides for i in range(len(texts))],
            "len": [len(t) for _, texts in sides for t in texts],
            # prefix size: the trigram occurrences a name indexes (none when T ≤ 0 can't reach 1)
            "keep": [len(t) - Q + 1 - max(least.get(len(t), 1), 1) + 1 for _, texts in sides for t in texts],
        }
    )
    grams = pa.table(
        {
            "side": [side for side, texts in sides for t in texts for _ in range(len(t) - Q + 1)],
            "i": [i for _, texts in sides for i, t in enumerate(texts) for _ in range(len(t) - Q + 1)],
            "pos": [k for _, texts in sides for t in texts for k in range(len(t) - Q + 1)],
            "gram": [t[k : k + Q] for _, texts in sides for t in texts for k in range(len(t) - Q + 1)],
        }
    )
    # length pairs that can pass; `loose`: those needing no shared trigram at all (T ≤ 0)
    lengths_ok = pa.table({"la": [a for a, _ in admissible], "lb": [b for _, b in admissible]})
    loose_pairs = [(a, b) for a, b in admissible if _shared_needed(a, b, min_score) <= 0]
    loose = pa.table({"la": [a for a, _ in loose_pairs], "lb": [b for _, b in loose_pairs]})
    con = duckdb.connect()
    try:
        for name, table in (("names", names), ("grams", grams), ("lengths_ok", lengths_ok), ("loose", loose)):
            con.register(name, table)
        # materialised step by step: both sides must see one global order of the trigrams
        con.execute("""
            CREATE TABLE occ AS  -- the k-th repeat of a trigram in a name is its own item: counts with repeats
            SELECT side, i, gram, row_number() OVER (PARTITION BY side, i, gram ORDER BY pos) AS occ FROM grams""")
        con.execute("""
            CREATE TABLE prefix AS
            WITH freq AS (SELECT *, count(*) OVER (PARTITION BY gram, occ) AS f FROM occ),
            ranked AS (  -- rarest first over both sides, a total order
                SELECT side, i, gram, occ, row_number() OVER (PARTITION BY side, i ORDER BY f, gram, occ) AS rk
                FROM freq)
            SELECT r.side, r.i, r.gram, r.occ, n.len FROM ranked r JOIN names n USING (side, i)
            WHERE r.rk <= n.keep""")
        for lo in range(0, len(lw), chunk):
            rows = con.execute(f"""
                WITH pairs AS (
                    SELECT a.i AS l, b.i AS r, a.len AS la, b.len AS lb
                    FROM prefix a JOIN prefix b ON a.gram = b.gram AND a.occ = b.occ AND a.side = 0 AND b.side = 1
                    WHERE a.i >= {lo} AND a.i < {lo + chunk}
                    UNION ALL
                    SELECT a.i, b.i, a.len, b.len FROM names a JOIN loose o ON a.len = o.la
                    JOIN names b ON b.len = o.lb
                    WHERE a.side = 0 AND b.side = 1 AND a.i >= {lo} AND a.i < {lo + chunk})
                SELECT DISTINCT l, r FROM pairs JOIN lengths_ok USING (la, lb) ORDER BY l, r""").fetchnumpy()
            if len(rows["l"]):
                yield np.asarray(rows["l"], dtype=np.int64), np.asarray(rows["r"], dtype=np.int64)
    finally:
        con.close()
