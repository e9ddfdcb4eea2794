"""The amoCRM snapshot is internally consistent and in API v4 shapes."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path


def _load(company: Path, name: str):
    return json.loads((company / "amocrm" / name).read_text(encoding="utf-8"))


def test_account_is_moscow_rub(company: Path) -> None:
    account = _load(company, "account.json")
    assert account["currency"] == "RUB"
    assert account["_embedded"]["datetime_settings"]["timezone"] == "Europe/Moscow"
    assert account["subdomain"]


def test_every_pipeline_has_won_and_lost_and_one_is_archived(company: Path) -> None:
    pipelines = _load(company, "pipelines.json")
    for p in pipelines:
        ids = {s["id"] for s in p["_embedded"]["statuses"]}
        assert {142, 143} <= ids, p["name"]
        assert all(s["pipeline_id"] == p["id"] for s in p["_embedded"]["statuses"])
    assert sum(p["is_archive"] for p in pipelines) == 1
    assert sum(p["is_main"] for p in pipelines) == 1


def test_leads_point_at_existing_statuses_users_and_companies(company: Path, leads, companies) -> None:
    statuses = {(p["id"], s["id"]) for p in _load(company, "pipelines.json") for s in p["_embedded"]["statuses"]}
    users = {u["id"] for u in _load(company, "users.json")}
    company_ids = {c["id"] for c in companies}
    assert len(leads) == len({lead["id"] for lead in leads})
    for lead in leads:
        assert (lead["pipeline_id"], lead["status_id"]) in statuses
        assert lead["responsible_user_id"] in users and lead["created_by"] in users
        for c in lead["_embedded"]["companies"]:
            assert c["id"] in company_ids
        assert (lead["closed_at"] is not None) == (lead["status_id"] in (142, 143))
        assert lead["custom_fields_values"] is None or lead["custom_fields_values"]


def test_current_state_equals_the_event_history(leads, events) -> None:
    """Status = value_after of the last status change (or of lead_added); responsible = last change or creator."""
    assert [(e["created_at"], e["id"]) for e in events] == sorted((e["created_at"], e["id"]) for e in events)
    by_lead = defaultdict(list)
    for e in events:
        assert e["entity_type"] == "lead" and isinstance(e["id"], str)
        by_lead[e["entity_id"]].append(e)
    for lead in leads:
        history = by_lead[lead["id"]]
        assert history[0]["type"] == "lead_added" and history[0]["created_at"] == lead["created_at"]
        status = history[0]["value_after"][0]["lead_status"]
        responsible = lead["created_by"]
        for e in history:
            if e["type"] == "lead_status_changed":
                assert e["value_before"][0]["lead_status"] == status
                status = e["value_after"][0]["lead_status"]
            elif e["type"] == "entity_responsible_changed":
                assert e["value_before"][0]["responsible_user"]["id"] == responsible
                responsible = e["value_after"][0]["responsible_user"]["id"]
        assert status == {"id": lead["status_id"], "pipeline_id": lead["pipeline_id"]}, lead["id"]
        assert responsible == lead["responsible_user_id"], lead["id"]
        assert lead["updated_at"] == history[-1]["created_at"]
        deleted = [e for e in history if e["type"] == "lead_deleted"]
        assert lead["is_deleted"] == bool(deleted)
        if deleted:
            assert history[-1]["type"] == "lead_deleted"
        closes = [
            e
            for e in history
            if e["type"] == "lead_status_changed" and e["value_after"][0]["lead_status"]["id"] in (142, 143)
        ]
        if lead["closed_at"] is not None:
            assert closes[-1]["created_at"] == lead["closed_at"]


def test_custom_field_values_reference_defined_fields(company: Path, leads, companies) -> None:
    for entity, rows in (("leads", leads), ("companies", companies)):
        defs = {f["id"]: f for f in _load(company, f"{entity}_custom_fields.json")}
        for row in rows:
            for value in row["custom_fields_values"] or []:
                field = defs[value["field_id"]]
                assert value["field_type"] == field["type"] and value["field_name"] == field["name"]
                for item in value["values"]:
                    if field["type"] == "select":
                        enums = {e["id"]: e["value"] for e in field["enums"]}
                        assert enums[item["enum_id"]] == item["value"]
                    elif field["type"] == "checkbox":
                        assert isinstance(item["value"], bool)
                    else:
                        assert isinstance(item["value"], str)  # numbers come as strings, like the real API


def test_client_kind_is_a_select_with_russian_labels(company: Path) -> None:
    kinds = [
        f
        for f in _load(company, "leads_custom_fields.json")
        if f["type"] == "select" and {e["value"] for e in f["enums"]} == {"Организатор", "Билетный оператор"}
    ]
    assert len(kinds) == 1
    types = {f["type"] for f in _load(company, "leads_custom_fields.json")}
    assert {"checkbox", "text", "numeric"} <= types


def test_some_users_left_and_their_open_deals_were_handed_over(company: Path, events) -> None:
    users = _load(company, "users.json")
    gone = {u["id"] for u in users if not u["rights"]["is_active"]}
    assert gone
    handed = [
        e
        for e in events
        if e["type"] == "entity_responsible_changed" and e["value_before"][0]["responsible_user"]["id"] in gone
    ]
    assert handed


def test_oauth_file_is_owner_only(company: Path) -> None:
    path = company / "amocrm" / "oauth.json"
    assert path.stat().st_mode & 0o077 == 0
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {"client_id", "client_secret", "redirect_uri", "authorization_code", "long_lived_token"} <= set(data)


def test_a_deal_moved_back_a_stage(company: Path, events, injected) -> None:
    pipelines = {p["id"]: [s["id"] for s in p["_embedded"]["statuses"]] for p in _load(company, "pipelines.json")}
    moved = injected["deal_moved_back"]["deal_ids"]
    assert moved
    for deal_id in moved:
        backwards = [
            e
            for e in events
            if e["entity_id"] == deal_id
            and e["type"] == "lead_status_changed"
            and e["value_before"][0]["lead_status"]["pipeline_id"] == e["value_after"][0]["lead_status"]["pipeline_id"]
            and pipelines[e["value_after"][0]["lead_status"]["pipeline_id"]].index(
                e["value_after"][0]["lead_status"]["id"]
            )
            < pipelines[e["value_before"][0]["lead_status"]["pipeline_id"]].index(
                e["value_before"][0]["lead_status"]["id"]
            )
        ]
        assert backwards, deal_id


def test_nothing_happens_after_the_end_date(company: Path, leads, companies, events) -> None:
    from datetime import date, datetime, time, timedelta, timezone

    last_day = date.fromisoformat(json.loads((company / "manifest.json").read_text("utf-8"))["end"])
    moscow = timezone(timedelta(hours=3))
    end = datetime.combine(last_day + timedelta(days=1), time(), moscow).timestamp()  # the end day is included
    assert max(e["created_at"] for e in events) < end
    assert max(c["updated_at"] for c in companies) < end
    assert max(lead["updated_at"] for lead in leads) < end


def test_cold_warm_and_both_client_kinds(leads) -> None:
    values = defaultdict(set)
    for lead in leads:
        for field in lead["custom_fields_values"] or []:
            values[field["field_name"]].add(field["values"][0]["value"])
    assert values["Холодная сделка"] == {True, False}
    assert values["Тип клиента"] == {"Организатор", "Билетный оператор"}


def test_managers_move_deals_in_office_hours(events) -> None:
    """CRM history is made by people: 9:00–20:00 Moscow time, mostly on weekdays."""
    local = [(e["created_at"] + 3 * 3600) for e in events]
    in_hours = sum(9 * 3600 <= t % 86400 < 20 * 3600 for t in local)
    weekdays = sum((t // 86400 + 3) % 7 < 5 for t in local)
    assert in_hours >= 0.95 * len(events)
    assert weekdays >= 0.85 * len(events)
