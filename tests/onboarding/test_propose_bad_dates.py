"""A date column with a bad cell or two is still the date column.

`platform inspect` took a column as a date only when 95 % of the sampled values read as one, so in a
small export one typo (`вчера` among ten payment times) hid the sale time: the proposal had no `sold_at`
at all, not even a TODO line, and `check` then refused the input. Now a few bad cells are tolerated
(5 % of the values, at least one, while three of four values are dates), and the proposal says how
many were bad, with examples, since their rows will go to quarantine.
"""

from __future__ import annotations

from pathlib import Path

from salesglass.sources.platform.inspect import inspect_source
from salesglass.sources.platform.propose import propose, to_toml

HEADER = "order;partner;paid_at;qty;sum_rub\n"


def _orders(tmp_path: Path, dates: list[str]) -> Path:
    exports = tmp_path / "exports"
    exports.mkdir()
    rows = "".join(f"A{i};{i % 3};{d};1;1500,50\n" for i, d in enumerate(dates, 1))
    (exports / "orders.csv").write_text(HEADER + rows, encoding="utf-8")
    return tmp_path


def test_one_bad_cell_in_ten_keeps_the_sale_time_and_is_counted(tmp_path: Path):
    dates = [f"{d:02d}.10.2026 12:00" for d in range(1, 10)] + ["вчера"]
    proposal = propose(inspect_source(None, "exports", _orders(tmp_path, dates)))
    sold = proposal.input("sales").columns["sold_at"]
    assert sold.value == {"column": "paid_at", "format": "%d.%m.%Y %H:%M"}
    assert "1 of 10 sampled values is not a date (e.g. 'вчера')" in sold.reason
    assert "quarantine" in sold.reason


def test_bad_cells_beyond_the_tolerance_are_no_date_column_and_say_so(tmp_path: Path):
    """Three bad cells of ten is not a date column; the proposal then says sold_at is missing (a TODO
    line a user sees) instead of leaving the required column out without a word."""
    dates = [f"{d:02d}.10.2026 12:00" for d in range(1, 8)] + ["вчера", "завтра", "?"]
    proposal = propose(inspect_source(None, "exports", _orders(tmp_path, dates)))
    sold = proposal.input("sales").columns["sold_at"]
    assert sold.value is None
    assert "# sold_at = " in to_toml(proposal) and "TODO" in to_toml(proposal)


def test_a_clean_column_says_nothing_about_bad_cells(tmp_path: Path):
    dates = [f"{d:02d}.10.2026 12:00" for d in range(1, 11)]
    sold = propose(inspect_source(None, "exports", _orders(tmp_path, dates))).input("sales").columns["sold_at"]
    assert sold.value == {"column": "paid_at", "format": "%d.%m.%Y %H:%M"}
    assert "not a date" not in sold.reason
