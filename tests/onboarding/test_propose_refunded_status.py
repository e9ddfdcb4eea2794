"""A status that says "refunded" on an order whose amount is positive.

Found onboarding a MariaDB back-office: `orders.status` is paid / refunded / cancelled and every amount is
positive (a refunded order keeps its amount). The proposal took 'refunded' with 'paid' into the `where`,
reading it as an inline refund row, so the refunded order's money counted as sold and `check` passed
with the month's turnover too high. A refund status is a refund row only when amounts go negative.
"""

from __future__ import annotations

from pathlib import Path

from salesglass.sources.platform.inspect import inspect_source
from salesglass.sources.platform.propose import propose

HEADER = "order_id;partner_id;status;paid_at;tickets;amount\n"


def _sales(tmp_path: Path, rows: list[str]):
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "orders.csv").write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return propose(inspect_source(None, "exports", tmp_path)).input("sales")


def test_refunded_orders_with_positive_amounts_are_left_out_and_named(tmp_path: Path):
    sales = _sales(
        tmp_path,
        [
            "1;1;paid;2026-10-05 12:00;2;1000.00",
            "2;1;paid;2026-10-15 12:00;3;2500.50",
            "3;2;paid;2026-11-01 00:30;2;1200.00",
            "4;1;refunded;2026-11-04 12:00;1;500.00",
            "5;1;cancelled;;1;900.00",
        ],
    )
    (where, why), *_ = sales.where
    assert where == "status = 'paid'"
    assert why == "status: 'paid' = paid; left out: 'cancelled' (cancelled), 'refunded' (refund)"
    assert any("'refunded' (1 row in the sample) with positive amounts" in n for n in sales.notes)


def test_refund_rows_with_negative_amounts_are_kept_as_negative_sales(tmp_path: Path):
    sales = _sales(
        tmp_path,
        [
            "1;1;paid;2026-10-05 12:00;2;1000.00",
            "2;1;paid;2026-10-15 12:00;3;2500.50",
            "3;2;paid;2026-11-01 00:30;2;1200.00",
            "4;1;refund;2026-11-04 12:00;-1;-500.00",
        ],
    )
    (where, _), *_ = sales.where
    assert where == "status IN ('paid', 'refund')"
    assert not any("with positive amounts" in n for n in sales.notes)
