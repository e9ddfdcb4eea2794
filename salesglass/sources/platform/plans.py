"""Management's monthly targets (`[plans]`) into the canonical `plans` table, replaced whole each load.

A plans *file* that is byte for byte the one the last load read (and everything else its rows depend on
unchanged: the `[plans]` config, the managers its names resolve to, the account's time zone, this code,
and the plans rows and notes that load left) is not read again: the result would be the same, and
reading a spreadsheet costs a refresh that found nothing new about half a second. A table or query in
the back-office is read every time (the database does not say cheaply whether it changed).

A plan row names its manager the way people write spreadsheets: an amoCRM user id, an e-mail or a
display name (case-insensitive); an empty manager is the company row. A name that matches no user,
or two users, sends the row to quarantine rather than to the wrong person.
"""

from __future__ import annotations

import duckdb

from salesglass.config import Config
from salesglass.model.schema import PLANS, Kind
from salesglass.model.validate import load_staged
from salesglass.sources.platform.land import land_input
from salesglass.sources.platform.mapping import Target, staged_sql
from salesglass.sources.platform.progress import Reporter
from salesglass.sql import quote_lit, transaction

STAMP_TABLE = "platform_plans_read"  # the stamp of the plans file the last load read (`plans_stamp`)

SOURCE = "plans"
UNKNOWN = "unknown manager (not an amoCRM user id, e-mail or name)"
AMBIGUOUS = "ambiguous manager (matches more than one amoCRM user)"


def load_plans(con: duckdb.DuckDBPyConnection, cfg: Config, rep: Reporter):  # -> InputResult
    from salesglass.account_zone import resolve_zone
    from salesglass.errors import ConfigError
    from salesglass.sources.platform.load import FEW_ROWS, InputResult, _quarantine_rejects

    spec = cfg.plans
    if "manager_id" in spec.columns and "manager" not in spec.columns:
        spec = spec.model_copy(
            update={"columns": {("manager" if k == "manager_id" else k): v for k, v in spec.columns.items()}}
        )
    target = Target(PLANS, {"manager": Kind.TEXT})
    task = rep.start("plans", "plans → plans")
    landed = land_input(con, cfg, spec, target, into="__land_plans", label="[plans]")
    result = InputResult("plans", "plans", read=landed.rows)
    zone = resolve_zone(cfg, con).name
    staged = staged_sql(spec, target, landed.specs, landed.table, landed.types, zone, few_rows=landed.rows <= FEW_ROWS)
    if "manager" in landed.specs:
        unknown, ambiguous = quote_lit(UNKNOWN), quote_lit(AMBIGUOUS)
        staged = f"""
        WITH s AS ({staged}),
             keys AS (SELECT DISTINCT manager AS k FROM s WHERE manager IS NOT NULL),
             res AS (SELECT k, count(DISTINCT m.manager_id) AS n, min(m.manager_id) AS id
                     FROM keys LEFT JOIN managers m
                       ON TRY_CAST(k AS BIGINT) = m.manager_id OR lower(k) = lower(trim(m.email))
                          OR lower(k) = lower(trim(m.name))
                     GROUP BY k)
        SELECT s.* EXCLUDE (manager, __reason), res.id AS manager_id,
               COALESCE(s.__reason, CASE WHEN res.n = 0 THEN {unknown} WHEN res.n > 1 THEN {ambiguous} END)
                 AS __reason
        FROM s LEFT JOIN res ON res.k = s.manager"""
    try:
        con.execute(f"CREATE OR REPLACE TEMP VIEW __staged_plans AS {staged}")
        con.execute("SELECT * FROM __staged_plans LIMIT 0")
    except duckdb.Error as exc:
        raise ConfigError(f"[plans]: the mapping does not compute: {str(exc).splitlines()[0]}") from None
    try:
        with transaction(con):
            con.execute(f"DELETE FROM quarantine WHERE source = {quote_lit(SOURCE)}")
            res = load_staged(
                con,
                PLANS,
                "__staged_plans",
                source=SOURCE,
                replace_all=True,
                own_transaction=False,
                raw_table=landed.table,
            )
            result.loaded, result.quarantined, result.reasons = res.loaded, res.quarantined, dict(res.reasons)
            _quarantine_rejects(con, landed, SOURCE, "plans", result)
    finally:
        con.execute("DROP VIEW IF EXISTS __staged_plans")
        con.execute("DROP TABLE IF EXISTS __land_plans")
    rep.done(task, result.loaded, result.quarantined)
    return result


def plans_stamp(con: duckdb.DuckDBPyConnection, cfg: Config) -> str | None:
    """A hash of everything the plans rows are made from, when they come from a file (else None): the file's
    bytes, the `[plans]` config, the managers, the time zone, the code that reads them, and what the plans
    table and its quarantine notes hold now (rows changed by anything else are read again)."""
    import hashlib
    from pathlib import Path

    from salesglass.account_zone import resolve_zone

    if not cfg.plans.path:
        return None
    path = cfg.resolve(cfg.plans.path)
    try:
        digest = hashlib.sha256(path.read_bytes())
    except OSError:
        return None  # reading it will say what is wrong
    digest.update(cfg.plans.model_dump_json().encode())
    digest.update(resolve_zone(cfg, con).name.encode())
    here = Path(__file__).parent
    for code in (here / "plans.py", here / "file_reader.py", here / "mapping.py", here / "land.py"):
        digest.update(code.read_bytes())
    state = con.execute(f"""SELECT (SELECT count(*) || ':' || coalesce(sum(hash(m)), 0) FROM managers m),
        (SELECT count(*) || ':' || coalesce(sum(hash(p)), 0) FROM plans p),
        (SELECT count(*) || ':' || coalesce(sum(hash(reason, source_key, CAST(raw AS VARCHAR))), 0)
         FROM quarantine WHERE source = {quote_lit(SOURCE)})""").fetchall()[0]
    digest.update(repr(state).encode())
    return digest.hexdigest()


def stored_plans_stamp(con: duckdb.DuckDBPyConnection) -> str | None:
    con.execute(f"CREATE TABLE IF NOT EXISTS {STAMP_TABLE} (stamp VARCHAR)")
    row = con.execute(f"SELECT stamp FROM {STAMP_TABLE}").fetchone()
    return row[0] if row else None


def store_plans_stamp(con: duckdb.DuckDBPyConnection, stamp: str | None) -> None:
    with transaction(con):
        con.execute(f"CREATE TABLE IF NOT EXISTS {STAMP_TABLE} (stamp VARCHAR)")
        con.execute(f"DELETE FROM {STAMP_TABLE}")
        if stamp is not None:
            con.execute(f"INSERT INTO {STAMP_TABLE} VALUES ({quote_lit(stamp)})")
