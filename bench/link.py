"""Link time after a small change, incremental against full (run on demand: `python bench/link.py WAREHOUSE`).

    python bench/link.py /tmp/demo-s/salesglass.duckdb [--share 0.01] [--seed 7]

WAREHOUSE is a linked warehouse (e.g. the one `salesglass demo` leaves); it is copied, never written.
On the copy: one full link (state for the next run), then `share` of the deals, companies and partners
get a change that linking reads (a deal's account id, a company's name, a partner's ИНН, another
partner's name), and the copy is duplicated: one is linked incrementally, the other with `full=True`.
Prints both times (wall and CPU: the machine may be shared) and checks that every link table is equal.
`--times N` first copies every deal, company and partner N times (ids, account ids, ИНН and names made
distinct per copy) for a larger world without a larger generate.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TABLES = ("deal_partner_links", "link_suggestions", "link_ambiguous", "link_manager_fallback")


def _change(con, share: float, seed: int) -> None:
    con.execute(f"SELECT setseed({1 / (seed + 1)})")
    con.execute(f"""UPDATE deals SET platform_account_id = CASE WHEN platform_account_id IS NULL
                      THEN (SELECT min(partner_id) FROM partners) END
                    WHERE deal_id IN (SELECT deal_id FROM deals USING SAMPLE {share * 100:.3f} PERCENT (bernoulli))""")
    con.execute(f"""UPDATE companies SET name = name || ' 2'
                    WHERE company_id IN (SELECT company_id FROM companies
                                         USING SAMPLE {share * 100:.3f} PERCENT (bernoulli))""")
    con.execute(f"""UPDATE partners SET name = name || ' (new)'
                    WHERE partner_id IN (SELECT partner_id FROM partners
                                         USING SAMPLE {share * 100:.3f} PERCENT (bernoulli))""")
    con.execute(f"""UPDATE partners SET inn = CASE WHEN inn IS NULL THEN '7700000000' END
                    WHERE partner_id IN (SELECT partner_id FROM partners
                                         USING SAMPLE {share * 100:.3f} PERCENT (bernoulli))""")


def _multiply(con, times: int) -> None:
    """N copies of the linking inputs; copy k gets suffix k on ids, account ids, ИНН and names."""
    for table in ("deals", "companies", "partners", "deal_stages"):
        con.execute(f"CREATE TEMP TABLE __orig_{table} AS SELECT * FROM {table}")
    for k in range(1, times):
        off = k * 10_000_000
        con.execute(f"""INSERT INTO partners BY NAME SELECT * REPLACE (partner_id || '-{k}' AS partner_id,
                          name || ' {k}' AS name, inn || '{k}' AS inn) FROM __orig_partners""")
        con.execute(f"""INSERT INTO companies BY NAME SELECT * REPLACE (company_id + {off} AS company_id,
                          name || ' {k}' AS name, inn || '{k}' AS inn,
                          platform_account_id || '-{k}' AS platform_account_id) FROM __orig_companies""")
        con.execute(f"""INSERT INTO deals BY NAME SELECT * REPLACE (deal_id + {off} AS deal_id,
                          company_id + {off} AS company_id, name || ' {k}' AS name,
                          platform_account_id || '-{k}' AS platform_account_id) FROM __orig_deals""")
        con.execute(f"""INSERT INTO deal_stages BY NAME SELECT * REPLACE (deal_id + {off} AS deal_id)
                        FROM __orig_deal_stages""")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("warehouse", type=Path)
    ap.add_argument("--share", type=float, default=0.01, help="share of deals, companies, partners changed")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--times", type=int, default=1, help="copy the deals, companies and partners N times first")
    args = ap.parse_args()

    from salesglass.config import parse_config
    from salesglass.link.run import link_into
    from salesglass.warehouse import connect

    cfg = parse_config({}, base_dir=args.warehouse.parent)
    with tempfile.TemporaryDirectory() as tmp:
        inc_path, full_path = Path(tmp) / "inc.duckdb", Path(tmp) / "full.duckdb"
        shutil.copy(args.warehouse, inc_path)
        con = connect(inc_path)
        if args.times > 1:
            _multiply(con, args.times)
        t = time.perf_counter()
        link_into(con, cfg, full=True)
        first = time.perf_counter() - t
        _change(con, args.share, args.seed)
        con.close()
        shutil.copy(inc_path, full_path)
        runs = {}
        for name, path in (("full", full_path), ("incremental", inc_path)):
            con = connect(path)
            t, cpu = time.perf_counter(), time.process_time()
            s = link_into(con, cfg, full=name == "full")
            runs[name] = (
                time.perf_counter() - t,
                time.process_time() - cpu,
                s,
                {tb: con.execute(f"SELECT * FROM {tb} ORDER BY ALL").fetchall() for tb in TABLES},
            )
            con.close()
    (t_full, c_full, s_full, full_rows), (t_inc, c_inc, s_inc, inc_rows) = runs["full"], runs["incremental"]
    print(f"deals {s_full.deals:,}; first full link {first:.2f} s")
    print(
        f"after a {args.share:.0%} change: full {t_full:.2f} s wall, {c_full:.2f} s CPU "
        f"(relinked {s_full.relinked:,}); incremental {t_inc:.2f} s wall, {c_inc:.2f} s CPU "
        f"(relinked {s_inc.relinked:,} of {s_inc.deals:,})"
    )
    same = all(full_rows[tb] == inc_rows[tb] for tb in TABLES)
    print("link tables equal:", same)
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
