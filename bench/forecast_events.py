"""Could knowing each event's show date make the month forecast on day 8 good enough? (run on demand)

An upper-bound experiment for docs/forecast.md, outside the product: it reads the sales (with their
event) from a warehouse and the events' show dates from the generated back-office (SQLite), which the
canonical model does not have. For each month whose 8th is at least ~4 months into the history, as of
the end of its 8th day (nothing later is seen unless a line says "exact"), it splits what the month
still sells into events already on sale (a first sale by day 8) and events not yet on sale, and forecasts

- **events on sale, with their show dates**: each event's expected total from its sales so far and the
  share an event sells by that many days before its show (learnt from the events whose show had passed,
  by lead time from first sale to show: ≤ 7, 8–21, 22–45, 46–90, > 90 days), credibility-weighted with the
  partner's average event (Bornhuetter–Ferguson); the part falling before the month's end is kept;
- **events not yet on sale**: the last 12 months' ratio of such sales (after day 8) to the 56 days
  before day 8, times this month's 56 days before day 8;

and prints the MAPE of the month's turnover for: the naive run-rate, the month's usual share sold by day 8
(last 12 months), the event-aware forecast, its blends with the run-rate (weights chosen after the fact:
optimistic), and two that cheat (one half known exactly) to bound what any method could do.

    python bench/forecast_events.py WAREHOUSE.duckdb BACKOFFICE.sqlite
    (e.g. bench-forecast-s/salesglass.duckdb and the company's backoffice.sqlite)
"""

from __future__ import annotations

import calendar
import sqlite3
import sys
from datetime import date

MSK = 3 * 3600  # the simulated company's zone (Europe/Moscow, no DST since 2014)
EPOCH = date(1970, 1, 1)
MAX_DAYS = 400


