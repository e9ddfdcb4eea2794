"""Cross-checks a user would notice: the warehouse and the reports against the simulated company's own files
(backoffice.sqlite read with Python's sqlite3, the amoCRM snapshot, truth/), computed here independently
of salesglass's code, following docs/simulated-company.md."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from tests.simulated import END, STAGE_OF

# docs/simulated-company.md: a sale is a done, non-invitation order; an approved refund is a negated sale
ORDERS = "FROM orders WHERE status = 'done' AND is_invitation = 0"
REFUNDS = "FROM refund_requests r JOIN orders o ON o.order_id = r.order_id WHERE r.status = 'approved'"
# amounts in kopecks: turnover, revenue, cost, tickets
ORDER_SUMS = "full_kop, profit_core_kop, acquiring_cost_kop + agent_commission_kop, tickets_quantity"
REFUND_SUMS = "-r.refund_full_kop, -r.refund_core_kop, -r.refund_cost_kop, -r.tickets_quantity"


def _kop(value: Decimal) -> int:
    return int(value * 100)


def _backoffice_sums(backoffice, key: str) -> dict:
    """key → [rows, turnover, revenue, cost, tickets] (money in kopecks) over sales and refunds."""
    out: dict = {}
    for sql in (
        f"SELECT {key.replace('{t}', '')}, {ORDER_SUMS} {ORDERS}",
        f"SELECT {key.replace('{t}', 'o.')}, {REFUND_SUMS} {REFUNDS}",
    ):
        for k, *amounts in backoffice.execute(sql):
            acc = out.setdefault(k, [0, 0, 0, 0, 0])
            acc[0] += 1
            for i, a in enumerate(amounts, start=1):
                acc[i] += a
    return out


def test_sales_totals_equal_the_backoffice(warehouse_s, backoffice):
    """Σ turnover, revenue, cost and tickets per partner (and in all) of the canonical sales = the back-office."""
    expected = _backoffice_sums(backoffice, "{t}org_id")
    got = {
        p: [n, _kop(t), _kop(r), _kop(c), int(k)]
        for p, n, t, r, c, k in warehouse_s.execute(
            "SELECT partner_id, count(*), sum(turnover), sum(revenue), sum(cost), sum(tickets) FROM sales GROUP BY 1"
        ).fetchall()
    }
    assert got == expected
    totals = [sum(v[i] for v in expected.values()) for i in range(5)]
    assert totals[0] > 150_000 and totals[1] > 0 and totals[4] > 0
    assert warehouse_s.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0


def test_events_equal_the_backoffice(warehouse_s, backoffice):
    """Every back-office event is one canonical event: its organizer, and its show's start read as the UTC
    time the back-office writes it in (start_at_utc, unlike the Moscow times around it)."""
    expected = {
        e: (org, datetime.fromisoformat(start).replace(tzinfo=UTC))
        for e, org, start in backoffice.execute("SELECT event_id, org_id, start_at_utc FROM events")
    }
    got = {
        e: (p, at) for e, p, at in warehouse_s.execute("SELECT event_id, partner_id, show_at FROM events").fetchall()
    }
    assert got == expected and len(got) > 1000


def test_monthly_sales_in_the_reports_equal_the_backoffice_calendar(published, backoffice):
    """report_sales_share by month = the back-office by the month of its Moscow wall-clock times (done_at,
    finished_at are naive Moscow): the UTC conversion and the month boundaries must round-trip exactly."""
    sums = _backoffice_sums(backoffice, "substr({t}done_at, 1, 7)")
    refunds = backoffice.execute(f"SELECT substr(r.finished_at, 1, 7), {REFUND_SUMS} {REFUNDS}").fetchall()
    # refunds are booked on finished_at, not on the order's done_at: move them to their own month
    for (month, *amounts), (done_month,) in zip(
        refunds, backoffice.execute(f"SELECT substr(o.done_at, 1, 7) {REFUNDS}"), strict=True
    ):
        for m, sign in ((done_month, -1), (month, 1)):
            acc = sums.setdefault(m, [0, 0, 0, 0, 0])
            acc[0] += sign
            for i, a in enumerate(amounts, start=1):
                acc[i] += sign * a
    expected = {m: (v[1], v[2], v[4]) for m, v in sums.items() if m <= END.isoformat()[:7]}
    got = {
        m.strftime("%Y-%m"): (_kop(t), _kop(r), int(k))
        for m, t, r, k in published.execute(
            "SELECT month, sum(turnover), sum(revenue), sum(tickets) FROM report_sales_share GROUP BY 1"
        ).fetchall()
    }
    assert got == expected and len(got) == 25


def test_first_sales_equal_the_truth(simulated_s, published):
    with (simulated_s.truth / "partners.csv").open(encoding="utf-8") as f:
        truth = {
            r["partner_id"]: datetime.fromisoformat(r["first_sale_at"]) for r in csv.DictReader(f) if r["first_sale_at"]
        }
    got = dict(published.execute("SELECT partner_id, first_sale_at FROM first_sales").fetchall())
    assert got == truth and len(truth) > 400
    # the new partners of a month (plan-fact, company row) and the first-sale cohorts follow the Moscow calendar
    per_month = Counter(at.astimezone(ZoneInfo("Europe/Moscow")).strftime("%Y-%m") for at in truth.values())
    plan_fact = {
        m.strftime("%Y-%m"): int(f)
        for m, f in published.execute("""
        SELECT period_start, fact FROM report_plan_fact
        WHERE period_type = 'month' AND manager_id IS NULL AND metric = 'new_partners' AND fact <> 0""").fetchall()
    }
    assert plan_fact == per_month
    cohorts = {
        m.strftime("%Y-%m"): n
        for m, n in published.execute(
            "SELECT cohort_month, sum(partners) FROM report_cohorts WHERE month_offset = 0 GROUP BY 1"
        ).fetchall()
    }
    assert cohorts == per_month


def test_partners_kind_and_development_manager_equal_the_truth(simulated_s, published):
    """Kind and platform development manager as in the truth; a partner the platform gives no manager takes
    the responsible user of its acquiring deal's amoCRM company (docs/model.md, [linking] fallback)."""
    with (simulated_s.truth / "partners.csv").open(encoding="utf-8") as f:
        truth = {
            r["partner_id"]: (r["kind"], int(r["development_manager_id"]) if r["development_manager_id"] else None)
            for r in csv.DictReader(f)
        }
    fallback = dict(
        published.execute("""
        SELECT a.partner_id, c.responsible_user_id FROM acquiring_deals a
        JOIN deals d ON d.deal_id = a.deal_id JOIN companies c ON c.company_id = d.company_id""").fetchall()
    )
    expected = {p: (kind, manager if manager is not None else fallback.get(p)) for p, (kind, manager) in truth.items()}
    got = {
        p: (k, m)
        for p, k, m in published.execute("SELECT partner_id, kind, development_manager_id FROM partners").fetchall()
    }
    assert got == expected
    assert sum(1 for p, (_, m) in truth.items() if m is None and got[p][1] is not None) > 10  # the fallback ran


