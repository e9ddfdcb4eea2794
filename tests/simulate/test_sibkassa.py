"""The second company, «Сибкасса» (`--profile sibkassa`): differs from the demo wherever real accounts do.

Generated at scale xs (< 2 s). The pipeline tests (tests/pipeline/test_sibkassa.py) build its reports.
"""

from __future__ import annotations

import csv
import json
import tomllib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from salesglass.emulator.server import start_emulator
from salesglass.simulate.generate import generate
from tests.simulated import END, SEED

NSK = timezone(timedelta(hours=7))


@pytest.fixture(scope="module")
def sib(generated_sibkassa_xs: Path) -> Path:
    return generated_sibkassa_xs


def _json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_account_is_a_novosibirsk_kommo_account(sib: Path):
    account = _json(sib / "amocrm" / "account.json")
    assert account["_embedded"]["datetime_settings"]["timezone"] == "Asia/Novosibirsk"
    assert account["_embedded"]["datetime_settings"]["timezone_offset"] == "+07:00"
    assert account["subdomain"] == "sibkassa"
    assert account["_links"]["self"]["href"].startswith("https://sibkassa.kommo.com/")
    manifest = _json(sib / "manifest.json")
    assert (manifest["profile"], manifest["timezone"], manifest["base_url"]) == (
        "sibkassa",
        "Asia/Novosibirsk",
        "https://sibkassa.kommo.com",
    )


def test_the_emulator_serves_the_zone_and_the_mapped_fields_on_the_second_page(sib: Path):
    handle = start_emulator(sib)
    try:
        token = _json(sib / "amocrm" / "oauth.json")["long_lived_token"]
        with httpx.Client(base_url=handle.url, headers={"Authorization": f"Bearer {token}"}) as http:
            account = http.get("/api/v4/account", params={"with": "datetime_settings"}).json()
            page1 = http.get("/api/v4/leads/custom_fields", params={"page": 1}).json()
            page2 = http.get("/api/v4/leads/custom_fields", params={"page": 2}).json()
    finally:
        handle.stop()
    assert account["_embedded"]["datetime_settings"]["timezone"] == "Asia/Novosibirsk"
    first = [f["name"] for f in page1["_embedded"]["custom_fields"]]
    second = {f["name"]: f["type"] for f in page2["_embedded"]["custom_fields"]}
    assert len(first) == 50 and "Тип клиента" not in first
    assert second["Тип клиента"] == "multiselect"
    assert second["Холодный лид"] == "select"
    assert second["Номер аккаунта на платформе"] == "numeric"


def test_pipelines_statuses_and_field_values_are_its_own(sib: Path):
    pipelines = _json(sib / "amocrm" / "pipelines.json")
    assert [p["name"] for p in pipelines] == ["Продажи B2B", "Сопровождение клиентов", "Архив 2023"]
    demo_ids = {7_261_458, 7_261_460, 6_110_372, 61_390_134}
    ids = {p["id"] for p in pipelines} | {s["id"] for p in pipelines for s in p["_embedded"]["statuses"]}
    assert not ids & demo_ids
    leads = _jsonl(sib / "amocrm" / "leads.jsonl")
    assert {lead["pipeline_id"] for lead in leads} <= {p["id"] for p in pipelines}
    values = [f for lead in leads for f in lead["custom_fields_values"] or []]
    cold = {v["value"] for f in values if f["field_name"] == "Холодный лид" for v in f["values"]}
    assert cold == {"Да", "Нет"}
    account_ids = [v["value"] for f in values if f["field_name"] == "Номер аккаунта на платформе" for v in f["values"]]
    assert account_ids and all(v.isdigit() for v in account_ids)
    kinds = [[v["value"] for v in f["values"]] for f in values if f["field_name"] == "Тип клиента"]
    assert ["Организатор", "Площадка"] in kinds  # a multiselect with two values
    companies = _jsonl(sib / "amocrm" / "companies.jsonl")
    inns = [
        v["value"]
        for c in companies
        for f in c["custom_fields_values"] or []
        if f["field_name"] == "ИНН"
        for v in f["values"]
    ]
    assert any(v.startswith("'") for v in inns)


def test_the_back_office_is_canonical_csv_with_zoned_times_and_numeric_ids(sib: Path):
    with (sib / "backoffice" / "sales.csv").open(encoding="utf-8") as fh:
        sales = list(csv.DictReader(fh))
    assert list(sales[0]) == [
        "sale_id",
        "partner_id",
        "event_id",
        "sold_at",
        "tickets",
        "turnover",
        "revenue",
        "cost",
        "channel",
    ]
    assert all(s["sold_at"].endswith("+07:00") for s in sales)
    assert all(s["partner_id"] == "" or s["partner_id"].isdigit() for s in sales)
    with (sib / "backoffice" / "partners.csv").open(encoding="utf-8") as fh:
        partners = list(csv.DictReader(fh))
    assert list(partners[0])[:3] == ["partner_id", "name", "kind"]
    assert {p["kind"] for p in partners} == {"organizer", "operator"}
    # the evening sale placed on the last day of the month before the history: 23:30 local
    placed = {s["sale_id"]: s for s in sales if s["sale_id"].startswith("placed:")}
    assert placed["placed:A1"]["sold_at"] == "2025-10-31 23:30:00+07:00"
    assert placed["placed:B1"]["sold_at"] == "2025-11-01 00:30:00+07:00"


