"""A synthetic canonical company generated with DuckDB SQL (deterministic: hash-based, no RNG state).

Used by the engine-equality and invariant tests (small sizes) and by bench/reports.py (scale m:
10 million sales, 10 000 partners, 30 000 deals). Messy on purpose: NULL client kinds and managers,
deleted deals, refunds, support / unknown / partner-less sales, sub-second timestamps, facts after
as_of, milestones before deal creation.
"""

from __future__ import annotations

from datetime import date

START = "2023-01-01 00:00:00+00"
DAYS = 760  # data runs to early 2025; AS_OF cuts it
AS_OF = date(2024, 12, 10)


def _h(expr: str, salt: int) -> str:
    """A deterministic pseudo-random non-negative integer from an integer expression."""
    return f"((hash(({expr}) * 1000003 + {salt}) % 1000000007)::BIGINT)"


def synthesize(con, *, managers: int = 40, partners: int = 300, deals: int = 900, sales: int = 30_000) -> None:
    """Create and fill the canonical tables in a DuckDB connection (tables must not exist yet)."""
    m, p, n = managers, partners, deals
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"""CREATE TABLE managers AS SELECT i::BIGINT AS manager_id, 'Manager ' || i AS name,
        'm' || i || '@example.ru' AS email,
        CASE i % 3 WHEN 0 THEN 'development' WHEN 1 THEN 'sales' ELSE 'both' END AS role,
        i % 7 <> 0 AS is_active FROM range(1, {m + 1}) t(i)""")
    ts = lambda days_expr, salt: (  # noqa: E731
        f"(TIMESTAMPTZ '{START}' + to_microseconds((({days_expr}) * 86400000000::BIGINT"
        f" + {_h('i', salt)} % 86400000000)::BIGINT))"
    )
    con.execute(f"""CREATE TABLE partners AS SELECT 'P' || i AS partner_id, 'Partner ' || i AS name,
        CASE WHEN i % 4 = 0 THEN 'operator' ELSE 'organizer' END AS kind, NULL::TEXT AS inn,
        {ts(f"{_h('i', 1)} % 400", 2)} AS created_at,
        CASE WHEN i % 5 = 0 THEN NULL ELSE {ts(f"{_h('i', 3)} % {DAYS}", 4)} END AS contract_signed_at,
        CASE WHEN i % 3 = 0 THEN NULL ELSE {ts(f"{_h('i', 5)} % {DAYS}", 6)} END AS widget_installed_at,
        CASE WHEN i % 6 = 0 THEN NULL ELSE (1 + {_h("i", 7)} % {m})::BIGINT END AS development_manager_id,
        i % 50 = 0 AS is_support FROM range(1, {p + 1}) t(i)""")
    con.execute(f"""CREATE TABLE deals AS SELECT i::BIGINT AS deal_id, 'Deal ' || i AS name, 1::BIGINT AS pipeline_id,
        10::BIGINT AS status_id, NULL::TEXT AS stage,
        CASE WHEN i % 11 = 0 THEN NULL ELSE ({_h("i", 8)} % 100000000 / 100.0)::DECIMAL(18,2) END AS price,
        CASE WHEN i % 17 = 0 THEN NULL ELSE (1 + {_h("i", 9)} % {m})::BIGINT END AS sales_manager_id,
        CASE WHEN i % 5 = 0 THEN NULL ELSE 'P' || (1 + {_h("i", 10)} % {p}) END AS partner_id,
        CASE i % 9 WHEN 0 THEN NULL WHEN 1 THEN 'operator' ELSE 'organizer' END AS client_kind,
        CASE WHEN i % 13 = 0 THEN NULL ELSE i % 4 = 0 END AS is_cold,
        {ts(f"{_h('i', 11)} % {DAYS}", 12)} AS created_at, NULL::TIMESTAMPTZ AS updated_at,
        NULL::TIMESTAMPTZ AS closed_at, FALSE AS is_won, FALSE AS is_lost, NULL::TEXT AS loss_reason,
        i % 41 = 0 AS is_deleted, NULL::BIGINT AS company_id, NULL::TEXT AS platform_account_id
        FROM range(1, {n + 1}) t(i)""")
    con.execute(f"""UPDATE deals SET
        is_won = deal_id % 3 = 0, is_lost = deal_id % 3 = 1,
        closed_at = CASE WHEN deal_id % 3 < 2 THEN created_at + to_microseconds(
            ({_h("deal_id", 13)} * 1000003 % (120 * 86400000000::BIGINT))::BIGINT) END""")
    # amoCRM history: creation + some intermediate statuses + won → first_sale
    con.execute(f"""CREATE TABLE deal_stages AS
        SELECT deal_id, 'lead' AS stage, created_at AS reached_at, 'created' AS source FROM deals
        UNION ALL
        SELECT deal_id, s.stage, created_at + to_microseconds(
            ({_h("deal_id * 7 + s.k", 14)} * 1000003 % (s.k * 20 * 86400000000::BIGINT))::BIGINT), 'amocrm'
        FROM deals, (VALUES (2, 'negotiation'), (3, 'proposal'), (4, 'contract_signed'),
                            (5, 'widget_installed')) s(k, stage)
        WHERE {_h("deal_id * 5 + s.k", 15)} % 10 < 8 - s.k
        UNION ALL
        SELECT deal_id, 'first_sale', closed_at, 'amocrm' FROM deals WHERE is_won""")
    con.execute(f"""CREATE TABLE sales AS SELECT 'S' || i AS sale_id,
        CASE WHEN i % 97 = 0 THEN NULL WHEN i % 89 = 0 THEN 'UNKNOWN' || (i % 7)
             ELSE 'P' || (1 + {_h("i", 16)} % {p}) END AS partner_id,
        NULL::TEXT AS event_id,
        TIMESTAMPTZ '{START}' + to_microseconds(({_h("i", 17)} * 1000003 % ({DAYS} * 86400000000::BIGINT))::BIGINT)
            AS sold_at,
        (CASE WHEN i % 23 = 0 THEN -1 ELSE 1 END * (i % 5))::INTEGER AS tickets,
        (CASE WHEN i % 23 = 0 THEN -1 ELSE 1 END * ({_h("i", 18)} % 500000) / 100.0)::DECIMAL(18,2) AS turnover,
        0::DECIMAL(18,2) AS revenue, 0::DECIMAL(18,2) AS cost,
        CASE WHEN i % 3 = 0 THEN 'yandex' ELSE 'widget' END AS channel
        FROM range(1, {sales + 1}) t(i)""")
    con.execute("""UPDATE sales SET revenue = (turnover * 0.1)::DECIMAL(18,2),
        cost = (turnover * ((abs(turnover) * 100)::BIGINT % 7) / 100)::DECIMAL(18,2)""")
    con.execute(f"""CREATE TABLE plans AS SELECT (DATE '2023-01-01' + to_months(mo::INTEGER))::DATE AS month,
        mgr AS manager_id, metric,
        ({_h("mo * 31 + coalesce(mgr, 0) + length(metric)", 20)} % 10000000 / 100.0)::DECIMAL(18,2) AS realistic,
        ({_h("mo * 37 + coalesce(mgr, 0) + length(metric)", 21)} % 12000000 / 100.0)::DECIMAL(18,2) AS optimistic
        FROM range(0, 30) a(mo), (SELECT NULL::BIGINT AS mgr UNION ALL SELECT i FROM range(1, {min(m, 8) + 1}) b(i)),
             (VALUES ('turnover'), ('revenue'), ('margin'), ('tickets'), ('new_partners')) c(metric)""")
    from salesglass.model.ddl import create_table_sql
    from salesglass.model.schema import TABLES

    made = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for empty in TABLES.keys() - made:  # the rest of the model empty, a table added to it later included
        con.execute(create_table_sql(TABLES[empty], "duckdb"))


def as_arrow(con) -> dict:
    """The canonical tables as Arrow tables with exactly the canonical column order and types."""
    from salesglass.model.schema import CANONICAL
    from tests.reports.canon_io import arrow_schema

    out = {}
    for t in CANONICAL:
        cols = ", ".join(f'"{c}"' for c in t.names)
        out[t.name] = con.execute(f'SELECT {cols} FROM "{t.name}"').to_arrow_table().cast(arrow_schema(t))
    return out
