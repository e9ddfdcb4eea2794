"""An events input (`target = "events"`): hand-made rows of a CSV export become the canonical events, each
unusable row is quarantined with its reason and counted on the data-quality page, and a show's time in a
column of its own zone (naive UTC among naive Moscow times) is read in that zone. The SQL inputs (SQLite,
PostgreSQL, MariaDB) are tested with the demo mapping in test_sources.py."""

from __future__ import annotations

from datetime import UTC, datetime

from salesglass.config import parse_config
from salesglass.reports.data_quality import UNKNOWN_PARTNER_EVENT
from salesglass.sources.platform.load import also_read_reason, load_into

# the platform's naive times are Moscow's (UTC+3); the show's start is written in UTC
EVENTS_CSV = """id,org,title,start_utc,created
e1,p1,Концерт,2026-03-31 21:30:00,2026-03-01 12:00:00
e2,,Ёлка,2027-01-10 16:00:00,2026-03-02 10:00:00
,p1,Без номера,2026-04-01 19:00:00,
e3,p1,Без даты,,2026-03-01 12:00:00
e4,p1,Кривая дата,завтра,
e5,p1,Дата по-русски,05.04.2026 19:00,
e1,p1,Повтор,2026-05-01 19:00:00,
e6,p404,Из будущего,2026-04-02 19:00:00,2062-01-01 10:00:00
e7,p404,Чужой,2026-04-02 19:00:00,
"""
EVENT_COLUMNS = {
    "event_id": "id",
    "partner_id": "org",
    "name": "title",
    "show_at": {"column": "start_utc", "timezone": "UTC"},
    "created_at": "created",
}


def _config(tmp_path):
    (tmp_path / "partners.csv").write_text("id,kind\np1,organizer\n", encoding="utf-8")
    (tmp_path / "events.csv").write_text(EVENTS_CSV, encoding="utf-8")
    (tmp_path / "more.csv").write_text("id,start_utc\ne1,2026-06-01 19:00:00\ne8,2026-06-02 19:00:00\n", "utf-8")
    inputs = [
        {
            "name": "partners",
            "target": "partners",
            "path": "partners.csv",
            "columns": {"partner_id": "id"} | {"kind": "kind"},
        },
        {"name": "events", "target": "events", "path": "events.csv", "columns": EVENT_COLUMNS},
        {
            "name": "more",
            "target": "events",
            "path": "more.csv",
            "columns": {"event_id": "id", "show_at": {"column": "start_utc", "timezone": "UTC"}},
        },
    ]
    return parse_config({"platform": {"timezone": "Europe/Moscow", "inputs": inputs}}, base_dir=tmp_path)


def test_an_events_file_loads_its_shows_and_quarantines_the_rows_it_cannot_use(warehouse, tmp_path):
    from salesglass.reports.doctor import quality_rows

    cfg = _config(tmp_path)
    summary = load_into(warehouse, cfg, full=True, progress=False)

    assert warehouse.execute("SELECT * FROM events ORDER BY 1").fetchall() == [
        # the first copy of a repeated id is kept; created 12:00 Moscow = 09:00 UTC; the show as written (UTC)
        ("e1", "p1", "Концерт", datetime(2026, 3, 31, 21, 30, tzinfo=UTC), datetime(2026, 3, 1, 9, tzinfo=UTC)),
        # a show ahead of the load is no typo (on sale before it starts); no partner: Support's event
        ("e2", None, "Ёлка", datetime(2027, 1, 10, 16, tzinfo=UTC), datetime(2026, 3, 2, 7, tzinfo=UTC)),
        ("e7", "p404", "Чужой", datetime(2026, 4, 2, 19, tzinfo=UTC), None),  # an unknown partner: loaded
        ("e8", None, None, datetime(2026, 6, 2, 19, tzinfo=UTC), None),
    ]
    # 21:30 UTC on 31 March is 00:30 on 1 April in Moscow: the show is April's
    moscow = "SELECT strftime(timezone('Europe/Moscow', show_at), '%Y-%m-%d %H:%M') FROM events WHERE event_id = 'e1'"
    assert warehouse.execute(moscow).fetchone() == ("2026-04-01 00:30",)

    reasons = {
        ("platform:events", None, "missing event_id"),
        ("platform:events", "e3", "missing show_at"),
        ("platform:events", "e4", "bad show_at: not a valid timestamp"),
        ("platform:events", "e5", 'bad show_at: not a valid timestamp (format = "%d.%m.%Y %H:%M" reads it)'),
        ("platform:events", "e1", "duplicate key (event_id) in this batch"),
        ("platform:events", "e6", "bad created_at: in the future (more than a day after it was read)"),
        ("platform:more", "e1", also_read_reason(("event_id",), "events")),  # the first input's row is kept
    }
    got = warehouse.execute("SELECT source, source_key, reason FROM quarantine WHERE entity = 'events'").fetchall()
    assert sorted(got, key=repr) == sorted(reasons, key=repr)
    by_input = {r.name: (r.read, r.loaded, r.quarantined) for r in summary.inputs}
    assert by_input == {"partners": (1, 1, 0), "events": (9, 3, 6), "more": (2, 1, 1)}

    quality = {(s, e, r): n for s, e, r, n in quality_rows(warehouse)}
    assert quality[("platform:events", "events", "missing show_at")] == 1
    assert quality[("platform:events", "events", "duplicate key (event_id) in this batch")] == 1
    assert quality[("platform", "events", UNKNOWN_PARTNER_EVENT)] == 1  # e7 (p404); e2 has none: Support

    # read again (no watermark: the files are read whole): the same rows, each bad one listed once
    before = warehouse.execute("SELECT * FROM events ORDER BY 1").fetchall()
    load_into(warehouse, cfg, progress=False)
    assert warehouse.execute("SELECT * FROM events ORDER BY 1").fetchall() == before
    again = warehouse.execute("SELECT source, source_key, reason FROM quarantine WHERE entity = 'events'").fetchall()
    assert sorted(again, key=repr) == sorted(reasons, key=repr)
