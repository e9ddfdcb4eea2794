"""Which deals a link run must decide again: the change detection of incremental linking.

The evidence every rule compares (per deal: its own and its company's account id, the company's ИНН and
normalised name, deleted or not; per partner: account id, ИНН, normalised name; the usable overrides
and rejected pairs)
is stored after each run in `link_state_*` tables. The next run computes the same keys and relinks:

- every deal whose keys, override or rejected pairs differ from the stored ones (new, changed or gone deals);
- every deal whose keys equal an old *or* new value of a changed partner (added, deleted, renamed, new
  ИНН or account id): that covers a second partner making a name or ИНН ambiguous, and a deleted
  partner whose deals must fall through to the next rule.

A deal outside that set has the same candidates under every rule as last time, so its link cannot
change. Anything the stored state cannot vouch for (first run, other rules version, another
`fuzzy_min_score`, link tables whose row counts are not what the last run left) gives a full relink.
"""

from __future__ import annotations

import duckdb

from salesglass.sql import quote_lit

# bump when the rules or the keys change meaning: the next run then relinks everything
RULES_VERSION = "3"  # 2: ИНН compared without leading zeros, placeholders dropped; 3: rejected pairs
DEAL_STATE = "link_state_deals"
PARTNER_STATE = "link_state_partners"
OVERRIDE_STATE = "link_state_overrides"
REJECTION_STATE = "link_state_rejections"
RUN_STATE = "link_state_run"
AMBIGUOUS = "link_ambiguous"  # deal_id, method: a rule found 2+ partners and no earlier rule linked it


def settings_key(fuzzy_min_score: float) -> str:
    """What besides the data decides every deal's result; a change means a full relink. The normaliser's
    SQL is part of it: the next run reuses the stored normalised names of unchanged names (rules.build_keys)."""
    import hashlib

    from salesglass.link.normalize import normalize_sql

    normaliser = hashlib.sha256(normalize_sql("name").encode()).hexdigest()[:16]
    return f"rules {RULES_VERSION}; normaliser {normaliser}; fuzzy_min_score {fuzzy_min_score!r}"


def state_usable(con: duckdb.DuckDBPyConnection, settings: str) -> bool:
    """Whether the last run left state this run can trust (else relink everything)."""
    have = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
            f"AND table_schema = 'main' AND (table_name LIKE 'link_state_%' OR table_name = {quote_lit(AMBIGUOUS)})"
        ).fetchall()
    }
    if not {DEAL_STATE, PARTNER_STATE, OVERRIDE_STATE, REJECTION_STATE, RUN_STATE, AMBIGUOUS} <= have:
        return False
    # the link tables as the last run left them: a table emptied or edited by anything else since
    # (a restore, a hand-made fix) cannot be patched up deal by deal
    try:
        row = con.execute(f"""SELECT settings = {quote_lit(settings)}
                                     AND links = (SELECT count(*) FROM deal_partner_links)
                                     AND suggestions = (SELECT count(*) FROM link_suggestions)
                              FROM {RUN_STATE}""").fetchone()
    except duckdb.BinderException:  # state left by another version of this code: start afresh
        return False
    return bool(row and row[0])


def full_scope(con: duckdb.DuckDBPyConnection) -> None:
    """__scope(deal_id): every deal."""
    con.execute("CREATE OR REPLACE TEMP TABLE __scope AS SELECT deal_id FROM __deal_keys")
    con.execute("CREATE OR REPLACE TEMP TABLE __changed_partners AS SELECT * FROM __partner_keys")


def changed_scope(con: duckdb.DuckDBPyConnection) -> None:
    """__scope(deal_id): the deals to relink; __changed_partners: old and new rows of changed partners."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE __changed_partners AS
        (SELECT * FROM __partner_keys EXCEPT SELECT * FROM {PARTNER_STATE})
        UNION ALL (SELECT * FROM {PARTNER_STATE} EXCEPT SELECT * FROM __partner_keys)""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE __scope AS
        (SELECT deal_id FROM (SELECT * FROM __deal_keys EXCEPT SELECT * FROM {DEAL_STATE}))
        UNION (SELECT deal_id FROM (SELECT * FROM {DEAL_STATE} EXCEPT SELECT * FROM __deal_keys))
        UNION (SELECT deal_id FROM (SELECT * FROM __overrides EXCEPT SELECT * FROM {OVERRIDE_STATE}))
        UNION (SELECT deal_id FROM (SELECT * FROM {OVERRIDE_STATE} EXCEPT SELECT * FROM __overrides))
        UNION (SELECT deal_id FROM (SELECT * FROM __rejections EXCEPT SELECT * FROM {REJECTION_STATE}))
        UNION (SELECT deal_id FROM (SELECT * FROM {REJECTION_STATE} EXCEPT SELECT * FROM __rejections))
        UNION (SELECT k.deal_id FROM __deal_keys k JOIN __changed_partners p ON p.acc = k.deal_acc)
        UNION (SELECT k.deal_id FROM __deal_keys k JOIN __changed_partners p ON p.acc = k.company_acc)
        UNION (SELECT k.deal_id FROM __deal_keys k JOIN __changed_partners p ON p.inn = k.inn)
        UNION (SELECT k.deal_id FROM __deal_keys k JOIN __changed_partners p ON p.norm_name = k.company_name)""")


def save_state(con: duckdb.DuckDBPyConnection, settings: str) -> None:
    """Keep this run's keys for the next run's comparison."""
    con.execute(f"CREATE OR REPLACE TABLE {DEAL_STATE} AS SELECT * FROM __deal_keys")
    con.execute(f"CREATE OR REPLACE TABLE {PARTNER_STATE} AS SELECT * FROM __partner_keys")
    con.execute(f"CREATE OR REPLACE TABLE {OVERRIDE_STATE} AS SELECT * FROM __overrides")
    con.execute(f"CREATE OR REPLACE TABLE {REJECTION_STATE} AS SELECT * FROM __rejections")
    con.execute(f"""CREATE OR REPLACE TABLE {RUN_STATE} AS
                    SELECT {quote_lit(settings)} AS settings, (SELECT count(*) FROM deal_partner_links) AS links,
                           (SELECT count(*) FROM link_suggestions) AS suggestions""")
