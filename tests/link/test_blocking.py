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

from salesglass.link.blocking import candidate_chunks, candidate_pairs, worth_blocking
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


def test_chunks_of_deals_give_the_same_pairs():
    names = ["ромашка", "ромашкка", "вектор", "ким", "кит", "альфа бета", "бета альфа", "северный ветер"]
    partners = ["ромашка", "вектор", "ким", "альфа бета гамма", "ветер северный"]
    whole = candidate_pairs(names, partners, 60.0)
    parts = list(candidate_chunks(names, partners, 60.0, chunk=3))
    assert len(parts) == 3
    assert [list(a) for a in whole] == [[int(x) for p in parts for x in p[k]] for k in (0, 1)]


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
    assert worth_blocking(deals, partners, min_score) == (min_score >= 80)
