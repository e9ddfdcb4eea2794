"""How close can any forecast get? The noise floor of month turnover on day 8 (run on demand; docs/forecast.md).

The simulated company is random in two layers (salesglass/simulate/). Drawn once: each partner's size
(its expected orders over the history), life, prices and fees; the month and weekday indices and an
event's sales curve are constants. Then per event: its dates (created, on sale, show), price and its
*expected* number of orders λ (the partner's size spread over its events by lognormal weights); the
orders themselves are a Poisson draw around λ, each with a random purchase time along the event's sales
curve, tickets, price tier, status and promo. This script rebuilds that hidden state with the generator's
own functions and seeds (the very events of the back-office: their count is checked) and asks, for every
backtest case of month turnover on the 8th: what would a forecaster that *knows the generator* have said?

- **oracle: state on day 8 — the floor**: knows every partner's fixed parameters and every event created
  by the 8th (dates, price, λ). What is still to come from events created later is known in total per
  partner (its size less the λ of its events so far: the generator's weights add up to the size) and is
  spread over dates as --draws event schedules re-drawn by the generator with other seeds say. Orders
  being Poisson around λ, the orders seen by the 8th tell nothing more: this is the best forecast anyone
  could make on the 8th, and its error is what no method can remove;
- **oracle: all events known**: also knows the events created after the 8th; only the orders' count,
  timing and money are left to chance (a lower bound: it knows the future);
- **oracle: partners only**: knows the partners' fixed parameters, no event (all --draws re-drawn): the
  best a forecast of "each partner's level × the season" can do without reading events.

Each oracle's forecast = the fact to date (warehouse) + the generator's expected sales from the 9th to the
month's end: Σ over events of λ × P(a purchase falls in those days, before any cancellation of the event)
× the expected turnover of an order row (P(done, not an invitation) × E[tickets] × E[price tier] × promo
× (1 + service fee)), less refunds at the share of sales refunded in the 365 days before. P(…) is the
share of --samples purchase times drawn per event with the generator's own sales-curve function.
Assumptions: refunds are not forecast beyond that share (1–2 % of a month); the spread of the events
still to come is the generator's unconditional one (their number is not conditioned on the events so
far); the forecast is the expected value (the best for squared error; near enough for MAPE).

Then one forecast that is **not** an oracle, to show what the missing data is worth: **show dates + sales
curve** reads each event's expected orders from its sales so far (warehouse) and the share of its
orders the generator's sales curve puts before the 9th given its on-sale and show dates (the back-office
has them; the product does not), and takes the events created later at the last year's ratio to the 56
days before as-of (the ladder's rule). It assumes the curve known as the generator draws it (a product
would learn it from past events' dates) and a cancellation known ahead (1.5 % of events).

The product's forecast and the run-rate of the same cases are read from the company's
report_forecast_backtest (its last `salesglass build`); the company is bench/forecast.py's
(bench-forecast-<scale>/ under --dir, generated and loaded there when missing). A check line compares the
oracles' whole-month expectation as of the 1st with the actual months (the rebuild's bias). With
--worlds N, N more worlds are drawn (same partners; events and orders drawn again with other seeds, as
`salesglass generate` would with another order seed) and the run-rate and oracles measured on the same
as-of days there too: one company is one draw, and 20 months of it are few.

    python bench/forecast_floor.py [s] [m] [--dir DIR] [--draws 40] [--samples 256] [--worlds 0]
        [--day 8] [--cases]

--cases prints each case. Cost (2026-12-07, loaded 2-core machine): scale s 33 CPU-s and 0.3 GB with
--worlds 10; scale m with --draws 8 --samples 48: 173 CPU-s and a **10 GB** peak (the show-dates step's
DuckDB joins of every sale with every as-of day), each of --worlds ~60 CPU-s more (10 M orders drawn).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402

from salesglass.simulate.common import DAY, MSK, msk_midnight  # noqa: E402
from salesglass.simulate.orders import (  # noqa: E402
    TICKETS,
    TIERS,
    Sellers,
    _events,
    _purchase_times,
    build_sellers,
    chunks_of,
    generate_chunks,
)
from salesglass.simulate.partners import Partners, build_partners  # noqa: E402
from salesglass.simulate.scales import get_scale  # noqa: E402
from salesglass.simulate.staff import build_staff  # noqa: E402

P_SALE = 0.85 * 0.97  # an order row is a sale: status done (85 %), not an invitation (97 %)
PROMO = 0.93 + 0.07 * 0.85  # 7 % of orders at 10–20 % off
E_TICKETS = float((TICKETS[0] * TICKETS[1]).sum())


@dataclass
class Case:
    as_of: date
    month: date
    lo: int  # UTC seconds: the day after as_of, 00:00 Moscow
    hi: int  # the next month's first day, 00:00 Moscow
    to_date: float
    actual: float
    forecast: float
    run_rate: float
    refund_share: float


def _arg(argv: list[str], name: str, default: str) -> str:
    return argv[argv.index(name) + 1] if name in argv else default


@dataclass
class Latent:
    partners: Partners
    sellers: Sellers
    groups: list[np.ndarray]
    start: int
    end: int
    seed: int
    chunk_orders: int

    def events(self, seed: int) -> dict:
        """The events of the world drawn with `seed` (the company's own seed: its real events)."""
        return events_of(
            self.sellers, self.groups, self.start, self.end, lambda k: np.random.default_rng([seed, 7001, k])
        )


def latent(manifest: dict) -> Latent:
    """The generator's fixed state (sellers, history bounds) and its events, rebuilt with its own seeds."""
    sc = get_scale(manifest["scale"])
    seed, end_day = int(manifest["seed"]), date.fromisoformat(manifest["end"])
    first_month = date(end_day.year - sc.years, end_day.month, 1)
    start, end = msk_midnight(first_month), msk_midnight(end_day + timedelta(days=1)) - 1
    staff = build_staff(np.random.default_rng([seed, 1]), sc, start, end)
    p = build_partners(np.random.default_rng([seed, 2]), sc, staff, start, end)
    digits = np.random.default_rng([seed, 4]).integers(0, 16, (2, 20))
    unknown = sorted("5f0c" + "".join("0123456789abcdef"[int(x)] for x in row) for row in digits)
    sellers = build_sellers(np.random.default_rng([seed, 5]), p, sc.orders, start, end, unknown)
    return Latent(p, sellers, chunks_of(sellers, sc.chunk_orders), start, end, seed, sc.chunk_orders)


class _Recording:
    """A numpy Generator that remembers the means of its Poisson draws: _events draws each event's order
    count as Poisson(λ) and keeps only the count; this gives λ with the generator's own code and draws."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.means: list[np.ndarray] = []

    def poisson(self, lam, size=None):
        self.means.append(np.asarray(lam, dtype=float))
        return self.rng.poisson(lam, size)

    def __getattr__(self, name: str):
        return getattr(self.rng, name)


def events_of(sellers, groups, start: int, end: int, rng_of) -> dict:
    """Every event of one draw (the generator's own when rng_of gives its seeds), with λ and order value."""
    parts = []
    for k, group in enumerate(groups):
        rec = _Recording(rng_of(k))
        ev = _events(rec, sellers, group, start, end)
        ev["lam"] = rec.means[-1]  # the second Poisson draw of _events: orders per event
        keep = ev["created"] <= end
        parts.append({key: v[keep] for key, v in ev.items()})
    ev = {key: np.concatenate([x[key] for x in parts]) for key in parts[0]}
    ev["value"] = _order_value(ev["price"], sellers.extra[ev["seller"]])
    return ev


def _order_value(price: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """Expected turnover (kopecks) of one order row of an event: the generator's money recipe in expectation."""
    unit = np.zeros(len(price))
    for tier, share in zip(*TIERS, strict=True):
        unit += share * np.maximum(100, np.round(price * tier / 50) * 50) * 100
    nominal = E_TICKETS * unit * PROMO
    return P_SALE * nominal * (1 + extra)


def window_shares(ev: dict, windows: list[tuple[int, int]], samples: int, rng) -> np.ndarray:
    """events × windows: P(a purchase of the event falls in [lo, hi) and before the event's cancellation)."""
    out = np.zeros((len(ev["seller"]), len(windows)))
    lo_all, hi_all = min(w[0] for w in windows), max(w[1] for w in windows)
    todo = np.flatnonzero((ev["starts"] > lo_all) & (ev["on_sale"] < hi_all) & (ev["lam"] > 0))
    step = max(1, 2_000_000 // samples)
    for b in range(0, len(todo), step):
        idx = todo[b : b + step]
        rep = np.repeat(idx, samples)
        t = _purchase_times(rng, ev["on_sale"][rep], ev["starts"][rep]).reshape(len(idx), samples)
        alive = ~ev["cancelled"][idx][:, None] | (t < ev["cancel_ts"][idx][:, None])
        for j, (lo, hi) in enumerate(windows):
            out[idx, j] = ((t >= lo) & (t < hi) & alive).mean(axis=1)
    return out


def expected_rest(ev: dict, shares: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Per window: Σ λ × share × value (kopecks), over the events in mask (events × windows) or all."""
    w = ev["lam"][:, None] * ev["value"][:, None] * shares
    return (w if mask is None else w * mask).sum(axis=0)


def load_cases(folder: Path, day: int) -> list[Case]:
    """The product's backtest cases of month turnover on `day`, with the fact to date, the actual and the
    share of sales refunded in the 365 days before (all from the company's warehouse and reports)."""
    import duckdb

    c = duckdb.connect()
    c.execute("SET TimeZone = 'UTC'")
    c.execute(f"ATTACH '{folder / 'salesglass-reports.duckdb'}' AS r (READ_ONLY)")
    c.execute(f"ATTACH '{folder / 'salesglass.duckdb'}' AS wh (READ_ONLY)")
    rows = c.execute(f"""
        SELECT b.as_of, b.period_start, b.to_date::double, b.actual::double, b.forecast::double,
               b.run_rate::double,
               (SELECT -sum(s.turnover) FILTER (WHERE s.turnover < 0) / sum(s.turnover) FILTER (WHERE s.turnover > 0)
                FROM wh.sales s WHERE timezone('Europe/Moscow', s.sold_at)::date BETWEEN b.as_of - 364 AND b.as_of)
        FROM r.report_forecast_backtest b
        WHERE b.period_type = 'month' AND b.metric = 'turnover' AND day(b.as_of) = {day} ORDER BY b.as_of""").fetchall()
    cases = []
    for as_of, month, td, ac, fc, rr, refunds in rows:
        nxt = (month + timedelta(days=32)).replace(day=1)
        lo, hi = msk_midnight(as_of + timedelta(days=1)), msk_midnight(nxt)
        cases.append(Case(as_of, month, lo, hi, td, ac, fc, rr, float(refunds or 0.0)))
    return cases


def months_actual(folder: Path) -> dict[date, float]:
    """Each whole month's turnover (₽, refunds included) from the warehouse."""
    import duckdb

    c = duckdb.connect()
    c.execute("SET TimeZone = 'UTC'")
    c.execute(f"ATTACH '{folder / 'salesglass.duckdb'}' AS wh (READ_ONLY)")
    rows = c.execute("""SELECT date_trunc('month', timezone('Europe/Moscow', sold_at))::date, sum(turnover)::double
                        FROM wh.sales GROUP BY 1""").fetchall()
    return dict(rows)


class Prior:
    """What the re-drawn event schedules say, per seller and case, of the events created after as-of: their
    expected sales in the window per unit of their λ; and the partners-only oracle (no event known)."""

    def __init__(self, lat: Latent, cases: list[Case], draws: int, samples: int, rng: np.random.Generator):
        n, ns = len(cases), len(lat.sellers.expected)
        windows = [(c.lo, c.hi) for c in cases] + [(msk_midnight(c.month), c.hi) for c in cases]
        los = np.array([c.lo for c in cases])[None, :]
        num, cnt = np.zeros((ns, n)), np.zeros((ns, n))
        self.partners, self.partners_month = np.zeros(n), np.zeros(n)
        for r in range(draws):
            ev = lat.events(lat.seed * 1000 + 900 + r)
            s = window_shares(ev, windows, samples, rng)
            self.partners += expected_rest(ev, s[:, :n]) / 100 / draws
            self.partners_month += expected_rest(ev, s[:, n:]) / 100 / draws
            later = ev["created"][:, None] >= los
            for i in range(n):
                lam = ev["lam"] * later[:, i]
                den = np.bincount(ev["seller"], lam, ns)
                has = den > 0
                num[has, i] += np.bincount(ev["seller"], lam * s[:, i] * ev["value"], ns)[has] / den[has]
                cnt[has, i] += 1
        self.per_lam = np.divide(num, cnt, out=np.zeros_like(num), where=cnt > 0)


def world_oracles(ev: dict, cases: list[Case], prior: Prior, samples: int, rng) -> dict[str, np.ndarray]:
    """The oracles that know a world's events by as-of (state) or all of them, per case: expected sales (₽,
    before refunds) after as-of; "month" = all events known, whole month as of its 1st (the rebuild's check)."""
    n, ns = len(cases), len(prior.per_lam)
    windows = [(c.lo, c.hi) for c in cases] + [(msk_midnight(c.month), c.hi) for c in cases]
    sh = window_shares(ev, windows, samples, rng)
    known = ev["created"][:, None] < np.array([c.lo for c in cases])[None, :]
    # each seller's λ still to come in events created after as-of: the generator spreads a partner's fixed
    # expected orders over its events (λ = expected × w / Σ w), so it is the expected orders less the λ of
    # the events known by then
    rest_lam = np.stack([np.bincount(ev["seller"], ev["lam"] * ~known[:, i], ns) for i in range(n)], 1)
    state = expected_rest(ev, sh[:, :n], known) / 100 + (rest_lam * prior.per_lam).sum(axis=0) / 100
    return {
        "state on day": state,
        "all events known": expected_rest(ev, sh[:, :n]) / 100,
        "month": expected_rest(ev, sh[:, n:]) / 100,
    }


def with_show_dates(folder: Path, lat: Latent, cases: list[Case], samples: int, rng) -> np.ndarray:
    """Not an oracle: a forecast from the warehouse's sales plus each event's on-sale and show dates and the
    generator's sales curve (what a back-office events table and a well-learnt curve would give). Per event
    created by as-of: its sales so far ÷ the share of its orders the curve puts before the 9th (× P(sale))
    = its expected orders (while that share is under 5 %: the mean of the events past half their curve),
    × the curve's share in the rest of the month × an order's expected value. Events created later: what
    such events sold in the rest of the month, over the months that ended in the year before, per ₽ of the
    56 days before as-of (the ladder's rule, from data). The expected rest per case (₽; NaN without a past
    month)."""
    import duckdb

    from salesglass.simulate.common import object_id_array
    from salesglass.simulate.orders import TAG_EVENT

    ev, n = lat.events(lat.seed), len(cases)
    sh = window_shares(ev, [(c.lo, c.hi) for c in cases] + [(lat.start, c.lo) for c in cases], samples, rng)
    ids = object_id_array(ev["created"], TAG_EVENT, np.arange(len(ev["created"])))  # the back-office's ids
    c = duckdb.connect()
    c.execute("SET TimeZone = 'UTC'")
    c.execute(f"ATTACH '{folder / 'salesglass.duckdb'}' AS wh (READ_ONLY)")
    c.execute("CREATE TABLE ev (event_id VARCHAR, e INT, created BIGINT)")
    c.executemany(
        "INSERT INTO ev VALUES (?, ?, ?)", list(zip(ids.tolist(), range(len(ids)), ev["created"].tolist(), strict=True))
    )
    c.execute("CREATE TABLE w (i INT, lo BIGINT, hi BIGINT)")
    c.executemany("INSERT INTO w VALUES (?, ?, ?)", [(i, x.lo, x.hi) for i, x in enumerate(cases)])
    sold = np.zeros((len(ids), n))
    for e, i, k in c.execute("""SELECT ev.e, w.i, count(*) FROM wh.sales s JOIN ev USING (event_id), w
                                WHERE epoch(s.sold_at) < w.lo AND s.turnover > 0 GROUP BY ALL""").fetchall():
        sold[e, i] = k
    later, p56 = np.zeros(n), np.zeros(n)
    for i, a, b in c.execute("""SELECT w.i,
              sum(s.turnover) FILTER (WHERE epoch(s.sold_at) >= w.lo AND epoch(s.sold_at) < w.hi
                                      AND ev.created >= w.lo)::double,
              sum(s.turnover) FILTER (WHERE epoch(s.sold_at) >= w.lo - 56 * 86400 AND epoch(s.sold_at) < w.lo)::double
            FROM wh.sales s LEFT JOIN ev USING (event_id), w WHERE s.turnover > 0 GROUP BY 1""").fetchall():
        later[i], p56[i] = a or 0.0, b or 0.0
    exposure = P_SALE * sh[:, n:]
    known = ev["created"][:, None] < np.array([x.lo for x in cases])[None, :]
    read = sold / np.maximum(exposure, 1e-9)
    well = known & (exposure > 0.5 * P_SALE)  # events past half their curve: the mean event, from data
    mean = (read * well).sum(axis=0) / np.maximum(well.sum(axis=0), 1)
    lam = np.where(exposure > 0.05 * P_SALE, read, mean[None, :])
    rest = (lam * sh[:, :n] * ev["value"][:, None] * known).sum(axis=0) / 100
    out = np.full(n, np.nan)
    for i, x in enumerate(cases):
        past = [j for j, y in enumerate(cases) if x.lo - 365 * DAY < y.hi <= x.lo - DAY]
        if past:
            out[i] = rest[i] + later[past].sum() / p56[past].sum() * p56[i]
    return out


def world_cases(lat: Latent, seed: int, cases: list[Case]) -> list[Case]:
    """The same as-of days in another world (the generator's orders drawn with `seed`, same partners): fact to
    date, actual, run-rate and refund share from its sales less refunds, as the product would count them."""
    day0 = (lat.start + MSK) // DAY
    n_days = (lat.end + MSK) // DAY - day0 + 1
    sales, refunds = np.zeros(n_days), np.zeros(n_days)
    for ch in generate_chunks(seed, lat.sellers, lat.partners, lat.start, lat.end, lat.chunk_orders):
        np.add.at(sales, (ch.sale_ts + MSK) // DAY - day0, ch.sale_full / 100)
        inside = ch.refund_ts <= lat.end
        np.add.at(refunds, (ch.refund_ts[inside] + MSK) // DAY - day0, ch.refund_full[inside] / 100)
    net = sales - refunds
    out = []
    for c in cases:
        ps, u = (c.lo + MSK) // DAY - day0 - c.as_of.day, (c.lo + MSK) // DAY - day0 - 1
        pe = (c.hi + MSK) // DAY - day0 - 1
        td, ac = net[ps : u + 1].sum(), net[ps : pe + 1].sum()
        share = refunds[u - 364 : u + 1].sum() / sales[max(0, u - 364) : u + 1].sum()
        out.append(Case(c.as_of, c.month, c.lo, c.hi, td, ac, np.nan, td * (pe - ps + 1) / (u - ps + 1), share))
    return out


def _mape(f: np.ndarray, actual: np.ndarray) -> tuple[float, float]:
    e = (f - actual) / actual
    return 100 * float(np.abs(e).mean()), 100 * float(e.mean())


def report(scale: str, folder: Path, argv: list[str]) -> None:
    day = int(_arg(argv, "--day", "8"))
    draws, samples = int(_arg(argv, "--draws", "40")), int(_arg(argv, "--samples", "256"))
    n_worlds = int(_arg(argv, "--worlds", "0"))
    manifest = json.loads((folder / "company" / "manifest.json").read_text(encoding="utf-8"))
    cases = load_cases(folder, day)
    started = time.process_time()
    lat = latent(manifest)
    rng = np.random.default_rng([lat.seed, 404])
    prior = Prior(lat, cases, draws, max(8, samples // 4), rng)
    real = world_oracles(lat.events(lat.seed), cases, prior, samples, rng)
    actual, td = np.array([c.actual for c in cases]), np.array([c.to_date for c in cases])
    keep = 1 - np.array([c.refund_share for c in cases])
    rr = np.array([c.run_rate for c in cases])
    rows = {
        "naive run-rate": rr,
        "product forecast (blended)": np.array([c.forecast for c in cases]),
        "oracle: partners only": td + prior.partners * keep,
        f"oracle: state on day {day} (the floor)": td + real["state on day"] * keep,
        "oracle: all events known": td + real["all events known"] * keep,
    }
    rr_mape = _mape(rr, actual)[0]
    # the "last 12 months" of docs/forecast.md and bench/forecast_ladder.py: as-of days within 330 days of the last
    last = np.array([c.as_of >= cases[-1].as_of - timedelta(days=330) for c in cases])
    rr_last = _mape(rr[last], actual[last])[0]
    print(
        f"scale {scale}: month turnover as of day {day}, {len(cases)} cases ({cases[0].month:%Y-%m} – "
        f"{cases[-1].month:%Y-%m}; the last 12 months: {last.sum()}); {draws} re-drawn event schedules, "
        f"{samples} purchase times per event"
    )
    print(
        f"{'method':<36} {'MAPE %':>6} {'bias %':>7} {'÷ run-rate':>10}   "
        f"{'last 12 months: MAPE %':>22} {'÷ run-rate':>10}"
    )
    for label, f in rows.items():
        mape, bias = _mape(f, actual)
        m12 = _mape(f[last], actual[last])[0]
        print(f"{label:<36} {mape:6.2f} {bias:+7.2f} {mape / rr_mape:10.2f}   {m12:22.2f} {m12 / rr_last:10.2f}")
    print(f"target: 40 % below the run-rate = {0.6 * rr_mape:.2f} %")
    whole = months_actual(folder)
    act_m = np.array([whole[c.month] for c in cases])
    for label, f in (("all events known", real["month"]), ("partners only", prior.partners_month)):
        mape, bias = _mape(f * keep, act_m)
        print(f"check, whole month as of its 1st, oracle {label}: MAPE {mape:.2f} %, bias {bias:+.2f} %")
    dated = with_show_dates(folder, lat, cases, samples, rng)
    ok = ~np.isnan(dated)
    print(f"with show dates (not an oracle: sales so far, each event's dates and the sales curve), {ok.sum()} cases:")
    for label, f in (*((k, rows[k]) for k in list(rows)[:2]), ("show dates + sales curve", td + dated * keep)):
        mape, bias = _mape(f[ok], actual[ok])
        print(f"{label:<36} {mape:6.2f} {bias:+7.2f} {mape / _mape(rr[ok], actual[ok])[0]:10.2f}")
    if "--cases" in argv:
        print(f"{'as of':<10} " + " ".join(f"{h:>12}" for h in ("actual", "to date", "run-rate", "product", "floor")))
        for i, c in enumerate(cases):
            figures = (c.actual, c.to_date, c.run_rate, c.forecast, td[i] + real["state on day"][i] * keep[i])
            print(f"{c.as_of} " + " ".join(f"{v:12.0f}" for v in figures))
    if n_worlds:
        other_worlds(lat, cases, prior, samples, rng, n_worlds)
    print(f"{time.process_time() - started:.0f} CPU-s")


def other_worlds(lat: Latent, cases: list[Case], prior: Prior, samples: int, rng, n_worlds: int) -> None:
    """The run-rate and the oracles on the same as-of days of worlds drawn again (one company is one draw:
    20 months of it are few), each world's MAPE, then all worlds' cases pooled (MAPE, bias)."""
    keys = ("run-rate", "partners only", "floor", "all events known")
    pooled: dict[str, list[float]] = {key: [] for key in (*keys, "actual")}
    print(f"other worlds (the same partners; events and orders drawn again), {len(cases)} cases each, MAPE %:")
    print(f"{'world':>5} {'run-rate':>8} {'partners':>8} {'floor':>6} {'events':>6} {'floor ÷ run-rate':>16}")

    def line(label: str, m: dict[str, float], ratio: bool = True) -> str:
        figures = " ".join(f"{m[key]:{width}.2f}" for key, width in zip(keys, (8, 8, 6, 6), strict=True))
        return f"{label:>5} {figures}" + (f" {m['floor'] / m['run-rate']:16.2f}" if ratio else "")

    for w in range(n_worlds):
        seed = lat.seed * 1000 + 100 + w
        wc = world_cases(lat, seed, cases)
        o = world_oracles(lat.events(seed), wc, prior, samples, rng)
        a, t = np.array([c.actual for c in wc]), np.array([c.to_date for c in wc])
        k = 1 - np.array([c.refund_share for c in wc])
        figs = {
            "run-rate": np.array([c.run_rate for c in wc]),
            "partners only": t + prior.partners * k,
            "floor": t + o["state on day"] * k,
            "all events known": t + o["all events known"] * k,
        }
        for key, f in figs.items():
            pooled[key] += list(f)
        pooled["actual"] += list(a)
        print(line(str(w), {key: _mape(f, a)[0] for key, f in figs.items()}))
    a = np.array(pooled["actual"])
    print(line("all", {key: _mape(np.array(pooled[key]), a)[0] for key in keys}) + f"   ({len(a)} cases)")
    print(line("bias", {key: _mape(np.array(pooled[key]), a)[1] for key in keys}, ratio=False))


def main(argv: list[str]) -> None:
    if "-h" in argv or "--help" in argv:
        print(__doc__)
        return
    from forecast import SCALES, company

    base = Path(_arg(argv, "--dir", "."))
    for scale in [a for a in argv if a in SCALES] or ["s"]:
        folder = company(scale, base).parent
        report(scale, folder, argv)


if __name__ == "__main__":
    main(sys.argv[1:])
