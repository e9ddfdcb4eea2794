"""Blocked fuzzy suggestions (link/blocking.py) equal scoring every deal against every partner.

The names go through the warehouse normaliser first, as in a link run, so «ООО», quotes and case
differences are part of the fixture. Transliteration is not: the scorer compares characters, so
"Romashka" and "Ромашка" score low with or without blocking.
"""

from __future__ import annotations

import random

import duckdb
import pytest
from rapidfuzz import fuzz

from salesglass.link.blocking import _admissible, _max_edits, candidate_pairs, sorted_words, worth_blocking
from salesglass.link.normalize import normalize_sql
from salesglass.link.suggest import _score, _score_all_pairs

PARTNERS = [
    ("p1", 'ООО "Ромашка"'),
    ("p2", "Ромашка Плюс"),
    ("p3", "СтройТоргИнвест"),
    ("p4", "АО «Вектор»"),
    ("p5", "Альфа Бета Гамма"),
    ("p6", "ИП Ким"),
    ("p7", "Кит"),
    ("p8", "Romashka"),
    ("p9", "Северный ветер"),
    ("p10", "Торговый дом Северный ветер"),
    ("p11", "Ёлка"),
    ("p12", "Вектор"),  # same normalised name as p4: a tie broken by partner id
]
DEALS = [
    (1, "ромашка"),  # case and legal form only
    (2, "Ромашкка"),  # typo: one letter doubled, no whole word in common
    (3, "СтройТоргИнвестт"),  # typo in a one-word name
    (4, "Строй Торг Инвест"),  # words split: sorted they read "инвест строй торг", not close to p3
    (5, "Гамма Альфа Бета"),  # word order
    (6, "Ким"),  # short names
    (7, "Кот"),
    (8, "Ромашка"),  # transliteration of p8: not close for the scorer
    (9, "ветер северный"),
    (10, "Елка"),  # ё → е by the normaliser
    (11, "ЗАО 'Вектор'"),
    (12, "Совсем другое имя"),
]


def _normalised(rows):
    con = duckdb.connect()
    con.execute("CREATE TABLE t (k VARCHAR, name VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(str(k), n) for k, n in rows])
    out = con.execute(f"SELECT k, name, {normalize_sql('name')} FROM t ORDER BY rowid").fetchall()
    return [(k, n, norm) for k, n, norm in out]


@pytest.mark.parametrize("min_score", [90.0, 80.0, 60.0, 0.0])
def test_blocked_suggestions_equal_all_pairs_on_hard_names(min_score):
    partners = _normalised(PARTNERS)
    deals = [(int(k), n, norm) for k, n, norm in _normalised(DEALS)]
    assert _score(deals, partners, min_score) == _score_all_pairs(deals, partners, min_score)


def test_hard_names_are_found_by_hand():
    """The expected hits at the default 90, worked out by hand (Indel: 100·(1 − edits/(la + lb)))."""
    partners = _normalised(PARTNERS)
    deals = [(int(k), n, norm) for k, n, norm in _normalised(DEALS)]
    got = {(d, p): s for d, p, s, _, _ in _score(deals, partners, 90.0)}
    assert got[(1, "p1")] == 100.0  # "ромашка" both
    assert got[(2, "p1")] == 93.3  # "ромашкка" vs "ромашка": 1 edit / 15 chars
    assert got[(3, "p3")] == 96.8  # 16 vs 15 letters: 1 / 31
    assert got[(5, "p5")] == 100.0  # words sorted
    assert got[(6, "p6")] == 100.0  # "ким"
    assert (7, "p7") not in got  # "кот" vs "кит": 2 edits / 6 = 66.7
    assert (8, "p8") not in got  # no transliteration
    assert got[(9, "p9")] == 100.0
    assert got[(10, "p11")] == 100.0
    assert got[(11, "p12")] == got[(11, "p4")] == 100.0
    assert not any(d == 12 for d, _ in got)
    # the scorer sorts words: "инвест строй торг" is far from "стройторгинвест", blocked or not
    assert (4, "p3") not in got


def test_blocking_skips_pairs_yet_equals_all_pairs_on_random_typos():
    """Many names with typos (letters dropped, doubled, swapped, words reordered): same suggestions, fewer pairs."""
    rng = random.Random(20)
    letters = "абвгдежзиклмнопрстуфхцчшэюя"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 9))) for _ in range(300)]
    partners = []
    for i in range(400):
        name = " ".join(rng.sample(words, rng.randint(1, 3)))
        partners.append((f"p{i}", name, name))
    deals = []
    for i in range(600):
        name = list(rng.choice(partners)[2]) if rng.random() < 0.7 else list(rng.choice(words))
        for _ in range(rng.randint(0, 3)):
            k = rng.randrange(len(name))
            op = rng.choice("drs")
            if op == "d" and len(name) > 1:
                del name[k]
            elif op == "r":
                name.insert(k, rng.choice(letters))
            else:
                name[k] = rng.choice(letters)
        text = " ".join("".join(name).split()) or "а"
        deals.append((i, text, text))
    for min_score in (95.0, 90.0, 75.0):
        blocked = _score(deals, partners, min_score)
        assert blocked == _score_all_pairs(deals, partners, min_score)
        assert len(blocked) > 100  # the check compares real suggestions, not two empty lists
    pairs = len(candidate_pairs([d[2] for d in deals], [p[2] for p in partners], 90.0)[0])
    assert pairs < len(deals) * len(partners) / 10


