"""«Сибкасса» (Novosibirsk, UTC+7) through the whole pipeline, with a config that has no time-zone key.

The company (scale xs) carries a few sales and deals placed by hand where Novosibirsk and Moscow
disagree about the period (salesglass/simulate/sibkassa/placed.py). Its history starts on 2025-11-01
(local), so before that day nothing else sells and no other deal reaches a first sale: the figures
below are computed by hand from the placed events alone. Novosibirsk is Moscow + 4 h:

    A1  2025-10-31 23:30 local (19:30 MSK)        partner A   2 tickets  1 500.00 ₽ turnover, 120.00 revenue, 30.00 cost
    B1  2025-11-01 00:30 local (Oct 31 20:30 MSK) partner B   3 tickets  2 500.00 ₽, 200.00, 50.00
    C1  2025-10-13 00:30 local, a Monday (Sunday 12 Oct 20:30 MSK)  partner C  1 ticket  700.00 ₽, 56.00, 14.00
    A2  2026-01-01 00:30 local (Dec 31 20:30 MSK) partner A   1 ticket   900.00 ₽, 72.00, 18.00
    deal C       created 2025-10-03, linked to C by its account id: reaches first_sale with C1
    deal Monday  created 2025-10-13 00:30 local
    deal won     won 2025-11-01 00:30 local, budget 1 234 000 ₽

The rest of every report is compared with the company's truth/reports/, computed by the generator
from the rows it wrote, in local calendar periods.
"""

from __future__ import annotations

import csv
import json
import tomllib
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from salesglass.warehouse import connect
from tests.simulated import Built, build_company

OCT, NOV, DEC, JAN = date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1)
WEEK, WEEK_BEFORE = date(2025, 10, 13), date(2025, 10, 6)  # the Monday of C1 / the week Moscow would say
A1 = (2, Decimal("1500.00"), Decimal("120.00"), Decimal("30.00"))
B1 = (3, Decimal("2500.00"), Decimal("200.00"), Decimal("50.00"))
C1 = (1, Decimal("700.00"), Decimal("56.00"), Decimal("14.00"))
A2 = (1, Decimal("900.00"), Decimal("72.00"), Decimal("18.00"))


@pytest.fixture(scope="module")
def company(generated_sibkassa_xs: Path) -> Path:
    return generated_sibkassa_xs


@pytest.fixture(scope="module")
def local(simulated_sibkassa_xs: Built) -> Built:
    """Built with the config the demo writes: no time-zone key anywhere (once per run: tests/conftest.py)."""
    return simulated_sibkassa_xs


@pytest.fixture(scope="module")
def moscow(company: Path, tmp_path_factory) -> Built:
    """The same company, the same config plus `[account] timezone = "Europe/Moscow"`."""
    return build_company(
        tmp_path_factory.mktemp("sib-moscow"),
        "xs",
        profile="sibkassa",
        company=company,
        account_timezone="Europe/Moscow",
    )


