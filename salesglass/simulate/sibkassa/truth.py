"""Сибкасса's truth/: the engine's truths with Сибкасса's ids and clock, and what the reports must show.

`truth/reports/` is computed here from the rows just written (sales, leads), in Python and in local
(Novosibirsk) calendar periods — a second computation, independent of the report code, that the tests
compare the built reports with:

- `plan_fact_company.csv`: month, turnover, revenue, cost, margin, tickets, new_partners (company rows of
  `report_plan_fact`, period_type month);
- `cohorts.csv`: cohort_month, kind, month_offset, partners, active_partners, turnover, revenue, tickets
  (`report_cohorts`; rows with no sales are left out, a report may show them as zeros);
- `monthly_deals.csv`: month, deals_created, deals_won, annual_budget_won (`report_monthly_deals`, all
  client kinds together);
- `weekly_deals_created.csv`: week_start (a Monday), deals_created (`report_weekly`, all kinds together);
- `declining_partners.csv`: partner_id, baseline_28d, recent_28d, decline_pct (`report_declining_partners`
  as of the last day, with the default rules: baseline ≥ 10 000.00 ₽ and a fall of ≥ 30 %).

`truth/placed.json` lists the placed events (placed.py) with their local times and ids.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from salesglass.simulate.common import dump_json
from salesglass.simulate.sibkassa.backoffice import Rows, rubles
from salesglass.simulate.sibkassa.placed import Placed
from salesglass.simulate.sibkassa.zone import LOCAL, wall_clock


def _months(a: str, b: str) -> int:
    return (int(b[:4]) - int(a[:4])) * 12 + int(b[5:7]) - int(a[5:7])


def _month(ts: int) -> str:
    return wall_clock(ts)[:7] + "-01"


def _remap(obj: object, ids: dict[str, str]) -> object:
    if isinstance(obj, dict):
        return {k: _remap(v, ids) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_remap(v, ids) for v in obj]
    return ids.get(obj, obj) if isinstance(obj, str) else obj


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def write(engine: Path, folder: Path, ids: dict[str, str], placed: Placed, rows: Rows, end: date) -> None:
    (folder / "reports").mkdir(parents=True, exist_ok=True)
    with (engine / "links.csv").open(encoding="utf-8") as fh:
        links = [(int(r["deal_id"]), ids[r["partner_id"]]) for r in csv.DictReader(fh)]
    links.append((placed.deal_c, placed.partners["C"]))
    _write_csv(folder / "links.csv", ["deal_id", "partner_id"], [list(x) for x in sorted(links)])
    first = _first_sales(rows)
    with (engine / "partners.csv").open(encoding="utf-8") as fh:
        managers = {ids[r["partner_id"]]: r["development_manager_id"] for r in csv.DictReader(fh)}
    _write_csv(
        folder / "partners.csv",
        ["partner_id", "kind", "first_sale_at", "development_manager_id"],
        [[pid, kind, _iso(first.get(pid)), managers.get(pid, "")] for pid, kind in sorted(rows.partners.items())],
    )
    injected = _remap(json.loads((engine / "injected.json").read_text(encoding="utf-8")), ids)
    dump_json(folder / "injected.json", injected)
    dump_json(
        folder / "placed.json",
        {
            "description": "events placed where Novosibirsk and Moscow disagree about the period (placed.py)",
            "partners": placed.partners,
            "deals": {"C": placed.deal_c, "monday": placed.deal_monday, "won": placed.deal_won},
            "sales": [
                {
                    "key": s.key,
                    "partner_id": s.partner,
                    "local": wall_clock(s.at),
                    "tickets": s.tickets,
                    "turnover": rubles(s.turnover_kop),
                    "revenue": rubles(s.revenue_kop),
                    "cost": rubles(s.cost_kop),
                }
                for s in placed.sales
            ],
        },
    )
    _plan_fact(folder / "reports" / "plan_fact_company.csv", rows, first)
    _cohorts(folder / "reports" / "cohorts.csv", rows, first)
    _deals(folder / "reports", Path(folder).parent / "amocrm" / "leads.jsonl")
    _declining(folder / "reports" / "declining_partners.csv", rows, end)


def _iso(ts: int | None) -> str:
    return "" if ts is None else datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _first_sales(rows: Rows) -> dict[str, int]:
    """The canonical rule: a partner's first sale is its earliest sale with tickets > 0."""
    first: dict[str, int] = {}
    for partner, ts, _, tickets, *_ in rows.sales:
        if partner is not None and tickets > 0 and ts < first.get(partner, 2**62):
            first[partner] = ts
    return first


