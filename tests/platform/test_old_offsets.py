"""A back-office with 1990s sales: each instant is read and dated with the offset its zone had then.

Moscow kept summer time until 2011 (+03 winter, +04 summer) and was on +02/+03 in 1991–92; the account-zone
dates used 2000's offset (+03) for every older instant, so a sale at half past midnight landed on the day
(and month, and year) before. Hand-checked against the tz database:
  1999-08-01 00:30 MSD (+04) = 1999-07-31 20:30 UTC  → day 1999-08-01 (with +03: 07-31 23:30, July)
  1985-07-01 00:30 MSD (+04) = 1985-06-30 20:30 UTC  → day 1985-07-01 (with +03: 06-30 23:30, June)
  1991-12-31 23:30 EET (+02) = 1991-12-31 21:30 UTC  → day 1991-12-31 (with +03: 1992-01-01 00:30, 1992)
  1999-01-15 12:00 MSK (+03) = 1999-01-15 09:00 UTC  → day 1999-01-15 (the same either way)
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import ibis

from salesglass.config import parse_config
from salesglass.reports.periods import local_date, local_day_number, month_by_search, month_of
from salesglass.sources.platform.load import load_into

SALES = [  # (id, the back-office's naive Moscow wall time, the UTC instant, the Moscow day)
    ("s1999", "1999-08-01 00:30:00", datetime(1999, 7, 31, 20, 30, tzinfo=UTC), date(1999, 8, 1)),
    ("s1985", "1985-07-01 00:30:00", datetime(1985, 6, 30, 20, 30, tzinfo=UTC), date(1985, 7, 1)),
    ("s1991", "1991-12-31 23:30:00", datetime(1991, 12, 31, 21, 30, tzinfo=UTC), date(1991, 12, 31)),
    ("s1999w", "1999-01-15 12:00:00", datetime(1999, 1, 15, 9, 0, tzinfo=UTC), date(1999, 1, 15)),
]


def test_1990s_sales_keep_their_moscow_days(warehouse, tmp_path):
    rows = "".join(f"{k},{wall},1,100,10,0\n" for k, wall, _, _ in SALES)
    (tmp_path / "old.csv").write_text("sale_id,sold_at,tickets,turnover,revenue,cost\n" + rows, encoding="utf-8")
    inputs = [{"name": "old", "target": "sales", "path": "old.csv"}]
    cfg = parse_config({"platform": {"timezone": "Europe/Moscow", "inputs": inputs}}, base_dir=tmp_path)
    load_into(warehouse, cfg, full=True, progress=False)
    # the load: wall time → UTC instant
    got = dict(warehouse.execute("SELECT sale_id, sold_at FROM sales").fetchall())
    assert {k: v.astimezone(UTC) for k, v in got.items()} == {k: at for k, _, at, _ in SALES}
    # the reports: UTC instant → the account zone's day, month and day number (one CASE on every engine)
    sales = ibis.duckdb.from_connection(warehouse).table("sales")
    tz = "Europe/Moscow"
    q = sales.select(
        "sale_id",
        d=local_date(sales.sold_at, tz, 2027),
        m=month_of(sales.sold_at, tz, 2027),
        s=month_by_search(sales.sold_at, tz, 2027),
        n=local_day_number(sales.sold_at, tz, 2027),
    )
    days = {r["sale_id"]: (r["d"], r["m"], r["s"], r["n"]) for r in q.to_pyarrow().to_pylist()}
    epoch = date(1970, 1, 1)
    assert days == {k: (day, day.replace(day=1), day.replace(day=1), (day - epoch).days) for k, _, _, day in SALES}


def test_the_build_dates_by_the_offsets_from_the_datas_first_year(tmp_path):
    """The build writes the zone's offsets into its SQL from the year of the data's earliest instant
    (here 1985-06-30 20:30 UTC: from 1985-01-01), not from 1970 (a CASE twice as long for Moscow) — and
    not later: a table from 2000 (or from as_of's year) would date the 1999 summer sale by +03, in July.
    Published months, by hand from SALES: 1999-08, 1985-07, 1991-12, 1999-01."""
    from salesglass.reports.build import earliest_instant, run_build
    from salesglass.warehouse import connect, init_canonical

    rows = "".join(f"{k},{wall},1,100,10,0\n" for k, wall, _, _ in SALES)
    (tmp_path / "old.csv").write_text("sale_id,sold_at,tickets,turnover,revenue,cost\n" + rows, encoding="utf-8")
    cfg = parse_config(
        {
            "warehouse": {"path": "wh.duckdb", "published_path": "reports.duckdb"},
            "account": {"timezone": "Europe/Moscow"},
            "platform": {
                "timezone": "Europe/Moscow",
                "inputs": [{"name": "old", "target": "sales", "path": "old.csv"}],
            },
        },
        base_dir=tmp_path,
    )
    con = connect(cfg.warehouse_path)
    init_canonical(con)
    load_into(con, cfg, full=True, progress=False)
    # 1985-06-30 20:30 UTC = 489 011 400 s after 1970-01-01 (15 years with 4 leap days, 180 days of 1985)
    assert earliest_instant(lambda sql: con.execute(sql).fetchall(), ["sales", "partners"]) == (
        ((15 * 365 + 4 + 180) * 86400 + 20 * 3600 + 30 * 60) * 1_000_000
    )
    con.close()
    run_build(cfg, as_of=date(2026, 12, 1), progress=False)
    pub = connect(cfg.published_path, read_only=True)
    months = sorted(r[0] for r in pub.execute("SELECT month FROM partner_months").fetchall())
    pub.close()
    assert months == [date(1985, 7, 1), date(1991, 12, 1), date(1999, 1, 1), date(1999, 8, 1)]
