"""The refresh's build step skips a build only when nothing a build reads changed, salesglass's code included."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from salesglass.refresh import build_step
from salesglass.warehouse import connect, note_change


def test_an_upgrade_of_salesglass_rebuilds_even_when_no_data_changed(cfg, tmp_path, monkeypatch):
    """`git pull` + restart keeps the version number (0.1.0) but may change how a report is computed:
    the refresh right after must not say "no change since the last build" and keep the old reports."""
    con = connect(cfg.warehouse_path)
    note_change(con, "amocrm")
    con.close()
    Path(cfg.published_path).write_bytes(b"reports built by the old code")
    package = tmp_path / "installed"
    (package / "reports").mkdir(parents=True)
    report = package / "reports" / "funnel.py"
    report.write_text("CONVERSION = 'won / all'\n")
    monkeypatch.setattr(build_step, "PACKAGE_ROOT", package)
    build_step.code_fingerprint.cache_clear()
    try:
        day = date(2026, 12, 7)
        build_step.remember(cfg, build_step.inputs_fingerprint(cfg, day))
        assert build_step.up_to_date(cfg, build_step.inputs_fingerprint(cfg, day))  # same code: skipped

        report.write_text("CONVERSION = 'won / reached the stage'\n")  # the upgrade
        build_step.code_fingerprint.cache_clear()  # a new process after the restart

        assert not build_step.up_to_date(cfg, build_step.inputs_fingerprint(cfg, day))
    finally:
        build_step.code_fingerprint.cache_clear()
