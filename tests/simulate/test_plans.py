"""plans.xlsx holds whole-month targets: a company whose history ends on the 2nd still plans all of the month."""

from __future__ import annotations

from datetime import date

from openpyxl import load_workbook

from salesglass.simulate.generate import ensure_company


def test_the_running_month_has_a_whole_month_target(tmp_path) -> None:
    company = ensure_company(tmp_path / "company", scale="xs", seed=7, end=date(2026, 12, 2))
    ws = load_workbook(company / "plans.xlsx", read_only=True).active
    plan = {(r[0].date(), r[2]): r[3] for r in ws.iter_rows(min_row=2, values_only=True) if r[1] in (None, "")}
    for metric in ("turnover", "revenue", "tickets"):
        november, december = plan[(date(2026, 11, 1), metric)], plan[(date(2026, 12, 1), metric)]
        # December's sales so far cover 2 of 31 days (≈ 6 % of a month); its target must be a month's worth
        assert 0.5 * november <= december <= 3 * november, (metric, november, december)
