"""With each event's show date, can a forecast that LEARNS the sales curve reach the target? (run on demand)

An experiment for docs/forecast.md, outside the product. bench/forecast_floor.py showed that at scale s
the warehouse's sales plus each event's show date and the generator's *exact* sales curve forecast month
turnover on day 8 at 0.41 × the run-rate's MAPE (the target is 0.6 ×). Here nothing of the generator is
used: the curve is estimated from the account's own history, as a product could, and every case sees only
data up to its as-of day (like the product's backtest, `report_forecast_backtest`, whose cases, run-rate
and blended forecast are printed beside it).

What it assumes the platform gives: the sales with their event (the canonical model has that) and an
events table (event id, partner, show date, created date: any ticketing back-office has them; here read
from the simulated back-office, backoffice.sqlite, whose other columns — status, which says "canceled"
as of today — are not used). Days are Moscow days; the show's day is the day it starts.

- **events on sale** (a first sale on or before the as-of day u, show after it): a chain ladder by
  *days to show*. An event with k days to its show and a lead L (first sale → show) has sold S so far;
  of the events whose show had passed by u (all their sales seen), those of a similar lead (bins of L:
  0–3, 4–7, 8–14, 15–21, 22–31, 32–45, 46–64, 65–90, 91–129, 130–179, 180–249, 250+ days) that had a
  sale by k days before their show: what they sold in the next h days (h = days left in the month, up to
  the show) ÷ what they had sold by then (sums over events: big events weigh most), pooled over k ± a
  fifth (--smooth 5; at least ±1 day); forecast = S × that factor. No sales curve, season or weekday is assumed:
  the factor is the account's own;
- **events not yet on sale**, two ways:
  - *ladder* (only the show dates of events already selling are known): over the months that ended in
    the year before, at the same day of the month, the sales to the month's end of events whose first
    sale came after that day ÷ the account's sales of the 56 days before it; × this month's 56 days
    (bench/forecast_ladder.py's rule);
  - *events table* (every event created by u is known with its show date): events created by u without a
    sale yet, each × its partner's average event (the mean total of its events shown by u, those that
    never sold included; all partners' mean when it has none) × the share of an event's sales that falls
    in the rest of the month at its days to show (learnt like the ladder's factor, from the shown events of
    the same lead bin, as a share of their totals); events created after u by the ladder rule restricted
    to events created after the day (their first sale is after it too);
- **to date**: the month's turnover so far (refunds included); the parts above are sales, taken × (1 −
  the share of sales refunded in the 365 days to u).

**Blend**: w × forecast + (1 − w) × run-rate, w learnt by least squares (clipped to 0–1) from the cases of
the same day of the month whose month had ended in the 365 days before (0.5 with fewer than 8), as the
product's blend. The cheat lines put one part's actual value in place of its forecast (what a perfect
forecast of the other part would still miss).

--calendar NAME[,NAME…] adds, per index named, the ladder of the events on sale on *calendar-free* sales:
each day's sales ÷ that day's month × weekday index, learnt per day of the window and multiplied back by
its day's index (make_index: KIND[-months|-weekdays][~NOISE][^POWER][@end]). Kinds: `flat` (all 1: the
plain ladder again, a check), `generator` (the generator's own constants: a diagnostic, what a well-learnt
calendar would give), `learnt` (the account's daily sales ÷ a log-linear trend, learnt_index), `product`
(the product's base seasonality as of the case day, read from forecast_weights), `events` (within events,
event_index: the index a product can learn from the events' show dates). `-months` / `-weekdays` keep one
half, `~10` adds 10 % random noise to the months, `^50` flattens them to their square root, `@end` learns
from all the data (a cheat). `weekday` is the earlier name of `learnt-weekdays`.

The within-event index's variants (what a product version could afford, 2026-12-08): `events<N>` fits
N sweeps, and `+OPT` options (event_index) change the fit: `+1st` once a month, `+r<R>` R more sweeps on
the as-of day from the month's fit, `+warm` starts from the previous fit, `+nowd` / `+noage` drop the
weekday / days-since-creation factor, `+nolead` / `+noleadage` drop the lead bins of the days-to-show /
days-since-creation curve, `+coarse` coarse days-to-show bins, `+sub<N>k` / `+n<K>` subsample events,
`+win<D>` the last D days only; `+lad1st` learns the ladder's factors as of the month's 1st (as the
product). --product-rule adds each ladder with the product's rule for what is not on sale (its base's
rest of the month × the share such events brought last year, + pipeline and new deals, from
report_forecast_backtest) and with that base × share alone. --since DATE adds, per cell, the MAPE over the
cases from DATE on (the blend still learns from all).

    python bench/forecast_showdates.py [s] [m] [--dir DIR] [--days 1,8,15,22] [--smooth 5] [--cases]
        [--calendar events,generator-months,product,events10+1st+r2,…] [--product-rule] [--since DATE]

The company is bench/forecast.py's (DIR/bench-forecast-<scale>/, generated and loaded when missing;
its report_forecast_backtest must be from its last `salesglass build`). --cases prints day 8's cases and
every case's error for each --calendar ladder.
Cost (2026-12-07, loaded 2-core machine): scale s ~15 CPU-s, 0.17 GB; ~100 CPU-s and 0.23 GB with 15
--calendar indexes and all four days; scale m day 8 ~45 CPU-s per --calendar index, 2.6 GB.
"""

