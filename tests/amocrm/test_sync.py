"""Sync against the emulator on a real socket: exact copy, incremental = full, deletions, stage history."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from salesglass.sources.amocrm import extract
from salesglass.sources.amocrm.sync import run_sync
from salesglass.warehouse import connect
from tests.amocrm.conftest import make_config

pytestmark = pytest.mark.slow  # about 25 s of CPU in all: handed out first (tests/conftest.py)

T0 = 1757998800  # the fixture's day zero: 2025-09-16 08:00 Moscow
D, H = 86400, 3600


def ts(offset: int) -> datetime:
    return datetime.fromtimestamp(T0 + offset, UTC)


def rows(cfg, sql: str) -> list[tuple]:
    con = connect(cfg.warehouse_path, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# Hand-derived from tests/amocrm/fixtures/company (see the comments there): lead 3007 is in a pipeline that is
# not mapped, 3010 sits in a status that does not exist (a deal with that status and no stage, and a quarantine
# note), 3005 was deleted before the first sync (known only from the trash and its events: no name, price or
# responsible user).
EXPECTED_DEALS = {
    # deal_id: (pipeline, status, stage, price, manager, client_kind, is_cold, created, closed, won, lost,
    #           loss_reason, deleted, company, platform_account_id)
    3001: (
        7001,
        142,
        "first_sale",
        Decimal(1200000),
        1001,
        "organizer",
        False,
        ts(0),
        ts(15 * D),
        True,
        False,
        None,
        False,
        5001,
        "100",
    ),
    3002: (
        7001,
        70013,
        "proposal",
        Decimal(500000),
        1001,
        "organizer",
        True,
        ts(2 * D),
        None,
        False,
        False,
        None,
        False,
        5002,
        None,
    ),
    3003: (
        7001,
        143,
        None,
        Decimal(800000),
        1002,
        "operator",
        False,
        ts(D),
        ts(9 * D),
        False,
        True,
        "Ушли к конкуренту",
        False,
        5003,
        None,
    ),
    3004: (7001, 70011, "lead", Decimal(0), 1003, None, False, ts(5 * D), None, False, False, None, False, 5004, None),
    3005: (7001, 70012, "negotiation", None, None, None, None, ts(3 * D), None, False, False, None, True, None, None),
    3006: (
        7002,
        70021,
        "negotiation",
        Decimal(50000),
        1003,
        None,
        False,
        ts(-100 * D),
        None,
        False,
        False,
        None,
        False,
        None,
        None,
    ),
    3008: (7001, 70010, "lead", Decimal(0), 1004, None, False, ts(14 * D), None, False, False, None, False, None, None),
    3009: (
        7001,
        70014,
        "contract_signed",
        Decimal(300000),
        1001,
        "organizer",
        False,
        ts(6 * D),
        None,
        False,
        False,
        None,
        False,
        None,
        "105",
    ),
    # status 79999 is not in pipeline 7001: no stage, not counted as anything it is not
    3010: (
        7001,
        79999,
        None,
        Decimal(10000),
        1001,
        None,
        False,
        ts(7 * D),
        None,
        False,
        False,
        None,
        False,
        None,
        None,
    ),
}
EXPECTED_STAGES = {
    (3001, "lead"): (ts(0), "created"),
    (3001, "negotiation"): (ts(3 * D), "amocrm"),
    (3001, "proposal"): (ts(5 * D), "amocrm"),
    (3001, "contract_signed"): (ts(8 * D), "amocrm"),
    (3001, "widget_installed"): (ts(10 * D), "amocrm"),
    (3001, "first_sale"): (ts(15 * D), "amocrm"),
    (3002, "lead"): (ts(2 * D), "created"),
    (3002, "negotiation"): (ts(4 * D), "amocrm"),
    (3002, "proposal"): (ts(6 * D), "amocrm"),
    (3003, "lead"): (ts(D), "created"),
    (3003, "negotiation"): (ts(3 * D), "amocrm"),
    (3004, "lead"): (ts(5 * D), "created"),
    (3005, "lead"): (ts(3 * D), "created"),
    (3005, "negotiation"): (ts(4 * D), "amocrm"),
    (3006, "lead"): (ts(-100 * D), "created"),
    (3006, "negotiation"): (ts(-99 * D), "amocrm"),
    (3008, "lead"): (ts(14 * D), "created"),
    # 3009 went negotiation → proposal → negotiation → proposal → contract: the first times count
    (3009, "lead"): (ts(6 * D), "created"),
    (3009, "negotiation"): (ts(6 * D + H), "amocrm"),
    (3009, "proposal"): (ts(7 * D), "amocrm"),
    (3009, "contract_signed"): (ts(11 * D), "amocrm"),
    (3010, "lead"): (ts(7 * D), "created"),  # created in 70010 (`lead`), then moved to a status that is gone
}
DEAL_COLS = (
    "deal_id, pipeline_id, status_id, stage, price, sales_manager_id, client_kind, is_cold, created_at, "
    "closed_at, is_won, is_lost, loss_reason, is_deleted, company_id, platform_account_id"
)


def deals(cfg) -> dict[int, tuple]:
    return {r[0]: r[1:] for r in rows(cfg, f"SELECT {DEAL_COLS} FROM deals")}


def stages(cfg) -> dict[tuple, tuple]:
    return {(r[0], r[1]): (r[2], r[3]) for r in rows(cfg, "SELECT deal_id, stage, reached_at, source FROM deal_stages")}


def test_full_sync_equals_the_snapshot(config, emulator, capsys):
    summary = run_sync(config, progress=True)
    # the progress's first line ends as the whole sync's result: 47 records (32 events, 4 companies, 1 deleted
    # company, 9 leads, 1 deleted lead), not labelled with the last phase ("mapping to the canonical model")
    shown = capsys.readouterr().err
    assert "mapping to the canonical model" not in shown
    assert f"✓ amoCRM sync done       {summary.requests} req, 47 records, 0 retries, 0×429" in shown
    assert "1 records" not in shown and "1 record " in shown
    assert deals(config) == EXPECTED_DEALS
    assert stages(config) == EXPECTED_STAGES
    assert rows(
        config,
        "SELECT company_id, name, inn, platform_account_id, responsible_user_id, is_deleted FROM companies ORDER BY 1",
    ) == [
        (5001, "ООО «Концерт-Сервис»", "7701234567", "100", 1002, False),
        (5002, "ИП Театралов А.А.", "500100732259", None, 1001, False),
        (5003, "Билетный оператор «Север»", None, "P-300", 1002, False),
        (5004, "Фестиваль «Лето»", None, None, 1003, False),
        (5005, None, None, None, None, True),  # deleted before the first sync: only its id survives
    ]
    assert rows(config, "SELECT * FROM managers ORDER BY 1") == [
        (1001, "Анна Продажина", "anna@fixture.test", "sales", True),
        (1002, "Борис Развитов", "boris@fixture.test", "development", True),
        (1003, "Вера Ушедшая", "vera@fixture.test", "sales", False),
        (1004, "Глеб Помощник", "gleb@fixture.test", "other", True),
    ]
    quarantined = rows(config, "SELECT entity, source_key, reason FROM quarantine")
    assert len(quarantined) == 1 and quarantined[0][:2] == ("deals", "3010") and "79999" in quarantined[0][2]
    # the raw layer is the API's own records, byte for byte as JSON values
    raw = {r[0]: json.loads(r[1]) for r in rows(config, "SELECT id, data FROM raw_amocrm_leads")}
    served = {
        i: emulator.state.render("leads", lead) for i, lead in emulator.state.leads.items() if not lead["is_deleted"]
    }
    assert raw == served
    assert rows(config, "SELECT count(*) FROM raw_amocrm_events")[0][0] == len(emulator.state.events) == 32
    assert summary.fetched["lead_fields"] == 52  # 50 per page: the second page was read too
    assert summary.rate_limited == 0 and summary.requests >= 12


def test_second_sync_changes_nothing(config):
    run_sync(config, progress=False)
    before = (deals(config), stages(config), rows(config, "SELECT count(*) FROM quarantine"))
    summary = run_sync(config, progress=False)
    assert summary.mode == "incremental"
    assert (deals(config), stages(config), rows(config, "SELECT count(*) FROM quarantine")) == before


def _stage_truth(state) -> dict[tuple, tuple]:
    """First time each mapped stage was reached, straight from the emulator's events (the generated truth)."""
    stage_of = {
        (7001, 70012): "negotiation",
        (7001, 70013): "proposal",
        (7001, 70014): "contract_signed",
        (7001, 70015): "widget_installed",
        (7001, 142): "first_sale",
        (7002, 70021): "negotiation",
        (7002, 142): "first_sale",
    }
    added = {e["entity_id"]: e["created_at"] for e in state.events if e["type"] == "lead_added"}
    known = state.status_ids()
    truth: dict[tuple, tuple] = {}
    for lead_id, lead in state.leads.items():
        if lead["pipeline_id"] not in (7001, 7002) or (lead["pipeline_id"], lead["status_id"]) not in known:
            continue  # not a deal, or quarantined (a status the account does not have)
        truth[(lead_id, "lead")] = (datetime.fromtimestamp(lead["created_at"] or added[lead_id], UTC), "created")
        for e in state.events:
            if e["type"] == "lead_status_changed" and e["entity_id"] == lead_id:
                after = e["value_after"][0]["lead_status"]
                stage = stage_of.get((after["pipeline_id"], after["id"]))
                at = datetime.fromtimestamp(e["created_at"], UTC)
                if stage and ((lead_id, stage) not in truth or at < truth[(lead_id, stage)][0]):
                    truth[(lead_id, stage)] = (at, "amocrm")
    return truth


