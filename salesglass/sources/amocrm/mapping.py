"""Raw amoCRM records → canonical managers, pipelines, companies, deals, deal_stages (set-based SQL in DuckDB).

Mapped in one transaction after every sync that brought something new: the leads and companies whose
raw records or events changed since the last mapping (changes.py), or all of them when the config, the
account's reference lists or this code changed — either way the canonical tables then hold what mapping
the whole raw layer afresh gives (tests/amocrm/test_incremental_mapping.py). Columns other areas own
survive: `deals.partner_id` (the linking step's) is carried over. Rows that cannot be used go to
`quarantine` with the reason. Custom fields are read whatever their type in the account
(field_values.py); a value that cannot be read leaves its column NULL and adds a quarantine note, while
the deal or company itself is loaded.

Deletions: a lead counts as deleted when its latest sign of deletion (seen in the trash via
`with=only_deleted`, or a `lead_deleted` event) is not older than its latest sign of life (seen in
the normal list, or `lead_restored`). A lead deleted before the first sync is known only from the
trash and its events: created_at from `lead_added`, pipeline/status from the last status change (or
the initial status `lead_added` carries). A status a lead was created in counts as reached then.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from salesglass.model.schema import COMPANIES, DEAL_STAGES, DEALS, MANAGERS, PIPELINES
from salesglass.model.validate import LoadResult, load_staged
from salesglass.plausible import AHEAD_SECONDS
from salesglass.sources.amocrm import changes
from salesglass.sources.amocrm import field_values as fv
from salesglass.sources.amocrm.resolve import Resolved
from salesglass.sql import quote_lit, quote_lits, transaction

SOURCE = "amocrm"


@dataclass
class MapResult:
    loaded: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)
    skipped_other_pipelines: int = 0
    unreadable_fields: int = 0  # field values that could not be read (record kept, value NULL, a note)


def _ids(values: set[int] | list[int]) -> str:
    return ", ".join(str(int(v)) for v in values) or "NULL"


def _texts(values: set[str]) -> str:
    return quote_lits(sorted(values))


def _register(con: duckdb.DuckDBPyConnection, res: Resolved) -> None:
    con.register(
        "__amo_stage_map",
        pa.table(
            {
                "pipeline_id": pa.array([k[0] for k in res.stage_of], pa.int64()),
                "status_id": pa.array([k[1] for k in res.stage_of], pa.int64()),
                "stage": pa.array(list(res.stage_of.values()), pa.string()),
            }
        ),
    )
    con.register(
        "__amo_known_status",
        pa.table(
            {
                "pipeline_id": pa.array([k[0] for k in res.known_statuses], pa.int64()),
                "status_id": pa.array([k[1] for k in res.known_statuses], pa.int64()),
            }
        ),
    )
    con.register(
        "__amo_user_roles",
        pa.table(
            {
                "id": pa.array(list(res.user_roles), pa.int64()),
                "role": pa.array(list(res.user_roles.values()), pa.string()),
            }
        ),
    )
    con.register(
        "__amo_group_roles",
        pa.table(
            {
                "id": pa.array(list(res.group_roles), pa.int64()),
                "role": pa.array(list(res.group_roles.values()), pa.string()),
            }
        ),
    )


def _scoped(table: str, column: str, scope: str | None) -> str:
    """The raw table, or only its rows whose `column` is in the temp table `scope` (an incremental mapping)."""
    if scope is None:
        return table
    return f"(SELECT * FROM {table} WHERE {column} IN (SELECT id FROM {scope}))"


def _stage_deals(con: duckdb.DuckDBPyConnection, res: Resolved, scope: str | None = None) -> None:
    lf = res.lead_fields
    leads = _scoped("raw_amocrm_leads", "id", scope)
    events = _scoped("raw_amocrm_events", "entity_id", scope)
    con.execute(
        fv.pivot_sql(
            "lead",
            leads,
            {
                "kind": lf.get("client_kind"),
                "cold": lf.get("cold_deal"),
                "acct": lf.get("lead_platform_account_id"),
                "loss": lf.get("loss_reason"),
            },
        )
    )
    created, closed = "TRY_CAST(b.d->>'$.created_at' AS BIGINT)", "TRY_CAST(b.d->>'$.closed_at' AS BIGINT)"
    notes: list[tuple[str, str]] = [
        (fv.FIELDS_NOT_A_LIST, fv.fields_not_a_list("b.d")),
        (CREATED_IMPLAUSIBLE, f"NOT {_plausible(created)}"),
        (CLOSED_IMPLAUSIBLE, f"{closed} <> 0 AND NOT {_plausible(closed)}"),
    ]
    kind_sql = "NULL"
    if lf.get("client_kind") is not None:
        kind_sql, both = fv.kind_sql("cf.kind", res.organizer, res.operator)
        notes.append((fv.KIND_BOTH, both))
    cold_sql = "NULL"
    if lf.get("cold_deal") is not None:
        value, bad = fv.cold_sql("cf.cold")
        cold_sql = f"CASE WHEN b.d IS NOT NULL THEN {value} END"
        notes.append((fv.COLD_UNREADABLE, f"(b.d IS NOT NULL AND {bad})"))
    acct_sql, bad_acct = fv.account_id_sql("cf.acct", res.field_types.get("lead_platform_account_id"))
    notes.append((fv.ACCOUNT_NOT_WHOLE, bad_acct))
    loss_sql = "cf.loss" if lf.get("loss_reason") is not None else "reason.name"
    lost = [
        fv.lost_enum_notes_sql(f"cf.{col}", res.field_names.get(name, str(lf[name])), int(lf[name] or 0))
        for col, name in (("kind", "client_kind"), ("cold", "cold_deal"), ("loss", "loss_reason"))
        if lf.get(name) is not None
    ]
    lost += [
        fv.odd_value_notes_sql(f"cf.{col}", res.field_names.get(name, str(lf[name])), int(lf[name] or 0))
        for col, name in (
            ("kind", "client_kind"),
            ("cold", "cold_deal"),
            ("acct", "lead_platform_account_id"),
            ("loss", "loss_reason"),
        )
        if lf.get(name) is not None
    ]
    if lf.get("cold_deal") is not None:  # a cold flag that is only an unknown enum id (or a list) is unknown, not warm
        cold_sql = (
            f"CASE WHEN cf.cold IS NULL AND (len(coalesce(cf.cold_lost, [])) > 0 OR cf.cold_odd > 0) THEN NULL "
            f"ELSE {cold_sql} END"
        )
    con.execute(f"""CREATE OR REPLACE TEMP TABLE __amo_deals AS
    WITH ids AS (SELECT id FROM {leads} UNION SELECT id FROM {_scoped("raw_amocrm_deleted_leads", "id", scope)}),
    ev AS (SELECT entity_id AS id,
                  max(created_at) FILTER (WHERE type = 'lead_deleted') AS deleted_ev,
                  max(created_at) FILTER (WHERE type = 'lead_restored') AS restored_ev,
                  min(created_at) FILTER (WHERE type = 'lead_added') AS added_at,
                  min(created_at) FILTER (WHERE {_plausible("created_at")}) AS first_ev
           FROM {events} WHERE entity_type = 'lead' GROUP BY 1),
    last_status AS (SELECT entity_id AS id, created_at AS at,
                  TRY_CAST(json_extract_string(data, '$.value_after[0].lead_status.pipeline_id') AS BIGINT) AS p,
                  TRY_CAST(json_extract_string(data, '$.value_after[0].lead_status.id') AS BIGINT) AS s
           FROM {events} WHERE type IN ('lead_status_changed', 'lead_added')
             AND json_extract(data, '$.value_after[0].lead_status') IS NOT NULL
           QUALIFY row_number() OVER (PARTITION BY entity_id ORDER BY created_at DESC, id DESC) = 1),
    last_resp AS (SELECT entity_id AS id, created_at AS at,
                  TRY_CAST(json_extract_string(data, '$.value_after[0].responsible_user.id') AS BIGINT) AS u
           FROM {events} WHERE type = 'entity_responsible_changed' AND entity_type = 'lead'
           QUALIFY row_number() OVER (PARTITION BY entity_id ORDER BY created_at DESC, id DESC) = 1),
    b AS (SELECT i.id, l.data AS d, l.updated_at AS alive_at, t.updated_at AS trash_at, t.data AS td,
                 ev.deleted_ev, ev.restored_ev, ev.added_at, ev.first_ev, ls.at AS status_at, ls.p, ls.s,
                 lr.at AS resp_at, lr.u
          FROM ids i LEFT JOIN raw_amocrm_leads l USING (id) LEFT JOIN raw_amocrm_deleted_leads t USING (id)
          LEFT JOIN ev USING (id) LEFT JOIN last_status ls USING (id) LEFT JOIN last_resp lr USING (id))
    SELECT b.id AS deal_id,
      b.d->>'$.name' AS name,
      CASE WHEN b.d IS NULL OR b.status_at > b.alive_at THEN coalesce(b.p, TRY_CAST(b.d->>'$.pipeline_id' AS BIGINT))
           ELSE TRY_CAST(b.d->>'$.pipeline_id' AS BIGINT) END AS pipeline_id,
      CASE WHEN b.d IS NULL OR b.status_at > b.alive_at THEN coalesce(b.s, TRY_CAST(b.d->>'$.status_id' AS BIGINT))
           ELSE TRY_CAST(b.d->>'$.status_id' AS BIGINT) END AS status_id,
      -- Kommo sends a budget with cents as `price_with_minor_units` (1250.5), `price` then being its whole part
      coalesce(CAST(round(TRY_CAST(b.d->>'$.price_with_minor_units' AS DOUBLE), 2) AS VARCHAR), b.d->>'$.price')
        AS price,
      CASE WHEN b.d IS NULL OR b.resp_at > b.alive_at THEN coalesce(b.u, TRY_CAST(b.d->>'$.responsible_user_id'
           AS BIGINT)) ELSE TRY_CAST(b.d->>'$.responsible_user_id' AS BIGINT) END AS sales_manager_id,
      {kind_sql} AS client_kind,
      {cold_sql} AS is_cold,
      -- a creation before 2000 or in the future (1811, an epoch 0) is no date: the first event's time stands in
      -- (else the last update's), with a note; a lead in the trash without its record has only `lead_added`
      to_timestamp(CASE WHEN {created} IS NULL THEN b.added_at WHEN {_plausible(created)} THEN {created}
                        ELSE coalesce(b.first_ev, CASE WHEN {_plausible("b.alive_at")} THEN b.alive_at END, {created})
                   END) AS created_at,
      to_timestamp(coalesce(greatest(TRY_CAST(b.d->>'$.updated_at' AS BIGINT), b.trash_at), b.trash_at)) AS updated_at,
      -- closed_at 0 is "not closed" (what some integrations write for an open deal); an absurd one is unknown
      to_timestamp(CASE WHEN {_plausible(closed)} THEN {closed} END) AS closed_at,
      {loss_sql} AS loss_reason,
      (greatest(b.trash_at, b.deleted_ev) IS NOT NULL
         AND greatest(b.trash_at, b.deleted_ev) >= coalesce(greatest(b.alive_at, b.restored_ev), -1)) AS is_deleted,
      TRY_CAST(b.d->'$._embedded.companies[0]'->>'$.id' AS BIGINT) AS company_id,
      {acct_sql} AS platform_account_id,
      {_concat([fv.notes_sql(notes), *lost])} AS field_notes,
      coalesce(b.d, b.td) AS raw
    FROM b LEFT JOIN __amo_lead_cf cf USING (id)
    LEFT JOIN (SELECT id AS reason_id, data->>'$.name' AS name FROM raw_amocrm_loss_reasons) reason
      ON reason.reason_id = TRY_CAST(b.d->>'$.loss_reason_id' AS BIGINT)""")
    # stage, won/lost and the partner link the linking step wrote
    con.execute(f"""CREATE OR REPLACE TEMP TABLE __amo_deals AS
        SELECT a.* REPLACE ({_budget_sql("a")}), m.stage, a.status_id = 142 AS is_won, a.status_id = 143 AS is_lost,
               (k.status_id IS NOT NULL) AS status_known, d.partner_id
        FROM __amo_deals a
        LEFT JOIN __amo_stage_map m USING (pipeline_id, status_id)
        LEFT JOIN __amo_known_status k USING (pipeline_id, status_id)
        LEFT JOIN deals d USING (deal_id)""")


CREATED_IMPLAUSIBLE = (
    "created_at is before 2000 or in the future (deal kept, created at its first event or last update)"
)
CLOSED_IMPLAUSIBLE = "closed_at is before 2000 or in the future (deal kept, close date unknown)"


def _plausible(epoch: str) -> str:
    """SQL: the Unix time `epoch` (seconds) is a date a deal can have — from 2000 (amoCRM began in the 2010s;
    imported deals may be older) to a day past now (clocks differ: plausible.AHEAD). NULL when `epoch` is NULL."""
    return f"({epoch} BETWEEN 946684800 AND epoch(now()) + {AHEAD_SECONDS})"


BUDGET_UNUSABLE = "budget is negative, not a number, or has more than 2 decimals (deal kept, budget unknown)"


def _budget_sql(a: str) -> str:
    """`price` and `field_notes` of the staged deals `a`: a budget that is no amount of money (negative,
    text, beyond DECIMAL(18,2), sub-kopeck) leaves the budget unknown with a note, like any field value
    that cannot be read, rather than quarantining the whole deal (a negative one summed into the budget
    won unseen)."""
    text = f"replace(replace(trim({a}.price), ' ', ''), ',', '.')"
    money, exact = f"TRY_CAST({text} AS DECIMAL(18,2))", f"TRY_CAST({text} AS DECIMAL(38,10))"
    bad = f"({a}.price IS NOT NULL AND NOT coalesce({money} >= 0 AND {money} = {exact}, FALSE))"
    return (
        f"CASE WHEN NOT {bad} THEN {a}.price END AS price, "
        f"CASE WHEN {bad} THEN list_append({a}.field_notes, {quote_lit(BUDGET_UNUSABLE)}) "
        f"ELSE {a}.field_notes END AS field_notes"
    )


def _quarantine(con: duckdb.DuckDBPyConnection, entity: str, where: str, reason_sql: str, relation: str) -> int:
    n = con.execute(f"SELECT count(*) FROM {relation} WHERE {where}").fetchall()[0][0]
    if n:
        source, what = quote_lit(SOURCE), quote_lit(entity)
        con.execute(f"""INSERT INTO quarantine (source, entity, source_key, reason, raw, seen_at)
                        SELECT {source}, {what}, CAST(deal_id AS VARCHAR), {reason_sql}, raw, now()
                        FROM {relation} WHERE {where}""")
    return n


def _notes(con: duckdb.DuckDBPyConnection, entity: str, key: str, relation: str) -> int:
    """One quarantine row per field value that could not be read; the record itself is loaded."""
    n = con.execute(f"SELECT coalesce(sum(len(field_notes)), 0) FROM {relation}").fetchall()[0][0]
    if n:
        source, what = quote_lit(SOURCE), quote_lit(entity)
        con.execute(f"""INSERT INTO quarantine (source, entity, source_key, reason, raw, seen_at)
                        SELECT {source}, {what}, CAST({key} AS VARCHAR), unnest(field_notes), raw, now()
                        FROM {relation}""")
    return int(n)


def _concat(lists: list[str]) -> str:
    """SQL lists joined into one (`list_concat` takes two at a time)."""
    out = lists[0]
    for more in lists[1:]:
        out = f"list_concat({out}, {more})"
    return out


STATUSES = "amocrm_statuses"  # each mapped status as last seen: its name and stage, kept once amoCRM drops it


def _keep_statuses(con: duckdb.DuckDBPyConnection) -> None:
    """`amocrm_statuses`: every status of the mapped pipelines with its name and the stage it maps to now;
    a status the account no longer lists (deleted, or its whole pipeline deleted) keeps its last name and
    stage, marked `status_deleted` (and `pipeline_deleted`). The deals' stage history reads the kept stages:
    an event naming a deleted pipeline's status is still the stage it was, on any remap (a deal's current
    stage does not: in a status that is gone it has none). An empty list (not read yet) changes nothing."""
    con.execute(f"""CREATE TABLE IF NOT EXISTS {STATUSES} (pipeline_id BIGINT, status_id BIGINT, status_name VARCHAR,
                    stage VARCHAR, status_deleted BOOLEAN, pipeline_deleted BOOLEAN)""")
    if not con.execute("SELECT EXISTS (SELECT 1 FROM raw_amocrm_pipelines)").fetchall()[0][0]:
        return
    # listed now: as mapped now (a status of a pipeline no longer mapped goes, as its leads stop being deals)
    con.execute(
        f"DELETE FROM {STATUSES} WHERE (pipeline_id, status_id) IN (SELECT (pipeline_id, status_id) "
        "FROM __amo_known_status)"
    )
    con.execute(f"""INSERT INTO {STATUSES}
        WITH listed AS (SELECT p.id AS pipeline_id, TRY_CAST(s->>'$.id' AS BIGINT) AS status_id,
                               s->>'$.name' AS status_name
                        FROM raw_amocrm_pipelines p, unnest(json_extract(p.data, '$._embedded.statuses[*]')) t(s))
        SELECT m.pipeline_id, m.status_id, l.status_name, m.stage, FALSE, FALSE
        FROM __amo_stage_map m LEFT JOIN listed l USING (pipeline_id, status_id)""")
    con.execute(f"""UPDATE {STATUSES} SET status_deleted = TRUE,
                        pipeline_deleted = pipeline_id NOT IN (SELECT id FROM raw_amocrm_pipelines)
                    WHERE (pipeline_id, status_id) NOT IN (SELECT (pipeline_id, status_id) FROM __amo_known_status)""")


def _deal_stages_sql() -> str:
    return f"""CREATE OR REPLACE TEMP TABLE __amo_stages AS
    WITH mapped AS (SELECT deal_id FROM __amo_deals_ok),
    st AS (
      SELECT deal_id, 'lead' AS stage, created_at AS reached_at, 'created' AS source, 0 AS rnk
      FROM __amo_deals_ok WHERE created_at IS NOT NULL
      UNION ALL
      SELECT e.entity_id, m.stage, to_timestamp(min(e.created_at)), 'amocrm', 1
      FROM (SELECT * FROM raw_amocrm_events WHERE entity_id IN (SELECT deal_id FROM mapped)) e
      JOIN (SELECT pipeline_id, status_id, stage FROM __amo_stage_map
            UNION ALL SELECT pipeline_id, status_id, stage FROM {STATUSES} WHERE status_deleted) m
        ON m.pipeline_id = TRY_CAST(json_extract_string(e.data, '$.value_after[0].lead_status.pipeline_id') AS BIGINT)
       AND m.status_id = TRY_CAST(json_extract_string(e.data, '$.value_after[0].lead_status.id') AS BIGINT)
      WHERE e.type IN ('lead_status_changed', 'lead_added') AND m.stage IS NOT NULL
      GROUP BY 1, 2)
    SELECT deal_id, stage, reached_at, source FROM st
    QUALIFY row_number() OVER (PARTITION BY deal_id, stage ORDER BY reached_at, rnk) = 1"""


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, res: Resolved) -> Iterator[None]:
    """The resolved config's lookup tables, registered for the mapping SQL, and gone afterwards."""
    _register(con, res)
    fv.register_enums(con, res.enum_values)
    try:
        yield
    finally:
        for name in ("__amo_stage_map", "__amo_known_status", "__amo_user_roles", "__amo_group_roles", "__amo_enums"):
            con.unregister(name)


