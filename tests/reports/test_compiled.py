"""A build reuses the SQL compiled by a former build with the same code, as_of, rules and schema
(reports/compiled.py) — and publishes exactly what compiling afresh publishes; a changed rule compiles
afresh. Built from copies of the golden company's warehouse (tests/reports/golden_company.py)."""

from __future__ import annotations

import shutil
from decimal import Decimal as M
from pathlib import Path

import duckdb

from salesglass.reports import compiled, registry
from salesglass.reports.build import run_build
from tests.reports import golden_company as g
from tests.reports.conftest import d, make_config, rows


def _copy_of(golden_cfg, tmp: Path, rules: dict):
    cfg = make_config(tmp, rules, g.TIMEZONE)
    shutil.copyfile(golden_cfg.warehouse_path, cfg.warehouse_path)
    return cfg


def _tables(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]

    # build_info says when; bonus_audit when the bonus state file was first made: both differ per build
    # floats to 12 significant digits: DuckDB's parallel sums add in a varying order (last-bit differences
    # between any two builds, kept SQL or not); published money is rounded far above that
    def steady(row: tuple) -> tuple:
        return tuple(float(f"{v:.12g}") if isinstance(v, float) else v for v in row)

    out = {
        n: sorted((steady(r) for r in con.execute(f'SELECT * FROM "{n}"').fetchall()), key=repr)
        for n in names
        if n not in ("build_info", "bonus_audit")
    }
    con.close()
    return out


def test_a_second_build_reuses_the_sql_from_the_file_and_publishes_the_same_tables(golden_cfg, tmp_path, capsys):
    cfg = _copy_of(golden_cfg, tmp_path, g.RULES)
    run_build(cfg, as_of=g.AS_OF, progress=False)
    first = _tables(cfg.published_path)
    assert first == _tables(golden_cfg.published_path)
    compiled._MEMORY.clear()  # as a new process: only the file next to the published one is left
    run_build(cfg, as_of=g.AS_OF, progress=True)
    out = capsys.readouterr().out
    steps = len(registry.DERIVED) + len(registry.all_reports())  # every table the build publishes
    assert f"SQL of {steps} steps reused" in " ".join(out.split())
    assert _tables(cfg.published_path) == first


def test_a_changed_rule_compiles_afresh(golden_cfg, tmp_path):
    # the golden company's first sales pay 5 000 (7 500 for the cold deal); now 6 000 (9 000)
    cfg = _copy_of(golden_cfg, tmp_path, {"bonus": {"acquisition_months": 2, "first_sale_fixed": "6000"}})
    run_build(cfg, as_of=g.AS_OF, progress=False)
    con = duckdb.connect(str(cfg.published_path), read_only=True)
    got = rows(con, "report_bonus_summary", "month, manager_id, total", "month <= DATE '2024-12-01'")
    con.close()
    assert got == [
        (d(2024, 10), 1, M("6300.00")),  # 6000 + 300
        (d(2024, 11), 1, M("6180.00")),  # 6000 + 150 + 30
        (d(2024, 12), 1, M("60.00")),
        (d(2024, 12), 2, M("9020.00")),  # 6000 × 1.5 + 20
    ]
