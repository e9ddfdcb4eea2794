"""The incremental mapping equals a full one: after random changes in amoCRM, the canonical tables a sync
leaves (only the changed leads and companies mapped again) are row for row what mapping the whole raw
layer gives, starting from the same warehouse. A changed `[amocrm]` mapping or reference list maps
everything again by itself."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from salesglass.sources.amocrm import store, sync
from salesglass.sources.amocrm.mapping import build_canonical
from salesglass.sources.amocrm.resolve import resolve
from salesglass.sources.amocrm.sync import reference_from_raw, run_sync
from salesglass.warehouse import connect
from tests.amocrm.conftest import MAPPING, make_config

CANONICAL = {
    "managers": "SELECT * FROM managers",
    "pipelines": "SELECT * FROM pipelines",
    "companies": "SELECT * FROM companies",
    "deals": "SELECT * FROM deals",
    "deal_stages": "SELECT * FROM deal_stages",
    # seen_at is when a row was quarantined: a full mapping writes every row of the source again
    "quarantine": "SELECT source, entity, source_key, reason, CAST(raw AS VARCHAR) FROM quarantine",
}


def canonical(path: Path) -> dict[str, list[tuple]]:
    con = connect(path, read_only=True)
    try:
        return {name: sorted(con.execute(sql).fetchall(), key=repr) for name, sql in CANONICAL.items()}
    finally:
        con.close()


def full_mapping(cfg, before: Path, after: Path, work: Path) -> dict[str, list[tuple]]:
    """What a full mapping makes of `after`'s raw layer, starting from the canonical tables of `before`."""
    shutil.copyfile(before, work)
    con = connect(work)
    try:
        con.execute(f"ATTACH '{after}' AS synced (READ_ONLY)")
        for table in store.RAW_TABLES:
            con.execute(f"DELETE FROM {table}")
            con.execute(f"INSERT INTO {table} SELECT * FROM synced.{table}")
        con.execute("DETACH synced")
        build_canonical(con, resolve(cfg.amocrm, **reference_from_raw(con)))
    finally:
        con.close()
    return canonical(work)


def as_linking_left_it(path: Path) -> None:
    """What the linking step writes into deals: partners, and the partner's kind where the lead has none."""
    con = connect(path)
    try:
        con.execute("""UPDATE deals SET partner_id = 'P-' || deal_id,
                              client_kind = CASE WHEN client_kind IS NULL THEN 'operator' ELSE client_kind END
                       WHERE deal_id % 2 = 1""")
    finally:
        con.close()


def change_at_random(emulator, rng: random.Random) -> None:
    """Edits the emulator's own advance does not make: custom fields, events alone, companies, odd statuses."""
    state = emulator.state
    with state.lock:
        live = sorted(i for i, lead in state.leads.items() if not lead.get("is_deleted"))
        for lead_id in rng.sample(live, 3):
            lead, at = state.leads[lead_id], state.tick()
            what = rng.choice(["kind", "cold", "account", "event", "status", "pipeline"])
            if what == "event":  # a new responsible user known only from the event: the lead itself unchanged
                state.add_event(
                    "entity_responsible_changed",
                    lead_id,
                    at,
                    1001,
                    [{"responsible_user": {"id": lead.get("responsible_user_id")}}],
                    [{"responsible_user": {"id": rng.choice([1001, 1002, 1004])}}],
                )
                continue
            fields = [f for f in lead.get("custom_fields_values") or [] if f["field_id"] not in (8001, 8002, 8051)]
            if what == "kind":
                enum = rng.choice([(80011, "Организатор"), (80012, "Билетный оператор"), (80013, "Другое")])
                fields.append({"field_id": 8001, "values": [{"value": enum[1], "enum_id": enum[0]}]})
            elif what == "cold":
                fields.append({"field_id": 8002, "values": [{"value": rng.choice([True, False, "может быть"])}]})
            elif what == "account":
                fields.append({"field_id": 8051, "values": [{"value": rng.choice(["200", "12.5", "P-300"])}]})
            elif what == "status":  # a status the account does not have: the deal goes to quarantine
                lead["status_id"] = 79999
            else:  # a pipeline the config does not map: no longer a deal
                lead["pipeline_id"], lead["status_id"] = 7003, 70031
            if what in ("kind", "cold", "account"):
                lead["custom_fields_values"] = fields
            lead["updated_at"] = at
        companies = sorted(i for i, c in state.companies.items() if not c.get("is_deleted"))
        for company_id in rng.sample(companies, 2):
            company, at = state.companies[company_id], state.tick()
            if rng.random() < 0.3:
                company["is_deleted"] = True
            else:
                inn = rng.choice(["7701 234 567", "12345", "500100732259"])
                company["custom_fields_values"] = [{"field_id": 9001, "values": [{"value": inn}]}]
                company["name"] = f"{company.get('name')} (renamed)"
            company["updated_at"] = at
        new_id = max(state.companies) + 1
        state.companies[new_id] = {**state.companies[companies[0]], "id": new_id, "is_deleted": False}
        state.companies[new_id]["updated_at"] = state.tick()
        state.now += 1


