"""The emulator answers like amoCRM's API v4 (docs/amocrm.md): envelopes, paging, filters, errors, writes."""

from __future__ import annotations

import httpx
import pytest

from salesglass.emulator.server import start_emulator
from tests.amocrm.conftest import EMULATOR_LIMITS, FIXTURE_COMPANY

AUTH = {"Authorization": "Bearer fixture-long-lived-token"}


@pytest.fixture
def api(emulator):
    with httpx.Client(base_url=emulator.url, headers=AUTH) as client:
        yield client


def test_hal_envelope_next_link_and_204_at_the_end(api):
    first = api.get("/api/v4/leads/custom_fields")
    assert first.headers["content-type"] == "application/hal+json"
    body = first.json()
    assert body["_page"] == 1 and len(body["_embedded"]["custom_fields"]) == 50  # 50 a page by default
    second = api.get(body["_links"]["next"]["href"]).json()
    assert len(second["_embedded"]["custom_fields"]) == 2 and "next" not in second["_links"]
    empty = api.get("/api/v4/leads/custom_fields", params={"page": 3})
    assert empty.status_code == 204 and empty.content == b""


def test_errors_are_problem_json(api, emulator):
    too_many = api.get("/api/v4/leads", params={"limit": 251})
    assert too_many.status_code == 400 and too_many.headers["content-type"] == "application/problem+json"
    assert api.get("/api/v4/events", params={"limit": 101}).status_code == 400
    anonymous = httpx.get(f"{emulator.url}/api/v4/leads")
    assert anonymous.status_code == 401 and anonymous.json()["status"] == 401


def test_leads_filters_order_and_trash(api):
    leads = api.get("/api/v4/leads", params={"order[updated_at]": "desc", "limit": 250}).json()["_embedded"]["leads"]
    assert 3005 not in {x["id"] for x in leads} and len(leads) == 9  # the deleted lead is hidden
    stamps = [x["updated_at"] for x in leads]
    assert stamps == sorted(stamps, reverse=True)
    some = api.get("/api/v4/leads", params=[("filter[id][]", 3001), ("filter[id][]", 3002)]).json()
    assert {x["id"] for x in some["_embedded"]["leads"]} == {3001, 3002}
    since = api.get("/api/v4/leads", params={"filter[updated_at][from]": 1759294800}).json()["_embedded"]["leads"]
    assert {x["id"] for x in since} == {3001}  # updated at T0 + 15 days
    trash = api.get("/api/v4/leads", params={"with": "only_deleted"}).json()["_embedded"]["leads"]
    assert [x["id"] for x in trash] == [3005]
    assert trash[0]["is_deleted"] and trash[0]["name"] is None and trash[0]["price"] is None
    assert trash[0]["updated_at"] == 1757998800 + 12 * 86400  # when it went to the trash


def test_event_filters(api):
    params = {"filter[type]": "lead_deleted,lead_added", "filter[entity][]": "lead", "limit": 100}
    events = api.get("/api/v4/events", params=params).json()["_embedded"]["events"]
    assert {e["type"] for e in events} == {"lead_deleted", "lead_added"} and len(events) == 11
    window = {"filter[created_at][from]": 1757998800 + 13 * 86400, "filter[created_at][to]": 1757998800 + 15 * 86400}
    late = api.get("/api/v4/events", params=window).json()["_embedded"]["events"]
    assert [(e["type"], e["entity_id"]) for e in late] == [
        ("entity_responsible_changed", 3004),
        ("lead_added", 3008),
        ("lead_status_changed", 3001),
    ]


def test_patch_moves_a_lead_with_an_event(api, emulator):
    before = emulator.state.leads[3002]["updated_at"]
    r = api.patch("/api/v4/leads", json=[{"id": 3002, "pipeline_id": 7001, "status_id": 142}])
    assert r.status_code == 200
    lead = emulator.state.leads[3002]
    assert lead["status_id"] == 142 and lead["updated_at"] > before and lead["closed_at"] == lead["updated_at"]
    last = emulator.state.events[-1]
    assert last["type"] == "lead_status_changed" and last["entity_id"] == 3002
    assert last["value_before"] == [{"lead_status": {"id": 70013, "pipeline_id": 7001}}]
    bad = api.patch("/api/v4/leads", json=[{"id": 3002, "pipeline_id": 7001, "status_id": 99}])
    assert bad.status_code == 400 and bad.json()["validation-errors"][0]["request_id"] == "0"
    assert api.patch("/api/v4/leads", json=[{"id": 3002, "price": 1}] * 51).status_code == 400


def test_oauth_code_once_refresh_once(emulator):
    oauth = emulator.state.oauth
    base = {
        "client_id": oauth["client_id"],
        "client_secret": oauth["client_secret"],
        "redirect_uri": oauth["redirect_uri"],
    }
    url = f"{emulator.url}/oauth2/access_token"
    first = httpx.post(url, json={**base, "grant_type": "authorization_code", "code": oauth["authorization_code"]})
    assert first.status_code == 200 and first.json()["expires_in"] == 86400
    again = httpx.post(url, json={**base, "grant_type": "authorization_code", "code": oauth["authorization_code"]})
    assert again.status_code == 400
    refresh = {**base, "grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]}
    assert httpx.post(url, json=refresh).status_code == 200
    reused = httpx.post(url, json=refresh)
    assert reused.status_code == 401 and reused.json()["hint"] == "Token has been revoked"
    wrong = httpx.post(url, json={**base, "client_secret": "x", "grant_type": "authorization_code", "code": "y"})
    assert wrong.status_code == 401


def test_advance_is_deterministic_and_served_over_http(emulator):
    twin = start_emulator(FIXTURE_COMPANY, **EMULATOR_LIMITS)
    try:
        out = httpx.post(f"{emulator.url}/_emulator/advance", json={"changes": 6, "seed": 4}).json()
        assert twin.advance(changes=6, seed=4) == out
        assert twin.state.leads == emulator.state.leads and twin.state.events == emulator.state.events
        assert sum(out[k] for k in ("moved", "added", "edited", "deleted")) == 6
    finally:
        twin.stop()


def test_slow_responses_and_seeded_faults(emulator):
    import time

    emulator.set_faults(slow_seconds=0.05)
    started = time.monotonic()
    assert httpx.get(f"{emulator.url}/api/v4/account", headers=AUTH).status_code == 200
    assert time.monotonic() - started >= 0.05
    emulator.set_faults(error_rate=1.0)
    r = httpx.get(f"{emulator.url}/api/v4/account", headers=AUTH)
    assert r.status_code in (500, 502, 503) and r.headers["content-type"] == "application/problem+json"