KINDS = "amocrm_deal_kinds"  # each mapped deal's client kind as the mapping gave it (see build_canonical)


def build_canonical(
    con: duckdb.DuckDBPyConnection, res: Resolved, *, only_changed: bool = False, own_transaction: bool = True
) -> MapResult:
    """Map the raw layer into the canonical amoCRM tables, in one transaction.

    `only_changed`: only the leads and companies in `__amo_scope_leads` / `__amo_scope_companies`
    (changes.stage_scope) are mapped again, and the managers are kept (the users did not change, or
    the mapping key would have asked for everything); the result is what a full mapping gives.
    One thing a full mapping redoes for every deal: the client kind the linking step filled in from
    the partner where the lead has none (link/rules.py) goes back to the lead's own value, for the
    linking step to decide again. `amocrm_deal_kinds` keeps each mapped deal's own value for that.
    """
    out = MapResult()
    leads = changes.LEAD_SCOPE if only_changed else None
    companies = changes.COMPANY_SCOPE if only_changed else None
    with _registered(con, res), transaction(con, enabled=own_transaction):
        con.execute(f"CREATE TABLE IF NOT EXISTS {KINDS} (deal_id BIGINT, client_kind VARCHAR)")
        if only_changed:
            con.execute(f"""DELETE FROM quarantine WHERE source = {quote_lit(SOURCE)} AND (
                (entity IN ('deals', 'deal_stages') AND source_key IN (SELECT CAST(id AS VARCHAR) FROM {leads}))
                OR (entity = 'companies' AND source_key IN (SELECT CAST(id AS VARCHAR) FROM {companies})))""")
        else:
            con.execute(f"DELETE FROM quarantine WHERE source = {quote_lit(SOURCE)}")
            out.loaded["managers"] = _load(
                con,
                out,
                MANAGERS,
                """
                SELECT u.id AS manager_id, u.data->>'$.name' AS name, u.data->>'$.email' AS email,
                       coalesce(ur.role, gr.role, ?) AS role,
                       coalesce(TRY_CAST(u.data->'$.rights'->>'$.is_active' AS BOOLEAN), TRUE) AS is_active
                FROM raw_amocrm_users u LEFT JOIN __amo_user_roles ur ON ur.id = u.id
                LEFT JOIN __amo_group_roles gr ON gr.id = TRY_CAST(u.data->'$.rights'->>'$.group_id' AS BIGINT)""",
                [res.default_role],
            )
        _map_pipelines(con, res, out)
        _keep_statuses(con)
        _map_companies(con, res, out, companies)
        _map_deals(con, res, out, leads)
        _former_users(con, res, out, every_user_listed=not only_changed)
    return out


