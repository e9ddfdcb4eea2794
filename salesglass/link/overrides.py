"""The manual overrides file (`[linking].overrides_path`): CSV `deal_id,partner_id` (more columns ignored).

Made by hand or by editing `salesglass doctor --export` output. An empty partner_id (or `-`) says
"this deal has no partner": it stays unlinked and gets no suggestions. A partner_id written `!P` says
"this deal is not partner P": that pair is never suggested nor linked by a rule again, while the deal's
other candidates still are (a deal may have several such rows, beside one row linking it). A row that
cannot be used (deal id not a number, unknown deal or partner, one deal given two partners, a deal given
the partner another row says it is not) goes to quarantine.

The file is read as a spreadsheet saves it: UTF-8 (with or without a byte-order mark) or, failing that,
Windows-1251 (Excel on a Russian Windows saves "CSV" so), separated by commas, semicolons (Excel's
separator where the decimal mark is a comma) or tabs, the column names in any case.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb

from salesglass.errors import ConfigError, SalesglassError
from salesglass.link.memtable import create_table
from salesglass.sql import quote_ident, quote_lit

SOURCE = "linking:overrides"


def load_overrides(con: duckdb.DuckDBPyConnection, path: Path | None) -> int:
    """Fill temp tables __overrides(deal_id, partner_id: NULL = no partner) and __rejections(deal_id,
    partner_id: "not this partner") with the usable rows; returns the number quarantined."""
    con.execute("CREATE OR REPLACE TEMP TABLE __overrides (deal_id BIGINT, partner_id TEXT)")
    con.execute("CREATE OR REPLACE TEMP TABLE __rejections (deal_id BIGINT, partner_id TEXT)")
    con.execute(f"DELETE FROM quarantine WHERE source = {quote_lit(SOURCE)}")
    if path is None:
        return 0
    if not path.exists():
        raise ConfigError(f"[linking].overrides_path: file {path} does not exist")
    cols, rows = _read(path)
    con.execute("DROP TABLE IF EXISTS __ov_raw")
    create_table(con, "__ov_raw", [(quote_ident(c), "VARCHAR", [r[i] for r in rows]) for i, c in enumerate(cols)])
    if "deal_id" not in cols or "partner_id" not in cols:
        raise ConfigError(
            f"[linking].overrides_path: {path.name} needs the columns deal_id and partner_id "
            f"(it has: {', '.join(cols)})"
        )
    # `!P` rejects the pair (deal, P), unless a partner's own id is `!P` (files from before kept working)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE __ov_checked AS
        WITH r0 AS (SELECT trim(deal_id) AS deal_txt, trim(partner_id) AS p, __r AS raw FROM __ov_raw __r),
             r AS (SELECT deal_txt, raw, rejected,
                          CASE WHEN rejected THEN NULLIF(trim(substr(p, 2)), '')
                               ELSE NULLIF(NULLIF(p, ''), '-') END AS partner_id
                   FROM (SELECT *, coalesce(starts_with(p, '!') AND p NOT IN (SELECT partner_id FROM partners), false)
                                     AS rejected FROM r0)),
             t AS (SELECT *, TRY_CAST(deal_txt AS BIGINT) AS deal_id,
                          count(DISTINCT CASE WHEN NOT rejected THEN coalesce(partner_id, '') END)
                            OVER (PARTITION BY deal_txt) AS n,
                          bool_or(rejected) OVER (PARTITION BY deal_txt, partner_id)
                            AND bool_or(NOT rejected) OVER (PARTITION BY deal_txt, partner_id) AS clash
                   FROM r)
        SELECT t.*, CASE
            WHEN t.deal_id IS NULL THEN 'override: deal_id is not an amoCRM lead id'
            WHEN t.n > 1 AND NOT t.rejected THEN 'override: the same deal is given more than one partner'
            WHEN t.clash AND t.partner_id IS NOT NULL
              THEN 'override: the same deal is given a partner and told it is not that partner'
            WHEN NOT EXISTS (SELECT 1 FROM deals d WHERE d.deal_id = t.deal_id) THEN 'override: unknown deal'
            WHEN (t.partner_id IS NOT NULL OR t.rejected)
                 AND NOT EXISTS (SELECT 1 FROM partners p WHERE p.partner_id = t.partner_id)
              THEN 'override: unknown partner'
          END AS reason
        FROM t""")
    con.execute(f"""INSERT INTO quarantine (source, entity, source_key, reason, raw, seen_at)
                    SELECT {quote_lit(SOURCE)}, 'deal_partner_links', deal_txt, reason, to_json(raw), now()
                    FROM __ov_checked WHERE reason IS NOT NULL""")
    for table, rejected in (("__overrides", "NOT"), ("__rejections", "")):
        con.execute(f"""INSERT INTO {table} SELECT DISTINCT deal_id, partner_id FROM __ov_checked
                        WHERE reason IS NULL AND {rejected} rejected""")
    bad = con.execute("SELECT count(*) FROM __ov_checked WHERE reason IS NOT NULL").fetchall()[0][0]
    con.execute("DROP TABLE __ov_raw; DROP TABLE __ov_checked")
    return bad


def _read(path: Path) -> tuple[list[str], list[list[str | None]]]:
    """(column names, lower case and trimmed; rows as text, as long as the header) of the CSV file."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1251", errors="replace")  # every byte is a cp1251 character but 0x98
    head = next((line for line in text.splitlines() if line.strip()), "")
    # the separator that splits the header into deal_id and partner_id (a name may hold a comma, not these)
    sep = next((d for d in (",", ";", "\t") if {"deal_id", "partner_id"} <= set(_names(head.split(d)))), ",")
    lines = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=sep) if any(v.strip() for v in r)]
    if not lines:
        raise SalesglassError(f"overrides file {path}: empty (it needs the header deal_id,partner_id)")
    cols = _names(lines[0])
    cols = [c if cols.index(c) == i else f"{c}_{i + 1}" for i, c in enumerate(cols)]  # one name each
    width = len(cols)
    return cols, [[*r[:width], *[None] * (width - len(r))] for r in lines[1:]]


def _names(header: list[str]) -> list[str]:
    return [c.strip().strip('"').strip().lower() for c in header]
