"""The demo mapping on the hand-written back-office gives the hand-computed canonical rows.

The same back-office and the same expected rows in SQLite, PostgreSQL and MariaDB (typed columns there)."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, date, datetime
from decimal import Decimal as D

import openpyxl
import pytest

from salesglass.sources.platform.load import UNKNOWN_MANAGER, load_into
from tests.platform.conftest import Backoffice, add_amocrm_managers, demo_config


def ts(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


# Moscow = UTC+3; kopecks / 100; refunds negated; invitations, cancelled and in-progress orders are not sales
EXPECTED_SALES = [
    ("o1", "p1", "e1", ts(2024, 2, 29, 23), 2, D("3000.00"), D("150.50"), D("60.00"), "widget"),
    ("o2", "p1", "e1", ts(2024, 3, 2, 9), 1, D("1500.00"), D("75.25"), D("130.00"), "Кассир"),
    ("o5", None, "e1", ts(2024, 3, 3, 7), 1, D("500.00"), D("25.00"), D("10.00"), "widget"),
    ("refund:r1", "p1", "e1", ts(2024, 3, 5, 7), -1, D("-1500.00"), D("-75.25"), D("-30.00"), "widget"),
]
EXPECTED_PARTNERS = [
    (
        "p1",
        "ООО «Ромашка»",
        "organizer",
        "7701234567",
        ts(2024, 1, 10, 9),
        ts(2024, 1, 20, 12, 30),
        ts(2024, 1, 25, 5),
        101,
        False,
    ),
    ("p2", "Кассир", "operator", None, ts(2024, 1, 5, 6), None, None, None, False),
    ("p3", "Поддержка", "organizer", None, ts(2024, 1, 1, 0), None, None, None, True),
]

# show_at is naive UTC (start_at_utc), created_at naive Moscow (UTC+3): 10:00 MSK = 07:00 UTC
EXPECTED_EVENTS = [
    ("e1", "p1", "Концерт", ts(2024, 4, 1, 16), ts(2024, 2, 1, 7)),
    ("e2", None, "Ёлка", ts(2026, 3, 31, 21, 30), ts(2026, 3, 1, 9)),
]


def _rows(con, table: str) -> list[tuple]:
    return con.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()


def _check_loaded(con) -> None:
    assert _rows(con, "sales") == EXPECTED_SALES
    assert _rows(con, "partners") == EXPECTED_PARTNERS
    assert _rows(con, "events") == EXPECTED_EVENTS
    # 21:30 UTC on 31 March is half past midnight on 1 April in Moscow (+3): the show is April's
    moscow = "SELECT strftime(timezone('Europe/Moscow', show_at), '%Y-%m-%d %H:%M') FROM events WHERE event_id = 'e2'"
    assert con.execute(moscow).fetchone() == ("2026-04-01 00:30",)
    warnings = con.execute("SELECT source, source_key, reason FROM quarantine").fetchall()
    assert warnings == [("platform:partners", "p3", UNKNOWN_MANAGER)]


def _plans_xlsx(path) -> str:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["month", "manager", "metric", "realistic", "optimistic"])
    ws.append([datetime(2024, 3, 1), "Anna@x.ru", "turnover", 100000, 120000.5])
    ws.append(["2024-03", None, "revenue", "5000,50", 6000])
    ws.append([datetime(2024, 4, 1), "101", "tickets", 10, 12])
    wb.save(path)
    return str(path)


@pytest.mark.parametrize("few_rows", [200_000, 0], ids=["timezone() per row", "the zone's periods"])
def test_sqlite_back_office_maps_as_documented(warehouse, backoffice, tmp_path, monkeypatch, few_rows):
    monkeypatch.setattr("salesglass.sources.platform.load.FEW_ROWS", few_rows)  # both ways to read local times
    add_amocrm_managers(warehouse)
    cfg = demo_config(f"sqlite:///{backoffice}", tmp_path, plans=_plans_xlsx(tmp_path / "plans.xlsx"))
    summary = load_into(warehouse, cfg, progress=False)
    _check_loaded(warehouse)
    assert {r.name: (r.read, r.loaded, r.quarantined) for r in summary.inputs} == {
        "partners": (3, 3, 0),
        "widgets": (2, 2, 0),
        "events": (2, 2, 0),
        "orders": (3, 3, 0),
        "refunds": (1, 1, 0),
    }
    assert warehouse.execute("SELECT * FROM plans ORDER BY month, manager_id NULLS FIRST").fetchall() == [
        (date(2024, 3, 1), None, "revenue", D("5000.50"), D("6000.00")),
        (date(2024, 3, 1), 101, "turnover", D("100000.00"), D("120000.50")),
        (date(2024, 4, 1), 101, "tickets", D("10.00"), D("12.00")),
    ]


def test_an_unchanged_plans_file_is_not_read_again_and_a_changed_one_is(warehouse, backoffice, tmp_path):
    add_amocrm_managers(warehouse)
    path = tmp_path / "plans.xlsx"
    cfg = demo_config(f"sqlite:///{backoffice}", tmp_path, plans=_plans_xlsx(path))

    def turnover() -> list[tuple]:
        return warehouse.execute("SELECT manager_id, realistic FROM plans WHERE metric = 'turnover'").fetchall()

    assert load_into(warehouse, cfg, progress=False).plans.read == 3
    again = load_into(warehouse, cfg, progress=False).plans
    assert (again.read, again.changed) == (0, False)  # not read: the same bytes as last time
    assert turnover() == [(101, D("100000.00"))]
    wb = openpyxl.load_workbook(path)
    wb.active["D2"] = 900000  # one figure changed
    wb.save(path)
    changed = load_into(warehouse, cfg, progress=False).plans
    assert (changed.read, changed.changed) == (3, True) and turnover() == [(101, D("900000.00"))]
    assert load_into(warehouse, cfg, progress=False).plans.read == 0
    # the same file, but the manager it names by e-mail is gone: read again, the row now quarantined
    warehouse.execute("UPDATE managers SET email = 'anna@y.ru' WHERE manager_id = 101")
    renamed = load_into(warehouse, cfg, progress=False).plans
    assert (renamed.read, renamed.quarantined) == (3, 1) and turnover() == []
    assert load_into(warehouse, cfg, progress=False, full=True).plans.read == 3  # a full load reads it


# o2 changes (3 tickets now), o7 is new; both stamped later than anything loaded so far
CHANGES = """
    UPDATE orders SET tickets_quantity = 3, updated_at = '2024-03-06 09:00:00' WHERE order_id = 'o2';
    INSERT INTO orders VALUES ('o7', 7, 'widget', 'done', 'e1', 'p2', 'p2', '2024-03-06 10:00:00',
      '2024-03-06 10:00:00', 0, 1, 1000, 0, 1000, 10, 0, 100, 'RUB', '2024-03-06 10:00:00');"""


def _check_incremental(warehouse, bo: Backoffice, cfg) -> None:
    """Load, change o2 and add o7 in the source, load again: only they (and the boundary rows) are read."""
    load_into(warehouse, cfg, progress=False)
    bo.run(CHANGES)
    summary = load_into(warehouse, cfg, progress=False)
    orders = next(r for r in summary.inputs if r.name == "orders")
    # o5 shares the stored watermark (>= re-reads the boundary, the upsert makes that harmless), o2, o7
    assert (orders.read, orders.watermark) == (3, "2024-03-06 10:00:00")
    assert next(r for r in summary.inputs if r.name == "partners").read == 1  # p3 sits on the watermark
    got = warehouse.execute("SELECT sale_id, tickets, sold_at FROM sales ORDER BY 1").fetchall()
    assert got == [
        ("o1", 2, ts(2024, 2, 29, 23)),
        ("o2", 3, ts(2024, 3, 2, 9)),
        ("o5", 1, ts(2024, 3, 3, 7)),
        ("o7", 1, ts(2024, 3, 6, 7)),
        ("refund:r1", -1, ts(2024, 3, 5, 7)),
    ]


def test_incremental_load_reads_only_new_and_changed_rows(warehouse, backoffice, tmp_path):
    add_amocrm_managers(warehouse)
    cfg = demo_config(f"sqlite:///{backoffice}", tmp_path)

    def run(sql: str) -> None:
        with sqlite3.connect(backoffice) as con:
            con.executescript(sql)
        con.close()

    _check_incremental(warehouse, Backoffice("sqlite", f"sqlite:///{backoffice}", run), cfg)
    # a bad row without a key on the watermark is read by every incremental run, but listed once
    con = sqlite3.connect(backoffice)
    con.execute(
        "INSERT INTO orders VALUES (NULL, 8, 'widget', 'done', 'e1', 'p2', 'p2', '2024-03-06 10:00:00', "
        "'2024-03-06 10:00:00', 0, 1, 1000, 0, 1000, 10, 0, 100, 'RUB', '2024-03-06 10:00:00')"
    )
    con.commit()
    con.close()
    load_into(warehouse, cfg, progress=False)
    load_into(warehouse, cfg, progress=False)
    assert warehouse.execute("SELECT count(*) FROM quarantine WHERE reason = 'missing sale_id'").fetchone() == (1,)
    full = load_into(warehouse, cfg, full=True, progress=False)
    assert next(r for r in full.inputs if r.name == "orders").read == 5  # 4 sales + the keyless row
    assert warehouse.execute("SELECT count(*), sum(tickets) FROM sales").fetchone() == (5, 6)
    # reloading does not duplicate the unknown-manager warning or the bad row
    assert warehouse.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 2


def test_server_back_office_maps_as_documented(warehouse, server_backoffice: Backoffice, tmp_path):
    """PostgreSQL and MariaDB, typed columns (timestamps, bigint kopecks, decimals): the same canonical rows."""
    add_amocrm_managers(warehouse)
    summary = load_into(warehouse, demo_config(server_backoffice.url, tmp_path), progress=False)
    _check_loaded(warehouse)
    assert {r.name: (r.read, r.loaded, r.quarantined) for r in summary.inputs} == {
        "partners": (3, 3, 0),
        "widgets": (2, 2, 0),
        "events": (2, 2, 0),
        "orders": (3, 3, 0),
        "refunds": (1, 1, 0),
    }
    # incremental: nothing new but the boundary rows
    again = load_into(warehouse, demo_config(server_backoffice.url, tmp_path), progress=False)
    assert {r.name: r.read for r in again.inputs} == {
        "partners": 1,
        "widgets": 2,
        "events": 2,
        "orders": 1,
        "refunds": 1,
    }
    _check_loaded(warehouse)


def test_server_incremental_load_reads_only_new_and_changed_rows(warehouse, server_backoffice: Backoffice, tmp_path):
    add_amocrm_managers(warehouse)
    _check_incremental(warehouse, server_backoffice, demo_config(server_backoffice.url, tmp_path))
    assert _rows(warehouse, "partners") == EXPECTED_PARTNERS


@pytest.mark.postgres
def test_a_read_stopped_half_way_closes_its_server_connection(postgres_url):
    """A load that fails while rows are streaming (here: the progress callback) leaves no session open on
    the back-office — a refresh that fails every 15 minutes must not pile up connections."""
    import duckdb
    import psycopg

    from salesglass.errors import SalesglassError
    from salesglass.sources.platform.sql_reader import land_sql

    def sessions() -> int:
        with psycopg.connect(postgres_url, autocommit=True) as pg:
            return pg.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                "AND pid <> pg_backend_pid()"
            ).fetchone()[0]

    def settled(at_most: int) -> int:
        """A closed session's server process ends a moment after the client hangs up (longer on a loaded
        machine): wait up to 30 s for it (at once when it is gone). A session still held after that is a leak."""
        deadline = time.monotonic() + 30
        while (n := sessions()) > at_most and time.monotonic() < deadline:
            time.sleep(0.05)
        return n

    def stop(_rows: int) -> None:
        raise RuntimeError("disk full")

    con = duckdb.connect()
    before = sessions()
    held = []
    for _ in range(3):
        with pytest.raises(SalesglassError, match="disk full"):
            land_sql(
                con,
                postgres_url,
                "SELECT g AS n FROM generate_series(1, 300000) g",
                "x",
                batch_rows=1000,
                on_rows=stop,
                label="t",
            )
        held.append(settled(before))
    assert max(held) <= before, f"sessions left open after each failed read: {held}, before: {before}"


def test_a_partner_loaded_without_its_unknown_manager_is_no_change_when_read_again(warehouse, backoffice, tmp_path):
    """p3 names a manager e-mail no amoCRM user has: it loads without a manager and leaves a warning row in
    quarantine. Read again unchanged, that warning made the partners input count as changed on every
    load, so every 15-minute refresh rebuilt and republished the reports (found on a PostgreSQL
    back-office whose managers were not in amoCRM yet). Once the e-mail is known, it is a change."""
    add_amocrm_managers(warehouse)
    cfg = demo_config(f"sqlite:///{backoffice}", tmp_path)
    cfg.platform.inputs[0].watermark = None  # what `platform inspect` proposes without an updated_at: read whole
    assert cfg.platform.inputs[0].name == "partners"
    load_into(warehouse, cfg, progress=False)
    again = load_into(warehouse, cfg, progress=False)
    assert {r.name: r.changed for r in again.inputs}["partners"] is False
    assert not again.changed
    _check_loaded(warehouse)  # the warning is still there
    warehouse.execute("UPDATE managers SET email = 'ghost@x.ru' WHERE manager_id = 103")
    known = load_into(warehouse, cfg, progress=False)
    assert {r.name: r.changed for r in known.inputs}["partners"] is True
    assert warehouse.execute("SELECT count(*) FROM quarantine").fetchall() == [(0,)]