def test_incremental_after_advance_equals_a_fresh_full_sync(tmp_path: Path, config, emulator):
    run_sync(config, progress=False)
    changes = emulator.advance(changes=12, seed=5)
    assert changes["moved"] and changes["added"] and changes["deleted"]  # the seed exercises every kind
    incremental = run_sync(config, progress=False)
    fresh = make_config(tmp_path, emulator.url, warehouse="fresh.duckdb")
    full = run_sync(fresh, progress=False)
    assert incremental.mode == "incremental" and full.mode == "full"
    inc, ful = deals(config), deals(fresh)
    # one limit of a fresh sync: a lead deleted before it ever changed status has no event naming its pipeline,
    # so it goes to quarantine there, while the incremental sync saw it alive
    unknowable = {
        i
        for i, lead in emulator.state.leads.items()
        if lead["is_deleted"]
        and not any(e["entity_id"] == i and e["type"] == "lead_status_changed" for e in emulator.state.events)
    }
    assert inc.keys() - ful.keys() <= unknowable and ful.keys() <= inc.keys()
    assert {
        int(r[0]) for r in rows(fresh, "SELECT source_key FROM quarantine WHERE reason LIKE 'deleted%'")
    } == inc.keys() - ful.keys()
    for deal_id in ful:
        if inc[deal_id][12]:  # deleted: a fresh sync knows only what the trash and events keep
            keep = (0, 1, 2, 7, 12)  # pipeline, status, stage, created_at, is_deleted
            assert [inc[deal_id][i] for i in keep] == [ful[deal_id][i] for i in keep], deal_id
        else:
            assert inc[deal_id] == ful[deal_id], deal_id
    truth = _stage_truth(emulator.state)
    assert stages(config) == truth
    assert stages(fresh) == {k: v for k, v in truth.items() if k[0] in ful}
    deleted_now = {i for i, lead in emulator.state.leads.items() if lead["is_deleted"] and i in inc}
    assert {i for i, d in inc.items() if d[12]} == deleted_now and len(deleted_now) >= 2
    for deal_id in set(changes["lead_ids"]) & deleted_now:  # deleted after it was synced: last state kept
        assert inc[deal_id][3] is not None  # its price, seen before the deletion


