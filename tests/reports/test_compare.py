"""The engine comparisons' own check (tests/reports/compare.py): rows in any order, money exact, ratios within
1e-9; a cent, a NULL or a row of difference fails, naming the table and the column."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from tests.reports.compare import assert_same

MONEY = pa.decimal128(18, 2)


def table(rows: list[tuple]) -> pa.Table:
    schema = pa.schema([("partner_id", pa.string()), ("turnover", MONEY), ("share", pa.float64())])
    return pa.Table.from_pylist([dict(zip(schema.names, r, strict=True)) for r in rows], schema=schema)


DUCK = table([("P1", Decimal("100.00"), 0.1), ("P2", Decimal("250.50"), None), (None, Decimal("-3.00"), 2 / 3)])


def test_the_same_rows_in_another_order_with_ratios_summed_otherwise_are_the_same() -> None:
    # 0.1 + 0.2 - 0.2 is 0.10000000000000003: another engine's order of adding, 3e-17 away
    ch = table(
        [(None, Decimal("-3.00"), 2 / 3), ("P2", Decimal("250.50"), None), ("P1", Decimal("100.00"), 0.1 + 0.2 - 0.2)]
    )
    assert_same("report_x", DUCK, ch)


@pytest.mark.parametrize(
    ("changed", "column"),
    [
        (("P2", Decimal("250.51"), None), "turnover"),  # a cent
        (("P2", None, None), "turnover"),  # NULL for an amount
        (("P2", Decimal("250.50"), 1e-6), "share"),  # a ratio where there was none
        (("P3", Decimal("250.50"), None), "partner_id"),
    ],
)
def test_a_cent_a_null_or_another_key_fails_naming_the_column(changed: tuple, column: str) -> None:
    ch = table([("P1", Decimal("100.00"), 0.1), changed, (None, Decimal("-3.00"), 2 / 3)])
    with pytest.raises(AssertionError, match=rf"^report_x\.{column}: "):
        assert_same("report_x", DUCK, ch)


def test_a_missing_row_fails() -> None:
    with pytest.raises(AssertionError, match=r"^report_x: 3 rows vs 2$"):
        assert_same("report_x", DUCK, DUCK.slice(1))


def test_columns_arrow_cannot_sort_are_compared_row_by_row() -> None:
    lists = pa.table({"k": [2, 1], "parts": [[1, 2], [3]]})
    assert_same("report_x", lists, pa.table({"k": [1, 2], "parts": [[3], [1, 2]]}))
    with pytest.raises(AssertionError, match=r"^report_x\.parts: "):
        assert_same("report_x", lists, pa.table({"k": [1, 2], "parts": [[3], [1, 5]]}))
