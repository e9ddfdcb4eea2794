"""The raw layer and the sync state in the warehouse.

Raw API records are kept as JSON, one row per id, so the canonical tables can always be rebuilt
from them (a mapping change needs no new download). Every page is written together with the stream's
watermark in one DuckDB transaction: a sync killed at any point restarts from a watermark that
describes exactly the rows already stored, and upserts make the overlap harmless.
"""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa

from salesglass.sql import quote_lit, transaction

# The big raw tables have no PRIMARY KEY: DuckDB writes a table's whole key index again at every checkpoint
# after a change (1 CPU-s for the 114,000 event ids at scale m, as much as mapping a 1 % change), so `upsert`
# keeps one row per id itself, inside the page's transaction.
UNKEYED = (
    "raw_amocrm_leads",
    "raw_amocrm_deleted_leads",
    "raw_amocrm_companies",
    "raw_amocrm_deleted_companies",
    "raw_amocrm_events",
)
RAW_TABLES = {
    # table: its columns' DDL, the id (one row per id) first
    "raw_amocrm_leads": "id BIGINT, updated_at BIGINT, data JSON, synced_at TIMESTAMPTZ",
    "raw_amocrm_deleted_leads": "id BIGINT, updated_at BIGINT, data JSON, synced_at TIMESTAMPTZ",
    "raw_amocrm_companies": "id BIGINT, updated_at BIGINT, data JSON, synced_at TIMESTAMPTZ",
    "raw_amocrm_deleted_companies": "id BIGINT, updated_at BIGINT, data JSON, synced_at TIMESTAMPTZ",
    "raw_amocrm_events": "id VARCHAR, type VARCHAR, entity_type VARCHAR, entity_id BIGINT, "
    "created_at BIGINT, data JSON, synced_at TIMESTAMPTZ",
    "raw_amocrm_users": "id BIGINT PRIMARY KEY, data JSON, synced_at TIMESTAMPTZ",
    "raw_amocrm_pipelines": "id BIGINT PRIMARY KEY, data JSON, synced_at TIMESTAMPTZ",
    "raw_amocrm_lead_fields": "id BIGINT PRIMARY KEY, data JSON, synced_at TIMESTAMPTZ",
    "raw_amocrm_company_fields": "id BIGINT PRIMARY KEY, data JSON, synced_at TIMESTAMPTZ",
    "raw_amocrm_loss_reasons": "id BIGINT PRIMARY KEY, data JSON, synced_at TIMESTAMPTZ",
    "raw_amocrm_account": "id BIGINT PRIMARY KEY, data JSON, synced_at TIMESTAMPTZ",
    "amocrm_sync_state": "stream VARCHAR PRIMARY KEY, watermark BIGINT, rows BIGINT, updated_at TIMESTAMPTZ",
}


MAPPED_STATE = "amocrm_mapped_state"  # what the canonical tables were last mapped from (sync._map)


def init_raw(con: duckdb.DuckDBPyConnection) -> None:
    for name, cols in RAW_TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({cols})")
    keyed = {
        r[0]
        for r in con.execute("""SELECT table_name FROM duckdb_constraints()
                                WHERE database_name = current_database() AND schema_name = 'main'
                                  AND constraint_type = 'PRIMARY KEY'""").fetchall()
    }
    for name in UNKEYED:
        if name in keyed:  # a warehouse from before: the same rows in a table without the key index
            with transaction(con):
                con.execute(f"CREATE TABLE __unkeyed ({RAW_TABLES[name]})")
                con.execute(f"INSERT INTO __unkeyed SELECT * FROM {name}")
                con.execute(f"DROP TABLE {name}")
                con.execute(f"ALTER TABLE __unkeyed RENAME TO {name}")
    con.execute(f"CREATE TABLE IF NOT EXISTS {MAPPED_STATE} (config_key VARCHAR, raw_mark VARCHAR)")


def warm_up(con: duckdb.DuckDBPyConnection) -> None:
    """DuckDB's first parameter binding and first Arrow scan import heavy modules (seconds, holding the GIL);
    pay that before the first request, not in the middle of a paced download."""
    con.register("__warm", pa.table({"x": [0]}))
    con.execute("SELECT x + ? FROM __warm", [0]).fetchall()
    con.unregister("__warm")


