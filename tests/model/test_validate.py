"""Rows that cannot be used end in quarantine with their reason; good rows load exactly."""

from decimal import Decimal

import pytest

from salesglass.errors import ConfigError
from salesglass.model.schema import PARTNERS, PLANS, SALES
from salesglass.model.validate import load_staged


def _stage(con, sql: str) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE staged AS {sql}")


def test_bad_sales_rows_are_quarantined_with_reasons(warehouse):
    _stage(
        warehouse,
        """
        SELECT * FROM (VALUES
          ('s1', 'p1', '2024-01-05 10:00:00+00', '2', '1000.50', '60.00', '20.00', 'widget'),
          ('s2', 'p1', 'not a date',             '1', '10',      '1',     '0',     'widget'),
          ('s3', 'p1', '2024-01-05 11:00:00+00', '1', '10.005',  '1',     '0',     'widget'),
          ('s1', 'p2', '2024-01-06 10:00:00+00', '1', '5',       '1',     '0',     'widget'),
          (NULL, 'p2', '2024-01-06 10:00:00+00', '1', '5',       '1',     '0',     'widget'),
          ('s4', NULL, '2024-01-07 10:00:00+00', '-1', '-500,25', '-30',  '-10',   'yandex')
        ) v(sale_id, partner_id, sold_at, tickets, turnover, revenue, cost, channel)""",
    )
    res = load_staged(warehouse, SALES, "staged", source="platform")
    assert res.loaded == 2
    assert res.reasons == {
        "bad sold_at: not a valid timestamptz": 1,
        "bad turnover: more than 2 decimal places": 1,
        "duplicate key (sale_id) in this batch": 1,
        "missing sale_id": 1,
    }
    total = warehouse.execute("SELECT sum(turnover), sum(tickets) FROM sales").fetchone()
    assert total == (Decimal("500.25"), 1)
    q = warehouse.execute("SELECT source, entity, reason, raw->>'sold_at' FROM quarantine ORDER BY reason").fetchall()
    assert ("platform", "sales", "bad sold_at: not a valid timestamptz", "not a date") in q


def test_reload_replaces_rows_by_key(warehouse):
    _stage(warehouse, "SELECT 'p1' partner_id, 'A' AS name, 'organizer' AS kind")
    load_staged(warehouse, PARTNERS, "staged", source="platform")
    _stage(warehouse, "SELECT 'p1' partner_id, 'A2' AS name, 'operator' AS kind UNION ALL SELECT 'p2', 'B', 'agent'")
    res = load_staged(warehouse, PARTNERS, "staged", source="platform")
    assert res.loaded == 1 and res.reasons == {"unknown kind (expected one of: organizer, operator)": 1}
    assert warehouse.execute("SELECT partner_id, name, kind FROM partners").fetchall() == [("p1", "A2", "operator")]


def test_plans_merge_on_nullable_manager(warehouse):
    _stage(
        warehouse,
        "SELECT DATE '2024-01-01' AS month, NULL::BIGINT manager_id, 'turnover' metric, "
        "'100' realistic, '120' optimistic",
    )
    load_staged(warehouse, PLANS, "staged", source="plans")
    load_staged(warehouse, PLANS, "staged", source="plans")
    assert warehouse.execute("SELECT count(*) FROM plans").fetchone()[0] == 1


def test_a_company_plan_given_twice_is_quarantined_not_doubled(warehouse):
    """A plans spreadsheet with the company's October row twice (copied lines): both loaded, and the plan vs
    fact report summed them into a plan twice as high. The repeat is now quarantined like any repeated key,
    whose manager is empty (NULL) included."""
    _stage(
        warehouse,
        """SELECT * FROM (VALUES
          (DATE '2026-10-01', NULL::BIGINT, 'turnover', '100000', '150000'),
          (DATE '2026-10-01', NULL::BIGINT, 'turnover', '100000', '150000'),
          (DATE '2026-10-01', 7::BIGINT, 'turnover', '5000', '6000'),
          (DATE '2026-10-01', 7::BIGINT, 'turnover', '5500', '6000'),
          (DATE '2026-10-01', NULL::BIGINT, 'revenue', '10000', '15000')
        ) v(month, manager_id, metric, realistic, optimistic)""",
    )
    res = load_staged(warehouse, PLANS, "staged", source="plans", replace_all=True)
    assert res.reasons == {"duplicate key (month, manager_id, metric) in this batch": 2}
    assert warehouse.execute(
        "SELECT manager_id, metric, realistic FROM plans ORDER BY metric, manager_id NULLS FIRST"
    ).fetchall() == [
        (None, "revenue", Decimal("10000.00")),
        (None, "turnover", Decimal("100000.00")),
        (7, "turnover", Decimal("5000.00")),
    ]


