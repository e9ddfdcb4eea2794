"""report_plan_fact — plan vs fact by month, quarter and year, for the company and each manager.

Facts in the period: Σ sales (refunds included) for turnover, revenue, cost, tickets; margin = revenue
− cost; new_partners = partners whose first sale falls in it; margin_pct = round(100 × margin / revenue,
2), NULL when revenue is 0. Money and tickets go to the partner's development manager, new partners to
the sales manager of the partner's acquiring deal; what has no manager is only in the company row
(manager_id NULL). Plans: a month's own; a quarter or year sums its months, including months after
as_of (NULL when no month has a plan); margin_pct plan = plan margin / plan revenue. There is no cost
plan (the plans table has no such metric), so its plan is NULL.

Plan to date (realistic): the plans of the period's months that ended by as_of, plus the running month's
plan × days elapsed / days in that month, rounded — so a running period's fact is compared with what the
plan asked for by as_of, not with the whole period's target. Attainment to date = round(100 × fact / plan
to date, 2); forecast attainment = round(100 × forecast / whole period's realistic plan, 2); both NULL
without a plan, when that plan is 0 or below (no percentage of it means anything), and for margin_pct
(a ratio of ratios is no attainment); the forecast's attainment and the chances of the plans are also NULL
when some month of the period has no plan (a year's forecast against its first quarter's plan), the
attainment to date when some month begun by as_of has none (a year's sales since January against a plan
from October on).

run_rate: a complete period's fact; for the running period fact × days_in_period / days_elapsed,
rounded — each metric from its own fact (so margin's run-rate is not revenue's minus cost's);
margin_pct's is the fact's (the run-rate scales margin and revenue alike). forecast: a complete
period's fact; for the running period fact + forecast_base + forecast_pipeline + forecast_new_deals
+ forecast_events (reports/forecast/, docs/forecast.md), with forecast_low / forecast_high and the chance of reaching
each plan from the backtest.
Periods starting after as_of are not reported; the running ones always are for the company (and for a
manager the forecast expects something of), even before their first sale. Plans are
targets, not facts: the as_of cut does not apply to them. Counts (tickets, new_partners) are shown as
DECIMAL(18,2) like the money, so one column type carries every metric.
"""

from __future__ import annotations

import calendar
from datetime import date

import ibis

from salesglass.model.schema import PLAN_METRICS
from salesglass.reports.base import BuildParams, Canon, left_join, union_all
from salesglass.reports.forecast import plan as forecast_plan
from salesglass.reports.money import div_round, from_cents, pct_cents, to_cents
from salesglass.reports.periods import quarter_start

COMPANY = -1  # manager key of the company row while joining (NULL never joins); back to NULL at the end
_FACTS = ("turnover", "revenue", "cost", "tickets", "new_partners")
_I64 = "int64"


def _zero() -> ibis.expr.types.IntegerValue:
    return ibis.literal(0, type=_I64)


def _month_facts(canon: Canon, params: BuildParams) -> ibis.Table:
    pm = canon.partner_months
    money = {m: to_cents(pm[m]) for m in ("turnover", "revenue", "cost")} | {"tickets": pm.tickets * 100}
    dev = canon.partners.select("partner_id", "development_manager_id")
    pmm = pm.join(dev, "partner_id")
    pmm = pmm.filter(pmm.development_manager_id.notnull())
    money_mgr = {m: to_cents(pmm[m]) for m in ("turnover", "revenue", "cost")} | {"tickets": pmm.tickets * 100}
    fs = left_join(canon.first_sales, canon.acquiring_deals.select("partner_id", "sales_manager_id"), "partner_id")
    fsm = fs.filter(fs.sales_manager_id.notnull())
    no_money = {m: _zero() for m in ("turnover", "revenue", "cost", "tickets")}
    hundred = ibis.literal(100, type=_I64)
    parts = [
        pm.select("month", mkey=ibis.literal(COMPANY, type=_I64), **money, new_partners=_zero()),
        pmm.select("month", mkey=pmm.development_manager_id.cast(_I64), **money_mgr, new_partners=_zero()),
        fs.select(month=fs.first_sale_month, mkey=ibis.literal(COMPANY, type=_I64), **no_money, new_partners=hundred),
        fsm.select(month=fsm.first_sale_month, mkey=fsm.sales_manager_id.cast(_I64), **no_money, new_partners=hundred),
    ]
    rows = union_all(*parts)
    return rows.group_by("month", "mkey").agg(**{m: rows[m].sum() for m in _FACTS})


