"""What the canonical amoCRM tables were mapped from, and which raw records changed since.

Mapping every lead and event again after each sync costs seconds at 30,000 leads, while a refresh
brings a few hundred. So the mapping remembers, per raw record, the `synced_at` it mapped (an upsert
moves `synced_at` exactly when a record's data changes: store.upsert), and maps again only the leads
and companies whose own record, trash record or events differ from that; every other canonical row
is what a full mapping would write again. Everything else that shapes the mapping — the `[amocrm]`
config, the account's lists as resolved against it (pipelines and statuses, custom fields and their
enums, user groups), the users and loss reasons, and this package's mapping code — forms one key: when
it changes, everything is mapped again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import duckdb

from salesglass.sources.amocrm.resolve import Resolved

# raw table → its mapped-state table; lead-shaped raw tables put their ids in the lead scope
TRACKED = {
    "raw_amocrm_leads": "amocrm_mapped_leads",
    "raw_amocrm_deleted_leads": "amocrm_mapped_deleted_leads",
    "raw_amocrm_events": "amocrm_mapped_events",
    "raw_amocrm_companies": "amocrm_mapped_companies",
    "raw_amocrm_deleted_companies": "amocrm_mapped_deleted_companies",
}
LEAD_SCOPE, COMPANY_SCOPE = "__amo_scope_leads", "__amo_scope_companies"
_SCOPE_OF = {  # the scope a changed row of each table puts an id into, and which column holds that id
    "raw_amocrm_leads": (LEAD_SCOPE, "id"),
    "raw_amocrm_deleted_leads": (LEAD_SCOPE, "id"),
    "raw_amocrm_events": (LEAD_SCOPE, "entity_id"),
    "raw_amocrm_companies": (COMPANY_SCOPE, "id"),
    "raw_amocrm_deleted_companies": (COMPANY_SCOPE, "id"),
}
# the code that decides what a raw record becomes: a new version maps everything again
_CODE = ("mapping.py", "field_values.py", "resolve.py", "changes.py")


def _id_type(raw: str) -> str:
    return "VARCHAR" if raw == "raw_amocrm_events" else "BIGINT"


def init(con: duckdb.DuckDBPyConnection) -> None:
    for raw, mapped in TRACKED.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {mapped} (id {_id_type(raw)}, synced_at TIMESTAMPTZ)")


def mapping_key(con: duckdb.DuckDBPyConnection, res: Resolved, config_key: str) -> str:
    """Everything but the leads, companies and events that decides the canonical rows, as one hash."""
    here = Path(__file__).parent
    digest = hashlib.sha256(config_key.encode())
    for name in _CODE:
        digest.update((here / name).read_bytes())
    model = Path(__file__).parents[2] / "model"
    for name in ("schema.py", "validate.py"):  # the canonical columns and how staged rows are checked
        digest.update((model / name).read_bytes())
    digest.update(_resolved_text(res).encode())
    for table in ("raw_amocrm_users", "raw_amocrm_loss_reasons"):  # managers; loss reasons' names
        rows = con.execute(f"SELECT count(*), coalesce(sum(hash(id, CAST(data AS VARCHAR))), 0) FROM {table}")
        digest.update(repr(rows.fetchall()).encode())
    return digest.hexdigest()


def _resolved_text(res: Resolved) -> str:
    """The resolved config in a stable text form (sets sorted, tuple keys as text); warnings left out."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return sorted((repr(k), plain(v)) for k, v in value.items())
        if isinstance(value, set | frozenset):
            return sorted(repr(v) for v in value)
        return value

    fields = {k: plain(v) for k, v in vars(res).items() if k != "unmapped"}
    return json.dumps(fields, sort_keys=True, default=repr)


def stage_scope(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """Temp tables of the raw rows that differ from what was mapped (new, changed or gone) per raw table,
    and the lead and company ids they touch (`__amo_scope_leads`, `__amo_scope_companies`). Returns the
    number of leads and companies to map again."""
    for raw, mapped in TRACKED.items():
        con.execute(f"""CREATE OR REPLACE TEMP TABLE __changed_{raw} AS
            SELECT r.id, r.{_SCOPE_OF[raw][1]} AS scope_id FROM {raw} r
            ANTI JOIN {mapped} m ON m.id = r.id AND m.synced_at IS NOT DISTINCT FROM r.synced_at
            UNION ALL
            SELECT m.id, NULL FROM {mapped} m ANTI JOIN {raw} r ON r.id = m.id""")
    counts = []
    for scope in (LEAD_SCOPE, COMPANY_SCOPE):
        parts = " UNION ".join(
            f"SELECT CAST(scope_id AS BIGINT) AS id FROM __changed_{raw} WHERE scope_id IS NOT NULL"
            for raw, (s, _) in _SCOPE_OF.items()
            if s == scope
        )
        con.execute(f"CREATE OR REPLACE TEMP TABLE {scope} AS {parts}")
        counts.append(con.execute(f"SELECT count(*) FROM {scope}").fetchall()[0][0])
    return counts[0], counts[1]


def remember(con: duckdb.DuckDBPyConnection, *, full: bool) -> None:
    """Record the raw rows just mapped (call inside the mapping's transaction): all of them after a full
    mapping, else those `stage_scope` found changed."""
    for raw, mapped in TRACKED.items():
        if full:
            con.execute(f"DELETE FROM {mapped}")
            con.execute(f"INSERT INTO {mapped} SELECT id, synced_at FROM {raw}")
            continue
        changed = f"(SELECT id FROM __changed_{raw})"
        con.execute(f"DELETE FROM {mapped} WHERE id IN {changed}")
        con.execute(f"INSERT INTO {mapped} SELECT id, synced_at FROM {raw} WHERE id IN {changed}")


def drop_scope(con: duckdb.DuckDBPyConnection) -> None:
    for raw in TRACKED:
        con.execute(f"DROP TABLE IF EXISTS __changed_{raw}")
    for scope in (LEAD_SCOPE, COMPANY_SCOPE):
        con.execute(f"DROP TABLE IF EXISTS {scope}")
