"""The published file (group-readable: BI tools read it) holds no raw text of a rejected row, not even in its
free blocks; admins still read that text on the dashboard, from the warehouse (owner-only)."""

from __future__ import annotations

import duckdb

from salesglass.reports.build import run_build
from salesglass.warehouse import connect
from tests.dashboard.conftest import add_users, make_config, signed_in
from tests.reports import bonus_company as c
from tests.reports.conftest import load_company

# what a back-office row carried when it was set aside: a buyer's name and phone
FIRST = '{"buyer": "Ирина Смирнова-Заболоцкая", "phone": "+7 912 345-67-89", "tickets": "many"}'
SECOND = '{"buyer": "Пётр Вознесенский-Оболенский", "phone": "+7 903 222-33-44", "tickets": "a few"}'
# a raw layer of the sync: the build drops it (a byte copy of the warehouse kept it in its free blocks)
LAYER = '{"name": "ООО Ромашка", "custom_fields": [{"phone": "+7 495 765-43-21"}]}'


def _quarantine(cfg, key: str, raw: str, at: str) -> None:
    con = connect(cfg.warehouse_path)
    con.execute(
        "INSERT INTO quarantine VALUES ('platform', 'sales', ?, 'bad tickets: not a valid integer', ?, ?)",
        [key, raw, at],
    )
    con.close()


def _leaked(cfg) -> list[str]:
    data = cfg.published_path.read_bytes()
    words = ["Смирнова-Заболоцкая", "+7 912 345-67-89", "Вознесенский-Оболенский", "+7 903 222-33-44"]
    return [w for w in [*words, "+7 495 765-43-21"] if w.encode() in data]


def test_the_published_file_withholds_raw_rows_and_admins_read_them_from_the_warehouse(tmp_path):
    from salesglass.serve.web.app import create_app

    cfg = make_config(tmp_path)
    load_company(cfg, c.DATA)
    con = connect(cfg.warehouse_path)
    con.execute("CREATE TABLE raw_amocrm_companies AS SELECT ? AS payload FROM range(2000)", [LAYER])
    con.close()
    _quarantine(cfg, "s-bad-1", FIRST, "2026-11-10 10:00:00+00")

    run_build(cfg, as_of=c.NOV_15, progress=False)  # a full build
    assert _leaked(cfg) == []
    _quarantine(cfg, "s-bad-2", SECOND, "2026-11-12 10:00:00+00")
    run_build(cfg, as_of=c.NOV_15, progress=False)  # from the last published file, quarantine replaced
    assert _leaked(cfg) == []

    con = duckdb.connect(str(cfg.published_path), read_only=True)
    try:
        columns = [r[0] for r in con.execute("DESCRIBE quarantine").fetchall()]
        rows = con.execute("SELECT source_key, reason FROM quarantine ORDER BY source_key").fetchall()
    finally:
        con.close()
    assert columns == ["source", "entity", "source_key", "reason", "seen_at"]  # what to fix, and where
    assert rows == [("s-bad-1", "bad tickets: not a valid integer"), ("s-bad-2", "bad tickets: not a valid integer")]

    add_users(cfg)
    with signed_in(create_app(cfg)) as admin:
        drawer = admin.get("/drill/quarantine?source=platform&entity=sales").text
    assert "s-bad-1" in drawer and "s-bad-2" in drawer
    assert "Ирина Смирнова-Заболоцкая" in drawer and "+7 903 222-33-44" in drawer


HOLD_FOR_WRITING = """
import sys, time
from salesglass.warehouse import connect
con = connect(sys.argv[1])
print("holding", flush=True)
time.sleep(600)
"""


def test_raw_text_of_a_row_without_key_and_none_while_a_refresh_writes_the_warehouse(tmp_path):
    """A row without a key of its own (amoCRM sent none) is found by its other columns; while another process
    writes the warehouse (a sync), the page gets None and says to try again, rather than waiting on it."""
    import subprocess
    import sys
    from datetime import UTC, datetime

    from salesglass.serve.web.raw_rows import raw_texts
    from salesglass.warehouse import init_canonical

    warehouse = tmp_path / "wh.duckdb"
    con = connect(warehouse)
    init_canonical(con)
    con.execute(
        "INSERT INTO quarantine VALUES ('amocrm', 'deals', NULL, 'missing created_at', '{\"id\": 77}', "
        "TIMESTAMPTZ '2026-03-14 08:02:00+00')"
    )
    con.close()
    row = {"source": "amocrm", "entity": "deals", "source_key": None, "reason": "missing created_at"}
    row["seen_at"] = datetime(2026, 3, 14, 8, 2, tzinfo=UTC)
    assert list(raw_texts(warehouse, [row]).values()) == ['{"id": 77}']  # type: ignore[union-attr]

    writer = subprocess.Popen(
        [sys.executable, "-c", HOLD_FOR_WRITING, str(warehouse)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "holding\n"
        assert raw_texts(warehouse, [row]) is None
    finally:
        writer.kill()
        writer.wait()
