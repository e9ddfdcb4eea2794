"""Candidate pairs for the fuzzy suggestions, without losing any pair that can reach the minimum score.

The suggestions score names with rapidfuzz's token-sort ratio: the Indel similarity
`100 · (1 − d / (la + lb))` of the names with their words sorted, `d` the insertions plus deletions
turning one into the other. A score ≥ `min_score` therefore needs `d ≤ D = (1 − min_score/100)(la + lb)`
(and `d` has the parity of `la + lb`, as `d = la + lb − 2·LCS`), so `|la − lb| ≤ D`: each insertion or
deletion changes the length by one.

Pairs are found by partitioning (after Pass-Join, Li, Deng, Wang & Feng, VLDB 2011, for Indel edits):
every name `s` of one side (the *segmented* side) is cut into `m = D_max + 1` segments of nearly equal
length, `D_max` the largest `D` it can have with any admissible length of the other side. Give every
edit turning `s` into `t` to one segment: a deletion to the segment of the deleted character, an
insertion to the segment it falls in or, at a boundary, to the segment after it. At most `D < m` edits
leave a segment without one, and the first such segment `i` (counted from 1) has at most `i − 1` edits
before it (the segments before it hold ≥ 1 each, and the running count first falls below the segment
count there), hence at most `D − i + 1` after it. That segment occurs *unchanged* in `t`, shifted by
`δ` = insertions − deletions before it, so `|δ| ≤ i − 1` and `|(lt − ls) − δ| ≤ D − i + 1`. Each name
`t` of the other side (the *probing* side) looks up only those substrings: for every admissible length
`ls`, every segment `i ≤ D + 1` and every shift in that window, the substring of `t` at the segment's
position plus the shift. A pair is a candidate when one lookup hits, which every pair within `D` edits
does: the filter is lossless. Generated names share whole words (a city, a surname), so where trigrams
shared anywhere made ~260 candidates per pair that qualifies, a segment at its position makes ~90.

A segmented length with `2·m > ls` (at minimum scores under 90, or names of one character) would have
segments under two characters, which nearly every name contains: those names are compared with every
admissible name of the other side. Every candidate is then scored exactly as
before, so the suggestions equal the all-pairs ones; only the pairs that cannot qualify are skipped.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator

import duckdb
import numpy as np

from salesglass.link.memtable import create_table


def sorted_words(name: str) -> str:
    """The string the token-sort ratio compares: the words in sorted order, single-spaced."""
    return " ".join(sorted(name.split()))


def _max_edits(la: int, lb: int, min_score: float) -> int:
    """The most insertions + deletions two names of these lengths can differ by and still score ≥ min_score."""
    d = math.floor((1 - min_score / 100) * (la + lb) + 1e-9)
    return d - (d - la - lb) % 2  # insertions + deletions = la + lb − 2·(longest common subsequence): same parity


def _admissible(la: int, lb: int, min_score: float) -> bool:
    return abs(la - lb) <= _max_edits(la, lb, min_score)


def _segments(ls: int, most_edits: int) -> list[tuple[int, int]]:
    """(start, length) of the `most_edits + 1` segments of a name of length ls: the last ones one longer."""
    m = most_edits + 1
    base, extra = divmod(ls, m)
    out, start = [], 0
    for k in range(m):
        size = base + (1 if k >= m - extra else 0)
        out.append((start, size))
        start += size
    return out


def _plan(
    seg_lengths: set[int], probe_lengths: set[int], min_score: float
) -> tuple[list[tuple[int, int, int, int]], list[tuple[int, int, int, int, int]], list[tuple[int, int]]]:
    """Which substrings to cut, from the lengths alone: (segments, probes, loose length pairs).

    segments (ls, k, start, size): the k-th segment of every segmented name of length ls;
    probes (lt, ls, k, start, size): the substrings a probing name of length lt looks up against segment k
    of the names of length ls (the segment's start plus every shift of the window, see the module docstring);
    loose (ls, lt): admissible lengths whose segmented names would have segments under two characters
    (compared in full).
    """
    segments: list[tuple[int, int, int, int]] = []
    probes: list[tuple[int, int, int, int, int]] = []
    loose: list[tuple[int, int]] = []
    for ls in sorted(seg_lengths):
        partners = [lt for lt in sorted(probe_lengths) if _admissible(ls, lt, min_score)]
        if not partners:
            continue
        most = max(_max_edits(ls, lt, min_score) for lt in partners)
        if 2 * (most + 1) > ls:  # segments under two characters: nearly every name has one
            loose.extend((ls, lt) for lt in partners)
            continue
        parts = _segments(ls, most)
        segments.extend((ls, k, start, size) for k, (start, size) in enumerate(parts, 1))
        for lt in partners:
            d, diff = _max_edits(ls, lt, min_score), lt - ls
            for k, (start, size) in enumerate(parts[: d + 1], 1):
                low, high = max(-(k - 1), diff - (d - k + 1)), min(k - 1, diff + (d - k + 1))
                for shift in range(low, high + 1):
                    if start + shift >= 0 and start + shift + size <= lt:
                        probes.append((lt, ls, k, start + shift, size))
    return segments, probes, loose


def worth_blocking(left: list[str], right: list[str], min_score: float) -> bool:
    """False when at least half the pairs would be compared in full (a low minimum score): then the filter
    cannot prune and scoring every pair in rapidfuzz's own loop is cheaper and bounded in memory."""
    cl = Counter(len(sorted_words(s)) for s in left)
    cr = Counter(len(sorted_words(s)) for s in right)
    _, _, loose = _plan(set(cr), set(cl), min_score)
    return sum(cr[a] * cl[b] for a, b in loose) * 2 < len(left) * len(right)


def candidate_pairs(left: list[str], right: list[str], min_score: float) -> tuple[np.ndarray, np.ndarray]:
    """(left indexes, right indexes) of every pair that may score ≥ min_score, each pair once, in ascending
    order: the union of `candidate_blocks` (for tests and bench/; the link scores the blocks themselves)."""
    keys = [
        (
            np.repeat(np.asarray(a, dtype=np.int64), len(b)) * max(len(right), 1)
            + np.tile(np.asarray(b, dtype=np.int64), len(a))
        )
        for a, b in candidate_blocks(left, right, min_score)
    ]
    pairs = np.unique(np.concatenate(keys)) if keys else np.zeros(0, dtype=np.int64)
    return pairs // max(len(right), 1), pairs % max(len(right), 1)


def candidate_blocks(left: list[str], right: list[str], min_score: float) -> Iterator[tuple[list[int], list[int]]]:
    """Blocks (left indexes, right indexes) whose cross products hold every pair that may score ≥ min_score.

    One block per segment string that names of both sides share at a position the window allows (see the
    module docstring): all its pairs are candidates, so each block is scored in one `cdist` call, in C++,
    without writing its pairs out. A pair sharing several segments is in several blocks (~1.3 × at m).
    The larger side is segmented (a few rows per name), the smaller one probes (tens of substrings per
    name). Cutting and matching run in an in-memory DuckDB, set-based: the plan is computed from the
    lengths alone, and DuckDB's `substring` counts code points as rapidfuzz does.
    """
    lw = [sorted_words(s) for s in left]
    rw = [sorted_words(s) for s in right]
    swap = len(lw) < len(rw)  # segment the larger side
    seg_texts, probe_texts = (rw, lw) if swap else (lw, rw)
    segments, probes, loose = _plan({len(t) for t in seg_texts}, {len(t) for t in probe_texts}, min_score)
    by_length: tuple[dict[int, list[int]], dict[int, list[int]]] = ({}, {})
    for side, texts in enumerate((seg_texts, probe_texts)):
        for i, t in enumerate(texts):
            by_length[side].setdefault(len(t), []).append(i)
    for ls, lt in loose:  # segments too short to look up: every admissible pair
        seg_ids, probe_ids = by_length[0].get(ls, []), by_length[1].get(lt, [])
        if seg_ids and probe_ids:
            yield (probe_ids, seg_ids) if swap else (seg_ids, probe_ids)
    if not segments:
        return
    con = duckdb.connect()
    try:
        for table, texts in (("seg_names", seg_texts), ("probe_names", probe_texts)):
            create_table(
                con,
                table,
                [
                    ("i", "BIGINT", list(range(len(texts)))),
                    ("len", "BIGINT", [len(t) for t in texts]),
                    ("text", "VARCHAR", texts),
                ],
            )
        create_table(
            con,
            "seg_plan",
            [(k, "BIGINT", [r[n] for r in segments]) for n, k in enumerate(("ls", "k", "start", "size"))],
        )
        create_table(
            con,
            "probe_plan",
            [(k, "BIGINT", [r[n] for r in probes]) for n, k in enumerate(("lt", "ls", "k", "start", "size"))],
        )
        con.execute("""
            CREATE TABLE seg AS
            SELECT p.ls, p.k, substring(n.text, p.start + 1, p.size) AS sub, n.i
            FROM seg_names n JOIN seg_plan p ON n.len = p.ls""")
        result = con.execute("""
            WITH probe AS (
                SELECT p.ls, p.k, substring(n.text, p.start + 1, p.size) AS sub, n.i
                FROM probe_names n JOIN probe_plan p ON n.len = p.lt),
            seg_blocks AS (SELECT ls, k, sub, list(i) AS seg_ids FROM seg GROUP BY ALL),
            probe_blocks AS (
                SELECT ls, k, sub, list(DISTINCT i) AS probe_ids FROM probe
                WHERE (ls, k, sub) IN (SELECT (ls, k, sub) FROM seg) GROUP BY ALL)
            SELECT seg_ids, probe_ids FROM seg_blocks JOIN probe_blocks USING (ls, k, sub)""")
        while batch := result.fetchmany(10_000):
            for seg_ids, probe_ids in batch:
                yield (probe_ids, seg_ids) if swap else (seg_ids, probe_ids)
    finally:
        con.close()
