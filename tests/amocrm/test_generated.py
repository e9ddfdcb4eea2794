"""Against a company written by the generator (scale xs, generated once per session by a fixture), the way
`salesglass demo` runs it: the config section comes from `amocrm_section`, tokens from the OAuth
authorization-code exchange."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from salesglass.demo.config import amocrm_section
from salesglass.emulator.server import start_emulator
from salesglass.sources.amocrm.sync import run_sync
from tests.amocrm.conftest import EMULATOR_LIMITS
from tests.amocrm.test_sync import rows
from tests.simulated import STAGE_OF, demo_amocrm_config


@pytest.fixture
def demo(tmp_path: Path, generated_company: Path):
    handle = start_emulator(generated_company, **EMULATOR_LIMITS)
    yield demo_amocrm_config(tmp_path, generated_company, handle.url), handle
    handle.stop()


def _truth(state) -> dict[tuple, datetime]:
    truth: dict[tuple, datetime] = {}
    for lead_id, lead in state.leads.items():
        truth[(lead_id, "lead")] = datetime.fromtimestamp(lead["created_at"], UTC)
    for e in state.events:
        if e["type"] in ("lead_added", "lead_status_changed") and e["value_after"]:
            stage = STAGE_OF.get(e["value_after"][0]["lead_status"]["id"])
            at = datetime.fromtimestamp(e["created_at"], UTC)
            if stage and ((e["entity_id"], stage) not in truth or at < truth[(e["entity_id"], stage)]):
                truth[(e["entity_id"], stage)] = at
    return truth


def test_generated_company_full_then_incremental(tmp_path, demo):
    cfg, handle = demo
    state = handle.state
    summary = run_sync(cfg, progress=False)
    assert summary.quarantined.get("deals", 0) == 0 and summary.rate_limited == 0
    got = {r[0]: r[1:] for r in rows(cfg, "SELECT deal_id, pipeline_id, status_id, is_deleted FROM deals")}
    assert got == {i: (x["pipeline_id"], x["status_id"], x["is_deleted"]) for i, x in state.leads.items()}
    reached = {(r[0], r[1]): r[2] for r in rows(cfg, "SELECT deal_id, stage, reached_at FROM deal_stages")}
    assert reached == _truth(state)
    raw = {r[0]: json.loads(r[1]) for r in rows(cfg, "SELECT id, data FROM raw_amocrm_leads")}
    assert raw == {i: state.render("leads", x) for i, x in state.leads.items() if not x["is_deleted"]}
    inns = [r[0] for r in rows(cfg, "SELECT inn FROM companies WHERE inn IS NOT NULL")]
    assert inns and all(i.isdigit() for i in inns)
    roles = dict(rows(cfg, "SELECT role, count(*) FROM managers GROUP BY 1"))
    assert roles.get("sales") and roles.get("development")

    handle.advance(change_fraction=0.05, seed=2)
    incremental = run_sync(cfg, progress=False)
    assert incremental.mode == "incremental" and incremental.fetched["leads"] < len(state.leads) / 2
    reached = {(r[0], r[1]): r[2] for r in rows(cfg, "SELECT deal_id, stage, reached_at FROM deal_stages")}
    assert reached == _truth(state)
    got = {r[0]: r[1:] for r in rows(cfg, "SELECT deal_id, pipeline_id, status_id, is_deleted FROM deals")}
    assert got == {i: (x["pipeline_id"], x["status_id"], x["is_deleted"]) for i, x in state.leads.items()}


def test_demo_sync_starts_the_emulator_authorizes_and_syncs(tmp_path, generated_company):
    from salesglass.demo.amocrm import demo_sync

    company = generated_company
    config_path = tmp_path / "salesglass.toml"
    config_path.write_text('[warehouse]\npath = "wh.duckdb"\n' + amocrm_section(company), encoding="utf-8")
    handle, summary = demo_sync(company, config_path, progress=False)
    try:
        assert f'base_url = "{handle.url}"' in config_path.read_text()
        assert summary.mode == "full" and summary.loaded["deals"] > 0
        assert (tmp_path / "secrets" / "amocrm-token.json").stat().st_mode & 0o077 == 0
    finally:
        handle.stop()