def _sum_or_null(col, where=None):
    """Σ that stays NULL when nothing is there (ClickHouse sumIf over no rows gives 0, not NULL)."""
    return ibis.ifelse(col.count(where=where) > 0, col.sum(where=where), ibis.null(_I64))


def _month_plans(canon: Canon, params: BuildParams) -> ibis.Table:
    pl = canon.plans
    pl = pl.mutate(
        month=pl.month.truncate("M"),
        mkey=pl.manager_id.cast(_I64).fill_null(COMPANY),
        r=to_cents(pl.realistic),
        o=to_cents(pl.optimistic),
    )
    start, end = _running(params.as_of, "M")
    running = ibis.literal(start, type="date")
    # the realistic plan asked for by as_of: whole months before the running one, the running one pro rata
    pl = pl.mutate(
        t=ibis.ifelse(
            pl.month < running,
            pl.r,
            ibis.ifelse(
                pl.month == running, div_round(pl.r * ((params.as_of - start).days + 1), (end - start).days + 1), 0
            ),
        )
    )
    aggs = {}
    for m in PLAN_METRICS:
        aggs[f"r_{m}"] = _sum_or_null(pl.r, pl.metric == m)
        aggs[f"o_{m}"] = _sum_or_null(pl.o, pl.metric == m)
        aggs[f"t_{m}"] = _sum_or_null(pl.t, pl.metric == m)
        aggs[f"c_{m}"] = ibis.ifelse(pl.r.count(where=pl.metric == m) > 0, 1, 0).cast(_I64)  # a planned month
        # …that has begun by as_of (the months a plan to date asks something of)
        aggs[f"e_{m}"] = ibis.ifelse((pl.r.count(where=pl.metric == m) > 0) & (pl.month.max() <= running), 1, 0).cast(
            _I64
        )
    return pl.group_by("month", "mkey").agg(**aggs)


def _rollup(
    facts: ibis.Table, plans: ibis.Table, kind: str, unit: str, params: BuildParams, expected: ibis.Table | None = None
) -> ibis.Table:
    """One period type: facts and plans rolled up from months, on every (period, manager) with either, and
    on the running period of the company and of every manager the forecast expects something of
    (`expected`: period_type, period_start, mkey; None: facts and plans only) — on the 1st before the
    first sale, in a month the business is closed, or for a manager without a plan whose partners have not
    sold yet this month, the running period had no row at all, so no forecast either."""
    f = facts.group_by(period_start=facts.month.truncate(unit), mkey=facts.mkey).agg(
        **{m: facts[m].sum() for m in _FACTS}
    )
    p = plans.group_by(period_start=plans.month.truncate(unit), mkey=plans.mkey).agg(
        **{c: _sum_or_null(plans[c]) for c in plans.columns if c not in ("month", "mkey")}
    )
    keys = [f.select("period_start", "mkey"), p.select("period_start", "mkey")]
    if expected is not None:
        keys.append(expected.filter(expected.period_type == kind).select("period_start", "mkey"))
    keys = union_all(*keys, distinct=True)
    keys = keys.filter(keys.period_start <= ibis.literal(params.as_of, type="date"))
    w = left_join(left_join(keys, f, ["period_start", "mkey"]), p, ["period_start", "mkey"])
    start, end = _running(params.as_of, unit)
    running = w.period_start == ibis.literal(start, type="date")
    return w.mutate(
        period_type=ibis.literal(kind),
        running=running,
        is_complete=~running | ibis.literal(params.as_of == end),
        days_total=ibis.literal((end - start).days + 1, type=_I64),
        days_elapsed=ibis.literal((params.as_of - start).days + 1, type=_I64),
        **{m: w[m].fill_null(0) for m in _FACTS},
    )


