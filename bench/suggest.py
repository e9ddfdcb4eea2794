"""Fuzzy link suggestions: pairs scored and CPU time, blocked against all pairs (run on demand).

    python bench/suggest.py /tmp/tz-m [--deals 30000] [--partners N] [--min-score 90] [--skip-all-pairs]
    python bench/suggest.py --stranger 50000 [--deals 20000] ...

`--stranger N`: no company; N partner names as another company's back office holds them, built from few
templates that share long words (`Концертное агентство …`, `Дом культуры …`, `ИП Фамилия Имя Отчество`,
`Театр …` in a city), the deals' names a third variants of partners' (another form, quotes, ё, a typo)
and the rest new names of the same templates: the case where a partition filter keyed on substrings
could fill its blocks with names that share only the template.

COMPANY is a generated company (`salesglass generate`). Every amoCRM deal is scored as if unlinked (its
company's name, else the deal's name) against every platform partner name, normalised by the warehouse
SQL as in a link run: a superset of a real run's unlinked deals, so no load or link is needed. Prints the
candidate blocks and pairs the partition filter keeps, CPU seconds of the blocked and of the all-pairs scoring, and
checks the two give the same suggestions.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _normalised(raw_deals: list, raw_partners: list) -> tuple[list, list]:
    """(key, name, normalised name) of each deal and partner whose name normalises to something."""
    import duckdb

    from salesglass.link.memtable import create_table
    from salesglass.link.normalize import normalize_sql

    con = duckdb.connect()
    create_table(con, "d", [("k", "BIGINT", [k for k, _ in raw_deals]), ("name", "VARCHAR", [n for _, n in raw_deals])])
    create_table(
        con, "p", [("k", "VARCHAR", [k for k, _ in raw_partners]), ("name", "VARCHAR", [n for _, n in raw_partners])]
    )
    deals = con.execute(f"SELECT k, name, {normalize_sql('name')} n FROM d WHERE n IS NOT NULL ORDER BY k").fetchall()
    partners = con.execute(
        f"SELECT k, name, {normalize_sql('name')} n FROM p WHERE n IS NOT NULL ORDER BY k"
    ).fetchall()
    return deals, partners


def _names(company: Path, limit: int) -> tuple[list[tuple[int, str, str]], list[tuple[str, str, str]]]:
    companies = {}
    with open(company / "amocrm" / "companies.jsonl", encoding="utf-8") as f:
        for line in f:
            c = json.loads(line)
            companies[c["id"]] = c["name"]
    raw_deals = []
    with open(company / "amocrm" / "leads.jsonl", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            linked = d.get("_embedded", {}).get("companies") or []
            name = companies.get(linked[0]["id"]) if linked else None
            raw_deals.append((d["id"], name or d["name"]))
            if len(raw_deals) >= limit:
                break
    with sqlite3.connect(company / "backoffice.sqlite") as bo:
        raw_partners = [(str(i), n) for i, n in bo.execute("SELECT partner_id, name FROM partners")]
    return _normalised(raw_deals, raw_partners)


def _stranger(n_partners: int, n_deals: int) -> tuple[list[tuple[int, str, str]], list[tuple[str, str, str]]]:
    """Names of a company unlike the simulated one (see the module docstring), normalised as a link run does."""
    import numpy as np

    rng = np.random.default_rng(7)
    syl = ["ва", "ро", "ми", "ко", "ле", "на", "ту", "се", "да", "ры"]
    syl += ["бо", "жи", "па", "хо", "ка", "ни", "со", "ре", "лу", "фе"]

    def word(lo: int = 2, hi: int = 4) -> str:
        return "".join(rng.choice(syl, rng.integers(lo, hi + 1))).capitalize()

    surnames = [word() + str(rng.choice(["ов", "ев", "ин", "ский"])) for _ in range(3000)]
    firsts = [word(2, 3) for _ in range(300)]
    cities = [word(2, 4) for _ in range(200)]
    templates = (
        lambda: f"Концертное агентство «{word()}»",
        lambda: f"Дом культуры «{word()}» г. {rng.choice(cities)}",
        lambda: f"ИП {rng.choice(surnames)} {rng.choice(firsts)} {rng.choice(firsts)}ович",
        lambda: f"Театр {word()} {rng.choice(cities)}",
        lambda: f"ООО «{rng.choice(surnames)} и партнёры»",
        lambda: f"МБУК «Филармония {rng.choice(cities)}»",
    )

    def name() -> str:
        return str(templates[int(rng.integers(len(templates)))]())

    raw_partners = [(f"p{i}", name()) for i in range(n_partners)]
    raw_deals = []
    for i in range(n_deals):
        if i % 3 == 0:  # a variant of a partner's name: the form dropped, ё, one letter changed
            s = raw_partners[int(rng.integers(n_partners))][1].replace("ООО ", "").replace("е", "ё", 1)
            k = int(rng.integers(len(s)))
            s = s[:k] + str(rng.choice(list("аеиоу"))) + s[k + 1 :]
        else:
            s = name()
        raw_deals.append((i, s))
    return _normalised(raw_deals, raw_partners)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("company", type=Path, nargs="?")
    ap.add_argument("--stranger", type=int, default=None, help="no company: this many generated partner names")
    ap.add_argument("--deals", type=int, default=30_000, help="score at most this many deals (l: 300000)")
    ap.add_argument("--partners", type=int, default=None, help="score against at most this many partners")
    ap.add_argument("--min-score", type=float, default=90.0, help="[linking].fuzzy_min_score")
    ap.add_argument("--skip-all-pairs", action="store_true", help="time the blocked scoring only (at l: ~800 CPU-s)")
    args = ap.parse_args()

    from salesglass.link.blocking import candidate_blocks
    from salesglass.link.suggest import _score, _score_all_pairs

    if args.stranger:
        deals, partners = _stranger(args.stranger, args.deals)
    elif args.company:
        deals, partners = _names(args.company, args.deals)
    else:
        ap.error("give a COMPANY or --stranger N")
    partners = partners[: args.partners]
    print(f"{len(deals):,} deals × {len(partners):,} partners = {len(deals) * len(partners):,} pairs all told")
    t = time.process_time()
    dnames, pnames = sorted({d[2] for d in deals}), sorted({p[2] for p in partners})
    blocks = list(candidate_blocks(dnames, pnames, args.min_score))
    spent = time.process_time() - t
    volume = sum(len(a) * len(b) for a, b in blocks)
    import numpy as np

    if volume <= 30_000_000:  # distinct pairs as int64 keys: 8 bytes each, sorted
        keys = [np.add.outer(np.asarray(a, dtype=np.int64) * len(pnames), np.asarray(b)).ravel() for a, b in blocks]
        distinct = f"{len(np.unique(np.concatenate(keys))):,}" if keys else "0"
    else:
        distinct = "not counted at this size"
    from rapidfuzz import fuzz, process

    reach = set()
    for a, b in blocks:
        m = process.cdist(
            [dnames[i] for i in a], [pnames[j] for j in b], scorer=fuzz.token_sort_ratio, score_cutoff=args.min_score
        )
        reach |= {(a[x], b[y]) for x, y in zip(*m.nonzero(), strict=True)}
    print(f"distinct name pairs scoring ≥ {args.min_score:g}: {len(reach):,}")
    print(
        f"blocking alone: {len(dnames):,} × {len(pnames):,} distinct names, {len(blocks):,} blocks holding "
        f"{volume:,} pairs ({distinct} distinct candidates), {spent:.2f} CPU-s"
    )
    t = time.process_time()
    blocked = _score(deals, partners, args.min_score)
    print(f"blocked: {len(blocked):,} suggestions in {time.process_time() - t:.2f} CPU-s")
    if args.skip_all_pairs:
        return
    t = time.process_time()
    every = _score_all_pairs(deals, partners, args.min_score)
    print(f"all pairs: {len(every):,} suggestions in {time.process_time() - t:.2f} CPU-s")
    print("same suggestions" if blocked == every else "DIFFERENT suggestions")
    if blocked != every:
        sys.exit(1)


if __name__ == "__main__":
    main()