def test_incremental_reads_only_what_changed(config, emulator):
    run_sync(config, progress=False)
    emulator.advance(changes=2, seed=9)
    summary = run_sync(config, progress=False)
    # the overlap re-reads the newest records; far fewer than the 10 leads and 32 events of the account
    assert summary.fetched["leads"] <= 4 and summary.fetched["events"] <= 5


REFERENCE_PATHS = (
    "/api/v4/account",
    "/api/v4/users",
    "/api/v4/leads/pipelines",
    "/api/v4/leads/custom_fields",
    "/api/v4/companies/custom_fields",
    "/api/v4/leads/loss_reasons",
)


def _reference_reads(emulator) -> int:
    return len([r for r in emulator.requests("GET") if r[1] in REFERENCE_PATHS])


def test_the_reference_lists_are_kept_until_a_record_names_something_they_lack(config, emulator):
    first = run_sync(config, progress=False)
    reads = _reference_reads(emulator)  # every list, each to its last page
    assert first.reference_read and {r[1] for r in emulator.requests("GET")} >= set(REFERENCE_PATHS)
    emulator.advance(changes=2, seed=9)
    quiet = run_sync(config, progress=False)
    # kept: only the pipelines are asked for (one request), to see a renamed one at once
    assert _reference_reads(emulator) == reads + 1 and not quiet.reference_read
    assert quiet.fetched["leads"] >= 1  # the changed leads themselves were read

    # a new user becomes responsible for a lead: the kept users do not know them, so the lists are read again
    state = emulator.state
    with state.lock:
        state.users.append({**state.users[0], "id": 1999, "name": "Новый менеджер", "email": "new@fixture.test"})
        lead = next(r for r in state.leads.values() if not r.get("is_deleted"))
        lead["responsible_user_id"], lead["updated_at"] = 1999, state.tick()
    again = run_sync(config, progress=False)
    assert again.reference_read and _reference_reads(emulator) == 2 * reads + 2
    said = " ".join(again.warnings)
    assert "1 unknown user" in said and "1 unknown users" not in said
    assert rows(config, "SELECT name FROM managers WHERE manager_id = 1999") == [("Новый менеджер",)]
    assert rows(config, f"SELECT sales_manager_id FROM deals WHERE deal_id = {lead['id']}") == [(1999,)]