def _with_forecast_parts(w: ibis.Table, parts: ibis.Table, canon: Canon, params: BuildParams) -> ibis.Table:
    """Adds the forecast's base (b_…), pipeline (p_…) and new deals (n_…) after as_of (`parts`:
    forecast_plan.running_parts) to the running periods' rows (0 elsewhere)."""
    w = left_join(w, parts, ["period_type", "period_start", "mkey"])
    cols = [c for c in parts.columns if c[:2] in ("b_", "p_", "n_", "v_")]
    w = w.mutate(**{c: ibis.ifelse(w.running, w[c].fill_null(0), 0) for c in cols})
    blended = forecast_plan.blend_running(w, canon, params)
    ends = {kind: _running(params.as_of, unit)[1] for kind, unit in (("month", "M"), ("quarter", "Q"), ("year", "Y"))}
    blended = forecast_plan.nest_running(blended, ends)  # the month, quarter and year agree
    return blended.mutate(**{c: ibis.ifelse(blended.running, blended[c], 0) for c in cols})


def _metrics(w: ibis.Table, canon: Canon, params: BuildParams) -> ibis.Table:
    """The long table: one row per metric, with plan, run-rate and forecast (all in hundredths)."""

    def run_rate(x):
        return ibis.ifelse(w.running, div_round(x * w.days_total, w.days_elapsed), x)

    none = ibis.null(_I64)
    margin = w.revenue - w.cost
    b = {m: w[f"b_{m}"] for m in _FACTS} | {"margin": w.b_revenue - w.b_cost}
    p = {m: w[f"p_{m}"] for m in _FACTS} | {"margin": w.p_revenue - w.p_cost}
    n = {m: w[f"n_{m}"] for m in _FACTS} | {"margin": w.n_revenue - w.n_cost}
    v = {m: w[f"v_{m}"] for m in _FACTS} | {"margin": w.v_revenue - w.v_cost}  # events on sale
    # fact, realistic, optimistic, run-rate, plan to date, forecast, base, pipeline, new deals, and whether
    # every month of the period has a plan (a forecast of a whole year against a plan of its first quarter
    # read "465 %", and the chance of beating that plan 100 %)
    fact = {m: w[m] for m in _FACTS} | {"margin": margin}
    fc = {m: fact[m] + b[m] + p[m] + n[m] + v[m] for m in fact}
    months = ibis.cases((w.period_type == "month", 1), (w.period_type == "quarter", 3), else_=12)
    whole = {m: w[f"c_{m}"].fill_null(0) >= months for m in PLAN_METRICS}
    # …and whether every month of it begun by as_of has one (the running quarter or year: its months so far)
    begun = ibis.cases(
        (w.period_type == "month", 1),
        (w.period_type == "quarter", ibis.ifelse(w.running, (params.as_of.month - 1) % 3 + 1, 3)),
        else_=ibis.ifelse(w.running, params.as_of.month, 12),
    )
    so_far = {m: w[f"e_{m}"].fill_null(0) >= begun for m in PLAN_METRICS}
    no = ibis.literal(False)
    metrics = {
        m: (fact[m], none, none, run_rate(fact[m]), none, fc[m], b[m], p[m], n[m], no, no, v[m])
        if m == "cost"
        else (
            *(fact[m], w[f"r_{m}"], w[f"o_{m}"], run_rate(fact[m]), w[f"t_{m}"], fc[m], b[m], p[m], n[m]),
            *(whole[m], so_far[m], v[m]),
        )
        for m in (*_FACTS, "margin")
    }
    metrics["margin_pct"] = (
        pct_cents(margin, w.revenue),
        pct_cents(w.r_margin, w.r_revenue),
        pct_cents(w.o_margin, w.o_revenue),
        # the run-rate scales margin and revenue by the same days, so their ratio is the fact's (the ratio of
        # the two rounded run-rates drifted from it: a steady 70.00 % read 69.98 %)
        pct_cents(margin, w.revenue),
        pct_cents(w.t_margin, w.t_revenue),
        pct_cents(metrics["margin"][5], metrics["revenue"][5]),
        none,
        none,
        none,
        whole["margin"] & whole["revenue"],
        no,
        none,
    )
    # unpivot with one pass (a 7-way array join) rather than 7 UNION ALL copies of `w`: ClickHouse expands
    # each copy in full, which made this the slowest query there
    names = list(metrics)
    x = w.mutate(metric_no=ibis.range(0, len(names)).unnest())

    def pick(i):
        return ibis.cases(*[(x.metric_no == n, metrics[name][i]) for n, name in enumerate(names)])

    x = x.mutate(
        metric=x.metric_no.cases(*enumerate(names)),
        fact=pick(0),
        real=pick(1),
        opt=pick(2),
        rr=pick(3),
        td=pick(4),
        fc=pick(5),
        base=pick(6),
        pipe=pick(7),
        new=pick(8),
        whole=pick(9),
        so_far=pick(10),
        ev=pick(11),
    )
    x = forecast_plan.with_range(x, canon, params)
    return x.select(
        "period_type",
        "period_start",
        manager_id=ibis.ifelse(x.mkey == COMPANY, ibis.null(_I64), x.mkey),
        metric=x.metric,
        fact=from_cents(x.fact),
        plan_realistic=from_cents(x.real),
        plan_optimistic=from_cents(x.opt),
        run_rate=from_cents(x.rr),
        forecast=from_cents(x.fc),
        is_complete=x.is_complete,
        plan_to_date=from_cents(x.td),
        forecast_base=from_cents(x.base),
        forecast_pipeline=from_cents(x["pipe"]),
        forecast_new_deals=from_cents(x["new"]),
        forecast_events=from_cents(x.ev),
        forecast_low=from_cents(x.lo),
        forecast_high=from_cents(x.hi),
        chance_realistic_pct=x.chance_real,
        chance_optimistic_pct=x.chance_opt,
        plan_whole_=x.whole,
        plan_so_far_=x.so_far,
    )


