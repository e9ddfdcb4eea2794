"""Times as spreadsheets and exports hold them: Excel's day numbers in a sheet are the times they stand for, and
a text time of a layout DuckDB does not read by itself is quarantined with the `format` that would read it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from salesglass.config import parse_config
from salesglass.sources.platform.load import load_into

NO_TIME = "bad sold_at: not a valid timestamp"
IMPLAUSIBLE = "bad sold_at: not a plausible date (before 1970-01-02 or after 2100)"


def hint(fmt: str) -> str:
    return f'{NO_TIME} (format = "{fmt}" reads it)'


def _load(warehouse, tmp_path: Path, place: dict, fmt: str | None = None):
    at: str | dict = {"column": "at", "format": fmt} if fmt else "at"
    cols = {"sale_id": "id", "sold_at": at, "tickets": "qty", "turnover": "rub"}
    cols |= {"revenue": {"sql": "0"}, "cost": {"sql": "0"}}
    inputs = [{"name": "s", "target": "sales", **place, "columns": cols}]
    cfg = parse_config({"platform": {"timezone": "Europe/Moscow", "inputs": inputs}}, base_dir=tmp_path)
    load_into(warehouse, cfg, full=True, progress=False)
    return (
        dict(warehouse.execute("SELECT sale_id, sold_at FROM sales").fetchall()),
        dict(warehouse.execute("SELECT source_key, reason FROM quarantine").fetchall()),
    )


# Moscow is UTC+3 all year since 2014; Excel's day 45356 is 2024-03-05 (day 1 = 1900-01-01, plus Excel's
# 29 February 1900 that never was: 45356 days after 1899-12-30)
SHEET = [  # (id, the cell as openpyxl writes it) → loaded at (UTC), or the reason
    ("x1", 45356.416666666664, datetime(2024, 3, 5, 7, tzinfo=UTC)),  # 10:00 = 10/24 of the day, General format
    ("x2", 45356, datetime(2024, 3, 4, 21, tzinfo=UTC)),  # the day alone: its Moscow midnight
    ("x3", 45356.75, datetime(2024, 3, 5, 15, tzinfo=UTC)),  # 18:00 Moscow
    ("x4", datetime(2024, 3, 5, 10, 0), datetime(2024, 3, 5, 7, tzinfo=UTC)),  # a date cell: as before
    ("x5", "05.03.2024 10:00", hint("%d.%m.%Y %H:%M")),  # text: the format that reads it is named
    ("x6", "05.03.24", hint("%d.%m.%y")),
    ("x7", 0.5, NO_TIME),  # a time of day without its day (12:00:00) is no timestamp
    ("x8", 1, IMPLAUSIBLE),  # day 1 = 1900-01-01
    ("x9", -3, IMPLAUSIBLE),  # before Excel's day 0
    ("x10", 1e20, NO_TIME),  # no date at all
    ("x11", True, NO_TIME),  # a checkbox is no day number
    ("x12", "45356", NO_TIME),  # a number typed as text is text (as in a CSV: no day number)
]


def test_excel_day_numbers_in_a_time_column_are_times(warehouse, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["id", "at", "qty", "rub"])
    for i, cell, _ in SHEET:
        ws.append([i, cell, 45356, 100])  # 45356 tickets: a count, not a day (only time columns read days)
    wb.save(tmp_path / "s.xlsx")
    loaded, why = _load(warehouse, tmp_path, {"path": "s.xlsx"})
    assert [(i, c, loaded.get(i) or why.get(i)) for i, c, _ in SHEET] == SHEET
    assert warehouse.execute("SELECT DISTINCT tickets FROM sales").fetchall() == [(45356,)]


TEXTS = [  # a text time DuckDB does not read by itself → the reason names the format that reads it
    ("05.03.2024 10:00:30", hint("%d.%m.%Y %H:%M:%S")),
    ("5.3.2024", hint("%d.%m.%Y")),
    ("05/03/2024 10:00", hint("%d/%m/%Y %H:%M")),  # day first, as in Russia
    ("03/25/2024 10:00", hint("%m/%d/%Y %H:%M")),  # no 25th month: a US export
    ("05-03-2024", hint("%d-%m-%Y")),
    ("31.02.2026 10:00", NO_TIME),  # no 31 February: no format reads it
    ("45356.4167", NO_TIME),  # a day number in a CSV: no format reads it either
    ("10:00", NO_TIME),
]


@pytest.mark.parametrize("source", ["csv", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_time_in_another_layout_names_the_format_that_reads_it(source, warehouse, tmp_path, request):
    rows = [(f"t{i}", text, "1", "100") for i, (text, _) in enumerate(TEXTS)]
    if source == "csv":
        (tmp_path / "s.csv").write_text("id;at;qty;rub\n" + "".join(";".join(r) + "\n" for r in rows), "utf-8")
        place: dict = {"path": "s.csv", "delimiter": ";"}
    else:
        import psycopg

        url = request.getfixturevalue("postgres_url")
        with psycopg.connect(url, autocommit=True) as pg:
            pg.execute("DROP TABLE IF EXISTS text_times; CREATE TABLE text_times (id text, at text, qty int, rub int)")
            with pg.cursor() as cur:
                cur.executemany("INSERT INTO text_times VALUES (%s, %s, %s, %s)", rows)
        place = {"table": "text_times", "url": url}
    loaded, why = _load(warehouse, tmp_path, place)
    assert loaded == {}
    assert [why[f"t{i}"] for i in range(len(TEXTS))] == [reason for _, reason in TEXTS]
    # the format named reads its row: 10:00:30 Moscow is 07:00:30 UTC
    loaded, why = _load(warehouse, tmp_path, place, fmt="%d.%m.%Y %H:%M:%S")
    assert loaded == {"t0": datetime(2024, 3, 5, 7, 0, 30, tzinfo=UTC)}
    assert why["t1"] == NO_TIME  # with a format given, a row it does not read is not second-guessed


def test_the_format_hint_has_a_label_in_both_languages():
    from salesglass.serve.i18n import Formatter
    from salesglass.serve.web.reasons import reason_label

    text = hint("%d.%m.%Y %H:%M")
    assert reason_label(Formatter("ru", "RUB").t, text) == (
        'Дата продажи: не читается как дата и время (прочтётся, если указать у колонки format = "%d.%m.%Y %H:%M")'
    )
    assert reason_label(Formatter("en", "RUB").t, text).endswith('(the column\'s format = "%d.%m.%Y %H:%M" reads it)')
