"""Candidate pairs for the fuzzy suggestions, without losing any pair that can reach the minimum score.

The suggestions score names with rapidfuzz's token-sort ratio: the Indel similarity
`100 · (1 − d / (la + lb))` of the names with their words sorted, `d` the insertions plus deletions
turning one into the other. A score ≥ `min_score` therefore needs `d ≤ D = (1 − min_score/100)(la + lb)`,
which gives two lossless filters:

- length: `|la − lb| ≤ D` (each insertion or deletion changes the length by one);
- q-grams (Jokinen–Ukkonen): every edit destroys at most q of the `lb − q + 1` character trigrams of
  the longer name, so the two names share at least `T = max(la, lb) − q + 1 − q·D` trigrams (counted
  with repeats).

Pairs are found with a prefix filter over an inverted index: each name's trigram occurrences are
sorted rarest first and only the first `n − t + 1` of them are indexed, `t` the smallest `T` the name
can have with any admissible length. Two names sharing ≥ t occurrences share one of those prefixes.
Pairs whose `T` is ≤ 0 (very short names, or a low minimum score) need no shared trigram at all: those
names are compared with every name of the other side. Every candidate is then scored exactly as
before, so the suggestions equal the all-pairs ones; only the pairs that cannot qualify are skipped.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable

Q = 3


def sorted_words(name: str) -> str:
    """The string the token-sort ratio compares: the words in sorted order, single-spaced."""
    return " ".join(sorted(name.split()))


def _max_edits(la: int, lb: int, min_score: float) -> int:
    """The most insertions + deletions two names of these lengths can differ by and still score ≥ min_score."""
    return math.floor((1 - min_score / 100) * (la + lb) + 1e-9)


def _shared_needed(la: int, lb: int, min_score: float) -> int:
    return max(la, lb) - Q + 1 - Q * _max_edits(la, lb, min_score)


def _admissible(la: int, lb: int, min_score: float) -> bool:
    return abs(la - lb) <= _max_edits(la, lb, min_score)


def _grams(text: str) -> list[tuple[str, int]]:
    """Trigram occurrences: the k-th repeat of a trigram is its own item, so sets count repeats."""
    seen: Counter[str] = Counter()
    out = []
    for i in range(len(text) - Q + 1):
        g = text[i : i + Q]
        seen[g] += 1
        out.append((g, seen[g]))
    return out


def candidate_pairs(left: list[str], right: list[str], min_score: float) -> list[list[int]]:
    """For each name of `left`, the indexes of the `right` names it may score ≥ min_score with (ascending).

    Lossless: every pair whose token-sort ratio reaches min_score is included (see the module docstring).
    """
    lw = [sorted_words(s) for s in left]
    rw = [sorted_words(s) for s in right]
    lengths = sorted({len(s) for s in lw} | {len(s) for s in rw})
    least: dict[int, int] = {}  # name length → the smallest T over the admissible lengths of the other side
    for la in lengths:
        ts = [_shared_needed(la, lb, min_score) for lb in lengths if _admissible(la, lb, min_score)]
        least[la] = min(ts) if ts else 1
    lgrams = [_grams(s) for s in lw]
    rgrams = [_grams(s) for s in rw]
    freq: Counter[tuple[str, int]] = Counter()
    for gs in (*lgrams, *rgrams):
        freq.update(gs)

    def prefix(text: str, gs: list[tuple[str, int]]) -> list[tuple[str, int]]:
        need = max(least[len(text)], 1)
        return sorted(gs, key=lambda g: (freq[g], g))[: max(len(gs) - need + 1, 0)]

    index: defaultdict[tuple[str, int], list[int]] = defaultdict(list)
    for j, (text, gs) in enumerate(zip(rw, rgrams, strict=True)):
        for g in prefix(text, gs):
            index[g].append(j)
    # names that may match with no shared trigram at all (T ≤ 0 for some admissible length)
    r_short = [j for j, text in enumerate(rw) if least[len(text)] <= 0]
    out: list[list[int]] = []
    for text, gs in zip(lw, lgrams, strict=True):
        la = len(text)
        found: set[int] = set()
        for g in prefix(text, gs):
            found.update(index.get(g, ()))
        if least[la] <= 0:
            found.update(r_short)
        out.append(sorted(j for j in found if _admissible(la, len(rw[j]), min_score)))
    return out


def pair_count(candidates: Iterable[list[int]]) -> int:
    """How many pairs will be scored (for the benchmark)."""
    return sum(len(c) for c in candidates)