def test_missing_required_column_is_a_config_error_naming_it(warehouse):
    _stage(warehouse, "SELECT 's1' sale_id, 1 tickets")
    with pytest.raises(ConfigError, match="sold_at"):
        load_staged(warehouse, SALES, "staged", source="platform")


def test_sub_cent_money_in_a_decimal_column_is_caught_even_where_rounding_overflows(warehouse):
    # a DECIMAL(5,3) source: 99.999 rounds to 100.00, which DECIMAL(5,3) cannot hold
    _stage(
        warehouse,
        """
        SELECT * FROM (VALUES ('s1', 99.999::DECIMAL(5,3)), ('s2', 99.990::DECIMAL(5,3)), ('s3', 10.125::DECIMAL(5,3)))
          v(sale_id, turnover)""",
    )
    warehouse.execute("""CREATE OR REPLACE TEMP TABLE staged AS SELECT sale_id, 'p1' AS partner_id,
        TIMESTAMPTZ '2024-01-05 10:00:00+00' AS sold_at, 1 AS tickets, turnover, 1.00 AS revenue, 0.00 AS cost
        FROM staged""")
    res = load_staged(warehouse, SALES, "staged", source="platform")
    assert res.reasons == {"bad turnover: more than 2 decimal places": 2}
    assert warehouse.execute("SELECT sale_id, turnover FROM sales").fetchall() == [("s2", Decimal("99.99"))]


@pytest.mark.parametrize(
    "keys, repeated",
    [
        (["s1", "s2", "s3", "s4"], 0),  # no repeat
        (["s1", "s2", "s2", "s3"], 1),  # in key order but for one repeat next to its twin
        (["s3", "s1", "s4", "s1"], 1),  # out of order, the repeat far from its twin
        (["s1", "s2", "s1", "s2", "s3"], 2),
    ],
)
def test_a_repeated_key_is_caught_whatever_the_order(warehouse, keys, repeated):
    rows = ", ".join(f"('{k}', {i})" for i, k in enumerate(keys))
    warehouse.execute(f"""CREATE OR REPLACE TEMP TABLE staged AS SELECT k AS sale_id, 'p1' AS partner_id,
        TIMESTAMPTZ '2024-01-05 10:00:00+00' + i * INTERVAL 1 HOUR AS sold_at, 1 AS tickets, 10.00 AS turnover,
        1.00 AS revenue, 0.00 AS cost FROM (VALUES {rows}) v(k, i)""")
    res = load_staged(warehouse, SALES, "staged", source="platform")
    assert res.reasons == ({"duplicate key (sale_id) in this batch": repeated} if repeated else {})
    assert res.loaded == len(set(keys))
    # the first row of a key wins
    first = {k: i for i, k in reversed(list(enumerate(keys)))}
    got = warehouse.execute("SELECT sale_id, sold_at FROM sales ORDER BY sale_id").fetchall()
    assert [(k, ts.hour - 10) for k, ts in got] == sorted(first.items())


def test_a_vocabulary_word_in_any_case_is_that_word(warehouse):
    """Every source's rows (amoCRM's too) pass here: 'Organizer' is organizer, 'organiser' is not."""
    _stage(
        warehouse,
        "SELECT * FROM (VALUES ('p1', ' Organizer '), ('p2', 'OPERATOR'), ('p3', 'organiser'), ('p4', ' '))"
        " v(partner_id, kind)",
    )
    res = load_staged(warehouse, PARTNERS, "staged", source="platform")
    assert res.reasons == {"unknown kind (expected one of: organizer, operator)": 1, "missing kind": 1}
    assert warehouse.execute("SELECT partner_id, kind FROM partners ORDER BY 1").fetchall() == [
        ("p1", "organizer"),
        ("p2", "operator"),
    ]
