"""The linking rules of docs/reports.md as set-based SQL over canonical deals, companies and partners.

Every rule proposes candidates (deal, partner) at its priority; per deal, the first rule whose
candidates are exactly one partner wins. A rule that finds two or more partners (one tax id on two
accounts, two accounts with one normalised name) links nothing, and the next rule is tried. A pair the
overrides file rejects (`!partner_id`) is no candidate of any rule.
"""

from __future__ import annotations

import duckdb

from salesglass.link.incremental import AMBIGUOUS, DEAL_STATE, PARTNER_STATE
from salesglass.link.normalize import normalize_sql
from salesglass.model.inn import inn_digits_sql
from salesglass.sql import quote_lit


def inn_key_sql(expr: str) -> str:
    """SQL: the ИНН as the `inn` rule compares it — model/inn.py's digits without leading zeros, so an ИНН
    whose zero a number column or spreadsheet dropped ("274062111") equals "0274062111" (no valid ИНН starts
    with "00": region codes are 01–99, so this joins no two real ИНН), and NULL for a placeholder of one
    repeated digit ("0000000000", "111111111111"), which would otherwise link every deal typed with it to
    the one partner typed with it."""
    digits = inn_digits_sql(expr)
    placeholder = f"(length({digits}) IN (10, 12) AND replace({digits}, left({digits}, 1), '') = '')"
    return f"NULLIF(CASE WHEN {placeholder} THEN '' ELSE ltrim({digits}, '0') END, '')"


# which partners got their development manager from the fallback (and which), so the next run can redo it
FALLBACK_TABLE = "link_manager_fallback"

# (priority, method, SQL of candidate rows deal_id, partner_id)
RULES: tuple[tuple[int, str, str], ...] = (
    (1, "override", "SELECT deal_id, partner_id FROM __overrides WHERE partner_id IS NOT NULL"),
    (2, "account_id", "SELECT k.deal_id, p.partner_id FROM __deal_keys k JOIN __partner_keys p ON p.acc = k.deal_acc"),
    (
        3,
        "account_id",
        "SELECT k.deal_id, p.partner_id FROM __deal_keys k JOIN __partner_keys p ON p.acc = k.company_acc",
    ),
    (4, "inn", "SELECT k.deal_id, p.partner_id FROM __deal_keys k JOIN __partner_keys p ON p.inn = k.inn"),
    (
        5,
        "name",
        "SELECT k.deal_id, p.partner_id FROM __deal_keys k JOIN __partner_keys p ON p.norm_name = k.company_name",
    ),
)