from __future__ import annotations

import re
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402

MSK = 3 * 3600
DAY = 86400
D = 400  # days before the show kept apart (earlier sales are counted at 400)
LEAD_BINS = [4, 8, 15, 22, 32, 46, 65, 91, 130, 180, 250]


def _arg(argv: list[str], name: str, default: str) -> str:
    return argv[argv.index(name) + 1] if name in argv else default


class Account:
    """The warehouse's sales by event and Moscow day, the back-office's events and the product's cases."""

    def __init__(self, folder: Path, days: list[int], calendars: tuple[str, ...] = ()):
        import duckdb

        c = duckdb.connect()
        c.execute("SET TimeZone = 'UTC'")
        c.execute(f"ATTACH '{folder / 'salesglass.duckdb'}' AS wh (READ_ONLY)")
        c.execute(f"ATTACH '{folder / 'salesglass-reports.duckdb'}' AS r (READ_ONLY)")
        rows = c.execute(f"""SELECT event_id, floor((epoch(sold_at) + {MSK}) / {DAY})::int d, sum(turnover)::double
                             FROM wh.sales WHERE turnover > 0 GROUP BY ALL""").fetchall()
        net = c.execute(f"""SELECT floor((epoch(sold_at) + {MSK}) / {DAY})::int d,
                              sum(turnover) FILTER (WHERE turnover > 0)::double,
                              coalesce(-sum(turnover) FILTER (WHERE turnover < 0), 0)::double
                            FROM wh.sales GROUP BY 1""").fetchall()
        cases = c.execute(f"""
            SELECT (as_of - DATE '1970-01-01')::int, (period_start - DATE '1970-01-01')::int, days_total,
                   day(as_of), to_date::double, actual::double, forecast::double, run_rate::double, as_of,
                   forecast_model::double, pipeline::double, new_deals::double
            FROM r.report_forecast_backtest
            WHERE period_type = 'month' AND metric = 'turnover' AND day(as_of) IN ({",".join(map(str, days))})
            ORDER BY as_of""").fetchall()
        bo = sqlite3.connect(f"file:{folder / 'company' / 'backoffice.sqlite'}?mode=ro", uri=True)
        evs = bo.execute("SELECT event_id, coalesce(org_id, ''), start_at_utc, created_at FROM events").fetchall()
        index = {e[0]: i for i, e in enumerate(evs)}
        n = len(evs)
        # start_at_utc is naive UTC, created_at naive Moscow time (the back-office's quirk)
        self.show = np.array([(_epoch(e[2]) + MSK) // DAY for e in evs])
        self.created = np.array([_epoch(e[3]) // DAY for e in evs])
        partners = {p: i for i, p in enumerate(sorted({e[1] for e in evs}))}
        self.partner = np.array([partners[e[1]] for e in evs])
        ev = np.array([index[r[0]] for r in rows])
        day = np.array([r[1] for r in rows])
        amount = np.array([r[2] for r in rows])
        self.first = np.full(n, 10**9)
        np.minimum.at(self.first, ev, day)
        self.ev_sales = (ev, day, amount)
        # C[e, k]: the event's sales on days up to k days before its show (k = 0: all of them)
        x = np.zeros((n, D + 1))
        np.add.at(x, (ev, np.clip(self.show[ev] - day, 0, D)), amount)
        self.cum = x[:, ::-1].cumsum(axis=1)[:, ::-1]
        self.calendars = calendars
        # the product's weights (forecast_weights: weekday × month index as of each backtest day), as a
        # month × weekday table per as-of day: the base's seasonality, read as the product computed it
        self.product: dict[int, np.ndarray] = {}
        if any(x.startswith("product") for x in calendars):
            for as_of, d, wt in c.execute("SELECT as_of, day, wt FROM r.forecast_weights").fetchall():
                t = self.product.setdefault(as_of, np.full((12, 7), np.nan))
                t[_moy(np.array([d]))[0], (d + 3) % 7] = wt
        lo = min(r[0] for r in net)
        self.day0 = lo
        self.sold = np.zeros(max(r[0] for r in net) - lo + 1)
        self.refunded = np.zeros_like(self.sold)
        for d, s, f in net:
            self.sold[d - lo], self.refunded[d - lo] = s or 0.0, f
        self.cases = cases
        lead = np.where(self.first < 10**9, self.show - self.first, self.show - self.created)
        self.lead_bin = np.digitize(lead, LEAD_BINS)
        self.lead_bin_created = np.digitize(self.show - self.created, LEAD_BINS)


def _moy(day: np.ndarray) -> np.ndarray:
    """Month of year (0 = January) of Moscow day indexes."""
    return np.asarray(day).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12


def table_index(month: np.ndarray, week: np.ndarray):
    """index(day) = month[its month of year] × week[its weekday] (0 = Monday)."""
    return lambda day: month[_moy(day)] * week[(np.asarray(day) + 3) % 7]


def calendar_index(day: np.ndarray, weekdays: bool = True) -> np.ndarray:
    """The generator's month × weekday intensity of Moscow day indexes (a diagnostic: not learnt)."""
    from salesglass.simulate.orders import SEASON, WEEKDAY

    return SEASON[_moy(day)] * (WEEKDAY[(np.asarray(day) + 3) % 7] if weekdays else 1.0)


def _epoch(text: str) -> int:
    from datetime import UTC, datetime

    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def _window(a: Account, lo: int, hi: int, which: str = "sold") -> float:
    """Σ of the account's daily sales (or refunds) over Moscow days lo..hi (day indexes)."""
    arr = a.sold if which == "sold" else a.refunded
    return float(arr[max(0, lo - a.day0) : max(0, hi - a.day0 + 1)].sum())


def forecast_case(a: Account, u: int, pe: int, k5: int = 5) -> dict[str, float]:
    """The parts of one case, as of the end of day u, for the month ending on day pe (sales, ₽)."""
    h = pe - u
    nb = len(LEAD_BINS) + 1
    learn = (a.show <= u) & (a.first <= u)
    onehot = np.zeros((nb, len(a.show)))
    onehot[a.lead_bin, np.arange(len(a.show))] = 1.0
    onehot *= learn[None, :]
    ks = np.arange(1, D + 1)
    after = a.cum[:, ks - np.minimum(h, ks)]  # sold by the end of the window (or the show)
    now = a.cum[:, ks]  # sold by k days before the show
    has = now > 0
    num = onehot @ ((after - now) * has)  # bins × k
    den = onehot @ now

    def smooth(m: np.ndarray) -> np.ndarray:
        c = np.concatenate([np.zeros((m.shape[0], 1)), m.cumsum(axis=1)], axis=1)
        w = np.maximum(1, ks // k5)
        hi, lo = np.minimum(ks + w, D), np.maximum(ks - w, 1)
        return c[:, hi] - c[:, lo - 1]

    ult = onehot @ (a.cum[:, :1] * has)  # the final totals of the events that had sold by then
    num, den, ult = smooth(num), smooth(den), smooth(ult)
    pooled = num.sum(axis=0) / np.maximum(den.sum(axis=0), 1e-9)
    factor = np.where(den > 0, num / np.maximum(den, 1e-9), pooled[None, :])

    on = (a.first <= u) & (a.show > u)
    k_on = np.clip(a.show[on] - u, 1, D)
    on_sale = float((a.cum[on, k_on] * factor[a.lead_bin[on], k_on - 1]).sum())
    # Benktander: the ladder's estimate weighed by the share usually sold by then, the rest from the
    # partner's average event (its events shown by u that sold) × the share usually sold in the window
    sold_any = (a.show <= u) & (a.first <= u)
    n_p = np.bincount(a.partner[sold_any], minlength=a.partner.max() + 1)
    t_p = np.bincount(a.partner[sold_any], a.cum[sold_any, 0], minlength=a.partner.max() + 1)
    recent = sold_any & (a.show > u - 365)
    prior = np.where(n_p > 0, t_p / np.maximum(n_p, 1), a.cum[recent, 0].mean() if recent.any() else 0.0)
    b_on, i_on = a.lead_bin[on], k_on - 1
    z = np.clip(den[b_on, i_on] / np.maximum(ult[b_on, i_on], 1e-9), 0, 1)
    q = np.where(ult[b_on, i_on] > 0, num[b_on, i_on] / np.maximum(ult[b_on, i_on], 1e-9), 0.0)
    ladder_e = a.cum[on, k_on] * factor[b_on, i_on]
    benktander = float((z * ladder_e + (1 - z) * prior[a.partner[on]] * q).sum())

    # events created by u without a sale yet: what the shown events of the same lead (created → show) that
    # had no sale yet at that many days before the show (but existed) sold in the next h days, on average
    onehot_c = np.zeros((nb, len(a.show)))
    onehot_c[a.lead_bin_created, np.arange(len(a.show))] = 1.0
    onehot_c *= learn[None, :] | ((a.show <= u) & (a.created <= u))[None, :]
    idle = (a.created[:, None] <= a.show[:, None] - ks[None, :]) & ~has
    w_num, w_cnt = smooth(onehot_c @ (after * idle)), smooth(onehot_c @ idle.astype(float))
    pooled_w = w_num.sum(axis=0) / np.maximum(w_cnt.sum(axis=0), 1e-9)
    per_event = np.where(w_cnt > 0, w_num / np.maximum(w_cnt, 1e-9), pooled_w[None, :])
    waiting = (a.created <= u) & (a.first > u) & (a.show > u)
    k_w = np.clip(a.show[waiting] - u, 1, D)
    known_new = float(per_event[a.lead_bin_created[waiting], k_w - 1].sum())

    ev, day, amount = a.ev_sales
    rest = (day > u) & (day <= pe)
    # `+lad1st`: the ladder learnt from the events shown before the month's 1st (as the product does)
    lo = _month_start(u)
    learn_1st = (a.show < lo) & (a.first < lo)
    return {
        **{
            f"calendar:{name}": _calendar_ladder(
                a, make_index(a, name, u), u, h, learn_1st if "+lad1st" in name else learn, smooth, on, k_on
            )
            for name in a.calendars
        },
        "on_sale": on_sale,
        "benktander": benktander,
        "known_new": known_new,
        "on_sale_exact": float(amount[rest & (a.first[ev] <= u)].sum()),
        "new_exact": float(amount[rest & (a.first[ev] > u)].sum()),
        "uncreated_exact": float(amount[rest & (a.created[ev] > u) & (a.first[ev] > u)].sum()),
        "p56": _window(a, u - 55, u),
        "q_product": _product_share(a, u),
        "keep": 1 - _window(a, u - 364, u, "refunds") / max(_window(a, u - 364, u), 1e-9),
    }


def _product_share(a: Account, u: int) -> float:
    """The product's rule for what is not on sale yet (events.py `_share`): over the months that ended in
    the 365 days before u, at the same day of the month (u − its 1st), the share of the month's rest (net
    sales) that the events then on sale (first sale by that day, show after it) did NOT sell; NaN with
    fewer than 3 such months. The product keeps that share of its base's rest of the month."""
    off = u - _month_start(u)
    ev, day, amount = a.ev_sales
    r = o = 0.0
    n = 0
    m = np.datetime64(int(u), "D").astype("datetime64[M]")
    for back in range(1, 14):
        ms = int((m - back).astype("datetime64[D]").astype(np.int64))
        me = int((m - back + 1).astype("datetime64[D]").astype(np.int64)) - 1
        if me >= u or me < u - 365 or me < a.day0:
            continue
        um = min(ms + off, me)
        r += _window(a, um + 1, me) - _window(a, um + 1, me, "refunds")
        sel = (day > um) & (day <= me)
        e = ev[sel]
        o += float(amount[sel][(a.first[e] <= um) & (a.show[e] > um)].sum())
        n += 1
    return 1 - o / r if n >= 3 and r > 0 else float("nan")


def learnt_index(a: Account, u: int, months: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The account's month and weekday indexes as of day u, from its daily sales up to u (at most 730 days):
    weekday = its mean day in the last 364 days ÷ their mean; month = the mean of its days' sales ÷ a
    log-linear trend fitted to them ÷ their weekday index (1 for a month never seen; all 1 before 8 weeks)."""
    lo = max(a.day0, u - 729)
    days = np.arange(lo, u + 1)
    sales = a.sold[lo - a.day0 : u - a.day0 + 1]
    week, month = np.ones(7), np.ones(12)
    if len(days) >= 56:
        last = days > u - 364
        wd = (days + 3) % 7
        mean = sales[last].mean()
        week = np.array([sales[last & (wd == i)].mean() / mean for i in range(7)])
        pos = sales > 0
        b, c = np.polyfit(days[pos], np.log(sales[pos]), 1)
        r = sales / np.exp(c + b * days) / week[wd]
        m = _moy(days)
        if months:
            month = np.array([r[m == i].mean() if (m == i).any() else 1.0 for i in range(12)])
    return month, week


def product_index(a: Account, u: int) -> tuple[np.ndarray, np.ndarray]:
    """The product's month and weekday indexes as of backtest day u (forecast_weights, the base's day weights
    = weekday index × month index, salesglass/reports/forecast/seasonality.py), taken apart: a weight table
    of 12 months × 7 weekdays is their product, so its log-means by row and column are the two indexes (up
    to a constant, which the ladder does not see)."""
    t = a.product[u]
    if (t <= 0).any():  # a closed month or weekday: arithmetic means keep its zero
        return np.nanmean(t, axis=1), np.nanmean(t, axis=0) / np.nanmean(t)
    return np.exp(np.nanmean(np.log(t), axis=1)), np.exp(np.nanmean(np.log(t), axis=0))


COARSE_K = [1, 2, 3, 4, 7, 14, 30, 60]  # `+coarse`: days to show 0, 1, 2, 3, 4–6, 7–13, 14–29, 30–59, 60+


def _month_start(u: int) -> int:
    """The Moscow day index of the 1st of day u's month."""
    return int(np.datetime64(int(u), "D").astype("datetime64[M]").astype("datetime64[D]").astype(np.int64))


def event_cells(a: Account) -> dict[str, np.ndarray]:
    """Every event that sold × every day from its creation (or first sale, if earlier; or the first day of
    the data, if later) to its show (or last sale, if later): the event's sales that day (0 on days
    without), the day, and the levels of the factors event_index fits. Built once."""
    if hasattr(a, "_cells"):
        return a._cells
    ev, day, amount = a.ev_sales
    n = len(a.show)
    last = np.full(n, -(10**9))
    np.maximum.at(last, ev, day)
    sold = np.flatnonzero(a.first < 10**9)
    start = np.maximum(np.minimum(a.created[sold], a.first[sold]), a.day0)  # no sale is known before day0
    length = np.maximum(a.show[sold], last[sold]) - start + 1
    offset = np.r_[0, np.cumsum(length)[:-1]]
    cell_ev = np.repeat(np.arange(len(sold)), length)
    cell_day = start[cell_ev] + np.arange(len(cell_ev)) - offset[cell_ev]
    pos = np.full(n, -1)
    pos[sold] = np.arange(len(sold))
    y = np.zeros(len(cell_ev))
    np.add.at(y, offset[pos[ev]] + day - start[pos[ev]], amount)
    e = sold[cell_ev]
    lead = a.lead_bin[e]
    to_show = np.clip(a.show[e] - cell_day, 0, 60)
    age = np.clip(cell_day - start[cell_ev], 0, 15)
    a._cells = dict(
        ev=cell_ev,
        day=cell_day,
        y=y,
        k=lead * 61 + to_show,
        age=lead * 16 + age,
        moy=_moy(cell_day),
        dow=(cell_day + 3) % 7,
        # the variants' factors (`+nolead`, `+coarse`, `+noleadage`)
        k_nolead=to_show,
        k_coarse=lead * 9 + np.digitize(to_show, COARSE_K),
        k_coarse_nolead=np.digitize(to_show, COARSE_K),
        age_nolead=age,
    )
    return a._cells


EVENT_OPTIONS = ("warm", "1st", "nowd", "noage", "nolead", "noleadage", "coarse")


def event_index(a: Account, u: int, sweeps: int = 30, opts: tuple[str, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
    """The month and weekday indexes *within events* as of day u: each event's daily sales up to u ≈ its
    size × a days-to-show curve (by lead bin) × a days-since-creation curve (by lead bin) × month × weekday,
    fitted as a Poisson model (iterative proportional fitting). The event's own factor takes its size out,
    so neither the account's growth nor how many events are on sale is read as a season: what is left is how
    the calendar tilts the sales of one event over its days — what the ladder multiplies back. A month or
    weekday not seen yet is 1. Above 4 M event-days, every n-th event only (2–4 M event-days).

    opts (`--calendar events5+warm+1st…`): `1st` fits as of the day before u's month's 1st (once per month,
    reused on every day of it); `warm` starts from the last earlier fit of the same variant (its curves,
    month and weekday; the events' own factors are re-fitted first in each sweep anyway) instead of all 1;
    `nowd` / `noage` drop the weekday / days-since-creation factor from the fit; `nolead` / `noleadage`
    fit the days-to-show / days-since-creation curve without lead bins; `coarse` bins the days to show
    as COARSE_K; `sub<N>k` fits every n-th event only, n such that at most N thousand event-days (up to
    the fit's day) are left; `n<K>` every K-th event; `win<D>` fits the event-days of the last D days only;
    with `1st`, `r<R>` refreshes the month's fit on the as-of day: R sweeps as of u from the 1st's parameters."""
    c = event_cells(a)
    key = (sweeps, opts)
    refresh = next((int(o[1:]) for o in opts if re.fullmatch(r"r\d+", o)), 0)
    start = None
    if refresh:  # the month's fit (as of the 1st), then `refresh` sweeps as of u from it
        base = tuple(o for o in opts if not re.fullmatch(r"r\d+", o))
        event_index(a, u, sweeps, base)
        start, sweeps = a._warm[(sweeps, base)], refresh
    if "1st" in opts and not refresh:
        u = _month_start(u) - 1
    cache = a.__dict__.setdefault("_fits", {})
    if (key, u) in cache:
        return cache[(key, u)]
    upto = c["day"] <= u
    for o in opts:
        if o.startswith("win"):
            upto &= c["day"] > u - int(o[3:])
    cap = next((int(o[3:-1]) * 1000 for o in opts if o.startswith("sub")), 0)
    n_every = max(1, -(-int(upto.sum()) // cap)) if cap else max(1, len(c["ev"]) // 2_000_000)
    n_every = next((int(o[1:]) for o in opts if re.fullmatch(r"n\d+", o)), n_every)
    sel = upto & (c["ev"] % n_every == 0)
    if not sel.any():
        return np.ones(12), np.ones(7)
    y = c["y"][sel]
    k = "k_coarse" if "coarse" in opts else "k"
    if "nolead" in opts:
        k = "k_coarse_nolead" if "coarse" in opts else "k_nolead"
    names = [k]
    if "noage" not in opts:
        names.append("age_nolead" if "noleadage" in opts else "age")
    names.append("moy")
    if "nowd" not in opts:
        names.append("dow")
    factors = [np.unique(c["ev"][sel], return_inverse=True)[1]] + [c[f][sel] for f in names]
    params = [np.ones(f.max() + 1) for f in factors]
    warm = a.__dict__.setdefault("_warm", {})
    if start is None and "warm" in opts and key in warm:
        start = warm[key]
    if start is not None:
        for i, name in enumerate(names, start=1):
            old = start[name]
            params[i][: min(len(old), len(params[i]))] = old[: len(params[i])]
    mu = np.ones(len(y))
    for i in range(1, len(factors)):
        mu *= params[i][factors[i]]
    mu *= y.sum() / mu.sum()
    for _ in range(sweeps):
        for i, f in enumerate(factors):
            num, den = np.bincount(f, y, len(params[i])), np.bincount(f, mu, len(params[i]))
            r = np.where(den > 0, num / np.maximum(den, 1e-300), 1.0)
            params[i] *= r
            mu *= r[f]
    warm[key] = {name: params[i] for i, name in enumerate(names, start=1)}
    a.__dict__.setdefault("_fit_cells", {}).setdefault(key, []).append(len(y))
    out = []
    for name, size in (("moy", 12), ("dow", 7)):
        x = np.ones(size)
        if name in names:
            i = names.index(name) + 1
            seen = np.bincount(factors[i], minlength=size)[:size] > 0
            x[seen] = params[i][:size][seen] / params[i][:size][seen].mean()
        out.append(x)
    cache[(key, u)] = (out[0], out[1])
    return out[0], out[1]


def make_index(a: Account, name: str, u: int):
    """The index of --calendar NAME as of day u: KIND[+OPT…][-months|-weekdays][~NOISE][^POWER][@end].
    KIND: flat (all 1: the plain ladder again), generator (the generator's constants: a diagnostic),
    learnt (account's daily sales ÷ a log-linear trend), product (the base's seasonality as of u),
    events (within events, event_index; events5: 5 sweeps of its fit, not 30; +OPT: event_index's opts,
    e.g. events3+warm+1st+nowd+sub300k); -months / -weekdays keep that half only (the other is 1);
    ~N multiplies each month by exp(N(0, N %)) drawn per case; ^P raises the months to P % (P < 100
    flattens them); @end learns as of the last day of the data instead of u (a cheat: sees the future).
    `+lad1st` (any kind) is not the index's: the ladder's factors are learnt from the events shown before
    the month's 1st (as the product), not before the as-of day (forecast_case)."""
    if name == "weekday":  # the earlier name
        name = "learnt-weekdays"
    if name.endswith("@end"):
        name, u = name[:-4], a.day0 + len(a.sold) - 1
    power = float(name.split("^")[1]) / 100 if "^" in name else 1.0
    name = name.split("^")[0]
    noise = float(name.split("~")[1]) / 100 if "~" in name else 0.0
    name = name.split("~")[0]
    kind, _, part = name.partition("-")
    kind, *opts = kind.split("+")
    opts = [o for o in opts if o != "lad1st"]
    for o in opts:
        if not (o in EVENT_OPTIONS or re.fullmatch(r"sub\d+k|win\d+|r\d+|n\d+", o)) or not kind.startswith("events"):
            raise SystemExit(f"--calendar {name}: unknown option +{o}")
    if kind == "flat":
        month, week = np.ones(12), np.ones(7)
    elif kind == "generator":
        from salesglass.simulate.orders import SEASON, WEEKDAY

        month, week = SEASON.copy(), WEEKDAY.copy()
    elif kind == "learnt":
        month, week = learnt_index(a, u)
    elif kind == "product":
        month, week = product_index(a, u)
    elif kind.startswith("events"):  # events10: 10 sweeps of the fit (30 without a number)
        month, week = event_index(a, u, int(kind[6:] or 30), tuple(sorted(opts)))
    else:
        raise SystemExit(f"--calendar {name}: unknown index")
    if part == "months":
        week = np.ones(7)
    elif part == "weekdays":
        month = np.ones(12)
    month = month**power * np.exp(np.random.default_rng(u).normal(0, noise, 12)) if noise else month**power
    return table_index(month, week)


def _calendar_ladder(a: Account, index, u: int, h: int, learn, smooth, on, k_on) -> float:
    """The ladder of the events on sale on calendar-free sales (each day's ÷ its month × weekday index,
    make_index), per day of the window, each day's forecast × that day's index: Σ over events on sale and
    days j of the rest of the month up to the show, of its calendar-free sales so far × g(lead bin, k, j) ×
    index(u + j), g = what the shown events (learn) sold on the j-th day after k days before their show ÷
    what they had by then (those that had sold by then: k ≤ their show − first sale).

    Summed without an event × day grid: T[b, m, K] = the calendar-free sales, m days before the show, of
    the shown events of lead bin b whose first sale was K days before their show; then what they sold on
    day j after k (m = k − j) from those that had sold by k (K ≥ k) is R[b, k − j, k], R = T summed over
    K ≥ …, and what they had by k is T summed over m ≥ k."""
    ev, day, amount = a.ev_sales
    col = np.clip(a.show[ev] - day, 0, D)
    value = amount / index(day)
    first_k = np.clip(a.show - a.first, 0, D)
    sel = learn[ev]
    nb = len(LEAD_BINS) + 1
    t = np.zeros((nb, D + 1, D + 1))
    np.add.at(t, (a.lead_bin[ev[sel]], col[sel], first_k[ev[sel]]), value[sel])
    r = t[:, :, ::-1].cumsum(axis=2)[:, :, ::-1]
    ks = np.arange(1, D + 1)
    den = smooth(t.sum(axis=2)[:, ::-1].cumsum(axis=1)[:, ::-1][:, ks])
    so_far = np.bincount(ev, value * (day <= u), len(a.show))[on]
    b_on, i_on = a.lead_bin[on], k_on - 1
    days = index(u + np.arange(1, h + 1))
    out = 0.0
    for j in range(1, h + 1):
        g_num = smooth(np.where(ks >= j, r[:, np.maximum(ks - j, 0), ks], 0.0))
        pooled = g_num.sum(axis=0) / np.maximum(den.sum(axis=0), 1e-9)
        g = np.where(den > 0, g_num / np.maximum(den, 1e-9), pooled[None, :])
        # an event whose show is nearer than j days still gets the j-th day of the events pooled with it
        # that were further from their shows (k ± a fifth), at its show day's index: cutting it (as until
        # 2026-12-07 22:30) dropped those events' last days, the heaviest, and ran 5-7 % low with no index
        out += float((so_far * g[b_on, i_on] * days[np.minimum(j, k_on) - 1]).sum())
    return out


def _blend(f: np.ndarray, rr: np.ndarray, ac: np.ndarray, u: np.ndarray, pe: np.ndarray) -> np.ndarray:
    out = np.empty(len(f))
    for i in range(len(f)):
        past = (pe < u[i]) & (pe >= u[i] - 365)
        ef, er = (f[past] - ac[past]) / ac[past], (rr[past] - ac[past]) / ac[past]
        den = (ef * ef).sum() + (er * er).sum() - 2 * (ef * er).sum()
        w = min(max(((er * er).sum() - (ef * er).sum()) / den, 0.0), 1.0) if past.sum() >= 8 and den > 0 else 0.5
        out[i] = w * f[i] + (1 - w) * rr[i]
    return out


def report(scale: str, folder: Path, argv: list[str]) -> None:
    days = [int(d) for d in _arg(argv, "--days", "1,8,15,22").split(",")]
    k5 = int(_arg(argv, "--smooth", "5"))
    started = time.process_time()
    calendars = tuple(x for x in _arg(argv, "--calendar", "").split(",") if x)
    a = Account(folder, days, calendars)
    rows = []
    for u, ps, n_days, dd, td, ac, fc, rr, as_of, fm, pipe, nd in a.cases:
        rows.append(dict(u=u, pe=ps + n_days - 1, dd=dd, td=td, ac=ac, fc=fc, rr=rr, as_of=as_of))
        rows[-1].update(fm=fm, base_model=fm - td - pipe - nd, pipe_nd=pipe + nd)
        rows[-1].update(forecast_case(a, u, ps + n_days - 1, k5))
    col = {k: np.array([r[k] for r in rows]) for k in rows[0] if k != "as_of"}
    # the ladder's rule for what is not on sale yet: the year before's ratio at the same day of the month
    ratio_new, ratio_uncreated = np.full(len(rows), np.nan), np.full(len(rows), np.nan)
    for i, r in enumerate(rows):
        past = (col["dd"] == r["dd"]) & (col["pe"] < r["u"]) & (col["u"] >= r["u"] - 365)
        if past.any():
            ratio_new[i] = col["new_exact"][past].sum() / col["p56"][past].sum()
            ratio_uncreated[i] = col["uncreated_exact"][past].sum() / col["p56"][past].sum()
    k, td, ac, rr = col["keep"], col["td"], col["ac"], col["rr"]
    ladder_new = ratio_new * col["p56"]
    table_new = col["known_new"] + ratio_uncreated * col["p56"]
    # the product's rule for what is not on sale (--product-rule): its base's rest of the month (before the
    # blend, from report_forecast_backtest) × the share the events not on sale brought last year, + the
    # pipeline and new deals (the backtest table's, built without an events table)
    product_new = col["q_product"] * col["base_model"] + col["pipe_nd"]
    share_only = col["q_product"] * col["base_model"]  # the same without pipeline and new deals
    rule = "--product-rule" in argv
    methods = {
        "naive run-rate": rr,
        "product forecast (blended)": col["fc"],
        "show dates of events on sale + ladder": td + k * (col["on_sale"] + ladder_new),
        "events table (created by as-of day)": td + k * (col["on_sale"] + table_new),
        "events table, on sale by Benktander": td + k * (col["benktander"] + table_new),
        **{f"calendar-free ladder ({x})": td + k * (col[f"calendar:{x}"] + table_new) for x in calendars},
        **(
            {"events on sale + product's not-on-sale rule": td + k * col["on_sale"] + product_new}
            | {f"calendar-free ({x}) + product's rule": td + k * col[f"calendar:{x}"] + product_new for x in calendars}
            | {f"calendar-free ({x}) + base × share": td + k * col[f"calendar:{x}"] + share_only for x in calendars}
            if rule
            else {}
        ),
        "cheat: on-sale part exact": td + k * (col["on_sale_exact"] + ladder_new),
        "cheat: not-on-sale part exact": td + k * (col["on_sale"] + col["new_exact"]),
    }
    ok = ~np.isnan(ratio_new) & (~np.isnan(col["q_product"]) if rule else True)
    # --since DATE: a second figure per cell, over the cases from that day on (e.g. the last 12 months)
    since = _arg(argv, "--since", "")
    recent = ok & (col["u"] >= _epoch(since) // DAY) if since else None
    blends = {
        "… on sale + ladder, blended": "show dates of events on sale + ladder",
        "… events table, blended": "events table (created by as-of day)",
        "… Benktander, blended": "events table, on sale by Benktander",
        **{f"… calendar-free ({x}), blended": f"calendar-free ladder ({x})" for x in calendars},
        **(
            {"… on sale + product's rule, blended": "events on sale + product's not-on-sale rule"}
            | {
                f"… calendar-free ({x}) + product's rule, blended": f"calendar-free ({x}) + product's rule"
                for x in calendars
            }
            | {
                f"… calendar-free ({x}) + base × share, blended": f"calendar-free ({x}) + base × share"
                for x in calendars
            }
            if rule
            else {}
        ),
    }
    for label, src in blends.items():
        methods[label] = np.full(len(rows), np.nan)
        for dd in days:
            sel = ok & (col["dd"] == dd)
            methods[label][sel] = _blend(methods[src][sel], rr[sel], ac[sel], col["u"][sel], col["pe"][sel])
    order = [m for m in methods if not m.startswith(("…", "cheat"))] + list(blends)
    order += [m for m in methods if m.startswith("cheat")]
    print(f"scale {scale}: month turnover, MAPE % / bias % by day of the month (cases with a past year):")
    w = 29 if since else 16
    print(f"{'method':<52}" + "".join(f"{'day ' + str(dd):>{w}}" for dd in days))
    print(
        f"{'cases':<52}"
        + "".join(
            f"{(ok & (col['dd'] == dd)).sum():>16}" + (f" |{(recent & (col['dd'] == dd)).sum():>10}" if since else "")
            for dd in days
        )
    )
    for label in order:
        cells = []
        for dd in days:
            sel = ok & (col["dd"] == dd)
            e = (methods[label][sel] - ac[sel]) / ac[sel]
            ratio = 100 * np.abs(e).mean() / (100 * np.abs((rr[sel] - ac[sel]) / ac[sel]).mean())
            cells.append(f"{100 * np.abs(e).mean():5.2f} {100 * e.mean():+5.1f} {ratio:4.2f}")
            if recent is not None:
                sel = recent & (col["dd"] == dd)
                e = (methods[label][sel] - ac[sel]) / ac[sel]
                ratio = np.abs(e).mean() / np.abs((rr[sel] - ac[sel]) / ac[sel]).mean()
                cells[-1] += f" |{100 * np.abs(e).mean():5.2f} {ratio:4.2f}"
        print(f"{label:<52}" + "".join(f"{c:>{29 if since else 16}}" for c in cells))
    print(
        "(each cell: MAPE, bias, MAPE ÷ the run-rate's; target: MAPE ÷ run-rate ≤ 0.60"
        + (f"; after |: MAPE and ÷ run-rate over the cases since {since})" if since else ")")
    )
    for dd in days:
        sel = ok & (col["dd"] == dd)
        e_on = (col["on_sale"] - col["on_sale_exact"])[sel] / ac[sel] * 100
        e_new = (ladder_new - col["new_exact"])[sel] / ac[sel] * 100
        e_tab = (table_new - col["new_exact"])[sel] / ac[sel] * 100
        print(
            f"day {dd}: of the month, on-sale part {np.mean(col['on_sale_exact'][sel] / ac[sel]):.0%} "
            f"(error mean |e| {np.abs(e_on).mean():.1f} %, bias {e_on.mean():+.1f}), not on sale "
            f"{np.mean(col['new_exact'][sel] / ac[sel]):.0%} (ladder |e| {np.abs(e_new).mean():.1f}, bias "
            f"{e_new.mean():+.1f}; events table |e| {np.abs(e_tab).mean():.1f}, bias {e_tab.mean():+.1f})"
        )
        if rule:
            e_prod = (product_new - k * col["new_exact"])[sel] / ac[sel] * 100
            e_base = (product_new - col["pipe_nd"] - k * col["new_exact"])[sel] / ac[sel] * 100
            print(
                f"  product's rule for what is not on sale: |e| {np.abs(e_prod).mean():.1f}, bias {e_prod.mean():+.1f}"
                f" (its base × share alone, without pipeline and new deals: |e| {np.abs(e_base).mean():.1f}, bias "
                f"{e_base.mean():+.1f}; pipeline + new deals {np.mean(col['pipe_nd'][sel] / ac[sel]):.1%} of the month)"
            )
    if "--cases" in argv:
        print(f"{'as of':<10} {'actual':>11} {'run-rate':>11} {'product':>11} {'on sale+ladder':>14}")
        for i, r in enumerate(rows):
            if ok[i] and r["dd"] == 8:
                f = methods["show dates of events on sale + ladder"][i]
                print(f"{r['as_of']} {r['ac']:11.0f} {r['rr']:11.0f} {r['fc']:11.0f} {f:14.0f}")
        print("errors % of each case, calendar-free ladders: " + ", ".join(calendars))
        for i, r in enumerate(rows):
            if ok[i]:
                errs = [100 * (methods[f"calendar-free ladder ({x})"][i] / r["ac"] - 1) for x in calendars]
                print(f"{r['as_of']} " + " ".join(f"{e:+6.1f}" for e in errs))
    for (sweeps, opts), sizes in getattr(a, "_fit_cells", {}).items():  # (r<R>: R sweeps each, on the day)
        print(
            f"within-event fit {sweeps} sweeps {'+'.join(opts) or '(as of each day)'}: {len(sizes)} fits, "
            f"{np.mean(sizes) / 1e3:.0f} k event-days each on average (max {max(sizes) / 1e3:.0f} k)"
        )
    print(f"{time.process_time() - started:.0f} CPU-s")


def main(argv: list[str]) -> None:
    if "-h" in argv or "--help" in argv:
        print(__doc__)
        return
    from forecast import company

    base = Path(_arg(argv, "--dir", "."))
    for scale in [x for x in argv if x in ("xs", "s", "m", "l")] or ["s"]:
        report(scale, company(scale, base).parent, argv)


if __name__ == "__main__":
    main(sys.argv[1:])
