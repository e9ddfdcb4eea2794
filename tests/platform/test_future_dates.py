"""A back-office fact dated ahead is no date yet (plausible.AHEAD, one rule in sources/platform/mapping.py): a
partner's account created, a widget first seen live, a widget install — like a sale — more than a day after
the load is quarantined (`bad <column>: in the future …`) and counted on the data-quality page; a contract
date may lie ahead (a contract dated for the start of next month) and loads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from salesglass.config import parse_config
from salesglass.sources.platform.load import load_into


def _future(column: str) -> str:
    return f"bad {column}: in the future (more than a day after it was read)"


def test_a_partners_or_an_installs_date_ahead_is_quarantined_and_counted(warehouse, tmp_path):
    from salesglass.reports.doctor import quality_rows

    # twelve hours ahead of now as a naive Moscow time (+03): within the day's margin, loaded
    soon = (datetime.now(UTC) + timedelta(hours=3 + 12)).strftime("%Y-%m-%d %H:%M:%S")
    (tmp_path / "partners.csv").write_text(
        "id,kind,created,contract,widget\n"
        "p1,organizer,2024-01-10 10:00:00,2099-01-01 00:00:00,2024-02-01 10:00:00\n"  # a contract ahead: loaded
        "p2,organizer,2062-01-10 10:00:00,,\n"  # created in 2062, a typo for 2026
        f"p3,organizer,{soon},,\n"  # created within the day's margin: loaded
        "p4,operator,2024-01-10 10:00:00,,2062-02-01 10:00:00\n",  # a widget live in 2062
        encoding="utf-8",
    )
    (tmp_path / "installs.csv").write_text(
        "partner,at\np1,2024-02-01 10:00:00\np1,2062-02-01 10:00:00\n", encoding="utf-8"
    )
    partners = {"partner_id": "id", "kind": "kind", "created_at": "created", "contract_signed_at": "contract"}
    inputs = [
        {
            "name": "partners",
            "target": "partners",
            "path": "partners.csv",
            "columns": partners | {"widget_installed_at": "widget"},
        },
        {
            "name": "installs",
            "target": "widget_installs",
            "path": "installs.csv",
            "columns": {"partner_id": "partner", "installed_at": "at"},
        },
    ]
    cfg = parse_config({"platform": {"timezone": "Europe/Moscow", "inputs": inputs}}, base_dir=tmp_path)
    summary = load_into(warehouse, cfg, full=True, progress=False)

    assert warehouse.execute("SELECT partner_id FROM partners ORDER BY 1").fetchall() == [("p1",), ("p3",)]
    # p1's contract date stays as the back-office wrote it (Moscow midnight = 21:00 UTC the day before)
    assert warehouse.execute("SELECT contract_signed_at FROM partners WHERE partner_id = 'p1'").fetchone() == (
        datetime(2098, 12, 31, 21, 0, tzinfo=UTC),
    )
    assert warehouse.execute("SELECT source, source_key, reason FROM quarantine ORDER BY 1, 2").fetchall() == [
        ("platform:installs", "p1", _future("installed_at")),  # (an install is keyed by its partner)
        ("platform:partners", "p2", _future("created_at")),
        ("platform:partners", "p4", _future("widget_installed_at")),
    ]
    assert [(r.read, r.loaded, r.quarantined) for r in summary.inputs] == [(4, 2, 2), (2, 1, 1)]
    rows = {(s, e, r): n for s, e, r, n in quality_rows(warehouse)}
    assert rows[("platform:partners", "partners", _future("created_at"))] == 1
    assert rows[("platform:partners", "partners", _future("widget_installed_at"))] == 1
    assert rows[("platform:installs", "platform_widget_installs", _future("installed_at"))] == 1