def q(built: Built, sql: str, params: list | None = None) -> list[tuple]:
    con = connect(built.cfg.published_path, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def fact(built: Built, month: date) -> dict[str, Decimal]:
    return {
        m: Decimal(str(v))
        for m, v in q(
            built,
            """
        SELECT metric, fact FROM report_plan_fact
        WHERE period_type = 'month' AND period_start = ? AND manager_id IS NULL""",
            [month],
        )
    }


def truth_rows(built: Built, name: str) -> list[dict]:
    with (built.truth / "reports" / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_the_placed_events_are_what_this_test_computes_with(company: Path):
    placed = json.loads((company / "truth" / "placed.json").read_text(encoding="utf-8"))
    got = {
        s["key"]: (s["local"], s["tickets"], Decimal(s["turnover"]), Decimal(s["revenue"]), Decimal(s["cost"]))
        for s in placed["sales"]
    }
    assert got == {
        "A1": ("2025-10-31 23:30:00", *A1),
        "B1": ("2025-11-01 00:30:00", *B1),
        "C1": ("2025-10-13 00:30:00", *C1),
        "A2": ("2026-01-01 00:30:00", *A2),
    }


def test_the_zone_comes_from_the_account(local: Built):
    config = tomllib.loads(local.config_path.read_text(encoding="utf-8"))
    assert "timezone" not in config["account"] and "timezone" not in config["amocrm"]
    assert "timezone" not in config["platform"]
    assert set(q(local, "SELECT DISTINCT timezone, timezone_source FROM build_info")) == {
        ("Asia/Novosibirsk", "amocrm")
    }


def test_a_month_end_evening_sale_lands_in_its_month(local: Built):
    """October holds A1 (23:30 on the 31st) and C1; B1 (00:30 on 1 November) is November's."""
    october = fact(local, OCT)
    assert october["turnover"] == A1[1] + C1[1] == Decimal("2200.00")
    assert october["revenue"] == A1[2] + C1[2]
    assert october["cost"] == A1[3] + C1[3]
    assert october["margin"] == (A1[2] - A1[3]) + (C1[2] - C1[3]) == Decimal("132.00")
    assert october["tickets"] == A1[0] + C1[0] == 3
    assert october["new_partners"] == 2  # A and C


def test_weeks_start_on_the_local_monday(local: Built):
    """C1 at 00:30 on Monday 13 October: deal C's first sale is in the week of the 13th, and so is the
    deal created at 00:30 that Monday."""
    first_sales = dict(q(local, "SELECT week_start, sum(first_sale) FROM report_weekly GROUP BY 1"))
    assert first_sales.get(WEEK) == 1
    assert first_sales.get(WEEK_BEFORE, 0) == 0
    created = dict(q(local, "SELECT week_start, sum(deals_created) FROM report_weekly GROUP BY 1"))
    truth = {
        date.fromisoformat(r["week_start"]): int(r["deals_created"])
        for r in truth_rows(local, "weekly_deals_created.csv")
    }
    assert truth[WEEK] == 1  # the Monday deal is alone in its week
    assert {w: int(n) for w, n in created.items() if n} == truth


def test_cohorts_take_the_local_month_of_the_first_sale(local: Built):
    rows = {
        (m, k): (p, a, Decimal(str(t)), n)
        for m, k, p, a, t, n in q(
            local,
            """
        SELECT cohort_month, month_offset, partners, active_partners, turnover, tickets FROM report_cohorts
        WHERE kind = 'organizer' AND cohort_month = ?""",
            [OCT],
        )
    }
    # A (A1 on 31 Oct) and C (C1 on 13 Oct); A sells again in January: offset 3
    assert rows[(OCT, 0)] == (2, 2, A1[1] + C1[1], A1[0] + C1[0])
    assert rows[(OCT, 3)] == (2, 1, A2[1], A2[0])
    assert all(a == 0 for (_, k), (_, a, _, _) in rows.items() if k not in (0, 3))


def test_every_report_equals_its_truth(local: Built):
    plan = {date.fromisoformat(r["month"]): r for r in truth_rows(local, "plan_fact_company.csv")}
    for month, r in plan.items():
        got = fact(local, month)
        for metric in ("turnover", "revenue", "cost", "margin", "tickets", "new_partners"):
            assert got[metric] == Decimal(r[metric]), (month, metric)
    cohorts = {
        (date.fromisoformat(r["cohort_month"]), r["kind"], int(r["month_offset"])): (
            int(r["partners"]),
            int(r["active_partners"]),
            Decimal(r["turnover"]),
            Decimal(r["revenue"]),
            int(r["tickets"]),
        )
        for r in truth_rows(local, "cohorts.csv")
    }
    got_cohorts = {
        (m, kind, k): (p, a, Decimal(str(t)), Decimal(str(r)), n)
        for m, kind, k, p, a, t, r, n in q(
            local,
            """
        SELECT cohort_month, kind, month_offset, partners, active_partners, turnover, revenue, tickets
        FROM report_cohorts""",
        )
    }
    assert {k: v for k, v in got_cohorts.items() if v[1:] != (0, 0, 0, 0)} == cohorts
    monthly = defaultdict(lambda: [0, 0, Decimal(0)])
    for m, created, won, budget in q(
        local,
        """SELECT month, sum(deals_created), sum(deals_won),
                                               sum(annual_budget_won) FROM report_monthly_deals GROUP BY 1""",
    ):
        monthly[m] = [int(created), int(won), Decimal(str(budget))]
    truth = {
        date.fromisoformat(r["month"]): [int(r["deals_created"]), int(r["deals_won"]), Decimal(r["annual_budget_won"])]
        for r in truth_rows(local, "monthly_deals.csv")
    }
    assert {m: v for m, v in monthly.items() if v != [0, 0, 0]} == {m: v for m, v in truth.items() if v != [0, 0, 0]}
    declining = [
        (r["partner_id"], Decimal(r["baseline_28d"]), Decimal(r["recent_28d"]), Decimal(r["decline_pct"]))
        for r in truth_rows(local, "declining_partners.csv")
    ]
    assert declining  # the company has partners to call
    got_declining = [
        (p, Decimal(str(b)), Decimal(str(r)), Decimal(str(d)))
        for p, b, r, d in q(
            local,
            """
        SELECT partner_id, baseline_28d, recent_28d, decline_pct FROM report_declining_partners""",
        )
    ]
    assert sorted(got_declining) == sorted(declining)
    share = dict(q(local, "SELECT month, sum(turnover) FROM report_sales_share GROUP BY 1"))
    assert {m: Decimal(str(v)) for m, v in share.items()} == {m: Decimal(r["turnover"]) for m, r in plan.items()}


def test_nothing_is_lost_on_the_way(local: Built):
    with (local.company / "backoffice" / "sales.csv").open(encoding="utf-8") as fh:
        n_sales = sum(1 for _ in fh) - 1
    assert q(local, "SELECT count(*) FROM sales")[0][0] == n_sales
    assert q(local, "SELECT count(*) FROM quarantine")[0][0] == 0
    with (local.truth / "links.csv").open(encoding="utf-8") as fh:
        truth = {(int(r["deal_id"]), r["partner_id"]) for r in csv.DictReader(fh)}
    got = set(q(local, "SELECT deal_id, partner_id FROM deal_partner_links"))
    unlinkable = set(
        json.loads((local.truth / "injected.json").read_text(encoding="utf-8"))["unlinkable_deals"]["deal_ids"]
    )
    assert got <= truth and {d for d, _ in truth} - {d for d, _ in got} <= unlinkable


def test_an_explicit_moscow_key_wins(local: Built, moscow: Built):
    assert set(q(moscow, "SELECT DISTINCT timezone, timezone_source FROM build_info")) == {("Europe/Moscow", "config")}
    # B1 (20:30 on 31 October in Moscow) joins October; A1 stays (19:30)
    october = fact(moscow, OCT)
    assert october["turnover"] == A1[1] + B1[1] + C1[1] == Decimal("4700.00")
    assert october["tickets"] == A1[0] + B1[0] + C1[0] == 6
    assert october["new_partners"] == 3
    # C1 is 20:30 on Sunday 12 October in Moscow: the week of the 6th
    first_sales = dict(q(moscow, "SELECT week_start, sum(first_sale) FROM report_weekly GROUP BY 1"))
    assert first_sales.get(WEEK_BEFORE) == 1 and first_sales.get(WEEK, 0) == 0
    # cohort October has A, B and C; A's January sale is 31 December in Moscow: offset 2
    rows = {
        k: (p, a, Decimal(str(t)))
        for k, p, a, t in q(
            moscow,
            """
        SELECT month_offset, partners, active_partners, turnover FROM report_cohorts
        WHERE kind = 'organizer' AND cohort_month = ?""",
            [OCT],
        )
    }
    assert rows[0] == (3, 3, A1[1] + B1[1] + C1[1])
    assert rows[2] == (3, 1, A2[1])
    assert rows.get(3, (3, 0, Decimal(0)))[1:] == (0, Decimal(0))
    # the deal won at 00:30 on 1 November local is October's in Moscow (1 234 000 ₽)
    won = dict(q(moscow, "SELECT month, sum(annual_budget_won) FROM report_monthly_deals GROUP BY 1"))
    local_won = dict(q(local, "SELECT month, sum(annual_budget_won) FROM report_monthly_deals GROUP BY 1"))
    assert Decimal(str(local_won.get(OCT, 0))) == 0
    assert Decimal(str(won[OCT])) == Decimal("1234000.00")


def test_the_demo_command_runs_the_second_company(tmp_path: Path, local: Built):
    """`salesglass demo --profile sibkassa --no-serve`, as a user runs it: the same reports as above."""
    from tests.pipeline.test_demo import _demo, _published

    folder = tmp_path / "demo"
    run = _demo(folder, "--profile", "sibkassa")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Asia/Novosibirsk" in run.stdout
    config = tomllib.loads((folder / "salesglass.toml").read_text(encoding="utf-8"))
    assert "timezone" not in config["account"]
    info, reports = _published(folder / "salesglass-reports.duckdb")
    assert info == {(date(2026, 11, 27), "Asia/Novosibirsk", "duckdb")}
    assert _published(local.cfg.published_path) == (info, reports)
