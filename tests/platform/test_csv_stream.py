"""A CSV input is read in one streamed pass; a full reload builds the new table and swaps it in.

What a user notices: the same rows, reasons and watermark as any other source; the old rows are
gone after `--full`; `sales` keeps its columns and NOT NULL rules; the next incremental load upserts.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal as D

import duckdb
import pytest

from salesglass.config import parse_config
from salesglass.model.schema import SALES
from salesglass.sources.platform.load import load_into

HEADER = "order_id;org;done_at;qty;full_kop;core_kop;cost_kop;status;updated_at\n"
ROWS = [
    "o1;p1;2024-03-01 10:00:00;2;300000;15050;6000;done;2024-03-01 10:00:00",
    "o2;p2;2024-03-02 12:30:00;1;12345;617;0;done;2024-03-02 12:30:00",
    "o3;p1;2024-03-03 09:00:00;1;100000;5000;0;cancelled;2024-03-03 09:00:00",  # filtered by `where`
    "o4;p1;yesterday;1;100000;5000;0;done;2024-03-04 00:00:00",  # bad time
    "o5;p1;2024-03-05 10:00:00;1,5;100000;5000;0;done;2024-03-05 00:00:00",  # fractional tickets
    "o6;p2;2024-03-06 10:00:00;1;10.5;5000;0;done;2024-03-06 00:00:00",  # a fraction of a kopeck
    ";p2;2024-03-06 11:00:00;1;100;5;0;done;2024-03-06 11:00:00",  # no id
    "o2;p3;2024-03-07 10:00:00;4;40000;2000;0;done;2024-03-07 10:00:00",  # o2 again: the first one wins
    "o7;p3;2024-03-08 10:00:00;3;1000;50;10;done;2024-03-08 10:00:00",
]
EXPECTED_REASONS = {
    "o4": "bad sold_at: not a valid timestamp",
    "o5": "bad tickets: not a valid integer",
    "o6": "bad turnover: more than 2 decimal places",
    None: "missing sale_id",
    "o2": "duplicate key (sale_id) in this batch",
}


def ts(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def _config(tmp_path, rows: list[str], **columns: object):
    (tmp_path / "orders.csv").write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return parse_config(
        {
            "platform": {
                "inputs": [
                    {
                        "name": "orders",
                        "target": "sales",
                        "path": "orders.csv",
                        "where": "status = 'done'",
                        "watermark": "updated_at",
                        "columns": {
                            "sale_id": "order_id",
                            "partner_id": "org",
                            "sold_at": "done_at",
                            "tickets": "qty",
                            "turnover": {"column": "full_kop", "unit": "kopecks"},
                            "revenue": {"column": "core_kop", "unit": "kopecks"},
                            "cost": {"column": "cost_kop", "unit": "kopecks"},
                            **columns,
                        },
                    }
                ]
            }
        },
        base_dir=tmp_path,
    )


def test_full_reload_replaces_the_table_and_quarantines_every_bad_row(warehouse, tmp_path):
    warehouse.execute("INSERT INTO sales VALUES ('old', 'p9', NULL, '2020-01-01 00:00:00+00', 1, 1, 1, 0, NULL)")
    summary = load_into(warehouse, _config(tmp_path, ROWS), full=True, progress=False)

    r = summary.inputs[0]
    assert (r.read, r.loaded, r.quarantined) == (8, 3, 5)
    assert r.watermark == "2024-03-08 10:00:00"
    assert warehouse.execute("SELECT * FROM sales ORDER BY 1").fetchall() == [
        ("o1", "p1", None, ts(2024, 3, 1, 7), 2, D("3000.00"), D("150.50"), D("60.00"), None),
        ("o2", "p2", None, ts(2024, 3, 2, 9, 30), 1, D("123.45"), D("6.17"), D("0.00"), None),
        ("o7", "p3", None, ts(2024, 3, 8, 7), 3, D("10.00"), D("0.50"), D("0.10"), None),
    ]
    q = warehouse.execute("SELECT source_key, reason, raw FROM quarantine ORDER BY 1").fetchall()
    assert {k: why for k, why, _ in q} == EXPECTED_REASONS
    raw = {k: json.loads(v) for k, _, v in q}
    assert raw["o4"]["done_at"] == "yesterday"  # a bad row is kept as the file had it
    assert raw["o2"]["partner_id"] == "p3"  # the repeated row, by its canonical values

    # the swapped-in table is still `sales` as the model defines it
    described = warehouse.execute("DESCRIBE sales").fetchall()
    assert [d[0] for d in described] == list(SALES.names)
    assert {d[0] for d in described if d[2] == "NO"} == {c.name for c in SALES.columns if c.not_null}
    with pytest.raises(duckdb.ConstraintException):
        warehouse.execute("INSERT INTO sales (sale_id) VALUES ('x')")
    assert not warehouse.execute("SELECT * FROM duckdb_tables() WHERE table_name LIKE '\\_\\_%' ESCAPE '\\'").fetchall()


def test_an_incremental_load_after_the_swap_upserts(warehouse, tmp_path):
    load_into(warehouse, _config(tmp_path, ROWS), full=True, progress=False)
    later = [
        "o7;p3;2024-03-08 10:00:00;5;1000;50;10;done;2024-03-09 00:00:00",  # changed
        "o8;p1;2024-03-09 10:00:00;1;500;25;0;done;2024-03-09 10:00:00",
    ]  # new
    summary = load_into(warehouse, _config(tmp_path, ROWS[:-1] + later), progress=False)

    r = summary.inputs[0]
    assert (r.read, r.loaded) == (2, 2)  # only rows at or after the watermark are read
    assert warehouse.execute("SELECT sale_id, tickets FROM sales ORDER BY 1").fetchall() == [
        ("o1", 2),
        ("o2", 1),
        ("o7", 5),
        ("o8", 1),
    ]
    assert r.watermark == "2024-03-09 10:00:00"
    # the bad rows read before are still listed: the file still has them
    assert warehouse.execute("SELECT count(*) FROM quarantine").fetchone()[0] == len(EXPECTED_REASONS)


def test_timestamps_in_a_file_are_local_unless_they_carry_their_own_offset(warehouse, tmp_path):
    rows = [
        "t1;p1;2024-03-01 10:00:00;1;100;5;0;done;1",
        "t2;p1;2024-03-01T10:00:00+05:00;1;100;5;0;done;2",
        "t3;p1;2024-03-01T10:00:00Z;1;100;5;0;done;3",
        "t4;p1;2024-03-01;1;100;5;0;done;4",
        "t5;p1;2024-03-01 10:00:00.25;1;100;5;0;done;5",
        "t6;p1;2024-03-01 10:00:00 UTC;1;100;5;0;done;6",
        "t7;p1;2024-03-01 10:00:00 utc;1;100;5;0;done;0",
        "t8;p1;2024-03-01 10:00:00-04;1;100;5;0;done;0",
        "t9;p1;2024-03-01 10:00:00.5-0330;1;100;5;0;done;0",
    ]
    summary = load_into(warehouse, _config(tmp_path, rows), full=True, progress=False)
    assert summary.inputs[0].watermark == "6"  # a numeric watermark is compared as a number
    assert warehouse.execute("SELECT sale_id, sold_at FROM sales ORDER BY 1").fetchall() == [
        ("t1", ts(2024, 3, 1, 7)),  # Moscow, UTC+3
        ("t2", ts(2024, 3, 1, 5)),
        ("t3", ts(2024, 3, 1, 10)),
        ("t4", ts(2024, 2, 29, 21)),
        ("t5", datetime(2024, 3, 1, 7, 0, 0, 250000, tzinfo=UTC)),
        ("t6", ts(2024, 3, 1, 10)),
        ("t7", ts(2024, 3, 1, 10)),  # any case of UTC
        ("t8", ts(2024, 3, 1, 14)),  # a negative offset
        ("t9", datetime(2024, 3, 1, 13, 30, 0, 500000, tzinfo=UTC)),
    ]
    assert warehouse.execute("SELECT current_setting('TimeZone')").fetchone()[0] == "UTC"


def test_a_full_reload_that_fails_half_way_keeps_the_old_table(warehouse, tmp_path):
    from salesglass.errors import SalesglassError

    load_into(warehouse, _config(tmp_path, ROWS), full=True, progress=False)
    before = warehouse.execute("SELECT * FROM sales ORDER BY 1").fetchall()
    # passes the mapping check (it binds) but fails on the first row: 'p1' is not an integer
    cfg = _config(tmp_path, ROWS, channel={"sql": "CAST(CAST(org AS INTEGER) AS VARCHAR)"})
    with pytest.raises(SalesglassError, match=r"input 'orders'.*sql. mapping.*'p1'"):
        load_into(warehouse, cfg, full=True, progress=False)

    assert warehouse.execute("SELECT * FROM sales ORDER BY 1").fetchall() == before
    assert warehouse.execute("SELECT count(*) FROM quarantine").fetchone()[0] == len(EXPECTED_REASONS)
    assert not warehouse.execute("SELECT * FROM duckdb_tables() WHERE table_name = '__next_sales'").fetchall()
    load_into(warehouse, _config(tmp_path, ROWS), progress=False)  # the connection is usable afterwards


def test_in_a_big_file_the_first_copy_of_a_repeated_key_wins_though_the_table_is_filled_unordered(warehouse, tmp_path):
    # big enough for DuckDB to read it in pieces on two threads, whose rows land in no fixed order
    warehouse.execute("SET threads = 2")
    n = 400_000
    body = tmp_path / "body.csv"
    warehouse.execute(f"""COPY (SELECT printf('o%07d', i) AS order_id, 'p1' AS org,
                                 TIMESTAMP '2024-01-01' + i * INTERVAL 1 MINUTE AS done_at, 1 AS qty, 100 AS full_kop,
                                 5 AS core_kop, 0 AS cost_kop, 'done' AS status, '2024-01-01' AS updated_at
                          FROM range({n}) r(i)) TO '{body}' (HEADER false, DELIMITER ';')""")
    lines = body.read_text().splitlines()
    # three early keys appear again in later pieces of the file, with other quantities
    repeats = {150_000: ("o0000005", 9), 260_000: ("o0000007", 8), 399_000: ("o0000009", 7)}
    for line, (key, qty) in repeats.items():
        lines[line] = f"{key};p2;2024-06-01 00:00:00;{qty};100;5;0;done;2024-01-01"
    summary = load_into(warehouse, _config(tmp_path, lines), full=True, progress=False)

    r = summary.inputs[0]
    assert (r.loaded, r.reasons) == (n - 3, {"duplicate key (sale_id) in this batch": 3})
    keys = ", ".join(f"'{k}'" for k, _ in repeats.values())
    got = warehouse.execute(
        f"SELECT sale_id, partner_id, tickets FROM sales WHERE sale_id IN ({keys}) "
        "OR sale_id IN ('o0150000', 'o0260000', 'o0399000')"
    ).fetchall()
    assert sorted(got) == [(k, "p1", 1) for k, _ in sorted(repeats.values())]
    raws = [json.loads(x) for (x,) in warehouse.execute("SELECT raw FROM quarantine ORDER BY source_key").fetchall()]
    assert [(x["sale_id"], x["tickets"]) for x in raws] == sorted(repeats.values())


def test_a_file_that_repeats_a_key_read_again_unchanged_is_no_change(warehouse, tmp_path):
    """o1 appears twice: its first copy loads, the second is quarantined. Read whole again (no watermark),
    the second copy counted as a new row, so every refresh rebuilt and republished the reports. A change to
    the first copy is still a change."""
    rows = [*ROWS[:2], "o1;p1;2024-03-01 10:00:00;5;300000;15050;6000;done;2024-03-01 10:00:00"]

    def load(rows: list[str]):
        cfg = _config(tmp_path, rows)
        cfg.platform.inputs[0].watermark = None  # read whole every time
        return load_into(warehouse, cfg, progress=False)

    first = load(rows).inputs[0]
    assert (first.loaded, first.reasons) == (2, {"duplicate key (sale_id) in this batch": 1})
    again = load(rows)
    assert (again.inputs[0].read, again.inputs[0].changed, again.changed) == (3, False, False)
    assert warehouse.execute("SELECT sale_id, tickets FROM sales ORDER BY 1").fetchall() == [("o1", 2), ("o2", 1)]
    assert warehouse.execute("SELECT source_key, reason FROM quarantine").fetchall() == [
        ("o1", "duplicate key (sale_id) in this batch")
    ]
    changed = load([rows[0].replace(";2;", ";3;"), *rows[1:]])  # the first copy now says 3 tickets
    assert changed.changed
    assert warehouse.execute("SELECT tickets FROM sales WHERE sale_id = 'o1'").fetchall() == [(3,)]


def test_a_quarantined_row_whose_text_changed_shows_its_new_text(warehouse, tmp_path):
    """The loaded rows stay the same, but a quarantined row now reads differently: quarantine must show
    what the file says now (it kept the text of the first read: the load saw the same key and reason and
    counted nothing new). Both kinds: a later copy of a repeated key, and a row with a bad value."""
    later = "o1;p1;2024-03-01 10:00:00;5;300000;15050;6000;done;2024-03-01 10:00:00"
    bad = "o4;p1;yesterday;1;100000;5000;0;done;2024-03-04 00:00:00"

    def load(rows: list[str]):
        cfg = _config(tmp_path, rows)
        cfg.platform.inputs[0].watermark = None  # read whole every time
        return load_into(warehouse, cfg, progress=False)

    def shown() -> dict[str, str]:
        rows = warehouse.execute("SELECT source_key, CAST(raw AS VARCHAR) FROM quarantine").fetchall()
        return {key: raw for key, raw in rows}

    load([*ROWS[:2], later, bad])
    assert '"tickets":5' in shown()["o1"].replace(" ", "") and "yesterday" in shown()["o4"]
    again = load([*ROWS[:2], later.replace(";5;", ";6;"), bad.replace("yesterday", "tomorrow")])
    assert again.changed
    assert '"tickets":6' in shown()["o1"].replace(" ", "") and "tomorrow" in shown()["o4"]
    assert warehouse.execute("SELECT sale_id, tickets FROM sales ORDER BY 1").fetchall() == [("o1", 2), ("o2", 1)]


def test_a_new_table_left_by_a_killed_full_reload_is_dropped_by_the_next_load(warehouse, tmp_path):
    # a full reload commits its new table before it swaps it in; a kill in between leaves it behind
    warehouse.execute("CREATE TABLE __next_sales AS SELECT * FROM sales")
    load_into(warehouse, _config(tmp_path, ROWS), progress=False)
    assert not warehouse.execute("SELECT * FROM duckdb_tables() WHERE table_name LIKE '%next%'").fetchall()
    assert warehouse.execute("SELECT count(*) FROM sales").fetchone()[0] == 3


def test_negated_tickets_must_be_whole_numbers(warehouse, tmp_path):
    rows = [
        # refunds: the turnover is negative as well (opposite signs are a reason of their own)
        f"{key};p1;2024-03-01 10:00:00;{qty};-100;5;0;done;2024-03-01"
        for key, qty in [("r1", "2"), ("r2", "1.5"), ("r3", "3.0"), ("r4", "x")]
    ]
    summary = load_into(
        warehouse, _config(tmp_path, rows, tickets={"column": "qty", "negate": True}), full=True, progress=False
    )

    assert summary.inputs[0].reasons == {"bad tickets: not a valid integer": 2}
    assert warehouse.execute("SELECT sale_id, tickets FROM sales ORDER BY 1").fetchall() == [("r1", -2), ("r3", -3)]
    assert sorted(warehouse.execute("SELECT source_key FROM quarantine").fetchall()) == [("r2",), ("r4",)]
