"""An event ladder for the month's turnover, outside the product (run on demand; docs/forecast.md).

A month's turnover after its 8th comes mostly from events already on sale (about half of the month) and
from events not yet on sale (about a fifth). The product sees every sale with its event (sales.event_id)
but not the show's date. This experiment forecasts, as of the 1st, 8th, 15th and 22nd of each month,
seeing nothing after that day:

- **events on sale** (a first sale on or before the day, within the last 370 days): each event's sales so
  far × the account's *development factor* at the event's age — of the events that were that old (± a
  fifth of the age, at least ±1 day) early enough for the rest of the month to have passed, what they
  sold in the next h days (h = days left in the month) ÷ what they had sold by that age (a chain ladder,
  sums over events, so big events weigh most);
- **events not yet on sale**: over the periods that ended in the last year, at the same day of the month,
  the sales to the month's end of events whose first sale came after that day ÷ the account's sales of the
  56 days before it; × this month's 56 days;
- **to date**: the month's sales so far (refunds included; the ladder reads sales only).

It prints, per day of the month, on the cases whose "not yet on sale" ratio has a past (the first month
has none): the MAPE and bias of the naive run-rate, of the ladder, and of the ladder blended with the
run-rate with the least-squares weight learnt — like the product's blend — from the months that had ended
in the year before each case (half and half with fewer than 8 such months); then the same for the cases
of the last 12 months only.

    python bench/forecast_ladder.py WAREHOUSE.duckdb [--zone Europe/Moscow] [--from 2025-03-01]
        [--to 2026-10-31] [--smooth 5] [--days 1,8,15,22] [--cases CASES.csv]
    (e.g. bench-forecast-s/salesglass.duckdb made by bench/forecast.py; --to: the last as-of day whose
    month is complete in the warehouse)

Cost: an event × age grid (ages 0–400) and one pass over it per horizon (days left in the month), summed
by the day each development was complete and looked up per as-of day: ~7 CPU-s at scale s, 102 CPU-s and
4.7 GiB at scale m with --days 8.
"""

from __future__ import annotations

import sys
from datetime import date


def _arg(argv: list[str], name: str, default: str) -> str:
    return argv[argv.index(name) + 1] if name in argv else default


