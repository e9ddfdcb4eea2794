"""Accounts without API filtering (`is_api_filter_enabled = false`): amoCRM ignores `filter[...]` on the
leads and companies lists, so the connector reads them newest-first and stops at the watermark.

The emulator serves such an account on a real socket (`api_filter=False`); every result is compared with
the same company served with filtering on, synced the usual way."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest

from salesglass.emulator.server import EmulatorHandle, start_emulator
from salesglass.sources.amocrm import extract
from salesglass.sources.amocrm.sync import run_sync
from tests.amocrm.conftest import EMULATOR_LIMITS, FIXTURE_COMPANY, make_config, oauth_of
from tests.amocrm.test_sync import EXPECTED_DEALS, EXPECTED_STAGES, deals, rows, stages
from tests.simulated import demo_amocrm_config

TOKEN = {"Authorization": f"Bearer {oauth_of(FIXTURE_COMPANY)['long_lived_token']}"}
CANONICAL = {  # what a user's reports are built from, each in a stable order
    "managers": "SELECT * FROM managers ORDER BY ALL",
    "companies": "SELECT * FROM companies ORDER BY ALL",
    "deals": "SELECT * EXCLUDE (partner_id) FROM deals ORDER BY deal_id",
    "deal_stages": "SELECT * FROM deal_stages ORDER BY ALL",
    "quarantine": "SELECT entity, source_key, reason FROM quarantine ORDER BY ALL",
    "raw leads": "SELECT id, data FROM raw_amocrm_leads ORDER BY id",
    "raw deleted leads": "SELECT id, data FROM raw_amocrm_deleted_leads ORDER BY id",
    "raw companies": "SELECT id, data FROM raw_amocrm_companies ORDER BY id",
}


@pytest.fixture
def unfiltered() -> EmulatorHandle:
    handle = start_emulator(FIXTURE_COMPANY, api_filter=False, **EMULATOR_LIMITS)
    yield handle
    handle.stop()


def test_the_emulator_can_serve_an_account_that_ignores_filters(emulator, unfiltered) -> None:
    def get(handle, path: str, **params):
        with httpx.Client(base_url=handle.url, headers=TOKEN) as c:
            r = c.get(path, params=params)
            return r.json() if r.status_code == 200 else None

    assert get(emulator, "/api/v4/account", **{"with": "is_api_filter_enabled"})["is_api_filter_enabled"] is True
    assert get(unfiltered, "/api/v4/account", **{"with": "is_api_filter_enabled"})["is_api_filter_enabled"] is False
    assert "is_api_filter_enabled" not in get(unfiltered, "/api/v4/account")  # reported only when asked for

    future = {"filter[updated_at][from]": 2_000_000_000, "limit": 250}
    assert get(emulator, "/api/v4/leads", **future) is None  # 204: nothing that new
    ignored = get(unfiltered, "/api/v4/leads", **future)["_embedded"]["leads"]
    assert len(ignored) == 9  # every live lead of the fixture, the filter notwithstanding
    one = get(unfiltered, "/api/v4/leads", **{"filter[id][]": 3001})["_embedded"]["leads"]
    assert len(one) == 9
    newest = get(unfiltered, "/api/v4/leads", **{"order[updated_at]": "desc", "limit": 3})["_embedded"]["leads"]
    stamps = sorted(((x["updated_at"], x["id"]) for x in ignored), reverse=True)[:3]
    assert [(x["updated_at"], x["id"]) for x in newest] == stamps
    # the events filter is not part of amoCRM's alpha list filtering: it still works
    events = get(unfiltered, "/api/v4/events", **{"filter[type]": "lead_deleted"})["_embedded"]["events"]
    assert events and {e["type"] for e in events} == {"lead_deleted"}


def test_fixture_account_without_filtering_syncs_exactly(tmp_path, unfiltered, caplog) -> None:
    cfg = make_config(tmp_path, unfiltered.url)
    with caplog.at_level(logging.INFO, "salesglass.amocrm"):
        summary = run_sync(cfg, progress=False)
    assert not summary.api_filter and "read newest-first" in summary.render()
    assert "is_api_filter_enabled = false" in caplog.text
    assert deals(cfg) == EXPECTED_DEALS and stages(cfg) == EXPECTED_STAGES
    before = {name: rows(cfg, sql) for name, sql in CANONICAL.items()}
    again = run_sync(cfg, progress=False)
    assert again.mode == "incremental" and {name: rows(cfg, sql) for name, sql in CANONICAL.items()} == before


def test_an_account_that_ignores_filters_without_saying_so_is_caught(tmp_path, unfiltered, monkeypatch, caplog) -> None:
    from salesglass.sources.amocrm import sync

    monkeypatch.setattr(sync, "api_filter_enabled", lambda accounts: True)  # as if it claimed filtering
    cfg = make_config(tmp_path, unfiltered.url)
    run_sync(cfg, progress=False)
    unfiltered.advance(changes=3, seed=5)
    with caplog.at_level(logging.WARNING, "salesglass.amocrm"):
        summary = run_sync(cfg, progress=False)  # the keyset path would loop for ever on these pages
    assert summary.mode == "incremental" and "ignored filter[updated_at]" in caplog.text
    assert_raw_leads_are_current(cfg, unfiltered)


def assert_raw_leads_are_current(cfg, handle: EmulatorHandle) -> None:
    """Every live lead as the account serves it now (a lead deleted since keeps its last live version)."""
    raw = {r[0]: json.loads(r[1]) for r in rows(cfg, "SELECT id, data FROM raw_amocrm_leads")}
    live = {i: handle.state.render("leads", x) for i, x in handle.state.leads.items() if not x["is_deleted"]}
    assert {i: raw.get(i) for i in live} == live
    assert all(handle.state.leads[i]["is_deleted"] for i in raw.keys() - live.keys())


def _demo_config(root: Path, company: Path, handle: EmulatorHandle):
    """The demo's config for `company` served by `handle` (as tests/amocrm/test_generated.py builds it)."""
    return demo_amocrm_config(root, company, handle.url)


