"""Linking against a simulated company's truth: deal precision/recall and which new partners a deal accounts for.

    python bench/link_truth.py WAREHOUSE TRUTH_DIR

WAREHOUSE is a linked warehouse (e.g. /tmp/demo-s/salesglass.duckdb, opened read-only); TRUTH_DIR the
truth/ folder of the company it was loaded from (links.csv, partners.csv, injected.json). Prints the
deals' precision and recall (link/evaluate.py), the partners with a first sale by whether a linked deal
accounts for them (`first_sale_coverage`), the link suggestions by confidence with how many name the true
partner (`measure_suggestions`), and the truth deals by the evidence the generator gave them
(injected.json `link_evidence`) with how many of each were linked right, wrongly or not at all.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("warehouse", type=Path)
    ap.add_argument("truth", type=Path)
    args = ap.parse_args()

    import duckdb

    from salesglass.link.evaluate import COVERAGE_KINDS, first_sale_coverage, measure_linking, measure_suggestions

    con = duckdb.connect(str(args.warehouse), read_only=True)
    precision, recall, counts = measure_linking(con, args.truth / "links.csv")
    print(f"deals: precision {precision:.4f}, recall {recall:.4f}  {counts}")
    cov = first_sale_coverage(con, args.truth)
    n = cov["partners"] or 1
    print(f"partners with a first sale: {cov['partners']:,}")
    for kind in (*COVERAGE_KINDS, "credited_wrongly"):
        print(f"  {kind:<26} {cov[kind]:>7,}  {100 * cov[kind] / n:5.1f} %")
    print("link suggestions by confidence and deal state: suggestions, right, on a deal with a true partner")
    for confidence, state, n_sugg, right, truth_deal in measure_suggestions(con, args.truth / "links.csv"):
        print(f"  {confidence:<9} {state:<5} {n_sugg:>7,} {right:>7,} {truth_deal:>7,}")
    evidence = json.loads((args.truth / "injected.json").read_text(encoding="utf-8")).get("link_evidence", {})
    rows = [(int(d), kind) for kind, ids in evidence.items() if kind != "description" for d in ids]
    if rows:
        con.execute("CREATE TEMP TABLE __evidence (deal_id BIGINT, evidence TEXT)")
        con.executemany("INSERT INTO __evidence VALUES (?, ?)", rows)
        print("truth deals by evidence: deals, linked right, linked to another partner, not linked")
        for kind, total, right, wrong, missed in con.execute(
            """SELECT e.evidence, count(*), count(*) FILTER (WHERE l.partner_id = t.partner_id),
                      count(*) FILTER (WHERE l.partner_id <> t.partner_id), count(*) FILTER (WHERE l.deal_id IS NULL)
               FROM read_csv(?, header = true, all_varchar = true) t
               JOIN __evidence e ON e.deal_id = CAST(t.deal_id AS BIGINT)
               JOIN deals d ON d.deal_id = e.deal_id
               LEFT JOIN deal_partner_links l ON l.deal_id = e.deal_id
               GROUP BY 1 ORDER BY 2 DESC""",
            [str(args.truth / "links.csv")],
        ).fetchall():
            print(f"  {kind:<20} {total:>7,} {right:>7,} {wrong:>7,} {missed:>7,}")
    con.close()


if __name__ == "__main__":
    main()