def _plan_fact(path: Path, rows: Rows, first: dict[str, int]) -> None:
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for _, _, local, tickets, turnover, revenue, cost in rows.sales:
        s = sums[local[:7] + "-01"]
        s[0] += turnover
        s[1] += revenue
        s[2] += cost
        s[3] += tickets
    for pid, ts in first.items():
        if pid in rows.partners:  # accounts the back-office no longer lists are nobody's new partner
            sums[_month(ts)][4] += 1
    _write_csv(
        path,
        ["month", "turnover", "revenue", "cost", "margin", "tickets", "new_partners"],
        [[m, rubles(t), rubles(r), rubles(c), rubles(r - c), n, new] for m, (t, r, c, n, new) in sorted(sums.items())],
    )


def _cohorts(path: Path, rows: Rows, first: dict[str, int]) -> None:
    """Partners with a first sale and a kind (unknown partners have no cohort)."""
    cohort = {pid: _month(ts) for pid, ts in first.items() if pid in rows.partners}
    size: dict[tuple[str, str], int] = defaultdict(int)
    for pid, month in cohort.items():
        size[(month, rows.partners[pid])] += 1
    cells: dict[tuple[str, str, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    tickets_by: dict[tuple[str, str, int, str], int] = defaultdict(int)
    for partner, _, local, tickets, turnover, revenue, _ in rows.sales:
        if partner not in cohort:
            continue
        key = (cohort[partner], rows.partners[partner], _months(cohort[partner], local[:7] + "-01"))
        c = cells[key]
        c[0] += turnover
        c[1] += revenue
        c[2] += tickets
        tickets_by[(*key, partner)] += tickets
    active: dict[tuple[str, str, int], int] = defaultdict(int)
    for (m, kind, k, _), n in tickets_by.items():
        if n > 0:
            active[(m, kind, k)] += 1
    _write_csv(
        path,
        ["cohort_month", "kind", "month_offset", "partners", "active_partners", "turnover", "revenue", "tickets"],
        [
            [m, kind, k, size[(m, kind)], active[(m, kind, k)], rubles(t), rubles(r), n]
            for (m, kind, k), (t, r, n) in sorted(cells.items())
        ],
    )


def _deals(folder: Path, leads_path: Path) -> None:
    """Deals created by month and week, won by month (deleted leads excluded; every pipeline is mapped)."""
    created_m: dict[str, int] = defaultdict(int)
    created_w: dict[str, int] = defaultdict(int)
    won: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    with leads_path.open(encoding="utf-8") as fh:
        for line in fh:
            lead = json.loads(line)
            if lead["is_deleted"]:
                continue
            created = datetime.fromtimestamp(lead["created_at"], tz=LOCAL).date()
            created_m[created.isoformat()[:7] + "-01"] += 1
            created_w[(created - timedelta(days=created.weekday())).isoformat()] += 1
            if lead["status_id"] == 142 and lead["closed_at"] is not None:
                w = won[_month(lead["closed_at"])]
                w[0] += 1
                w[1] += int(lead["price"] or 0)
    months = sorted(set(created_m) | set(won))
    _write_csv(
        folder / "monthly_deals.csv",
        ["month", "deals_created", "deals_won", "annual_budget_won"],
        [[m, created_m.get(m, 0), won[m][0] if m in won else 0, f"{won[m][1] if m in won else 0}.00"] for m in months],
    )
    _write_csv(
        folder / "weekly_deals_created.csv",
        ["week_start", "deals_created"],
        [[w, n] for w, n in sorted(created_w.items())],
    )


def _half_away(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, in integers (denominator > 0)."""
    q, r = divmod(abs(numerator), denominator)
    q += 2 * r >= denominator
    return q if numerator >= 0 else -q


def _declining(path: Path, rows: Rows, end: date) -> None:
    """Local days: the 28 ending on `end` against the 84 before them (÷ 3); in kopecks, then rounded."""
    recent_from, baseline_from = end - timedelta(days=27), end - timedelta(days=27 + 84)
    recent: dict[str, int] = defaultdict(int)
    before: dict[str, int] = defaultdict(int)
    for partner, _, local, _, turnover, _, _ in rows.sales:
        if partner not in rows.partners:
            continue
        day = date.fromisoformat(local[:10])
        if recent_from <= day <= end:
            recent[partner] += turnover
        elif baseline_from <= day < recent_from:
            before[partner] += turnover
    out = []
    for pid in set(recent) | set(before):
        baseline = _half_away(before[pid], 3)
        if baseline < 1_000_000:  # 10 000.00 ₽
            continue
        # hundredths of a percent, at most 100 %: refunds larger than sales mean the partner stopped
        decline = min(_half_away(10_000 * (baseline - recent[pid]), baseline), 10_000)
        if decline >= 3_000:
            out.append((baseline - recent[pid], pid, baseline, recent[pid], decline))
    out.sort(key=lambda r: (-r[0], r[1]))
    _write_csv(
        path,
        ["partner_id", "baseline_28d", "recent_28d", "decline_pct"],
        [[pid, rubles(b), rubles(r), rubles(d)] for _, pid, b, r, d in out],
    )