def _former_users(con: duckdb.DuckDBPyConnection, res: Resolved, out: MapResult, *, every_user_listed: bool) -> None:
    """A user deleted from the account leaves their leads and companies naming them, and `/users` no longer
    lists them: each such id gets a managers row (no name or e-mail, not active, the role a rule gives its id
    or the default), so their deals keep a manager with a role, in filters and bonus lines, shown as gone."""
    n = con.execute(
        """INSERT INTO managers (manager_id, name, email, role, is_active)
        SELECT r.id, NULL, NULL, coalesce(ur.role, ?), FALSE
        FROM (SELECT sales_manager_id AS id FROM deals UNION SELECT responsible_user_id FROM companies) r
        LEFT JOIN __amo_user_roles ur ON ur.id = r.id
        WHERE r.id > 0 AND r.id NOT IN (SELECT manager_id FROM managers)""",
        [res.default_role],
    ).fetchall()[0][0]
    if n:
        out.loaded["managers"] = out.loaded.get("managers", 0) + int(n)
    if every_user_listed:  # the users list as read now: one deleted since an earlier sync is not active any more
        con.execute("""UPDATE managers SET is_active = FALSE WHERE is_active
                       AND manager_id NOT IN (SELECT id FROM raw_amocrm_users)
                       AND EXISTS (SELECT 1 FROM raw_amocrm_users)""")