def build_keys(con: duckdb.DuckDBPyConnection, *, reuse_names: bool = False) -> None:
    """Per deal and per partner, the values the rules compare, normalised once.

    `reuse_names`: take a name's normalised form from the last run's state (`link_state_*`) where the
    name itself is unchanged, instead of running the normaliser's regular expressions over every deal's
    and partner's name again (most of building the keys). Only with state the settings key vouches for:
    it names the normaliser's SQL, so a changed normaliser relinks everything and reuses nothing."""
    company_name = normalize_sql("c.name")
    partner_name = normalize_sql("p.name")
    deal_state = partner_state = ""
    if reuse_names:
        company_name = (
            f"CASE WHEN s.company_name_raw IS NOT DISTINCT FROM c.name THEN s.company_name ELSE {company_name} END"
        )
        partner_name = f"CASE WHEN s.name IS NOT DISTINCT FROM p.name THEN s.norm_name ELSE {partner_name} END"
        deal_state = f"LEFT JOIN {DEAL_STATE} s ON s.deal_id = d.deal_id"
        partner_state = f"LEFT JOIN {PARTNER_STATE} s ON s.partner_id = p.partner_id"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE __deal_keys AS
        SELECT d.deal_id, d.name AS deal_name, c.name AS company_name_raw,
               NULLIF(lower(trim(d.platform_account_id)), '') AS deal_acc,
               NULLIF(lower(trim(c.platform_account_id)), '') AS company_acc,
               {inn_key_sql("c.inn")} AS inn,
               {company_name} AS company_name,
               coalesce(d.is_deleted, false) AS is_deleted
        FROM deals d LEFT JOIN companies c ON c.company_id = d.company_id {deal_state}""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE __partner_keys AS
        SELECT p.partner_id, p.name, lower(trim(p.partner_id)) AS acc,
               {inn_key_sql("p.inn")} AS inn, {partner_name} AS norm_name
        FROM partners p {partner_state}""")


def decide(con: duckdb.DuckDBPyConnection) -> None:
    """Temp tables __links (deal_id, partner_id, method, score) and __ambiguous (deal_id, method).

    Only the deals of __scope are decided (all of them on a full run; see link/incremental.py).
    """
    cands = " UNION ALL ".join(
        f"SELECT deal_id, partner_id, {prio} AS prio, {quote_lit(method)} AS method FROM ({sql})"
        for prio, method, sql in RULES
    )
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE __rule_results AS
        SELECT deal_id, prio, method, count(DISTINCT partner_id) AS n, min(partner_id) AS partner_id
        FROM ({cands}) c
        WHERE deal_id NOT IN (SELECT deal_id FROM __overrides WHERE partner_id IS NULL)
          AND deal_id IN (SELECT deal_id FROM __scope)
          AND NOT EXISTS (SELECT 1 FROM __rejections x WHERE x.deal_id = c.deal_id AND x.partner_id = c.partner_id)
        GROUP BY ALL""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE __links AS
        SELECT deal_id, arg_min(partner_id, prio) AS partner_id, arg_min(method, prio) AS method,
               100.0 AS score, min(prio) AS prio
        FROM __rule_results WHERE n = 1 GROUP BY deal_id""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE __ambiguous AS
        SELECT r.deal_id, r.method FROM __rule_results r LEFT JOIN __links l USING (deal_id)
        WHERE r.n > 1 AND (l.prio IS NULL OR l.prio > r.prio)""")


