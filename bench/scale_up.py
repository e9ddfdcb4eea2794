"""A bigger warehouse from a linked one: every partner, company, deal and sale copied N times (run on demand).

    python bench/scale_up.py /tmp/sg-m/salesglass.duckdb /tmp/sg-lx/salesglass.duckdb [--times 10]

For the link, build and serve steps at scale `l` when `salesglass generate --scale l` (100 M orders,
~27 GB of SQLite, ~25 min on an idle 2-core machine, hours on a busy one) is not at hand: the `m`
warehouse after sync, load and link, with copy k of each partner, company, deal, deal stage and sale
given suffix k on its ids, account ids, ИНН and names (so copies never link to each other, and linking
has N times the candidates). Managers and plans stay as they are (scale l has ~5× the managers: the
per-manager report tables are smaller than a generated `l`'s). The link state is dropped, so the next
`salesglass link` decides every deal. Then: `python bench/pipeline.py --company M_COMPANY --workdir
DIR --skip-sync --only link,build --serve` with DIR holding the new file as salesglass.duckdb.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def multiply(con, times: int) -> None:
    """Copies 1 … times-1 of the canonical rows a company owns; copy k gets suffix k (offset k·10⁷ on ids)."""
    for table in ("deals", "companies", "partners", "deal_stages", "sales"):
        con.execute(f"CREATE TEMP TABLE __orig_{table} AS SELECT * FROM {table}")
    con.execute("SET preserve_insertion_order = false")
    for k in range(1, times):
        off = k * 10_000_000
        con.execute(f"""INSERT INTO partners BY NAME SELECT * REPLACE (partner_id || '-{k}' AS partner_id,
                          name || ' {k}' AS name, inn || '{k}' AS inn) FROM __orig_partners""")
        con.execute(f"""INSERT INTO companies BY NAME SELECT * REPLACE (company_id + {off} AS company_id,
                          name || ' {k}' AS name, inn || '{k}' AS inn,
                          platform_account_id || '-{k}' AS platform_account_id) FROM __orig_companies""")
        con.execute(f"""INSERT INTO deals BY NAME SELECT * REPLACE (deal_id + {off} AS deal_id,
                          company_id + {off} AS company_id, name || ' {k}' AS name,
                          partner_id || '-{k}' AS partner_id,
                          platform_account_id || '-{k}' AS platform_account_id) FROM __orig_deals""")
        con.execute(f"""INSERT INTO deal_stages BY NAME SELECT * REPLACE (deal_id + {off} AS deal_id)
                        FROM __orig_deal_stages""")
        con.execute(f"""INSERT INTO sales BY NAME SELECT * REPLACE (sale_id || '-{k}' AS sale_id,
                          partner_id || '-{k}' AS partner_id, event_id || '-{k}' AS event_id) FROM __orig_sales""")
        con.execute("CHECKPOINT")
        print(f"  copy {k} written ({time.strftime('%H:%M:%S')})", flush=True)
    states = con.execute("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'link_state%'").fetchall()
    for (table,) in states:
        con.execute(f'DROP TABLE "{table}"')


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path, help="a linked warehouse (read, never written)")
    ap.add_argument("target", type=Path, help="the bigger warehouse to write (replaced)")
    ap.add_argument("--times", type=int, default=10)
    ap.add_argument("--memory-limit", default="4GB")
    args = ap.parse_args()
    from salesglass.warehouse import connect

    started = time.perf_counter()
    args.target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(args.source, args.target)
    con = connect(args.target)
    con.execute(f"SET memory_limit = '{args.memory_limit}'")
    multiply(con, args.times)
    counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in ("sales", "deals", "partners")}
    con.close()
    print(
        f"{args.target}: {counts} in {time.perf_counter() - started:.0f} s, "
        f"{args.target.stat().st_size / 2**30:.1f} GiB, load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