def test_a_lead_edited_while_paging_is_neither_skipped_nor_stale(config, emulator, monkeypatch):
    monkeypatch.setattr(extract, "LIST_LIMIT", 2)  # 10 leads → many pages
    emulator.set_faults(mutate_every=2, seed=3)
    run_sync(config, progress=False)
    assert emulator.emulator.dice.counts["mutations"] >= 3
    raw = {r[0]: json.loads(r[1]) for r in rows(config, "SELECT id, data FROM raw_amocrm_leads")}
    served = {
        i: emulator.state.render("leads", lead) for i, lead in emulator.state.leads.items() if not lead["is_deleted"]
    }
    assert raw == served


def test_page_number_paging_would_have_skipped_a_lead(emulator):
    """Control for the test above: the same edits defeat naive page-number paging (so the fault is real)."""
    import httpx

    emulator.set_faults(mutate_every=2, seed=3)
    seen: set[int] = set()
    with httpx.Client(base_url=emulator.url, headers={"Authorization": "Bearer fixture-long-lived-token"}) as c:
        for page in range(1, 10):
            r = c.get("/api/v4/leads", params={"order[updated_at]": "asc", "limit": 2, "page": page})
            if r.status_code == 204:
                break
            seen |= {x["id"] for x in r.json()["_embedded"]["leads"]}
    live = {i for i, lead in emulator.state.leads.items() if not lead["is_deleted"]}
    assert seen < live


@pytest.mark.parametrize("crash_at", [1, 4, 9])
def test_a_sync_killed_mid_page_and_run_again_loses_and_duplicates_nothing(
    tmp_path, config, emulator, monkeypatch, crash_at
):
    from salesglass.sources.amocrm import store

    monkeypatch.setattr(extract, "LIST_LIMIT", 2)
    real, calls = store.set_watermark, {"n": 0}

    class Killed(BaseException):
        pass

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == crash_at:
            raise Killed  # inside the page's transaction: data written, watermark not yet
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "set_watermark", dying)
    with pytest.raises(Killed):
        run_sync(config, progress=False)
    monkeypatch.setattr(store, "set_watermark", real)
    run_sync(config, progress=False)
    clean = make_config(tmp_path, emulator.url, warehouse="clean.duckdb")
    run_sync(clean, progress=False)
    for table in ("raw_amocrm_leads", "raw_amocrm_events", "raw_amocrm_companies", "raw_amocrm_deleted_leads"):
        assert rows(config, f"SELECT count(*), count(DISTINCT id) FROM {table}") == rows(
            clean, f"SELECT count(*), count(DISTINCT id) FROM {table}"
        )
    assert deals(config) == deals(clean) == EXPECTED_DEALS
    assert stages(config) == EXPECTED_STAGES


def test_deals_keep_the_partner_link_across_syncs(config):
    run_sync(config, progress=False)
    con = connect(config.warehouse_path)
    con.execute("UPDATE deals SET partner_id = 'P-100' WHERE deal_id = 3001")
    con.close()
    run_sync(config, progress=False)
    assert rows(config, "SELECT partner_id FROM deals WHERE deal_id = 3001") == [("P-100",)]


def test_refetch_and_patch_leads(config, emulator):
    from salesglass.sources.amocrm.client import client_from_config
    from salesglass.sources.amocrm.sync import refetch_leads

    run_sync(config, progress=False)
    with client_from_config(config.amocrm, config.base_dir) as client:
        result = client.patch_leads([{"id": 3002, "pipeline_id": 7001, "status_id": 70014}])
    assert [r["id"] for r in result] == [3002]
    moved_at = datetime.fromtimestamp(result[0]["updated_at"], UTC)
    summary = refetch_leads(config, [3002])
    assert summary.fetched["leads"] == 1
    assert deals(config)[3002][:3] == (7001, 70014, "contract_signed")
    assert stages(config)[(3002, "contract_signed")] == (moved_at, "amocrm")
    assert summary.requests <= 3  # the lead and its events; nothing else


