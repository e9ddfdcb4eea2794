"""What this area added to `load_staged`: source reasons, raw rows from the landed table, stricter checks."""

from __future__ import annotations

import json
from decimal import Decimal

from salesglass.model.schema import PLANS, SALES
from salesglass.model.validate import load_staged


def test_an_unusable_row_does_not_make_a_good_one_a_duplicate(warehouse):
    # the first plan row has a bad amount; the second with the same key is the one to keep
    warehouse.execute(
        "CREATE TEMP TABLE staged AS SELECT * FROM (VALUES (DATE '2024-03-01', 'turnover', 'lots', '1'),"
        " (DATE '2024-03-01', 'turnover', '100', '120')) v(month, metric, realistic, optimistic)"
    )
    res = load_staged(warehouse, PLANS, "staged", source="plans")
    assert (res.loaded, res.reasons) == (1, {"bad realistic: not a valid number": 1})
    assert warehouse.execute("SELECT realistic FROM plans").fetchall() == [(Decimal("100.00"),)]


def test_source_reason_comes_first_and_raw_row_comes_from_the_landed_table(warehouse):
    warehouse.execute(
        "CREATE TEMP TABLE landed AS SELECT * FROM (VALUES ('o1', '1.5', 'x'), ('o2', '2', '10')) v(order_id, qty, kop)"
    )
    warehouse.execute("""CREATE TEMP TABLE staged AS
        SELECT order_id AS sale_id, TIMESTAMPTZ '2024-01-01 00:00:00+00' AS sold_at, qty AS tickets,
               TRY_CAST(kop AS DECIMAL(16,2)) * 0.01 AS turnover, 0 AS revenue, 0 AS cost,
               CASE WHEN TRY_CAST(kop AS INT) IS NULL THEN 'bad turnover: not a valid number' END AS __reason,
               rowid AS __rid FROM landed""")
    res = load_staged(warehouse, SALES, "staged", source="platform:t", raw_table="landed")
    assert (res.loaded, res.reasons) == (1, {"bad turnover: not a valid number": 1})
    raw = warehouse.execute("SELECT raw FROM quarantine").fetchone()[0]
    assert json.loads(raw) == {"order_id": "o1", "qty": "1.5", "kop": "x"}
    # a fractional ticket count is not rounded into a valid one
    warehouse.execute(
        "CREATE OR REPLACE TEMP TABLE s2 AS SELECT 'o3' AS sale_id, TIMESTAMPTZ '2024-01-01 00:00:00+00'"
        " AS sold_at, '1.5' AS tickets, '1' AS turnover, '0' AS revenue, '0' AS cost"
    )
    assert load_staged(warehouse, SALES, "s2", source="t").reasons == {"bad tickets: not a valid integer": 1}