def apply(con: duckdb.DuckDBPyConnection, *, fill_managers: bool = True) -> tuple[int, int]:
    """Store the links of the deals in __scope and carry all links into deals and partners.

    Returns (client kinds, managers filled). What follows the links (deals.partner_id, client kinds,
    the manager fallback) is cheap set-based SQL over every deal, so it is redone in full each run.
    """
    con.execute(f"CREATE TABLE IF NOT EXISTS {AMBIGUOUS} (deal_id BIGINT, method TEXT)")
    for table in ("deal_partner_links", AMBIGUOUS):
        con.execute(f"DELETE FROM {table} WHERE deal_id IN (SELECT deal_id FROM __scope)")
    con.execute("INSERT INTO deal_partner_links SELECT deal_id, partner_id, method, score FROM __links")
    con.execute(f"INSERT INTO {AMBIGUOUS} SELECT DISTINCT deal_id, method FROM __ambiguous")
    con.execute("""UPDATE deals SET partner_id = NULL
                   WHERE partner_id IS NOT NULL AND deal_id NOT IN (SELECT deal_id FROM deal_partner_links)""")
    con.execute("""UPDATE deals SET partner_id = l.partner_id FROM deal_partner_links l
                   WHERE deals.deal_id = l.deal_id AND deals.partner_id IS DISTINCT FROM l.partner_id""")
    kinds = con.execute("""UPDATE deals SET client_kind = p.kind FROM partners p
                           WHERE deals.partner_id = p.partner_id AND deals.client_kind IS NULL""").fetchall()[0][0]
    # The fallback's values are recomputed each run as if the last run's fill were undone first: the
    # platform load is incremental, so an unchanged partner keeps whatever the fallback gave it, and the
    # acquiring deal may have changed since (deleted, a newer first sale). The result equals a fresh full
    # load's. A value the platform gave (different from ours) is left alone. Only the rows that differ are
    # written, in partners and in the fallback table (no key index: DuckDB writes a table's whole key
    # index again at every checkpoint after a change; this table keeps one row per partner itself).
    _fallback_table(con)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE __own_managers AS
        SELECT p.partner_id,
               CASE WHEN p.development_manager_id = f.manager_id THEN NULL ELSE p.development_manager_id END
                 AS manager_id
        FROM partners p LEFT JOIN {FALLBACK_TABLE} f ON f.partner_id = p.partner_id""")
    # development manager fallback: the responsible user of the company of the partner's acquiring deal
    # (earliest first_sale, ties smallest deal_id; else the most recently created) among linked,
    # non-deleted deals whose company has a responsible user
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE __fallback AS
        WITH ranked AS (
          SELECT l.partner_id, c.responsible_user_id AS user_id,
                 row_number() OVER (PARTITION BY l.partner_id ORDER BY fs.reached_at IS NULL, fs.reached_at,
                     CASE WHEN fs.reached_at IS NULL THEN d.created_at END DESC, d.deal_id) AS rn
          FROM deal_partner_links l JOIN deals d ON d.deal_id = l.deal_id
          JOIN companies c ON c.company_id = d.company_id
          LEFT JOIN deal_stages fs ON fs.deal_id = d.deal_id AND fs.stage = 'first_sale'
          WHERE NOT coalesce(d.is_deleted, false) AND c.responsible_user_id IS NOT NULL)
        SELECT r.partner_id, r.user_id AS manager_id FROM ranked r JOIN __own_managers o ON o.partner_id = r.partner_id
        WHERE r.rn = 1 AND o.manager_id IS NULL AND {"TRUE" if fill_managers else "FALSE"}""")
    con.execute("""
        UPDATE partners SET development_manager_id = n.manager_id
        FROM (SELECT o.partner_id, coalesce(o.manager_id, f.manager_id) AS manager_id
              FROM __own_managers o LEFT JOIN __fallback f ON f.partner_id = o.partner_id) n
        WHERE partners.partner_id = n.partner_id AND partners.development_manager_id IS DISTINCT FROM n.manager_id""")
    con.execute(f"""DELETE FROM {FALLBACK_TABLE} f WHERE NOT EXISTS (SELECT 1 FROM __fallback n
                        WHERE n.partner_id = f.partner_id AND n.manager_id = f.manager_id)""")
    con.execute(f"""INSERT INTO {FALLBACK_TABLE} SELECT * FROM __fallback n WHERE NOT EXISTS (
                        SELECT 1 FROM {FALLBACK_TABLE} f WHERE f.partner_id = n.partner_id)""")
    managers = con.execute("SELECT count(*) FROM __fallback").fetchall()[0][0]
    con.execute("DROP TABLE __own_managers")
    con.execute("DROP TABLE __fallback")
    return kinds, managers


def _fallback_table(con: duckdb.DuckDBPyConnection) -> None:
    """The fallback table, without a key index; one from before (PRIMARY KEY) is converted, rows kept."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {FALLBACK_TABLE} (partner_id TEXT, manager_id BIGINT)")
    keyed = con.execute(f"""SELECT count(*) FROM duckdb_constraints()
                            WHERE database_name = current_database() AND schema_name = 'main'
                              AND table_name = {quote_lit(FALLBACK_TABLE)} AND constraint_type = 'PRIMARY KEY'""")
    if keyed.fetchall()[0][0]:
        con.execute("CREATE TABLE __unkeyed_fallback (partner_id TEXT, manager_id BIGINT)")
        con.execute(f"INSERT INTO __unkeyed_fallback SELECT partner_id, manager_id FROM {FALLBACK_TABLE}")
        con.execute(f"DROP TABLE {FALLBACK_TABLE}")
        con.execute(f"ALTER TABLE __unkeyed_fallback RENAME TO {FALLBACK_TABLE}")