def test_its_events_are_the_engines_shows_in_novosibirsk_wall_clock(sib: Path, generated_xs: Path):
    """The same engine (scale xs, seed 7) as the demo's company: every show, its naive UTC start moved to the
    Moscow wall clock (+3 h) that Сибкасса keeps as its own (+07:00), as every other time of it."""
    import sqlite3

    with (sib / "backoffice" / "events.csv").open(encoding="utf-8") as fh:
        events = {e["event_id"]: e for e in csv.DictReader(fh)}
    con = sqlite3.connect(generated_xs / "backoffice.sqlite")
    try:
        engine = con.execute("SELECT event_id, start_at_utc, created_at FROM events").fetchall()
    finally:
        con.close()
    assert len(events) == len(engine) and list(next(iter(events.values()))) == [
        "event_id",
        "partner_id",
        "name",
        "show_at",
        "created_at",
    ]
    event_id, start_utc, created = engine[0]
    moscow = (datetime.fromisoformat(start_utc) + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M:%S")
    assert (events[event_id]["show_at"], events[event_id]["created_at"]) == (f"{moscow}+07:00", f"{created}+07:00")
    assert all(e["partner_id"] == "" or e["partner_id"].isdigit() for e in events.values())


def test_local_office_hours_are_novosibirsk_hours(sib: Path):
    """Managers move deals in their own office hours (9–20 local), not Moscow's."""
    events = _jsonl(sib / "amocrm" / "events.jsonl")
    hours = [datetime.fromtimestamp(e["created_at"], tz=NSK).hour for e in events if e["type"] == "lead_status_changed"]
    assert sum(9 <= h < 21 for h in hours) / len(hours) > 0.95


def test_its_config_has_no_time_zone_key(sib: Path):
    from salesglass.demo.config import demo_config_text

    config = tomllib.loads(demo_config_text(sib, "sibkassa"))
    assert "timezone" not in config["account"]
    assert "timezone" not in config["amocrm"] and "timezone" not in config["platform"]
    assert [i["path"].rsplit("/", 1)[1] for i in config["platform"]["inputs"]] == [
        "partners.csv",
        "widget_installs.csv",
        "events.csv",
        "sales.csv",
    ]
    assert all("columns" not in i for i in config["platform"]["inputs"])  # canonical layout: no mapping


def test_same_seed_same_bytes(sib: Path, tmp_path: Path):
    again = generate(tmp_path / "again", "xs", SEED, END, profile="sibkassa")
    files = sorted(p.relative_to(sib) for p in sib.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for rel in files:
        assert (sib / rel).read_bytes() == (again / rel).read_bytes(), rel


def test_a_history_before_novosibirsk_moved_to_utc7_is_refused(tmp_path: Path):
    from salesglass.errors import SalesglassError

    with pytest.raises(SalesglassError, match="UTC\\+6 until July 2016"):
        generate(tmp_path / "old", "xs", SEED, date(2016, 12, 31), profile="sibkassa")


def test_an_unknown_profile_is_named(tmp_path: Path):
    from salesglass.errors import SalesglassError

    with pytest.raises(SalesglassError, match=r"unknown profile 'kazan'.*biletoid, sibkassa"):
        generate(tmp_path / "x", "xs", SEED, END, profile="kazan")


def test_the_history_ends_at_local_midnight_after_the_last_day(sib: Path):
    end = int(datetime(2026, 11, 28, tzinfo=NSK).timestamp())  # 2026-11-27 17:00 UTC
    leads = _jsonl(sib / "amocrm" / "leads.jsonl")
    events = _jsonl(sib / "amocrm" / "events.jsonl")
    assert max(lead["updated_at"] for lead in leads) < end
    assert end - 86_400 < max(e["created_at"] for e in events) < end
    with (sib / "backoffice" / "sales.csv").open(encoding="utf-8") as fh:
        assert max(s["sold_at"] for s in csv.DictReader(fh)) < "2026-11-28"


def test_cli_generate_with_a_profile_and_reuse_only_for_the_same_profile(tmp_path: Path):
    from typer.testing import CliRunner

    from salesglass.cli import app
    from salesglass.simulate.generate import ensure_company

    out = tmp_path / "c"
    result = CliRunner().invoke(
        app, ["generate", "--profile", "sibkassa", "--scale", "xs", "--end", "2026-11-27", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert _json(out / "manifest.json")["profile"] == "sibkassa"
    ensure_company(out, scale="xs", seed=7, end=END)  # the default profile: the demo company replaces it
    assert "profile" not in _json(out / "manifest.json") and (out / "backoffice.sqlite").exists()
