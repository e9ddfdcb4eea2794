"""The manual overrides file (`[linking].overrides_path`): CSV `deal_id,partner_id` (more columns ignored).

Made by hand or by editing `salesglass doctor --export` output. An empty partner_id (or `-`) says
"this deal has no partner": it stays unlinked and gets no suggestions. A row that cannot be used
(deal id not a number, unknown deal or partner, one deal given two partners) goes to quarantine.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from salesglass.errors import ConfigError, SalesglassError
from salesglass.sql import quote_lit

SOURCE = "linking:overrides"


def load_overrides(con: duckdb.DuckDBPyConnection, path: Path | None) -> int:
    """Fill temp table __overrides(deal_id, partner_id) with usable rows; returns the number quarantined."""
    con.execute("CREATE OR REPLACE TEMP TABLE __overrides (deal_id BIGINT, partner_id TEXT)")
    con.execute(f"DELETE FROM quarantine WHERE source = {quote_lit(SOURCE)}")
    if path is None:
        return 0
    if not path.exists():
        raise ConfigError(f"[linking].overrides_path: file {path} does not exist")
    try:
        # the path as a literal: a bound parameter makes DuckDB import pandas (seconds in a fresh process)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE __ov_raw AS SELECT * FROM read_csv({quote_lit(str(path))}, "
            "all_varchar = true, header = true)"
        )
    except duckdb.Error as exc:
        raise SalesglassError(f"overrides file {path}: cannot read it as CSV: {str(exc).splitlines()[0]}") from None
    cols = [r[0] for r in con.execute("DESCRIBE __ov_raw").fetchall()]
    if "deal_id" not in cols or "partner_id" not in cols:
        raise ConfigError(
            f"[linking].overrides_path: {path.name} needs the columns deal_id and partner_id "
            f"(it has: {', '.join(cols)})"
        )
    con.execute("""
        CREATE OR REPLACE TEMP TABLE __ov_checked AS
        WITH r AS (SELECT trim(deal_id) AS deal_txt, NULLIF(NULLIF(trim(partner_id), ''), '-') AS partner_id,
                          __r AS raw FROM __ov_raw __r),
             t AS (SELECT *, TRY_CAST(deal_txt AS BIGINT) AS deal_id,
                          count(DISTINCT coalesce(partner_id, '')) OVER (PARTITION BY deal_txt) AS n FROM r)
        SELECT t.*, CASE
            WHEN t.deal_id IS NULL THEN 'override: deal_id is not an amoCRM lead id'
            WHEN t.n > 1 THEN 'override: the same deal is given more than one partner'
            WHEN NOT EXISTS (SELECT 1 FROM deals d WHERE d.deal_id = t.deal_id) THEN 'override: unknown deal'
            WHEN t.partner_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM partners p WHERE p.partner_id = t.partner_id)
              THEN 'override: unknown partner'
          END AS reason
        FROM t""")
    con.execute(f"""INSERT INTO quarantine (source, entity, source_key, reason, raw, seen_at)
                    SELECT {quote_lit(SOURCE)}, 'deal_partner_links', deal_txt, reason, to_json(raw), now()
                    FROM __ov_checked WHERE reason IS NOT NULL""")
    con.execute("INSERT INTO __overrides SELECT DISTINCT deal_id, partner_id FROM __ov_checked WHERE reason IS NULL")
    bad = con.execute("SELECT count(*) FROM __ov_checked WHERE reason IS NOT NULL").fetchall()[0][0]
    con.execute("DROP TABLE __ov_raw; DROP TABLE __ov_checked")
    return bad