def _list_requests(handle: EmulatorHandle) -> int:
    return len([r for r in handle.requests("GET") if r[1] in ("/api/v4/leads", "/api/v4/companies")])


def test_incremental_without_filtering_equals_the_filtered_path(tmp_path, generated_company, monkeypatch) -> None:
    monkeypatch.setattr(extract, "LIST_LIMIT", 10)  # ~200 leads and companies → many pages
    on = start_emulator(generated_company, **EMULATOR_LIMITS)
    off = start_emulator(generated_company, api_filter=False, **EMULATOR_LIMITS)
    try:
        cfg_on, cfg_off = (
            _demo_config(tmp_path / "on", generated_company, on),
            _demo_config(tmp_path / "off", generated_company, off),
        )
        full_on, full_off = run_sync(cfg_on, progress=False), run_sync(cfg_off, progress=False)
        assert full_on.api_filter and not full_off.api_filter
        full_requests = _list_requests(off)
        for sql in CANONICAL.values():
            assert rows(cfg_off, sql) == rows(cfg_on, sql), sql

        # the same changes in both accounts (the advance is deterministic), then incremental syncs
        assert on.advance(change_fraction=0.05, seed=4) == off.advance(change_fraction=0.05, seed=4)
        inc_on, inc_off = run_sync(cfg_on, progress=False), run_sync(cfg_off, progress=False)
        assert inc_on.mode == inc_off.mode == "incremental"
        for name, sql in CANONICAL.items():
            assert rows(cfg_off, sql) == rows(cfg_on, sql), name
        assert_raw_leads_are_current(cfg_off, off)

        incremental_requests = _list_requests(off) - full_requests
        assert full_requests >= 15 and incremental_requests <= full_requests / 4, (full_requests, incremental_requests)
        assert inc_off.fetched["leads"] < len(off.state.leads) / 4
    finally:
        on.stop()
        off.stop()