def _map_pipelines(con: duckdb.DuckDBPyConnection, res: Resolved, out: MapResult) -> None:
    """The account's pipelines by name, mapped whole every time (at most 50 rows): a rename or an archived
    pipeline shows whatever else changed. One the account no longer lists keeps its row, marked deleted,
    so older deals still show its name; an empty list (not read yet) marks nothing."""
    out.loaded["pipelines"] = _load(
        con,
        out,
        PIPELINES,
        f"""SELECT id AS pipeline_id, data->>'$.name' AS name, TRY_CAST(data->>'$.sort' AS INTEGER) AS sort,
                   TRY_CAST(data->>'$.is_main' AS BOOLEAN) AS is_main,
                   TRY_CAST(data->>'$.is_archive' AS BOOLEAN) AS is_archive,
                   id IN ({_ids(res.pipelines)}) AS is_mapped, FALSE AS is_deleted
            FROM raw_amocrm_pipelines""",
    )
    con.execute("""UPDATE pipelines SET is_deleted = TRUE
                   WHERE NOT coalesce(is_deleted, FALSE) AND pipeline_id NOT IN (SELECT id FROM raw_amocrm_pipelines)
                     AND EXISTS (SELECT 1 FROM raw_amocrm_pipelines)""")


def _map_companies(con: duckdb.DuckDBPyConnection, res: Resolved, out: MapResult, scope: str | None) -> None:
    cf = res.company_fields
    rows = _scoped("raw_amocrm_companies", "id", scope)
    con.execute(fv.pivot_sql("company", rows, {"inn": cf.get("inn"), "acct": cf.get("platform_account_id")}))
    inn_sql, bad_inn = fv.inn_sql("cf.inn")
    acct_sql, bad_acct = fv.account_id_sql("cf.acct", res.field_types.get("company_platform_account_id"))
    trash = _scoped("raw_amocrm_deleted_companies", "id", scope)
    checks = [
        (fv.INN_DIGITS, bad_inn),
        (fv.ACCOUNT_NOT_WHOLE, bad_acct),
        (fv.FIELDS_NOT_A_LIST, fv.fields_not_a_list("d")),
    ]
    odd = [
        fv.odd_value_notes_sql(f"cf.{col}", res.field_names.get(f"company_{name}", str(cf[name])), int(cf[name] or 0))
        for col, name in (("inn", "inn"), ("acct", "platform_account_id"))
        if cf.get(name) is not None
    ]
    con.execute(f"""CREATE OR REPLACE TEMP TABLE __amo_company_rows AS
        WITH b AS (SELECT i.id, c.data AS d, c.updated_at AS alive_at, t.updated_at AS trash_at, t.data AS td
                   FROM (SELECT id FROM {rows} UNION SELECT id FROM {trash}) i
                   LEFT JOIN raw_amocrm_companies c USING (id) LEFT JOIN raw_amocrm_deleted_companies t USING (id))
        SELECT b.id AS company_id, d->>'$.name' AS name, {inn_sql} AS inn, {acct_sql} AS platform_account_id,
               TRY_CAST(d->>'$.responsible_user_id' AS BIGINT) AS responsible_user_id,
               (trash_at IS NOT NULL AND trash_at >= coalesce(alive_at, -1)) AS is_deleted,
               {_concat([fv.notes_sql(checks), *odd])} AS field_notes,
               coalesce(d, td) AS raw
        FROM b LEFT JOIN __amo_company_cf cf USING (id)""")
    out.unreadable_fields += _notes(con, "companies", "company_id", "__amo_company_rows")
    out.loaded["companies"] = _load(con, out, COMPANIES, "SELECT * EXCLUDE (field_notes, raw) FROM __amo_company_rows")