def test_a_webhook_for_a_lead_moved_to_a_status_made_since_the_last_sync_keeps_the_deal_staged(config, emulator):
    from salesglass.sources.amocrm.sync import refetch_leads

    run_sync(config, progress=False)
    with emulator.state.lock:  # a manager adds a status «Пауза» to «Продажи» and drags lead 3002 into it
        statuses = emulator.state.pipelines[0]["_embedded"]["statuses"]
        statuses.append({**statuses[1], "id": 70017, "name": "Пауза", "sort": 25})
    emulator.move(3002, 70017)
    summary = refetch_leads(config, [3002])
    # a status without a stage rule counts as `lead`, as at a sync; not "status does not exist"
    assert deals(config)[3002][:3] == (7001, 70017, "lead")
    assert rows(config, "SELECT count(*) FROM quarantine") == [(1,)]  # 3010's only
    assert any("1 unknown status" in w for w in summary.warnings)


def test_a_lead_moved_to_an_unmapped_pipeline_stops_being_a_deal(config, emulator):
    run_sync(config, progress=False)
    with client_for(config) as client:
        client.patch_leads([{"id": 3002, "pipeline_id": 7003, "status_id": 70031}])
    run_sync(config, progress=False)
    assert 3002 not in deals(config) and not [k for k in stages(config) if k[0] == 3002]


def client_for(cfg):
    from salesglass.sources.amocrm.client import client_from_config

    return client_from_config(cfg.amocrm, cfg.base_dir)


def test_account_time_zone_comes_from_the_account_unless_overridden(config):
    from salesglass.account_zone import resolve_zone

    run_sync(config, progress=False)
    con = connect(config.warehouse_path, read_only=True)
    try:
        unset = config.model_copy(update={"account": config.account.model_copy(update={"timezone": None})})
        assert resolve_zone(unset, con).name == "Europe/Moscow"  # the emulated account's own setting
        assert resolve_zone(unset, con).source == "amocrm"
        other = config.model_copy(update={"account": config.account.model_copy(update={"timezone": "Asia/Tomsk"})})
        assert (resolve_zone(other, con).name, resolve_zone(other, con).source) == ("Asia/Tomsk", "config")
    finally:
        con.close()


def test_a_user_deleted_before_the_first_sync_stays_a_former_manager(config, emulator):
    """Anna (1001) was deleted from the account: /users no longer lists her, but four leads and a company
    still name her. Her deals keep her id and she becomes a managers row (no name, not active, the default
    role), so the dashboard's filters and the bonus lines have a manager for them, shown as gone."""
    emulator.state.users = [u for u in emulator.state.users if u["id"] != 1001]
    run_sync(config, progress=False)
    assert rows(config, "SELECT * FROM managers ORDER BY 1") == [
        (1001, None, None, "sales", False),
        (1002, "Борис Развитов", "boris@fixture.test", "development", True),
        (1003, "Вера Ушедшая", "vera@fixture.test", "sales", False),
        (1004, "Глеб Помощник", "gleb@fixture.test", "other", True),
    ]
    assert rows(config, "SELECT deal_id FROM deals WHERE sales_manager_id = 1001 ORDER BY 1") == [
        (3001,),
        (3002,),
        (3009,),
        (3010,),
    ]
    run_sync(config, progress=False)  # an incremental sync keeps her, once
    assert rows(config, "SELECT count(*) FROM managers WHERE manager_id = 1001") == [(1,)]


def test_a_user_deleted_after_an_earlier_sync_is_no_longer_active(config, emulator):
    """Boris (1002) was synced as an active user, then deleted from the account: his managers row kept
    is_active = true for ever (the users list is replaced whole, the managers row was only ever merged)."""
    run_sync(config, progress=False)
    assert rows(config, "SELECT is_active FROM managers WHERE manager_id = 1002") == [(True,)]
    emulator.state.users = [u for u in emulator.state.users if u["id"] != 1002]
    run_sync(config, full=True, progress=False)
    assert rows(config, "SELECT name, is_active FROM managers WHERE manager_id = 1002") == [("Борис Развитов", False)]
    assert rows(config, "SELECT count(*) FROM managers WHERE is_active") == [(2,)]  # Anna and Gleb