def main(warehouse: str, backoffice: str) -> None:
    import duckdb
    import numpy as np
    import pandas as pd

    con = duckdb.connect(warehouse, read_only=True)
    sales = con.sql(
        f"SELECT event_id, CAST(floor((epoch(sold_at) + {MSK}) / 86400) AS BIGINT) AS d,"
        " CAST(turnover AS DOUBLE) AS t FROM sales"
    ).df()
    bo = sqlite3.connect(f"file:{backoffice}?mode=ro", uri=True)
    ev = pd.read_sql("SELECT event_id, org_id, start_at_utc FROM events", bo)
    ev["show"] = ((pd.to_datetime(ev.start_at_utc) - pd.Timestamp("1970-01-01")).dt.total_seconds() + MSK) // 86400
    ev = ev.set_index("event_id").join(sales.groupby("event_id").d.min().rename("first"), how="inner")
    ev["lc"] = np.digitize((ev["show"] - ev["first"]).to_numpy(), [8, 22, 46, 91])
    daily = sales.groupby(["event_id", "d"]).t.sum().reset_index()
    daily = daily.join(ev[["show", "first", "lc", "org_id"]], on="event_id")
    company = sales.groupby("d").t.sum()

    def share_before(u: int) -> pd.DataFrame:
        """lead class × k: share of an event's turnover sold more than k days before its show."""
        done = daily[daily["show"] <= u]
        k = np.minimum(done["show"] - done.d, MAX_DAYS)
        tab = pd.DataFrame({"lc": done.lc, "k": k, "t": done.t}).groupby(["lc", "k"]).t.sum()
        tab = tab.unstack(fill_value=0).reindex(columns=range(MAX_DAYS + 1), fill_value=0)
        later = tab.iloc[:, ::-1].cumsum(axis=1).iloc[:, ::-1].shift(-1, axis=1).fillna(0)
        return later.div(tab.sum(axis=1), axis=0)

    def total(lo: int, hi: int) -> float:
        return float(company[(company.index >= lo) & (company.index <= hi)].sum())

    first_day = int(company.index.min())
    rows = []
    start = date.fromordinal(EPOCH.toordinal() + first_day + 112)
    last = date.fromordinal(EPOCH.toordinal() + int(company.index.max()))
    months = []
    y, m = start.year, start.month + 1
    while (y, m) < (last.year, last.month):
        months.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    for month in months:
        ms = (month - EPOCH).days
        u, end = ms + 7, ms + calendar.monthrange(month.year, month.month)[1] - 1
        on_sale = ev.index[ev["first"] <= u]
        after = daily[(daily.d > u) & (daily.d <= end)]
        g = share_before(u)
        sold = daily[daily.d <= u].groupby("event_id").t.sum()
        e = ev.loc[on_sale].join(sold.rename("sold")).fillna({"sold": 0.0})
        e = e[e["show"] > u]
        done_tot = daily[daily["show"] <= u].groupby("event_id").t.sum()
        done = ev.loc[done_tot.index].assign(tot=done_tot)
        prior = e.org_id.map(done.groupby("org_id").tot.mean())
        prior = prior.fillna(e.lc.map(done.groupby("lc").tot.mean())).fillna(done.tot.mean())

        def share(lc, days, g=g):
            return np.array([g.loc[c, k] if c in g.index else 0.5 for c, k in zip(lc, days, strict=True)])

        now = share(e.lc, np.clip(e["show"] - u - 1, 0, MAX_DAYS))
        at_end = np.where(e["show"] <= end, 1.0, share(e.lc, np.clip(e["show"] - end - 1, 0, MAX_DAYS)))
        rest = (1 - now) * prior.to_numpy()  # Bornhuetter–Ferguson: what is still to come of the event
        f_on = float(np.sum(np.where(now < 1 - 1e-9, rest * (at_end - now) / np.maximum(1 - now, 1e-9), 0.0)))
        rows.append(
            dict(
                month=month,
                u=u,
                end=end,
                known=total(ms, u),
                actual=total(ms, end),
                run_rate=total(ms, u) * (end - ms + 1) / (u - ms + 1),
                on_exact=float(after[after.event_id.isin(on_sale)].t.sum()),
                new_exact=float(after[~after.event_id.isin(on_sale)].t.sum()),
                on_forecast=f_on,
                last56=total(u - 55, u),
            )
        )
    r = pd.DataFrame(rows)
    past12 = [r[r.end < x.u].tail(12) for x in r.itertuples()]
    r["new_forecast"] = [
        (p.new_exact / p.last56).mean() * x.last56 if len(p) else np.nan
        for p, x in zip(past12, r.itertuples(), strict=True)
    ]
    r["usual_share"] = [
        x.known / (p.known.sum() / p.actual.sum()) if len(p) >= 3 else x.run_rate
        for p, x in zip(past12, r.itertuples(), strict=True)
    ]
    r = r.dropna()
    events = r.known + r.on_forecast + r.new_forecast

    def mape(f) -> float:
        return float(np.mean(np.abs(f - r.actual) / r.actual) * 100)

    print(f"{len(r)} months, {r.month.min():%Y-%m} … {r.month.max():%Y-%m}; as of day 8. Of a month's turnover:")
    print(
        f"  sold by day 8 {np.mean(r.known / r.actual):.0%} (sd {np.std(r.known / r.actual) * 100:.1f} points), "
        f"later by events on sale {np.mean(r.on_exact / r.actual):.0%}, "
        f"by events not yet on sale {np.mean(r.new_exact / r.actual):.0%}"
    )
    print("month turnover MAPE, %:")
    print(f"  naive run-rate                                       {mape(r.run_rate):5.1f}")
    print(f"  to date ÷ the usual share sold by day 8 (last 12 m)  {mape(r.usual_share):5.1f}")
    print(f"  event-aware, with show dates                         {mape(events):5.1f}")
    for w in (0.25, 0.5, 0.75):
        print(
            f"    blended {w:.2f} with the run-rate (after the fact)    {mape(w * events + (1 - w) * r.run_rate):5.1f}"
        )
    print(f"  cheat: on-sale events exact, new ones forecast       {mape(r.known + r.on_exact + r.new_forecast):5.1f}")
    print(f"  cheat: new events exact, on-sale ones forecast       {mape(r.known + r.on_forecast + r.new_exact):5.1f}")
    err_on = (r.on_forecast - r.on_exact) / r.actual * 100
    err_new = (r.new_forecast - r.new_exact) / r.actual * 100
    print(f"  error of the on-sale part, % of the month: mean |e| {err_on.abs().mean():.1f}, bias {err_on.mean():+.1f}")
    print(
        f"  error of the not-yet-on-sale part:         mean |e| {err_new.abs().mean():.1f}, bias {err_new.mean():+.1f}"
    )
    print(f"  target (40 % below the run-rate): {0.6 * mape(r.run_rate):.1f}")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help") else 2)
    main(sys.argv[1], sys.argv[2])
