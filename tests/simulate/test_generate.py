"""Same scale + seed + end → the same bytes; ensure_company reuses or regenerates; the command's errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesglass.cli import app
from salesglass.errors import SalesglassError
from salesglass.simulate.generate import ensure_company, generate

from .conftest import END


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes(company: Path, tmp_path: Path) -> None:
    again = generate(tmp_path / "again", "xs", 7, END)
    first, second = _files(company), _files(again)
    assert sorted(first) == sorted(second)
    expected = {
        "manifest.json",
        "backoffice.sqlite",
        "plans.xlsx",
        "truth/links.csv",
        "truth/injected.json",
        "truth/partners.csv",
        "amocrm/leads.jsonl",
        "amocrm/events.jsonl",
        "amocrm/companies.jsonl",
        "amocrm/oauth.json",
        "amocrm/account.json",
        "amocrm/users.json",
        "amocrm/pipelines.json",
        "amocrm/leads_custom_fields.json",
        "amocrm/companies_custom_fields.json",
    }
    assert expected <= set(first)
    for name in first:
        assert first[name] == second[name], name  # the SQLite file too, byte for byte


def test_another_seed_gives_another_company(company: Path, tmp_path: Path) -> None:
    other = generate(tmp_path / "other", "xs", 8, END)
    assert (other / "amocrm" / "leads.jsonl").read_bytes() != (company / "amocrm" / "leads.jsonl").read_bytes()


def test_ensure_company_reuses_then_regenerates(tmp_path: Path) -> None:
    out = tmp_path / "demo-company"
    ensure_company(out, scale="xs", seed=3, end=END)
    marker = out / "amocrm" / "leads.jsonl"
    stamp = marker.stat().st_mtime_ns
    ensure_company(out, scale="xs", seed=3, end=END)
    assert marker.stat().st_mtime_ns == stamp  # reused, not rewritten
    ensure_company(out, scale="xs", seed=4, end=END)
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert (manifest["seed"], manifest["end"], manifest["scale"]) == (4, END.isoformat(), "xs")
    assert not list(tmp_path.glob(".*generating"))


def test_refuses_a_folder_that_is_not_a_generated_company(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SalesglassError, match="not empty"):
        generate(tmp_path, "xs", 7, END)
    assert (tmp_path / "notes.txt").exists()


def test_history_ends_on_the_end_date(company: Path, backoffice) -> None:
    manifest = json.loads((company / "manifest.json").read_text("utf-8"))
    assert manifest["end"] == "2026-11-27" and manifest["start"] == "2025-11-01"
    last = backoffice.execute("SELECT max(done_at) FROM orders").fetchone()[0]
    assert "2026-11-20" < last < "2026-11-28"
    leads = [json.loads(x) for x in (company / "amocrm" / "leads.jsonl").read_text("utf-8").splitlines()]
    end_ts = 1795813200  # 2026-11-28 00:00 MSK
    assert max(lead["updated_at"] for lead in leads) < end_ts


def test_cli_generate_and_its_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["generate", "--scale", "xs", "--seed", "5", "--end", "2026-11-27", "--out", str(tmp_path / "c")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "c" / "manifest.json").exists()
    bad = runner.invoke(app, ["generate", "--scale", "huge", "--out", str(tmp_path / "d")])
    assert isinstance(bad.exception, SalesglassError) and "unknown scale" in str(bad.exception)
    bad = runner.invoke(app, ["generate", "--end", "27.11.2026", "--out", str(tmp_path / "d")])
    assert isinstance(bad.exception, SalesglassError) and "YYYY-MM-DD" in str(bad.exception)


def test_identical_across_processes_with_other_hash_seeds(company: Path, tmp_path: Path) -> None:
    """No dependence on str-hash randomisation (set order): a fresh interpreter gives the same bytes."""
    import os
    import subprocess
    import sys

    out = tmp_path / "subprocess"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "salesglass",
            "generate",
            "--scale",
            "xs",
            "--seed",
            "7",
            "--end",
            END.isoformat(),
            "--out",
            str(out),
        ],
        check=True,
        env=env,
        capture_output=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert _files(out) == _files(company)


def test_many_chunks_in_a_producer_process_give_the_same_bytes(tmp_path: Path, monkeypatch) -> None:
    """m and l write orders chunk by chunk while a second process generates the next chunk."""
    from dataclasses import replace

    from salesglass.simulate import stream
    from salesglass.simulate.scales import SCALES

    monkeypatch.setitem(SCALES, "xs", replace(SCALES["xs"], chunk_orders=1_000))
    parallel = generate(tmp_path / "parallel", "xs", 7, END)
    manifest = json.loads((parallel / "manifest.json").read_text("utf-8"))
    assert manifest["counts"]["order_chunks"] >= 2
    monkeypatch.setattr(stream.os, "cpu_count", lambda: 1)
    serial = generate(tmp_path / "serial", "xs", 7, END)
    assert _files(parallel) == _files(serial)


def test_later_chunks_number_their_events_and_refunds_after_the_earlier_ones(tmp_path, monkeypatch):
    """Ids are creation time + a mix of (table, row number); each chunk's rows must be numbered after the
    previous chunks' rows, else two rows created in the same second get the same id (scale l stopped on
    a repeated refund id after ~14 M orders: the numbering advanced by the number of columns)."""
    import sqlite3
    from dataclasses import replace

    from salesglass.simulate import scales

    monkeypatch.setitem(scales.SCALES, "xs", replace(scales.SCALES["xs"], chunk_orders=500))
    out = generate(tmp_path / "company", "xs", 7, END)
    assert json.loads((out / "manifest.json").read_text())["counts"]["order_chunks"] >= 3
    con = sqlite3.connect(out / "backoffice.sqlite")
    for table, column in (("events", "event_id"), ("refund_requests", "refund_id")):
        tails = [r[0][8:] for r in con.execute(f"SELECT {column} FROM {table}")]  # the row-number part
        assert len(tails) > 50 and len(set(tails)) == len(tails), table
    con.close()


def test_an_incremental_read_of_the_back_office_uses_an_index_on_its_watermark(company: Path) -> None:
    """A back-office that feeds incremental exports indexes the watermark column; without it every incremental
    load scans every order (docs/scale.md, the refresh at scale m)."""
    import sqlite3

    con = sqlite3.connect(f"file:{company / 'backoffice.sqlite'}?mode=ro", uri=True)
    try:
        for table in ("orders", "refund_requests", "partners"):
            plan = " ".join(
                str(r[-1])
                for r in con.execute(f"EXPLAIN QUERY PLAN SELECT * FROM {table} WHERE updated_at >= '2026-11-27'")
            )
            assert f"USING INDEX {table}_updated_at" in plan, (table, plan)
    finally:
        con.close()


def test_a_generation_paused_and_continued_gives_the_same_bytes(tmp_path: Path, monkeypatch) -> None:
    """Ctrl-Z and `fg` (SIGSTOP / SIGCONT) during a generation must not corrupt the chunks the producer
    process sends: a scale-l run failed after 30 minutes with "invalid load key" when it was paused."""
    import os
    import signal
    import threading
    from dataclasses import replace

    from salesglass.simulate import stream
    from salesglass.simulate.scales import SCALES

    monkeypatch.setitem(SCALES, "xs", replace(SCALES["xs"], chunk_orders=2_000))
    done = threading.Event()
    paused = 0

    def pause_the_producer() -> None:
        nonlocal paused
        me = str(os.getpid())
        while not done.is_set():
            for child in Path("/proc").glob("[0-9]*"):
                try:
                    fields = (child / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if fields[1] != me:  # the parent pid: our producer process
                    continue
                try:
                    os.kill(int(child.name), signal.SIGSTOP)
                    done.wait(0.02)
                    os.kill(int(child.name), signal.SIGCONT)
                except ProcessLookupError:  # it finished (and was reaped) between the two signals
                    continue
                paused += 1
            done.wait(0.01)

    pauser = threading.Thread(target=pause_the_producer, daemon=True)
    pauser.start()
    try:
        out = generate(tmp_path / "paused", "xs", 7, END)
    finally:
        done.set()
        pauser.join()
    assert paused >= 5
    assert json.loads((out / "manifest.json").read_text("utf-8"))["counts"]["order_chunks"] >= 2
    monkeypatch.setattr(stream.os, "cpu_count", lambda: 1)  # the same chunks made in this process
    assert _files(out) == _files(generate(tmp_path / "serial", "xs", 7, END))
