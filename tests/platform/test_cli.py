"""`salesglass load`, `link` and `doctor` as a user runs them: summaries, exit codes, the export file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from salesglass.demo.platform import platform_section
from salesglass.warehouse import connect, init_canonical
from tests.platform.conftest import add_amocrm_managers

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "salesglass", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_load_link_doctor_commands(backoffice, tmp_path):
    text = re.sub(r'^url = ".*?"', f'url = "sqlite:///{backoffice}"', platform_section(tmp_path), count=1, flags=re.M)
    text = re.sub(r'^path = ".*plans.xlsx"', "", text, flags=re.M)
    (tmp_path / "salesglass.toml").write_text('[warehouse]\npath = "wh.duckdb"\n' + text, encoding="utf-8")
    con = connect(tmp_path / "wh.duckdb")
    init_canonical(con)
    add_amocrm_managers(con)
    con.execute("INSERT INTO companies (company_id, name) VALUES (1, 'Ромашка ООО')")
    con.execute(
        "INSERT INTO deals (deal_id, name, company_id, created_at) VALUES (7, 'Ромашка', 1, now()), "
        "(8, 'Кассирр', NULL, now())"
    )
    con.close()

    load = _run("load", cwd=tmp_path)
    assert load.returncode == 0, load.stderr
    assert "orders" in load.stdout and "unknown development manager e-mail" in load.stdout
    link = _run("link", cwd=tmp_path)
    assert link.returncode == 0, link.stderr
    assert "linked 1 (name 1)" in link.stdout and "suggestions for review: 1" in link.stdout
    assert "relinked 2 of 2 deals (full)" in link.stdout  # the first run has nothing to compare with
    again = _run("link", cwd=tmp_path)
    assert "relinked 0 of 2 deals (incremental)" in again.stdout and "linked 1 (name 1)" in again.stdout
    assert "relinked 2 of 2 deals (full)" in _run("link", "--full", cwd=tmp_path).stdout
    doctor = _run("doctor", "--export", "review.csv", cwd=tmp_path)
    assert doctor.returncode == 0, doctor.stderr
    assert "unlinked deal" in doctor.stdout and "wrote 1 suggestions" in doctor.stdout
    assert (tmp_path / "review.csv").read_text(encoding="utf-8").splitlines()[1].startswith("8,p2,")


def test_wrong_config_exits_2_with_a_clear_message(tmp_path):
    (tmp_path / "empty.sqlite").write_bytes(b"")
    (tmp_path / "salesglass.toml").write_text(
        '[platform]\nurl = "sqlite:///empty.sqlite"\n[[platform.inputs]]\nname = "orders"\ntarget = "sales"\n'
        'table = "orders"\n',
        encoding="utf-8",
    )
    res = _run("load", cwd=tmp_path)
    assert res.returncode == 2
    # (cli.main prints with rich markup, which eats the "[platform]" prefix — reported to the lead)
    assert "input 'orders': cannot read table 'orders'" in res.stderr
    assert "Traceback" not in res.stderr
