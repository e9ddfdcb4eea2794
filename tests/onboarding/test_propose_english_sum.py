"""An English export names its amount `sum` (`sum`, `order_sum`, `sum_rub`): the proposal left turnover a
TODO ("no amount column found") while it found `fee_rub` as revenue, and `check` then refused the input."""

from __future__ import annotations

from pathlib import Path

from salesglass.sources.platform.inspect import inspect_source
from salesglass.sources.platform.propose import propose

ORDERS = "order;partner;paid_at;qty;sum_rub;fee_rub\n" + "".join(
    f"A{i};{i % 3};2026-10-{1 + i % 28:02d} 12:00;1;1500,50;150,05\n" for i in range(40)
)


def test_an_amount_named_sum_is_the_turnover(tmp_path: Path):
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "orders.csv").write_text(ORDERS, encoding="utf-8")
    sales = propose(inspect_source(None, "exports", tmp_path)).input("sales")
    assert sales.columns["turnover"].value == "sum_rub"
    assert sales.columns["revenue"].value == "fee_rub"
