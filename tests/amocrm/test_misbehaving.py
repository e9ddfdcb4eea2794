"""amoCRM misbehaving on a real socket (emulator `misbehave`): the sync still gives an exact copy, stops
with a message a person can act on, or says what it skipped — never hangs, loops, or loses a row quietly."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest

from salesglass.sources.amocrm.client import client_from_config
from salesglass.sources.amocrm.errors import AmoCRMError, AuthError
from salesglass.sources.amocrm.sync import run_sync
from tests.amocrm.test_sync import EXPECTED_DEALS, EXPECTED_STAGES, deals, rows, stages

pytestmark = pytest.mark.slow  # about 20 s of CPU in all: handed out first (tests/conftest.py)


def _exact(cfg) -> None:
    assert deals(cfg) == EXPECTED_DEALS and stages(cfg) == EXPECTED_STAGES


def test_a_misbehaving_api_still_gives_an_exact_copy(config, emulator):
    # one sync meets them all, each on another list (a prefix matches the first entry that is not used up)
    script = [
        ("/api/v4/leads/custom_fields", {"status": 429, "body": b"Too Many Requests"}),  # no Retry-After
        ("/api/v4/companies/custom_fields", {"status": 429, "headers": {"Retry-After": "0"}}),
        (
            "/api/v4/users",
            {"status": 502, "body": b"<html>Bad Gateway</html>", "headers": {"Content-Type": "text/html"}},
        ),
        ("/api/v4/leads/loss_reasons", {"status": 503, "times": 2}),
        ("/api/v4/events", {"status": 504, "times": 2}),
        ("/api/v4/companies$", {"reset_mid_body": True, "times": 2}),  # status, headers, half a body, then gone
        ("/api/v4/leads$", {"delay": 1.3}),  # longer than the client's 1 s timeout
    ]
    for path, how in script:
        emulator.misbehave(path, **how)
    run_sync(config, progress=False)
    used = emulator.emulator.script.used
    assert len(used) == 10 and {what for _, what in used} == {"429", "502", "503", "504", "reset", "delay:1.3"}
    _exact(config)


def test_retry_after_is_honoured_up_to_backoff_max(config, emulator):
    amo = config.amocrm.model_copy(update={"backoff_max": 0.3})
    emulator.misbehave("/api/v4/account", status=429, headers={"Retry-After": "60"})
    with client_from_config(amo, config.base_dir) as client:
        started = time.monotonic()
        assert client.get("/api/v4/account")["id"] == 30000001
        waited = time.monotonic() - started
    # amoCRM asked for 60 s: the wait is capped by backoff_max (0.3 s here), not the 10 ms back-off of the fast
    # clock (the upper bound is far from both: a busy machine may take seconds for the two requests, never 60)
    assert 0.3 <= waited < 30.0


def test_a_burst_of_5xx_longer_than_the_retries_stops_with_a_message(config, emulator):
    emulator.misbehave("/api/v4/account", status=503, times=50)
    with pytest.raises(AmoCRMError, match="503"):
        run_sync(config, progress=False)


@pytest.mark.parametrize("link", ["self", "missing"])
def test_a_custom_fields_page_whose_next_link_is_odd_still_reads_every_field(config, emulator, link):
    emulator.misbehave("/api/v4/leads/custom_fields", next_link=link, times=1000)
    summary = run_sync(config, progress=False)
    assert summary.fetched["lead_fields"] == 52
    _exact(config)


def test_a_204_where_an_account_always_has_something_changes_nothing(config, emulator):
    run_sync(config, progress=False)
    managers = rows(config, "SELECT * FROM managers ORDER BY 1")
    pipelines = rows(config, "SELECT * FROM pipelines ORDER BY 1")
    for path in ("/api/v4/users", "/api/v4/leads/pipelines", "/api/v4/account"):
        emulator.misbehave(path, status=204, times=3)
        with pytest.raises(AmoCRMError, match=r"no (users|pipelines|account).*run it again later"):
            run_sync(config, full=True, progress=False)
        emulator.emulator.script.entries.clear()
        # not every manager made inactive, not every pipeline marked deleted, no deal lost
        assert rows(config, "SELECT * FROM managers ORDER BY 1") == managers
        assert rows(config, "SELECT * FROM pipelines ORDER BY 1") == pipelines
        _exact(config)


def test_custom_fields_of_an_unexpected_shape_load_the_deal_and_say_so(config, emulator):
    with emulator.state.lock:
        emulator.state.leads[3002]["custom_fields_values"] = {"field_id": 8001, "values": [{"value": "Организатор"}]}
        emulator.state.leads[3003]["custom_fields_values"] = [{"field_id": 8001, "values": {"value": "Организатор"}}]
        emulator.state.companies[5003]["custom_fields_values"] = {"0": {"field_id": 9001}}
    run_sync(config, progress=False)  # no traceback from the warehouse
    got = deals(config)
    assert {i: d for i, d in got.items() if i not in (3002, 3003)} == {
        i: d for i, d in EXPECTED_DEALS.items() if i not in (3002, 3003)
    }
    assert got[3002][5] is None and got[3003][5] is None  # the client kind could not be read …
    notes = rows(config, "SELECT entity, source_key FROM quarantine WHERE reason LIKE 'custom fields%' ORDER BY 2")
    assert notes == [("deals", "3002"), ("deals", "3003"), ("companies", "5003")]  # … and that is said
    assert rows(config, "SELECT name FROM companies WHERE company_id = 5003") == [("Билетный оператор «Север»",)]


def test_an_enum_id_the_field_does_not_list_sent_without_its_text_is_said(config, emulator):
    with emulator.state.lock:  # the options were deleted from the fields (or a glitch): ids alone, no text
        for value in emulator.state.leads[3002]["custom_fields_values"]:
            value["values"] = [{"enum_id": 80199 if value["field_id"] == 8001 else 80299}]
    run_sync(config, progress=False)
    got = deals(config)[3002]
    assert got[5] is None and got[6] is None  # client kind and cold flag unknown (not "warm") …
    assert got[:5] == EXPECTED_DEALS[3002][:5] and got[7:] == EXPECTED_DEALS[3002][7:]  # … the deal itself loaded
    notes = rows(config, "SELECT reason FROM quarantine WHERE source_key = '3002' ORDER BY 1")
    assert notes == [  # … and said, naming the field and the id
        (
            "value of field «Тип клиента» (8001) is enum id 80199, not one of the field's values, "
            "sent without its text (deal kept, value unknown)",
        ),
        (
            "value of field «Холодная сделка» (8002) is enum id 80299, not one of the field's values, "
            "sent without its text (deal kept, value unknown)",
        ),
    ]


def test_a_lead_in_a_pipeline_the_account_does_not_list_leaves_its_old_stage_and_says_so(config, emulator):
    run_sync(config, progress=False)
    with emulator.state.lock:  # amoCRM names a pipeline its own list lacks (deleted, or a glitch)
        lead = emulator.state.leads[3002]
        lead.update(pipeline_id=7099, status_id=70991, updated_at=emulator.state.tick())
    run_sync(config, progress=False)
    # as amoCRM has it now, like a deal in a deleted status: pipeline 7099, status 70991, no stage (not still
    # "proposal", counted in a funnel it has left), not silently gone from its manager's deals …
    assert deals(config)[3002] == (7099, 70991, None, *EXPECTED_DEALS[3002][3:])
    assert stages(config) == EXPECTED_STAGES  # … the stages it did reach, it reached …
    reasons = rows(config, "SELECT reason FROM quarantine WHERE source_key = '3002'")
    assert reasons == [("pipeline 7099 does not exist in the account (deleted pipeline?)",)]  # … and said
    # a lead moved to a pipeline that exists but is not mapped still stops being a deal
    with emulator.state.lock:
        lead.update(pipeline_id=7003, status_id=70031, updated_at=emulator.state.tick())
    run_sync(config, progress=False)
    assert 3002 not in deals(config) and rows(config, "SELECT count(*) FROM quarantine WHERE source_key = '3002'") == [
        (0,)
    ]


def test_a_pipeline_deleted_in_amocrm_with_its_leads_leaves_them_deleted_not_live_in_their_old_stage(
    tmp_path, config, emulator
):
    from tests.amocrm.conftest import MAPPING, make_config

    run_sync(config, progress=False)
    with emulator.state.lock:  # «Старая воронка» is deleted in amoCRM, its one lead (3006) going to the trash
        emulator.state.delete_lead(emulator.state.leads[3006], emulator.state.tick(), 1001)
        emulator.state.pipelines = [p for p in emulator.state.pipelines if p["id"] != 7002]
    # the config must stop naming it (the sync says so), and the deal it had is still known
    section = {
        "pipelines": ["Продажи"],
        "stages": [s for s in MAPPING["stages"] if s.get("pipeline") != "Старая воронка"],
    }
    run_sync(make_config(tmp_path, emulator.url, amocrm=section), progress=False)
    got = deals(config)[3006]
    assert got[:3] == (7002, 70021, None) and got[12] is True  # deleted, no stage: in no report as a live deal
    assert got[3:12] == EXPECTED_DEALS[3006][3:12]
    assert stages(config)[(3006, "negotiation")] == EXPECTED_STAGES[(3006, "negotiation")]  # its history stays
    assert rows(config, "SELECT name, is_deleted FROM pipelines WHERE pipeline_id = 7002") == [("Старая воронка", True)]
    reasons = rows(config, "SELECT reason FROM quarantine WHERE source_key = '3006'")
    assert reasons == [("pipeline 7002 does not exist in the account (deleted pipeline?)",)]
    from salesglass.serve.i18n import Formatter
    from salesglass.serve.web.reasons import reason_label

    shown = reason_label(Formatter("ru", "RUB").t, reasons[0][0], {7002: "Старая воронка"})  # the data-quality page
    assert shown == "воронки «Старая воронка» (7002) больше нет в amoCRM (у сделки нет этапа, пока её не вернут)"


def test_a_lead_in_a_status_that_no_longer_exists_leaves_its_old_stage_and_says_so(config, emulator):
    run_sync(config, progress=False)
    with emulator.state.lock:  # the status 3002 was in is deleted in amoCRM, the lead names one the list lacks
        lead = emulator.state.leads[3002]
        lead.update(status_id=70019, updated_at=emulator.state.tick())
    run_sync(config, progress=False)
    # as amoCRM has it now: status 70019, no stage (not still "proposal"); the rest as it was
    assert deals(config)[3002] == (7001, 70019, None, *EXPECTED_DEALS[3002][3:])
    reasons = rows(config, "SELECT reason FROM quarantine WHERE source_key = '3002'")
    assert reasons == [("status 70019 of pipeline 7001 does not exist in the account (deleted status?)",)]
    assert stages(config) == EXPECTED_STAGES  # the stages it did reach, it reached


def test_a_lead_and_a_company_gone_from_amocrm_without_a_trace_are_no_ghosts_after_a_full_sync(config, emulator):
    run_sync(config, progress=False)
    with emulator.state.lock:  # purged from the trash before any sync saw them there, and no event tells it
        lead = emulator.state.leads.pop(3002)
        del emulator.state.companies[5004]
        emulator.state.tick()
    assert run_sync(config, progress=False).warnings == [] and deals(config)[3002][12] is False  # unseen so far
    summary = run_sync(config, full=True, progress=False)  # the nightly full sync
    assert deals(config)[3002][12] is True  # deleted, not a live ghost in every report
    assert rows(config, "SELECT name, is_deleted FROM companies WHERE company_id = 5004") == [
        ("Фестиваль «Лето»", True)
    ]
    assert {i: d for i, d in deals(config).items() if i != 3002} == {
        i: d for i, d in EXPECTED_DEALS.items() if i != 3002
    }
    assert any("1 lead listed by amoCRM neither live nor in the trash" in w for w in summary.warnings)
    assert any("1 company listed" in w for w in summary.warnings)
    # a second full sync finds nothing new to say, and a record amoCRM shows again (restored) is alive again
    with emulator.state.lock:
        emulator.state.companies[5004] = {**emulator.state.companies.get(5003, {}), "id": 5004}
        emulator.state.companies[5004].update(name="Фестиваль «Лето»", updated_at=emulator.state.tick())
    again = run_sync(config, full=True, progress=False)
    assert not any("neither live nor in the trash" in w for w in again.warnings)
    assert rows(config, "SELECT is_deleted FROM companies WHERE company_id = 5004") == [(False,)]
    # one a full read missed and amoCRM lists again unchanged (same updated_at) is alive again too
    with emulator.state.lock:
        emulator.state.leads[3002] = lead
        emulator.state.tick()
    run_sync(config, full=True, progress=False)
    assert deals(config)[3002] == EXPECTED_DEALS[3002]


def test_a_next_link_to_another_host_never_gets_the_token(config, emulator):
    from salesglass.emulator.server import start_emulator
    from salesglass.sources.amocrm.sync import refetch_leads
    from tests.amocrm.conftest import EMULATOR_LIMITS, FIXTURE_COMPANY

    elsewhere = start_emulator(FIXTURE_COMPANY, **EMULATOR_LIMITS)  # stands for a host that is not amoCRM
    try:
        run_sync(config, progress=False)
        emulator.misbehave("/api/v4/leads$", next_link=elsewhere.url)
        refetch_leads(config, [3002])  # reads the leads by id and follows `_links.next`
        assert emulator.emulator.script.used == [("/api/v4/leads", f"next:{elsewhere.url}")]
        assert elsewhere.requests() == []  # the bearer token stayed with the configured account
    finally:
        elsewhere.stop()
    _exact(config)


def pipelines_after_one_timeout(amo, config) -> float:
    """Read the pipelines through a client for `amo` that gives up on the first try and asks again; the seconds
    it took."""
    with client_from_config(amo, config.base_dir) as client:
        started = time.monotonic()
        pipelines = client.get("/api/v4/leads/pipelines")["_embedded"]["pipelines"]
        took = time.monotonic() - started
        assert len(pipelines) == 3 and client.stats.timeouts == 1  # given up on once, then asked again
    return took


def test_an_answer_sent_a_trickle_at_a_time_meets_one_deadline_and_is_asked_again(config, emulator):
    # every piece (4 bytes) comes 20 ms after the last, well inside a per-read timeout of 0.25 s, so without one
    # deadline for the whole answer the request lasts as long as the server likes (here ~10 s; a real proxy: for
    # ever). The bound is far from both: a busy machine may take a second or two for the retry, never 10 s
    amo = config.amocrm.model_copy(update={"timeout": 0.25, "max_retries": 1})
    emulator.misbehave("/api/v4/leads/pipelines", trickle=0.02, trickle_bytes=4)
    assert 0.25 <= pipelines_after_one_timeout(amo, config) < 5.0
    assert emulator.emulator.script.used == [("/api/v4/leads/pipelines", "trickle:0.02")]
    # a server that keeps trickling: the retries end with a message naming the request and the key
    emulator.misbehave("/api/v4/leads/pipelines", trickle=0.02, trickle_bytes=32, times=2)
    slow = r"GET /api/v4/leads/pipelines failed after 2 attempts: .*0.25s deadline"
    with client_from_config(amo, config.base_dir) as client, pytest.raises(AmoCRMError, match=slow):
        client.get("/api/v4/leads/pipelines")


def test_an_answer_whose_headers_come_a_trickle_at_a_time_meets_the_same_deadline(config, emulator):
    # the status line and headers come a byte every 30 ms (~3 s for them alone), each piece well inside a per-read
    # timeout: httpx reads them before the client sees an answer, so only a deadline on the socket bounds them
    # (the bound of 2.5 s is under the headers' 3 s, and 10× the 0.25 s deadline for a busy machine)
    amo = config.amocrm.model_copy(update={"timeout": 0.25, "max_retries": 1})
    emulator.misbehave("/api/v4/leads/pipelines", trickle=0.03, trickle_bytes=1, trickle_headers=True)
    assert 0.25 <= pipelines_after_one_timeout(amo, config) < 2.5
    assert emulator.emulator.script.used == [("/api/v4/leads/pipelines", "trickle:0.03")]
    # and the token endpoint: a refresh whose answer never gets past its headers fails in time, never resent
    emulator.misbehave("/oauth2/access_token", trickle=0.03, trickle_bytes=1, trickle_headers=True)
    with client_from_config(amo, config.base_dir) as client:
        started = time.monotonic()
        with pytest.raises(AuthError, match=r"token endpoint: no whole answer within the 0.25s deadline"):
            client.post_token({"grant_type": "refresh_token", "refresh_token": "x"})
        assert time.monotonic() - started < 2.5


def test_events_listed_newest_first_ending_on_a_full_page_are_not_read_again_next_time(config, emulator, monkeypatch):
    from salesglass.sources.amocrm import extract

    monkeypatch.setattr(extract, "EVENT_LIMIT", 8)  # the 32 events: four full pages, the last one linking on
    emulator.emulator.events_order = "desc"
    summary = run_sync(config, progress=False)
    asked = emulator.requests("GET", "/api/v4/events")
    # pages 1-4, page 5 (empty) asked twice, and one question for what is no newer than the oldest event read
    assert len(asked) == 7
    assert not any("ended early" in w for w in summary.warnings)
    newest = max(e["created_at"] for e in emulator.state.events)
    assert rows(config, "SELECT watermark FROM amocrm_sync_state WHERE stream = 'events'") == [(newest,)]
    run_sync(config, progress=False)  # the next sync starts from that watermark: one page, not all 32 again
    assert len(emulator.requests("GET", "/api/v4/events")) - len(asked) == 1
    assert rows(config, "SELECT count(*) FROM raw_amocrm_events") == [(32,)] and stages(config) == EXPECTED_STAGES


def test_events_listed_newest_first_and_cut_short_keep_their_watermark_until_read_whole(config, emulator, monkeypatch):
    from salesglass.sources.amocrm import extract

    monkeypatch.setattr(extract, "EVENT_LIMIT", 10)  # the 32 events: pages of 10, 10, 10 and 2
    emulator.emulator.events_order = "desc"  # newest first: pages 3 and 4 hold the oldest events
    emulator.misbehave("/api/v4/events", status=204, times=2, page=3)  # page 3 is a 204, asked for twice
    summary = run_sync(config, progress=False)
    assert any(w.startswith("amoCRM's events list (newest first) ended early") for w in summary.warnings)
    assert rows(config, "SELECT count(*) FROM raw_amocrm_events") == [(20,)]
    # nothing says events older than page 2 were read: no watermark past them
    assert rows(config, "SELECT count(*) FROM amocrm_sync_state WHERE stream = 'events'") == [(0,)]
    run_sync(config, progress=False)  # the next incremental sync reads the older events after all
    assert rows(config, "SELECT count(*) FROM raw_amocrm_events") == [(32,)]
    assert stages(config) == EXPECTED_STAGES
    newest = max(e["created_at"] for e in emulator.state.events)
    assert rows(config, "SELECT watermark FROM amocrm_sync_state WHERE stream = 'events'") == [(newest,)]


def _problem_json(status: int, title: str, detail: str) -> dict:
    body = {"title": title, "type": f"https://httpstatus.es/{status}", "status": status, "detail": detail}
    return {
        "status": status,
        "headers": {"Content-Type": "application/problem+json", "X-Request-Id": f"req-{status}"},
        "body": json.dumps(body).encode(),
    }


def test_an_unpaid_account_stops_the_sync_at_once_saying_what_to_do(config, emulator):
    from salesglass.sources.amocrm.errors import AccountBlocked, AccountUnpaid

    # amoCRM answers 402 Payment Required once the account's paid period ends: no retry, no other request
    emulator.misbehave("/api/v4/", times=50, **_problem_json(402, "Payment Required", "Account is not paid"))
    unpaid = r"402 Payment Required to GET /api/v4/account .*paid period has ended"
    with pytest.raises(AccountUnpaid, match=unpaid) as err:
        run_sync(config, progress=False)
    assert [r[1] for r in emulator.requests("GET", "/api/v4/")] == ["/api/v4/account"]
    assert str(err.value).endswith("(amoCRM request id req-402: give it to amoCRM support if you ask them)")
    # a 403 as JSON is a refusal of this user or IP, not a ban: said as such, and not retried
    emulator.emulator.script.entries.clear()
    emulator.misbehave("/api/v4/events", times=50, **_problem_json(403, "Forbidden", "Access denied"))
    with pytest.raises(AmoCRMError, match=r"refused GET /api/v4/events with 403 Forbidden \(Access denied\)") as err:
        run_sync(config, progress=False)
    assert not isinstance(err.value, AccountBlocked) and "administrator" in str(err.value)
    assert len(emulator.requests("GET", "/api/v4/events")) == 1


def test_an_account_that_moved_to_another_address_is_said_not_followed(config, emulator):
    # a renamed account: the old address sends the client elsewhere; the token must not follow it there
    moved = {"Location": "https://newname.amocrm.ru/api/v4/account?with=x"}
    emulator.misbehave("/api/v4/account", status=301, headers=moved)
    with pytest.raises(AmoCRMError, match=r"HTTP 301, pointing at https://newname.amocrm.ru/.*renamed") as err:
        run_sync(config, progress=False)
    assert "set [amocrm] base_url to https://newname.amocrm.ru (and subdomain)" in str(err.value)
    assert len(emulator.requests("GET", "/api/v4/")) == 1


def test_a_kommo_budget_with_cents_keeps_them(config, emulator):
    # Kommo sends a budget with minor units as `price_with_minor_units`; `price` is then only its whole part
    with emulator.state.lock:
        emulator.state.leads[3002].update(price=1250, price_with_minor_units=1250.5)
        emulator.state.leads[3003].update(price=99, price_with_minor_units=None)  # amoCRM: no minor units
        emulator.state.tick()
    run_sync(config, progress=False)
    assert deals(config)[3002][3] == Decimal("1250.50") and deals(config)[3003][3] == Decimal(99)
