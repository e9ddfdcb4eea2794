"""amoCRM pipelines by name: the canonical `pipelines` table from the emulator on a real socket, through a
full sync, a rename and a deletion seen by an incremental one, and an account without amoCRM.

Expected rows are written from the fixture company's pipelines.json by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesglass.errors import ConfigError
from salesglass.sources.amocrm.sync import run_sync
from tests.amocrm.conftest import make_config
from tests.amocrm.test_sync import rows

# user input as hostile as a pipeline name gets: markup, emoji, quotes, 150 characters
HOSTILE = ("<script>alert('воронка')</script> Партнёры 🤝 «Юг» & <b>" + "очень длинное название " * 8)[:150]
assert len(HOSTILE) == 150


def pipelines(cfg) -> list[tuple]:
    return rows(
        cfg,
        "SELECT pipeline_id, name, sort, is_main, is_archive, is_mapped, is_deleted FROM pipelines ORDER BY 1",
    )


def _rename(emulator, pipeline_id: int, name: str) -> None:
    with emulator.state.lock:
        next(p for p in emulator.state.pipelines if p["id"] == pipeline_id)["name"] = name


def test_the_canonical_pipelines_hold_the_names_hostile_ones_as_typed(tmp_path: Path, emulator) -> None:
    _rename(emulator, 7003, HOSTILE)  # «Партнёрские встречи» renamed before the first sync
    cfg = make_config(tmp_path, emulator.url, amocrm={"pipelines": [7001, 7002, 7003]})
    run_sync(cfg, progress=False)
    # pipelines.json: sort 1, 2, 3; 7001 the main one; 7002 archived; all three mapped by id
    assert pipelines(cfg) == [
        (7001, "Продажи", 1, True, False, True, False),
        (7002, "Старая воронка", 2, False, True, True, False),
        (7003, HOSTILE, 3, False, False, True, False),
    ]
    # every deal's pipeline has its name, and the deals are in more than one pipeline
    assert rows(cfg, "SELECT count(*) FROM deals d ANTI JOIN pipelines p USING (pipeline_id)") == [(0,)]
    assert rows(cfg, "SELECT count(DISTINCT pipeline_id) >= 2 FROM deals") == [(True,)]


def test_a_rename_shows_after_the_next_incremental_sync_and_a_deleted_pipeline_keeps_its_name(
    tmp_path: Path, emulator
) -> None:
    cfg = make_config(tmp_path, emulator.url, amocrm={"pipelines": [7001, 7002]})  # by id: a rename keeps it
    run_sync(cfg, progress=False)
    assert [r[:2] for r in pipelines(cfg)] == [
        (7001, "Продажи"),
        (7002, "Старая воронка"),
        (7003, "Партнёрские встречи"),
    ]
    assert [r[5] for r in pipelines(cfg)] == [True, True, False]  # 7003 is not mapped: its leads are no deals

    _rename(emulator, 7001, "Продажи 2027 🚀")
    with emulator.state.lock:  # «Партнёрские встречи» deleted in amoCRM
        emulator.state.pipelines = [p for p in emulator.state.pipelines if p["id"] != 7003]
    summary = run_sync(cfg, progress=False)  # the next sync, a minute later: the kept lists are young
    assert summary.mode == "incremental" and summary.reference_read
    assert "the account's pipelines changed" in " ".join(summary.warnings)
    assert pipelines(cfg) == [
        (7001, "Продажи 2027 🚀", 1, True, False, True, False),
        (7002, "Старая воронка", 2, False, True, True, False),
        (7003, "Партнёрские встречи", 3, False, False, False, True),  # kept, with the name it had
    ]

    # renamed back: the row follows again, and the deleted one stays as it was
    _rename(emulator, 7001, "Продажи")
    run_sync(cfg, progress=False)
    assert [r[1] for r in pipelines(cfg)] == ["Продажи", "Старая воронка", "Партнёрские встречи"]
    assert [r[6] for r in pipelines(cfg)] == [False, False, True]


@pytest.mark.parametrize(
    "rename, key, new",
    [
        (("pipeline", 7001, "Продажи 2027"), "pipelines[0]", "'Продажи 2027'"),
        (("status", 70012, "Переговоры с клиентом"), "stages[0].status", "'Переговоры с клиентом'"),
    ],
)
def test_a_name_in_the_config_renamed_in_amocrm_is_told_with_its_new_name(config, emulator, rename, key, new) -> None:
    """Decided: a pipeline or status the config names is never re-resolved behind the user's back (a rename may
    be a repurposed pipeline, and the build reads the same names); the sync stops and says what it is called now."""
    run_sync(config, progress=False)
    what, item_id, name = rename
    with emulator.state.lock:
        for p in emulator.state.pipelines:
            for item in [p] if what == "pipeline" else p["_embedded"]["statuses"]:
                if item["id"] == item_id:
                    item["name"] = name
    with pytest.raises(ConfigError) as failed:
        run_sync(config, progress=False)
    message = str(failed.value)
    assert f"[amocrm].{key}" in message and new in message and f"id {item_id}" in message
    # and again on the next run: the names of the last good sync are kept until the config is fixed
    with pytest.raises(ConfigError, match="now named"):
        run_sync(config, progress=False)


def test_a_deleted_pipelines_stage_history_survives_a_full_remap(tmp_path: Path, emulator) -> None:
    """Deal 3006 reached «Переговоры (старые)» of «Старая воронка» (negotiation, on 2025-06-09 05:00 UTC by its
    fixture event), then moved to «Продажи»; then «Старая воронка» was deleted in amoCRM. The account no longer
    lists that pipeline's statuses, so a full remap mapped the deal's event to no stage and its negotiation was
    lost: the remap keeps the stage each status last had, marked as from a deleted pipeline."""
    from datetime import UTC, datetime

    from tests.amocrm.conftest import MAPPING, make_config
    from tests.amocrm.test_sync import stages

    cfg = make_config(tmp_path, emulator.url)
    run_sync(cfg, progress=False)
    negotiated = stages(cfg)[(3006, "negotiation")]
    assert negotiated[0] == datetime(2025, 6, 9, 5, 0, tzinfo=UTC)  # 1749445200
    with emulator.state.lock:  # moved to «Продажи» / «Первичный контакт», then «Старая воронка» deleted
        emulator.state.leads[3006].update(pipeline_id=7001, status_id=70011, updated_at=emulator.state.tick())
        emulator.state.pipelines = [p for p in emulator.state.pipelines if p["id"] != 7002]
    section = {  # the config stops naming it (the sync asks for that)
        "pipelines": ["Продажи"],
        "stages": [s for s in MAPPING["stages"] if s.get("pipeline") != "Старая воронка"],
    }
    cfg = make_config(tmp_path, emulator.url, amocrm=section)
    for full in (False, True):  # the deal changed (mapped again), then a full remap of every deal
        run_sync(cfg, full=full, progress=False)
        assert rows(cfg, "SELECT pipeline_id, status_id, stage FROM deals WHERE deal_id = 3006") == [
            (7001, 70011, "lead")
        ]
        assert stages(cfg)[(3006, "negotiation")] == negotiated
    # the status keeps its name and its stage, marked as from a deleted pipeline (the account's own ones too)
    kept = "SELECT pipeline_id, status_id, status_name, stage, pipeline_deleted FROM amocrm_statuses"
    assert rows(cfg, f"{kept} WHERE pipeline_id = 7002 ORDER BY status_id") == [
        (7002, 142, "Успешно реализовано", "first_sale", True),
        (7002, 143, "Закрыто и не реализовано", None, True),
        (7002, 70020, "Неразобранное", "lead", True),
        (7002, 70021, "Переговоры (старые)", "negotiation", True),
    ]
    assert rows(cfg, f"{kept} WHERE pipeline_id = 7001 AND status_id = 70012") == [
        (7001, 70012, "Переговоры", "negotiation", False)
    ]