def _rule(t: str, s: str, min_score: float, lengths: set[int]) -> bool:
    """The filter's rule as the module docstring states it, pair by pair: `s` (of the segmented side) cut
    into D_max + 1 segments (D_max over the `lengths` of the probing side), one of the first D + 1 of
    them found in `t` within its shift window."""
    t, s = sorted_words(t), sorted_words(s)
    lt, ls = len(t), len(s)
    d = _max_edits(ls, lt, min_score)
    if abs(lt - ls) > d:
        return False
    most = max(_max_edits(ls, n, min_score) for n in lengths if _admissible(ls, n, min_score))
    if 2 * (most + 1) > ls:
        return True  # segments under two characters: compared in full
    size, extra = divmod(ls, most + 1)
    starts = [0]
    for k in range(most + 1):
        starts.append(starts[-1] + size + (1 if k >= most + 1 - extra else 0))
    for k in range(1, d + 2):
        segment = s[starts[k - 1] : starts[k]]
        for shift in range(-(k - 1), k):
            at = starts[k - 1] + shift
            if abs((lt - ls) - shift) <= d - k + 1 and at >= 0 and t[at:].startswith(segment):
                return True
    return False


def test_the_join_finds_the_pairs_the_rule_names():
    """The set-based join equals the rule checked pair by pair."""
    rng = random.Random(7)
    letters = "абвгд ежз"
    right = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 40))) for _ in range(300)]
    left = [n[: rng.randint(0, len(n))] + rng.choice(right) for n in rng.sample(right, 150)]
    left += ["".join(rng.choice(letters) for _ in range(n)) for n in range(1, 50)]
    right += ["".join(rng.choice(letters) for _ in range(n)) for n in range(1, 50)]
    for min_score in (95.0, 90.0, 85.0):
        got = set(zip(*(a.tolist() for a in candidate_pairs(left, right, min_score)), strict=True))
        assert len(left) < len(right)  # the larger side is segmented, the other probes
        lengths = {len(sorted_words(t)) for t in left}
        want = {(i, j) for i, t in enumerate(left) for j, s in enumerate(right) if _rule(t, s, min_score, lengths)}
        assert got == want
        assert 0 < len(got) < len(left) * len(right) / 4


def test_edits_at_segment_boundaries_are_found():
    """Insertions and deletions placed on and next to segment boundaries, up to the most edits the score
    allows, in both directions: every pair that reaches the minimum is a candidate."""
    rng = random.Random(11)
    letters = "абвгдеёжзийклмн"
    for min_score in (97.0, 93.0, 90.0, 87.0):
        left, right = [], []
        for _ in range(200):
            s = "".join(rng.choice(letters) for _ in range(rng.randint(8, 45)))
            t = list(s)
            for _ in range(rng.randint(1, max(_max_edits(len(s), len(s), min_score), 1))):
                k = rng.choice([len(t) // 2, len(t) // 3, len(t) // 4, len(t) // 5, rng.randrange(len(t) + 1)])
                k = min(max(k + rng.choice((-1, 0, 1)), 0), len(t))
                if rng.random() < 0.5 and k < len(t):
                    del t[k]
                else:
                    t.insert(k, rng.choice(letters))
            left.append("".join(t) or "а")
            right.append(s)
        left, right = (left, right) if rng.random() < 0.5 else (right[:150], left)
        got = set(zip(*(a.tolist() for a in candidate_pairs(left, right, min_score)), strict=True))
        reach = {
            (i, j) for i, t in enumerate(left) for j, s in enumerate(right) if fuzz.token_sort_ratio(t, s) >= min_score
        }
        assert len(reach) > 50
        assert reach <= got


def test_odd_characters_and_empty_sides():
    """Separators, quotes, commas and characters beyond the basic plane go through the in-memory tables."""
    names = ["a\x1fb, 'c'", "a\x1fb, 'd'", "😀 ромашка", "😀 ромашкa", "x\x1e\x1dy", ""]
    partners = ["a\x1fb, 'c'", "ромашка 😀", "x\x1e\x1dy"]
    left, right = candidate_pairs(names, partners, 90.0)
    got = set(zip(left.tolist(), right.tolist(), strict=True))
    assert {(0, 0), (2, 1), (3, 1), (4, 2)} <= got
    assert [len(a) for a in candidate_pairs([], partners, 90.0)] == [0, 0]
    assert [len(a) for a in candidate_pairs(names, [], 90.0)] == [0, 0]


@pytest.mark.parametrize("min_score", [95.0, 90.0, 80.0, 60.0, 0.0])
def test_every_pair_reaching_the_minimum_is_a_candidate(min_score):
    """The filter itself, also where `_score` scores all pairs instead (low minimum scores)."""
    deals = [n for _, _, n in _normalised(DEALS)]
    partners = [n for _, _, n in _normalised(PARTNERS)]
    left, right = candidate_pairs(deals, partners, min_score)
    got = set(zip(left.tolist(), right.tolist(), strict=True))
    for i, d in enumerate(deals):
        for j, p in enumerate(partners):
            if fuzz.token_sort_ratio(d, p) >= min_score:
                assert (i, j) in got, (d, p)
    if min_score >= 90:  # segments of several characters: the filter prunes
        assert worth_blocking(deals, partners, min_score)
    if min_score <= 60:  # segments of one character or none: scoring every pair is cheaper
        assert not worth_blocking(deals, partners, min_score)