def _stage_truth(amocrm) -> dict[tuple, datetime]:
    """(deal_id, stage) → earliest time, from leads.jsonl (creation) and events.jsonl (status moves)."""
    truth: dict[tuple, datetime] = {}
    with (amocrm / "leads.jsonl").open(encoding="utf-8") as f:
        for line in f:
            lead = json.loads(line)
            truth[(lead["id"], "lead")] = datetime.fromtimestamp(lead["created_at"], UTC)
    with (amocrm / "events.jsonl").open(encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            if e["type"] in ("lead_added", "lead_status_changed") and e["value_after"]:
                stage = STAGE_OF.get(e["value_after"][0]["lead_status"]["id"])
                at = datetime.fromtimestamp(e["created_at"], UTC)
                if stage and ((e["entity_id"], stage) not in truth or at < truth[(e["entity_id"], stage)]):
                    truth[(e["entity_id"], stage)] = at
    return truth


def test_synced_stage_history_equals_the_events(simulated_s, warehouse_s):
    got = {
        (d, s): at
        for d, s, at in warehouse_s.execute(
            "SELECT deal_id, stage, reached_at FROM deal_stages WHERE source IN ('created', 'amocrm')"
        ).fetchall()
    }
    truth = _stage_truth(simulated_s.company / "amocrm")
    assert got == truth and len(truth) > 5000


def test_unknown_partner_sales_in_data_quality_equal_the_backoffice(simulated_s, published, backoffice):
    known = "(SELECT partner_id FROM partners)"
    expected = backoffice.execute(f"""
        SELECT (SELECT count(*) {ORDERS} AND org_id IS NOT NULL AND org_id NOT IN {known})
             + (SELECT count(*) {REFUNDS} AND o.org_id IS NOT NULL AND o.org_id NOT IN {known})""").fetchone()[0]
    unknown = set(backoffice.execute(f"SELECT DISTINCT org_id {ORDERS} AND org_id NOT IN {known}").fetchall())
    assert unknown == {(o,) for o in simulated_s.injected()["unknown_partner_orders"]["org_ids"]}
    rows = published.execute("""SELECT sum(rows) FROM report_data_quality
                                WHERE entity = 'sales' AND reason LIKE '%unknown%'""").fetchone()[0]
    assert rows == expected > 0
    bucket = published.execute("SELECT sum(tickets) FROM report_sales_share WHERE bucket = 'unknown'").fetchone()[0]
    assert (
        bucket
        == backoffice.execute(f"""
        SELECT (SELECT sum(tickets_quantity) {ORDERS} AND org_id NOT IN {known})
             - coalesce((SELECT sum(r.tickets_quantity) {REFUNDS} AND o.org_id NOT IN {known}), 0)""").fetchone()[0]
    )


def test_deleted_leads_are_marked_and_left_out_of_the_funnel(simulated_s, published):
    deleted = set(simulated_s.injected()["deleted_deals"]["deal_ids"])
    assert {d for (d,) in published.execute("SELECT deal_id FROM deals WHERE is_deleted").fetchall()} == deleted
    with (simulated_s.company / "amocrm" / "leads.jsonl").open(encoding="utf-8") as f:
        leads = [json.loads(line) for line in f]
    alive = [lead for lead in leads if not lead.get("is_deleted")]
    assert len(alive) == len(leads) - len(deleted)
    funnel_leads = published.execute("SELECT sum(deals) FROM report_funnel WHERE stage = 'lead'").fetchone()[0]
    assert funnel_leads == len(alive)  # every lead of the snapshot was created by the last day
    assert published.execute("SELECT sum(deals_created) FROM report_weekly").fetchone()[0] == len(alive)


def test_deals_created_and_won_equal_the_amocrm_snapshot(simulated_s, published):
    """report_monthly_deals and report_weekly against leads.jsonl, on the Moscow calendar (weeks from Monday)."""
    moscow = ZoneInfo("Europe/Moscow")
    created: Counter = Counter()
    weeks: Counter = Counter()
    won: dict[str, tuple[int, Decimal]] = {}
    with (simulated_s.company / "amocrm" / "leads.jsonl").open(encoding="utf-8") as f:
        for lead in map(json.loads, f):
            if lead.get("is_deleted"):
                continue
            day = datetime.fromtimestamp(lead["created_at"], UTC).astimezone(moscow).date()
            created[day.strftime("%Y-%m")] += 1
            weeks[date.fromordinal(day.toordinal() - day.weekday())] += 1
            if lead["status_id"] == 142:
                month = datetime.fromtimestamp(lead["closed_at"], UTC).astimezone(moscow).strftime("%Y-%m")
                n, budget = won.get(month, (0, Decimal(0)))
                won[month] = (n + 1, budget + Decimal(lead.get("price") or 0))
    expected = {m: (created.get(m, 0), *won.get(m, (0, Decimal(0)))) for m in set(created) | set(won)}
    got = {
        m.strftime("%Y-%m"): (n, w, b)
        for m, n, w, b in published.execute("""
        SELECT month, sum(deals_created), sum(deals_won), sum(annual_budget_won) FROM report_monthly_deals
        GROUP BY 1 HAVING sum(deals_created) + sum(deals_won) > 0""").fetchall()
    }
    assert got == expected and sum(n for n, _ in won.values()) > 300
    assert (
        dict(
            published.execute("""SELECT week_start, sum(deals_created) FROM report_weekly GROUP BY 1
                                     HAVING sum(deals_created) > 0""").fetchall()
        )
        == weeks
    )


def test_declining_partners_equal_the_backoffice(backoffice, published):
    """Whom to call: recent 28 days vs the 84 before / 3, from the back-office's Moscow dates (spec defaults:
    baseline ≥ 10 000.00, decline ≥ 30 %), rounding half away from zero."""
    as_of = END
    recent_from = date.fromordinal(as_of.toordinal() - 27)
    base_from = date.fromordinal(recent_from.toordinal() - 84)
    rows = backoffice.execute(
        f"""
        SELECT org_id, sum(CASE WHEN day >= :recent THEN kop ELSE 0 END), sum(CASE WHEN day < :recent THEN kop END)
        FROM (SELECT org_id, substr(done_at, 1, 10) AS day, full_kop AS kop {ORDERS}
              UNION ALL SELECT o.org_id, substr(r.finished_at, 1, 10), -r.refund_full_kop {REFUNDS})
        WHERE day BETWEEN :base AND :as_of AND org_id IN (SELECT partner_id FROM partners)
        GROUP BY 1""",
        {"recent": recent_from.isoformat(), "base": base_from.isoformat(), "as_of": as_of.isoformat()},
    ).fetchall()
    cent = Decimal("0.01")
    expected = {}
    for partner, recent_kop, base_kop in rows:
        recent = Decimal(recent_kop) / 100
        baseline = (Decimal(base_kop or 0) / 100 / 3).quantize(cent, ROUND_HALF_UP)
        if baseline >= 10000:
            decline = (100 * (1 - recent / baseline)).quantize(cent, ROUND_HALF_UP)
            if decline >= 30:
                expected[partner] = (baseline, recent, decline)
    got = {
        p: (b, r, d)
        for p, b, r, d in published.execute(
            "SELECT partner_id, baseline_28d, recent_28d, decline_pct FROM report_declining_partners"
        ).fetchall()
    }
    assert got == expected and len(expected) > 10


def test_support_sales_equal_the_backoffice(backoffice, published):
    """The support bucket: orders without an account or of the support partner (docs/simulated-company.md)."""
    support = "(org_id IS NULL OR org_id IN (SELECT partner_id FROM partners WHERE is_support = 1))"
    expected = backoffice.execute(f"""
        SELECT (SELECT sum(full_kop) {ORDERS} AND {support})
             - (SELECT coalesce(sum(r.refund_full_kop), 0) {REFUNDS} AND {support.replace("org_id", "o.org_id")})
    """).fetchone()[0]
    got = published.execute("SELECT sum(turnover) FROM report_sales_share WHERE bucket = 'support'").fetchone()[0]
    assert _kop(got) == expected > 0


def test_plans_equal_the_spreadsheet(simulated_s, published):
    """Monthly plans as typed in plans.xlsx (read with openpyxl); the running quarter's plan includes the
    months after as_of (spec: plans of unreported months still count in quarter and year totals)."""
    import openpyxl

    emails = dict(published.execute("SELECT email, manager_id FROM managers").fetchall())
    book = openpyxl.load_workbook(simulated_s.company / "plans.xlsx", read_only=True)
    rows = list(book["plans"].iter_rows(min_row=2, values_only=True))
    book.close()
    cent = Decimal("0.01")
    plans = {
        (month.date(), emails[manager] if manager else None, metric): (
            Decimal(str(real)).quantize(cent),
            Decimal(str(opt)).quantize(cent),
        )
        for month, manager, metric, real, opt in rows
    }
    got = {
        (p, m, k): (r, o)
        for p, m, k, r, o in published.execute("""
        SELECT period_start, manager_id, metric, plan_realistic, plan_optimistic FROM report_plan_fact
        WHERE period_type = 'month' AND plan_realistic IS NOT NULL AND metric <> 'margin_pct'""").fetchall()
    }
    assert got == {k: v for k, v in plans.items() if k[0] <= END} and len(got) > 400
    quarter = published.execute("""SELECT plan_realistic FROM report_plan_fact WHERE period_type = 'quarter'
        AND period_start = DATE '2026-10-01' AND manager_id IS NULL AND metric = 'turnover'""").fetchone()[0]
    assert quarter == sum(plans[(date(2026, m, 1), None, "turnover")][0] for m in (10, 11, 12))


def test_cohorts_equal_the_backoffice(simulated_s, published, backoffice):
    """report_cohorts by (first-sale month, month offset): turnover, tickets and active partners (Σ tickets > 0)
    from the back-office, cohorts from truth/partners.csv, months on the Moscow calendar."""
    moscow = ZoneInfo("Europe/Moscow")
    with (simulated_s.truth / "partners.csv").open(encoding="utf-8") as f:
        cohort = {
            r["partner_id"]: datetime.fromisoformat(r["first_sale_at"]).astimezone(moscow)
            for r in csv.DictReader(f)
            if r["first_sale_at"]
        }
    money: Counter = Counter()
    tickets: Counter = Counter()
    for org, month, kop, n in backoffice.execute(f"""
            SELECT org_id, substr(done_at, 1, 7), full_kop, tickets_quantity {ORDERS} UNION ALL
            SELECT o.org_id, substr(r.finished_at, 1, 7), -r.refund_full_kop, -r.tickets_quantity {REFUNDS}"""):
        if org in cohort:
            first = cohort[org]
            key = (first.strftime("%Y-%m"), (int(month[:4]) - first.year) * 12 + int(month[5:]) - first.month)
            money[key] += kop
            tickets[(org, *key)] += n
    active = Counter((m, k) for (_, m, k), n in tickets.items() if n > 0)
    per_cell: Counter = Counter()
    for (_, m, k), n in tickets.items():
        per_cell[(m, k)] += n
    expected = {k: (money[k], per_cell[k], active[k]) for k in money}
    got = {
        (m.strftime("%Y-%m"), k): (_kop(t), int(n), a)
        for m, k, t, n, a in published.execute("""
        SELECT cohort_month, month_offset, sum(turnover), sum(tickets), sum(active_partners) FROM report_cohorts
        GROUP BY 1, 2""").fetchall()
    }
    assert got == expected and len(expected) > 300


def test_first_sale_bonuses_follow_the_acquiring_deal(simulated_s, warehouse_s, published):
    """`first_sale` bonus lines recomputed from the snapshot: per partner with a first sale (truth), among its
    linked live deals the one that reached first_sale earliest (amoCRM won time, or the platform's first sale
    when the deal already existed then; ties: smallest id), else the most recently created one → its
    responsible user, 5 000.00 × 1.5 when «Холодная сделка» is ticked."""
    with (simulated_s.truth / "partners.csv").open(encoding="utf-8") as f:
        first_sale = {
            r["partner_id"]: datetime.fromisoformat(r["first_sale_at"]) for r in csv.DictReader(f) if r["first_sale_at"]
        }
    amocrm = simulated_s.company / "amocrm"
    with (amocrm / "leads.jsonl").open(encoding="utf-8") as f:
        leads = {lead["id"]: lead for lead in map(json.loads, f)}
    won_at: dict[int, datetime] = {}
    with (amocrm / "events.jsonl").open(encoding="utf-8") as f:
        for e in map(json.loads, f):
            if (
                e["type"] in ("lead_added", "lead_status_changed")
                and e["value_after"]
                and e["value_after"][0]["lead_status"]["id"] == 142
            ):
                won_at.setdefault(e["entity_id"], datetime.fromtimestamp(e["created_at"], UTC))  # events in order
    deals_of: dict[str, list[int]] = {}
    for deal, partner in warehouse_s.execute("SELECT deal_id, partner_id FROM deal_partner_links").fetchall():
        if not leads[deal].get("is_deleted"):
            deals_of.setdefault(partner, []).append(deal)

    def is_cold(lead: dict) -> bool:
        return any(f["field_id"] == 904313 and f["values"][0]["value"] for f in lead.get("custom_fields_values") or [])

    moscow = ZoneInfo("Europe/Moscow")
    expected = {}
    for partner, at in first_sale.items():
        if partner in deals_of:
            reached = []
            for d in deals_of[partner]:
                created = datetime.fromtimestamp(leads[d]["created_at"], UTC)
                times = [t for t in (won_at.get(d), at if at >= created else None) if t is not None]
                if times:
                    reached.append((min(times), d))
            latest = max(deals_of[partner], key=lambda d: (leads[d]["created_at"], -d))  # if none reached it
            deal = min(reached)[1] if reached else latest
            lead = leads[deal]
            expected[(at.astimezone(moscow).strftime("%Y-%m"), lead["responsible_user_id"], partner)] = (
                deal,
                Decimal("7500.00") if is_cold(lead) else Decimal("5000.00"),
            )
    got = {
        (m.strftime("%Y-%m"), manager, p): (d, a)
        for m, manager, p, d, a in published.execute(
            "SELECT month, manager_id, partner_id, deal_id, amount FROM report_bonus_lines WHERE rule = 'first_sale'"
        ).fetchall()
    }
    assert got == expected and len(expected) > 300