def _attainment(t: ibis.Table) -> ibis.Table:
    """Like with like: fact to date against plan to date, the forecast against the whole period's plan.

    Undefined (NULL) when that plan is 0 or below: a percentage of a negative margin plan reads backwards
    (a bigger loss than planned came out as −47 515 %, a smaller one as a high attainment), and of a zero
    plan it is a division by zero; the page shows "—" and says why. A negative fact against a positive plan
    stays a (negative) percentage: the plan is a target, and the fact is that far below it. The forecast's
    attainment is also undefined when some month of the period has no plan (plan_whole_): the plan is then
    a target for part of the period, and the whole period's forecast against it is no attainment; so is the
    attainment to date when some month begun by as_of has none (plan_so_far_): the fact to date holds that
    month's sales, the plan to date asks nothing of it."""
    ratio = t.metric != "margin_pct"

    def pct(num, den, also=True):
        defined = ratio & (den > 0) & also
        return ibis.ifelse(defined, from_cents(pct_cents(to_cents(num), to_cents(den))), ibis.null("decimal(18,2)"))

    return t.mutate(
        attainment_to_date_pct=pct(t.fact, t.plan_to_date, t.plan_so_far_),
        forecast_attainment_pct=pct(t.forecast, t.plan_realistic, t.plan_whole_),
    ).drop("plan_whole_", "plan_so_far_")


def _running(as_of: date, unit: str) -> tuple[date, date]:
    """First and last day of the period of this unit that contains as_of."""
    if unit == "M":
        return as_of.replace(day=1), as_of.replace(day=calendar.monthrange(as_of.year, as_of.month)[1])
    if unit == "Q":
        start = quarter_start(as_of)
        last_month = start.month + 2
        return start, date(start.year, last_month, calendar.monthrange(start.year, last_month)[1])
    return date(as_of.year, 1, 1), date(as_of.year, 12, 31)


def build(canon: Canon, params: BuildParams) -> ibis.Table:
    facts = _month_facts(canon, params)
    plans = _month_plans(canon, params)
    # forecast_running in the build (ClickHouse plans a subquery at every use: plan-fact read it twice)
    parts = canon.forecast_running if canon.forecast_running is not None else forecast_plan.running_parts(canon, params)
    something = ibis.or_(*[parts[c] != 0 for c in parts.columns if c[:2] in ("b_", "p_", "n_", "v_")])
    expected = parts.filter((parts.mkey == COMPANY) | something).select("period_type", "period_start", "mkey")
    kinds = (("month", "M"), ("quarter", "Q"), ("year", "Y"))
    w = union_all(*[_rollup(facts, plans, kind, unit, params, expected) for kind, unit in kinds])
    w = _with_forecast_parts(w, parts, canon, params)
    return _attainment(_metrics(w, canon, params)).order_by("period_type", "period_start", "manager_id", "metric")
