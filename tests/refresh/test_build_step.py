"""The refresh's build step skips a build only when nothing a build reads changed, salesglass's code included."""

from __future__ import annotations

from datetime import date, datetime
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


def test_a_new_day_in_the_accounts_zone_rebuilds_once_though_no_data_changed(tmp_path, monkeypatch):
    """Run-rate, forecast, "as of" labels and partners' days silent depend on the day: a weekend without
    sales must still give Monday's reports on Monday. The refresh rebuilds on the first run of each day of
    the account's time zone (Novosibirsk, UTC+7, here: its midnight is 17:00 UTC), and only then."""
    from salesglass import account_zone
    from salesglass.reports import build
    from tests.refresh.conftest import make_config

    cfg = make_config(tmp_path, account={"timezone": "Asia/Novosibirsk"})
    con = connect(cfg.warehouse_path)
    note_change(con, "platform")  # data loaded once, on Friday; nothing changes after
    con.close()
    built: list[date] = []

    def report_build(cfg, as_of, **_):  # stands in for the report build: publishes a new file
        built.append(as_of)
        Path(cfg.published_path).write_text(f"reports as of {as_of}")

    monkeypatch.setattr(build, "run_build", report_build)

    def refresh_at(utc: str) -> build_step.BuildOutcome:
        class Clock(datetime):
            @classmethod
            def now(cls, tz=None):
                return datetime.fromisoformat(utc).astimezone(tz)

        monkeypatch.setattr(account_zone, "datetime", Clock)
        return build_step.build_if_changed(cfg)

    assert refresh_at("2026-12-04T10:00:00+00:00").built  # Friday 17:00 in Novosibirsk
    assert not refresh_at("2026-12-04T16:45:00+00:00").built  # Friday 23:45: no change
    saturday = refresh_at("2026-12-04T17:15:00+00:00")  # Saturday 00:15 there, still Friday in UTC and Moscow
    assert saturday.built and saturday.as_of == date(2026, 12, 5)
    assert not refresh_at("2026-12-05T09:00:00+00:00").built
    assert refresh_at("2026-12-06T09:00:00+00:00").built  # Sunday
    monday = refresh_at("2026-12-07T01:00:00+00:00")  # Monday 08:00 there
    assert monday.built and Path(cfg.published_path).read_text() == "reports as of 2026-12-07"
    assert not refresh_at("2026-12-07T01:15:00+00:00").built
    assert built == [date(2026, 12, 4), date(2026, 12, 5), date(2026, 12, 6), date(2026, 12, 7)]