@pytest.mark.parametrize("seed", [1, 2])
def test_incremental_mapping_equals_a_full_one_after_random_changes(tmp_path: Path, config, emulator, seed):
    assert run_sync(config, progress=False).mapping.startswith("mapped every lead")
    rng = random.Random(seed)
    for round_no in range(3):
        as_linking_left_it(config.warehouse_path)
        before = tmp_path / f"before-{round_no}.duckdb"
        shutil.copyfile(config.warehouse_path, before)
        changed = emulator.advance(changes=4, seed=seed * 10 + round_no)
        change_at_random(emulator, rng)
        summary = run_sync(config, progress=False)
        assert summary.mode == "incremental" and summary.mapping.startswith("mapped again"), summary.mapping
        leads = int(summary.mapping.split(": ")[1].split(" changed leads")[0])
        assert changed["lead_ids"] and leads < len(emulator.state.leads)  # not everything
        incremental = canonical(config.warehouse_path)
        full = full_mapping(config, before, config.warehouse_path, tmp_path / f"full-{round_no}.duckdb")
        for table in CANONICAL:
            assert incremental[table] == full[table], (round_no, table)


def test_a_lead_changed_only_by_an_event_is_mapped_again(config, emulator):
    run_sync(config, progress=False)
    state = emulator.state
    with state.lock:
        at = state.tick()
        state.add_event(
            "entity_responsible_changed",
            3002,
            at,
            1002,
            [{"responsible_user": {"id": 1001}}],
            [{"responsible_user": {"id": 1004}}],
        )
        state.now += 1
    summary = run_sync(config, progress=False)
    assert summary.mapping == "mapped again: 1 changed leads, 0 changed companies"
    con = connect(config.warehouse_path, read_only=True)
    try:
        assert con.execute("SELECT sales_manager_id FROM deals WHERE deal_id = 3002").fetchall() == [(1004,)]
    finally:
        con.close()


@pytest.mark.parametrize(
    "change",
    [
        {
            "stages": [
                *MAPPING["stages"][:1],
                {"status": "КП отправлено", "stage": "negotiation"},
                *MAPPING["stages"][2:],
            ]
        },
        {"fields": {**MAPPING["fields"], "organizer_values": ["Организатор", "Другое"]}},
    ],
    ids=["status mapping", "custom field setting"],
)
def test_a_changed_mapping_in_the_config_maps_everything_again(tmp_path: Path, config, emulator, change):
    run_sync(config, progress=False)
    as_linking_left_it(config.warehouse_path)
    before = tmp_path / "before.duckdb"
    shutil.copyfile(config.warehouse_path, before)
    emulator.advance(changes=2, seed=3)
    changed = make_config(tmp_path, emulator.url, amocrm=change)
    summary = run_sync(changed, progress=False)
    assert summary.mapping == "mapped every lead and company (the mapping's inputs changed)"
    assert canonical(changed.warehouse_path) == full_mapping(changed, before, changed.warehouse_path, tmp_path / "f")
    again = run_sync(changed, progress=False)  # the next sync with the same config maps only what changed
    assert not again.changed and not again.mapping


def test_a_changed_reference_list_maps_everything_again(config, emulator, monkeypatch):
    run_sync(config, progress=False)
    with emulator.state.lock:
        emulator.state.loss_reasons[0]["name"] = "Выбрали другую платформу"
    monkeypatch.setattr(sync, "REFERENCE_MAX_AGE_SECONDS", 0.0)  # read the lists again now
    summary = run_sync(config, progress=False)
    assert summary.reference_read
    assert summary.mapping == "mapped every lead and company (the mapping's inputs changed)"


def test_a_warehouse_from_before_loses_the_key_index_of_its_raw_tables_not_a_row(tmp_path: Path):
    con = connect(tmp_path / "old.duckdb")
    try:
        con.execute(
            "CREATE TABLE raw_amocrm_leads (id BIGINT PRIMARY KEY, updated_at BIGINT, data JSON, synced_at TIMESTAMPTZ)"
        )
        con.execute("""INSERT INTO raw_amocrm_leads VALUES
                       (1, 10, '{"id": 1}', TIMESTAMPTZ '2026-01-01 00:00:00+00'),
                       (2, 20, '{"id": 2}', TIMESTAMPTZ '2026-01-02 00:00:00+00')""")
        store.init_raw(con)
        keys = "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'raw_amocrm_leads'"
        assert con.execute(keys).fetchall() == [(0,)]
        assert con.execute(
            "SELECT id, updated_at, CAST(data AS VARCHAR) FROM raw_amocrm_leads ORDER BY id"
        ).fetchall() == [
            (1, 10, '{"id": 1}'),
            (2, 20, '{"id": 2}'),
        ]
        # and an upsert still keeps one row per id, the newer one
        store.upsert(con, "raw_amocrm_leads", [{"id": 2, "updated_at": 30, "x": 1}, {"id": 3, "updated_at": 5}])
        store.upsert(con, "raw_amocrm_leads", [{"id": 2, "updated_at": 25, "x": 0}])  # older: kept out
        got = con.execute("SELECT id, updated_at FROM raw_amocrm_leads ORDER BY id").fetchall()
        assert got == [(1, 10), (2, 30), (3, 5)]
    finally:
        con.close()