def test_a_webhook_refetch_without_filtering_reads_the_named_leads(tmp_path, unfiltered) -> None:
    from salesglass.sources.amocrm.client import client_from_config
    from salesglass.sources.amocrm.sync import refetch_leads

    cfg = make_config(tmp_path, unfiltered.url)
    run_sync(cfg, progress=False)
    with client_from_config(cfg.amocrm, cfg.base_dir) as client:
        client.patch_leads([{"id": 3002, "pipeline_id": 7001, "status_id": 70014}])
    summary = refetch_leads(cfg, [3002, 3005])  # 3005 is in the trash
    assert summary.fetched["leads"] == 1 and not summary.api_filter
    assert deals(cfg)[3002][:3] == (7001, 70014, "contract_signed")
    assert deals(cfg)[3005][12] is True  # still deleted (its lead_deleted event says so)
    assert_raw_leads_are_current(cfg, unfiltered)  # the re-read lead as the list shows it
    assert summary.requests <= 4  # one per lead and their events; no walk through the whole list


def test_a_webhook_refetch_of_a_lead_answered_404_takes_it_as_gone(tmp_path, unfiltered) -> None:
    from salesglass.sources.amocrm.sync import refetch_leads

    cfg = make_config(tmp_path, unfiltered.url)
    run_sync(cfg, progress=False)
    # amoCRM answers a deleted lead asked for by id with 204, or with 404 (seen too): absent either way
    unfiltered.misbehave("/api/v4/leads/3005$", status=404, body=b'{"title": "Not Found", "status": 404}')
    summary = refetch_leads(cfg, [3002, 3005])
    assert unfiltered.emulator.script.used == [("/api/v4/leads/3005", "404")]
    assert summary.fetched["leads"] == 1 and deals(cfg)[3005][12] is True  # still deleted, the refetch went on


def test_a_204_in_the_middle_of_a_newest_first_walk_is_asked_again(tmp_path, unfiltered, monkeypatch) -> None:
    """amoCRM sometimes ends a slow list query with an empty 204: taken at its word on page 2, the walk would
    stop there and every older lead would be missing until the next full sync."""
    monkeypatch.setattr(extract, "LIST_LIMIT", 2)
    unfiltered.misbehave("/api/v4/leads$", status=204, page=2)
    cfg = make_config(tmp_path, unfiltered.url)
    run_sync(cfg, progress=False)
    assert unfiltered.emulator.script.used == [("/api/v4/leads", "204")]
    assert deals(cfg) == EXPECTED_DEALS and stages(cfg) == EXPECTED_STAGES


def test_a_newest_first_walk_cut_short_keeps_its_watermark_and_the_next_sync_reads_the_rest(
    tmp_path, unfiltered, monkeypatch
) -> None:
    """Page 2 is a 204 twice (asked again, still empty): the walk ends there, and the watermark must not move
    past the older leads it never read, or they stay missing until the next full sync."""
    monkeypatch.setattr(extract, "LIST_LIMIT", 2)
    unfiltered.misbehave("/api/v4/leads$", status=204, page=2, times=2)
    cfg = make_config(tmp_path, unfiltered.url)
    summary = run_sync(cfg, progress=False)
    assert unfiltered.emulator.script.used == [("/api/v4/leads", "204")] * 2
    assert any(w.startswith("amoCRM's leads list (newest first) ended early") for w in summary.warnings)
    assert rows(cfg, "SELECT count(*) FROM amocrm_sync_state WHERE stream = 'leads'") == [(0,)]
    run_sync(cfg, progress=False)  # an incremental sync, amoCRM answering as it should
    assert deals(cfg) == EXPECTED_DEALS and stages(cfg) == EXPECTED_STAGES