def watermarks(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return dict(con.execute("SELECT stream, watermark FROM amocrm_sync_state").fetchall())


def _arrow(records: list[dict], table: str) -> pa.Table:
    cols: dict[str, list] = {
        "id": [r["id"] for r in records],
        "data": [json.dumps(r, ensure_ascii=False) for r in records],
    }
    if table == "raw_amocrm_events":
        cols["type"] = [r.get("type") for r in records]
        cols["entity_type"] = [r.get("entity_type") for r in records]
        cols["entity_id"] = [r.get("entity_id") for r in records]
        cols["created_at"] = [r.get("created_at") for r in records]
        cols["id"] = [str(i) for i in cols["id"]]
    elif "updated_at" in RAW_TABLES[table]:
        cols["updated_at"] = [r.get("updated_at") for r in records]
    return pa.table(cols)


def upsert(con: duckdb.DuckDBPyConnection, table: str, records: list[dict]) -> None:
    """Insert or replace records by id; a stored newer version (greater updated_at) is kept. Call inside a
    transaction when `table` has no key (`UNKEYED`): the old row goes and the new one comes together."""
    if not records:
        return
    batch = _arrow(records, table)
    con.register("__batch", batch)
    try:
        names = batch.column_names
        cols = ", ".join(names)
        values = ", ".join(f"CAST({c} AS JSON) AS {c}" if c == "data" else c for c in names)
        if table not in UNKEYED:
            sets = ", ".join(f"{c} = excluded.{c}" for c in names if c != "id")
            # a record read again unchanged (the overlap window, an unchanged reference list) is left alone:
            # its synced_at then tells the sync whether anything new arrived (`raw_mark`)
            guard = f" WHERE excluded.data IS DISTINCT FROM {table}.data" + (
                f" AND (excluded.updated_at >= {table}.updated_at OR {table}.updated_at IS NULL)"
                if "updated_at" in names
                else ""
            )
            con.execute(f"""INSERT INTO {table} ({cols}, synced_at)
                            SELECT {values}, now() FROM __batch
                            ON CONFLICT (id) DO UPDATE SET {sets}, synced_at = excluded.synced_at{guard}""")
            return
        # the same rule without a key: the batch's last copy of each id, written when it is new, or
        # different and not older than the stored one (which then goes)
        newer = " AND (b.updated_at >= t.updated_at OR t.updated_at IS NULL)" if "updated_at" in names else ""
        con.execute(f"""CREATE OR REPLACE TEMP TABLE __upsert AS
            SELECT b.*, t.id IS NOT NULL AS __stored
            FROM (SELECT {values} FROM (SELECT *, row_number() OVER () AS __n FROM __batch)
                  QUALIFY row_number() OVER (PARTITION BY id ORDER BY __n DESC) = 1) b
            LEFT JOIN {table} t ON t.id = b.id
            WHERE t.id IS NULL OR (b.data IS DISTINCT FROM t.data{newer})""")
        con.execute(f"DELETE FROM {table} WHERE id IN (SELECT id FROM __upsert WHERE __stored)")
        con.execute(f"INSERT INTO {table} ({cols}, synced_at) SELECT {cols}, now() FROM __upsert")
        con.execute("DROP TABLE __upsert")
    finally:
        con.unregister("__batch")


def replace_all(con: duckdb.DuckDBPyConnection, table: str, records: list[dict]) -> bool:
    """A small reference list (users, pipelines, fields…) as it is now; call inside a transaction.
    Left untouched (False) when it is exactly what is stored."""
    stored = [json.loads(r[0]) for r in con.execute(f"SELECT data FROM {table} ORDER BY id").fetchall()]
    if stored == sorted(records, key=lambda r: r["id"]):
        return False
    con.execute(f"DELETE FROM {table}")
    upsert(con, table, records)
    return True


def raw_mark(con: duckdb.DuckDBPyConnection) -> str:
    """When the raw layer last took in anything new or changed (its latest synced_at), with its row counts:
    the canonical tables need mapping again only when this moved (or the mapping's config changed)."""
    parts = " UNION ALL ".join(
        f"SELECT {i} AS i, max(synced_at) AS last_at, count(*) AS n FROM {name}"
        for i, name in enumerate(RAW_TABLES)
        if name != "amocrm_sync_state"
    )
    rows = con.execute(f"SELECT i, CAST(last_at AS VARCHAR), n FROM ({parts}) ORDER BY i").fetchall()
    return json.dumps(rows)


def mapped_state(con: duckdb.DuckDBPyConnection) -> tuple[str, str] | None:
    """(config key, raw mark) of the last mapping into the canonical tables, if one was recorded."""
    row = con.execute(f"SELECT config_key, raw_mark FROM {MAPPED_STATE}").fetchone()
    return (row[0], row[1]) if row else None


def save_mapped_state(
    con: duckdb.DuckDBPyConnection, config_key: str, mark: str, *, own_transaction: bool = True
) -> None:
    with transaction(con, enabled=own_transaction):
        con.execute(f"DELETE FROM {MAPPED_STATE}")
        con.execute(f"INSERT INTO {MAPPED_STATE} VALUES ({quote_lit(config_key)}, {quote_lit(mark)})")


def set_watermark(con: duckdb.DuckDBPyConnection, stream: str, watermark: int, rows: int) -> None:
    con.execute(
        """INSERT INTO amocrm_sync_state VALUES (?, ?, ?, now())
                   ON CONFLICT (stream) DO UPDATE SET watermark = excluded.watermark,
                   rows = amocrm_sync_state.rows + excluded.rows, updated_at = excluded.updated_at""",
        [stream, watermark, rows],
    )


def commit_page(
    con: duckdb.DuckDBPyConnection, table: str, records: list[dict], stream: str, watermark: int | None
) -> None:
    """One page and the watermark it justifies, in one transaction."""
    with transaction(con):
        upsert(con, table, records)
        if watermark is not None:
            set_watermark(con, stream, watermark, len(records))