def _map_deals(con: duckdb.DuckDBPyConnection, res: Resolved, out: MapResult, scope: str | None) -> None:
    _stage_deals(con, res, scope)
    listed = f"pipeline_id IN ({_ids({p for p, _ in res.known_statuses})})"
    other = f"pipeline_id IN ({_ids({p for p, _ in res.known_statuses} - res.pipelines)})"
    # a pipeline the account does not list (deleted, or a glitch) is not "another pipeline": like a status
    # the account does not list, the lead is a deal as amoCRM has it now — that pipeline and status, no stage
    # (kept as last seen it would go on counting in the stage it has left; in the trash, it is deleted) — when
    # it was a deal or its pipeline was mapped when last listed; a quarantine note says so either way
    gone = (
        f"(pipeline_id IS NOT NULL AND NOT ({listed}) AND (deal_id IN (SELECT deal_id FROM deals) "
        "OR pipeline_id IN (SELECT pipeline_id FROM pipelines WHERE is_mapped)))"
    )
    mapped = f"(pipeline_id IN ({_ids(res.pipelines)}) OR {gone})"
    out.skipped_other_pipelines = con.execute(f"SELECT count(*) FROM __amo_deals WHERE {other}").fetchall()[0][0]
    bad = 0
    bad += _quarantine(
        con,
        "deals",
        "pipeline_id IS NULL",
        "'deleted before the first sync, and no status change tells its pipeline'",
        "__amo_deals",
    )
    # a status the account does not list (deleted, or a glitch): the deal is loaded as amoCRM has it now, with
    # that status id and no stage, and a quarantine note says so (the data-quality page). Kept as last seen it
    # would go on counting in the stage it has left; dropped, the deal would vanish from its manager's list
    bad += _quarantine(
        con,
        "deals",
        f"{listed} AND {mapped} AND NOT status_known",
        "'status ' || status_id || ' of pipeline ' || pipeline_id || "
        "' does not exist in the account (deleted status?)'",
        "__amo_deals",
    )
    bad += _quarantine(
        con,
        "deals",
        f"pipeline_id IS NOT NULL AND NOT ({listed})",
        "'pipeline ' || pipeline_id || ' does not exist in the account (deleted pipeline?)'",
        "__amo_deals",
    )
    out.quarantined["deals"] = bad
    # a lead moved to a pipeline that is not mapped stops being a deal
    con.execute(f"""DELETE FROM deal_stages WHERE deal_id IN (SELECT deal_id FROM __amo_deals WHERE {other})""")
    con.execute(f"""DELETE FROM deals WHERE deal_id IN (SELECT deal_id FROM __amo_deals WHERE {other})""")
    con.execute(f"CREATE OR REPLACE TEMP TABLE __amo_gone AS SELECT deal_id FROM __amo_deals WHERE {gone}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE __amo_deals_ok AS SELECT * EXCLUDE (raw, status_known, "
        f"field_notes) FROM __amo_deals WHERE {mapped}"
    )
    out.unreadable_fields += _notes(con, "deals", "deal_id", f"__amo_deals WHERE {mapped}")
    out.loaded["deals"] = _record(out, load_staged(con, DEALS, "__amo_deals_ok", source=SOURCE, own_transaction=False))
    con.execute("DELETE FROM __amo_deals_ok WHERE deal_id NOT IN (SELECT deal_id FROM deals)")
    con.execute(_deal_stages_sql())
    # the stages a deal in a vanished pipeline reached stay (that pipeline's statuses are no longer listed,
    # so its events map to no stage now); only its creation is written again
    con.execute(
        "DELETE FROM deal_stages WHERE source IN ('created', 'amocrm') "
        "AND deal_id IN (SELECT deal_id FROM __amo_deals_ok) AND deal_id NOT IN (SELECT deal_id FROM __amo_gone)"
    )
    out.loaded["deal_stages"] = _record(
        out, load_staged(con, DEAL_STAGES, "__amo_stages", source=SOURCE, own_transaction=False)
    )
    # the deals' own client kinds: those mapped now replace theirs; the others get theirs back
    if scope is None:
        con.execute(f"DELETE FROM {KINDS}")
    else:
        con.execute(f"DELETE FROM {KINDS} WHERE deal_id IN (SELECT id FROM {scope})")
    con.execute(f"INSERT INTO {KINDS} SELECT deal_id, client_kind FROM __amo_deals_ok")
    if scope is not None:
        con.execute(f"""UPDATE deals SET client_kind = k.client_kind FROM {KINDS} k
                        WHERE deals.deal_id = k.deal_id AND deals.client_kind IS DISTINCT FROM k.client_kind""")


def _record(out: MapResult, result: LoadResult) -> int:
    out.quarantined[result.table] = out.quarantined.get(result.table, 0) + result.quarantined
    return result.loaded


def _load(con: duckdb.DuckDBPyConnection, out: MapResult, table, select: str, params: list | None = None) -> int:
    con.execute(f"CREATE OR REPLACE TEMP TABLE __amo_{table.name} AS {select}", params or [])
    return _record(out, load_staged(con, table, f"__amo_{table.name}", source=SOURCE, own_transaction=False))