def main(argv: list[str]) -> None:
    if not argv or "-h" in argv or "--help" in argv:
        print(__doc__)
        return
    import duckdb
    import numpy as np

    warehouse = argv[0]
    zone = _arg(argv, "--zone", "Europe/Moscow")
    lo, hi = (
        date.fromisoformat(_arg(argv, "--from", "2025-03-01")),
        date.fromisoformat(_arg(argv, "--to", "2026-10-31")),
    )
    k = int(_arg(argv, "--smooth", "5"))
    days = [int(d) for d in _arg(argv, "--days", "1,8,15,22").split(",")]
    c = duckdb.connect()
    c.execute("SET TimeZone = 'UTC'")
    c.execute(f"ATTACH '{warehouse}' AS wh (READ_ONLY)")
    local = f"(timezone('{zone}', sold_at)::date - date '1970-01-01')::int"
    # events numbered (an integer key keeps the event × age grid small at scale m)
    c.execute(f"""
        CREATE TABLE ed AS WITH x AS (SELECT event_id, {local} d, sum(turnover)::double t FROM wh.sales
                                      WHERE turnover > 0 GROUP BY ALL)
        SELECT dense_rank() OVER (ORDER BY event_id) e, d, t FROM x""")
    c.execute("CREATE TABLE ef AS SELECT e, min(d) f FROM ed GROUP BY e")
    c.execute(f"CREATE TABLE cd AS SELECT {local} d, sum(turnover)::double t FROM wh.sales GROUP BY ALL")
    c.execute(f"""
        CREATE TABLE o AS SELECT (x - date '1970-01-01')::int u,
          (date_trunc('month', x)::date - date '1970-01-01')::int ps,
          ((date_trunc('month', x) + INTERVAL 1 MONTH)::date - date '1970-01-01')::int - 1 pe, day(x) dd
        FROM (SELECT unnest(generate_series(DATE '{lo}', DATE '{hi}', INTERVAL 1 DAY))::date x)
        WHERE day(x) IN ({",".join(map(str, days))})""")
    # event × age (days since its first sale): its sales up to that age
    c.execute("""
        CREATE TABLE cum AS
        WITH g AS (SELECT ef.e, ef.f, a.a FROM ef, range(0, 401) a(a)),
          x AS (SELECT g.e, g.f, g.a, coalesce(sum(ed.t), 0) s FROM g LEFT JOIN ed ON ed.e = g.e AND ed.d = g.f + g.a
                GROUP BY ALL)
        SELECT e, f, a, sum(s) OVER (PARTITION BY e ORDER BY a ROWS UNBOUNDED PRECEDING) cum FROM x""")
    # the development factors' sums, per age a and horizon h, by the day their h days had passed (f + a + h),
    # then summed over every such day up to each as-of day: one pass over the grid, not one per as-of day
    hs = [h for (h,) in c.execute("SELECT DISTINCT pe - u FROM o").fetchall()]
    leads = ", ".join(f"lead(cum, {h}, NULL) OVER (PARTITION BY e ORDER BY a) y{h}" for h in hs)
    parts = " UNION ALL ".join(
        f"SELECT a, {h} h, f + a + {h} avail, cum x, coalesce(y{h}, last_cum) - cum y FROM ly WHERE a <= 370"
        for h in hs
    )
    c.execute(f"""
        CREATE TABLE dev AS
        WITH ly AS (SELECT e, f, a, cum, max(cum) OVER (PARTITION BY e) last_cum, {leads} FROM cum),
        p AS ({parts})
        SELECT a, h, avail, sum(x) den, sum(y) num FROM p GROUP BY ALL""")
    rows = c.execute(f"""
        WITH oh AS (SELECT u, ps, pe, dd, pe - u h FROM o),
        learn AS (  -- events old enough, as of u, for the h days after age a to have passed
          SELECT oh.u, dev.a, sum(dev.den) den, sum(dev.num) num
          FROM oh JOIN dev ON dev.h = oh.h AND dev.avail <= oh.u GROUP BY ALL),
        sm AS (SELECT u, a, sum(num) OVER w n2, sum(den) OVER w d2 FROM learn
               WINDOW w AS (PARTITION BY u ORDER BY a RANGE BETWEEN greatest(1, a // {k}) PRECEDING
                                                                AND greatest(1, a // {k}) FOLLOWING)),
        onsale AS (SELECT oh.u, cum.e, cum.a, cum.cum s FROM oh JOIN cum ON cum.a = oh.u - cum.f AND cum.a < 370),
        lad AS (SELECT onsale.u, sum(onsale.s * coalesce(sm.n2 / nullif(sm.d2, 0), 0)) ladder
                FROM onsale LEFT JOIN sm USING (u, a) GROUP BY ALL),
        newp AS (SELECT oh.u, oh.dd, sum(ed.t) FILTER (WHERE ef.f > oh.u) nw FROM oh, ed JOIN ef USING (e)
                 WHERE ed.d > oh.u AND ed.d <= oh.pe GROUP BY ALL),
        pace AS (SELECT oh.u, sum(cd.t) FILTER (WHERE cd.d > oh.u - 56 AND cd.d <= oh.u) p56,
                   sum(cd.t) FILTER (WHERE cd.d >= oh.ps AND cd.d <= oh.u) td,
                   sum(cd.t) FILTER (WHERE cd.d >= oh.ps AND cd.d <= oh.pe) ac FROM oh, cd GROUP BY ALL),
        ratio AS (SELECT a.u, sum(b.nw) / sum(pb.p56) r FROM oh a JOIN newp b ON b.dd = a.dd AND b.u < a.u
                    AND b.u >= a.u - 365 JOIN oh ob ON ob.u = b.u AND ob.pe < a.u JOIN pace pb ON pb.u = b.u
                  GROUP BY ALL)
        SELECT oh.u, oh.dd, oh.ps, oh.pe, pace.td, pace.ac, lad.ladder, ratio.r * pace.p56 newev
        FROM oh JOIN pace USING (u) LEFT JOIN lad USING (u) LEFT JOIN ratio USING (u)
        WHERE ratio.r IS NOT NULL ORDER BY u""").fetchall()
    if "--cases" in argv:  # each case's figures, for blending with the product's backtest cases elsewhere
        with open(_arg(argv, "--cases", ""), "w") as out:
            out.write("as_of_day,day,to_date,actual,ladder_rest,not_on_sale_rest\n")
            out.writelines(f"{r[0]},{r[1]},{r[4]},{r[5]},{r[6] or 0},{r[7]}\n" for r in rows)
    print(f"{'day':>4} {'cases':>5}  {'run-rate':>8} {'bias':>6}  {'ladder':>6} {'bias':>6}  {'blend':>6} {'bias':>6}")
    for dd in days:
        cs = [r for r in rows if r[1] == dd]
        u, ps, pe, td, ac, lad, new = (np.array([r[i] for r in cs], float) for i in (0, 2, 3, 4, 5, 6, 7))
        rr = td * (pe - ps + 1) / (u - ps + 1)
        ld = td + np.nan_to_num(lad) + new
        blended = []
        for i in range(len(cs)):
            past = (pe < u[i]) & (pe >= u[i] - 365)
            ef, er = (ld[past] - ac[past]) / ac[past], (rr[past] - ac[past]) / ac[past]
            den = (ef * ef).sum() + (er * er).sum() - 2 * (ef * er).sum()
            w = min(max(((er * er).sum() - (ef * er).sum()) / den, 0.0), 1.0) if past.sum() >= 8 and den > 0 else 0.5
            blended.append(w * ld[i] + (1 - w) * rr[i])
        bl = np.array(blended)
        last = u >= u.max() - 330  # the cases of the last 12 months
        for label, sel in (("", np.ones(len(cs), bool)), (" last 12 months", last)):
            cells = []
            for f in (rr, ld, bl):
                e = (f[sel] - ac[sel]) / ac[sel]
                cells += [f"{100 * np.abs(e).mean():8.2f}", f"{100 * e.mean():+6.2f}"]
            row = f"{dd:>4} {sel.sum():>5}  {cells[0]} {cells[1]}  {cells[2]:>6} {cells[3]}  {cells[4]:>6} {cells[5]}"
            print(row + label)


if __name__ == "__main__":
    main(sys.argv[1:])
