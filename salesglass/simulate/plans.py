"""plans.xlsx: management's monthly targets, realistic and optimistic, per manager and for the company.

Targets are set near what happened (fact × 0.9–1.15, optimistic a further +15–30 %), and for the rest of
the last year from the same month a year before plus growth — the shape a sales director's sheet has.
Every target is for a whole month, never prorated: the month the company's history ends in (usually a
running month) is planned like the months after it, from the same month a year before plus growth, not
from its first days of sales.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
from openpyxl import Workbook

from salesglass.simulate.staff import Staff

METRICS = ("turnover", "revenue", "margin", "tickets", "new_partners")


def month_list(first: date, last: date) -> list[date]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def write_plans(
    path: Path,
    rng: np.random.Generator,
    staff: Staff,
    months: list[date],
    money: dict[str, np.ndarray],
    new_partners: np.ndarray,
    plan_until: date,
    last_day: date | None = None,
) -> int:
    """money[metric]: (months × (staff + 1)) kopecks/tickets, column 0 = no manager; new_partners likewise.
    `last_day`: the company's last day; when it ends its month early, that month's facts are partial."""
    future = month_list(months[-1], plan_until)[1:]
    whole = len(months)  # months whose facts cover the whole month
    if last_day is not None and (last_day + timedelta(days=1)).month == last_day.month:
        whole -= 1
    wb = Workbook()
    ws = wb.active
    ws.title = "plans"
    ws.append(["month", "manager", "metric", "realistic", "optimistic"])
    rows = 0
    grids = {
        "turnover": money["turnover"] / 100,
        "revenue": money["revenue"] / 100,
        "margin": (money["revenue"] - money["cost"]) / 100,
        "tickets": money["tickets"],
        "new_partners": new_partners,
    }
    all_months = months + future
    for k, month in enumerate(all_months):
        for who in [None, *staff.all]:
            if who is not None:
                if who.is_admin or who.role not in ("sales", "development"):
                    continue
                start_ok = who.hired_ts <= _ts(month) + 20 * 86400
                end_ok = who.left_ts is None or who.left_ts > _ts(month)
                if not (start_ok and end_ok):
                    continue
            metrics = METRICS if who is None else (("new_partners",) if who.role == "sales" else METRICS[:4])
            for metric in metrics:
                grid = grids[metric]
                col = None if who is None else who.index + 1
                fact = _fact(grid, k if k < whole else k - 12, col, len(months))
                if k >= whole:
                    fact *= 1.2
                factor = rng.uniform(0.9, 1.15)
                realistic = max(fact, 0.0) * factor  # a month of net refunds still gets a non-negative target
                optimistic = realistic * rng.uniform(1.15, 1.3)
                if metric in ("tickets", "new_partners"):
                    realistic, optimistic = float(max(1, round(realistic))), float(max(1, round(optimistic)))
                else:
                    realistic, optimistic = round(realistic, 2), round(optimistic, 2)
                ws.append([month, "" if who is None else who.email, metric, realistic, optimistic])
                rows += 1
    for cell in ws["A"][1:]:
        cell.number_format = "yyyy-mm-dd"
    wb.properties.creator = "salesglass"
    wb.save(path)
    _repack(path)
    return rows


def _fact(grid: np.ndarray, k: int, col: int | None, n_months: int) -> float:
    k = min(max(k, 0), n_months - 1)
    return float(grid[k].sum() if col is None else grid[k, col])


def _ts(month: date) -> int:
    from salesglass.simulate.common import msk_midnight

    return msk_midnight(month)


def _repack(path: Path) -> None:
    """openpyxl stamps 'now' into core.xml and the zip entries; pin both so the bytes depend on input only."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as zin:
        items = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:modified|created)[^>]*>)[^<]*", rb"\g<1>2020-01-01T00:00:00Z", data)
            zout.writestr(
                zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED
            )
