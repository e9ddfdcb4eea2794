"""A wrong [amocrm] mapping is a ConfigError naming the key — on load, or against the account before any download."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from salesglass.config import parse_config
from salesglass.demo.config import amocrm_section
from salesglass.errors import ConfigError
from salesglass.sources.amocrm.sync import run_sync
from tests.amocrm.conftest import FIXTURE_COMPANY, MAPPING, make_config


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"stages": [{"status": "Переговоры", "stage": "negotiations"}]}, "[amocrm].stages[0].stage"),
        ({"rate_limit": 10}, "[amocrm].rate_limit"),
        # the pace must stay within amoCRM's own count: 6.5/s against 6 per 1 s, 4/s against 7 per 2 s (3.5/s)
        ({"rate_limit": 6.5, "account_limit": 6}, "[amocrm].rate_limit: expected requests per second in (0, 6]"),
        ({"rate_limit": 4, "account_window": 2}, "[amocrm].rate_limit: expected requests per second in (0, 3.5]"),
        ({"account_limit": 0}, "[amocrm].account_limit"),
        ({"account_window": 0}, "[amocrm].account_window"),
        ({"fields": {"client_kind": "Тип клиента"}}, "[amocrm].fields"),
        ({"roles": {"groups": {"Отдел развития": "boss"}}}, "[amocrm].roles.groups"),
        ({"auth": "oauth"}, "needs client_id"),
        ({"pipeline": ["Продажи"]}, "[amocrm].pipeline is not a known setting"),
        ({"timezone": "Moscow"}, "[amocrm].timezone"),
    ],
)
def test_wrong_values_are_named_on_load(section, key):
    with pytest.raises(ConfigError) as err:
        parse_config({"amocrm": section})
    assert key in str(err.value)


def test_an_account_with_a_higher_limit_may_be_paced_faster():
    """amoCRM reports 50 requests a second on some accounts: with account_limit = 50, 10/s is accepted."""
    amo = parse_config({"amocrm": {"account_limit": 50, "rate_limit": 10}}).amocrm
    assert (amo.account_limit, amo.account_window, amo.rate_limit) == (50, 1.0, 10.0)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"stages": [{"status": "Переговоры!", "stage": "negotiation"}]}, "[amocrm].stages[0].status"),
        (
            {"stages": [{"pipeline": "Нет такой", "status": "Переговоры", "stage": "negotiation"}]},
            "[amocrm].stages[0].pipeline",
        ),
        ({"pipelines": ["Продажи", 999]}, "[amocrm].pipelines[1]"),
        ({"fields": {**MAPPING["fields"], "cold_deal": "Холодный"}}, "[amocrm].fields.cold_deal"),
        (
            {"fields": {**MAPPING["fields"], "organizer_values": ["Организаторы"]}},
            "[amocrm].fields.organizer_values[0]",
        ),
        ({"fields": {**MAPPING["fields"], "company_inn": "ИНН компании"}}, "[amocrm].fields.company_inn"),
        ({"roles": {"groups": {"Отдел маркетинга": "sales"}}}, "[amocrm].roles.groups.'Отдел маркетинга'"),
        ({"roles": {"users": {"nobody@fixture.test": "sales"}}}, "[amocrm].roles.users.'nobody@fixture.test'"),
    ],
)
def test_names_missing_from_the_account_are_named_before_any_download(tmp_path, emulator, change, key):
    cfg = make_config(tmp_path, emulator.url, amocrm=change)
    with pytest.raises(ConfigError) as err:
        run_sync(cfg, progress=False)
    assert key in str(err.value)
    assert not emulator.requests("GET", "/api/v4/leads?") and not [
        r for r in emulator.requests("GET") if r[1] in ("/api/v4/leads", "/api/v4/events", "/api/v4/companies")
    ]


def test_a_field_on_the_second_page_of_definitions_resolves(tmp_path, emulator):
    """«ID аккаунта на платформе» is field 52 of 52: only a connector that pages finds it."""
    cfg = make_config(tmp_path, emulator.url, amocrm={"fields": {"lead_platform_account_id": 8051}})
    assert run_sync(cfg, progress=False).loaded["deals"] == 9  # 3001-3006, 3008-3010 (3007: another pipeline)


def test_the_proposed_demo_section_is_a_valid_config_that_maps_the_fixture(tmp_path, emulator):
    data = tomllib.loads(amocrm_section(FIXTURE_COMPANY))
    cfg = parse_config(data, base_dir=tmp_path)
    assert cfg.amocrm.auth == "oauth" and cfg.amocrm.fields.company_inn == "ИНН"
    rules = {(r.pipeline, r.status): r.stage for r in cfg.amocrm.stages}
    assert rules[("Продажи", "Переговоры")] == "negotiation"
    assert rules[("Продажи", "Договор подписан")] == "contract_signed"
    assert rules[("Продажи", "Первичный контакт")] == "lead"  # no guess: an explicit `lead` rule to check
    section_text = amocrm_section(FIXTURE_COMPANY)
    assert "(no stage guessed from its name: check)" in section_text
    section = {
        k: v
        for k, v in data["amocrm"].items()
        if k not in ("auth", "client_id", "client_secret", "redirect_uri", "base_url", "token_path")
    }
    live = make_config(tmp_path, emulator.url, amocrm=section)
    summary = run_sync(live, progress=False)
    assert summary.loaded["deals"] == 10  # all three pipelines
    assert not [w for w in summary.warnings if "stage rule" in w]  # every status has a rule: no warning


def test_demo_section_of_a_missing_snapshot_still_parses(tmp_path: Path):
    parse_config(tomllib.loads(amocrm_section(tmp_path / "nowhere")))
