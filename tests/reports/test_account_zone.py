"""The account time zone is resolved once (config key → the amoCRM account's own setting → Moscow) and
every monthly report takes its periods in it.

A tiny company whose amoCRM account is not in Moscow, built with a config that has NO time-zone key:
- partner P1's first sale at 23:30 local time on Jan 31 2025, and a deal won at that same minute;
- a second sale at 00:30 local time on Feb 1 2025.
Kaliningrad (UTC+2) is an hour behind Moscow, so its 23:30 on Jan 31 is 00:30 Feb 1 in Moscow;
Novosibirsk (UTC+7) is four hours ahead, so its 00:30 on Feb 1 is 20:30 Jan 31 in Moscow. Either way a
Moscow calendar moves one of the two sales into the wrong month; the account's own calendar does not.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from typer.testing import CliRunner

from salesglass.account_zone import AccountZone, resolve_zone
from salesglass.config import Config, parse_config
from salesglass.reports.build import run_build
from salesglass.warehouse import connect
from tests.reports.conftest import load_company

AS_OF = date(2025, 2, 15)


def local(zone: str, *a: int) -> datetime:
    """A wall time of the account, as the UTC instant the warehouse stores."""
    return datetime(*a, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def company(zone: str) -> dict:
    evening = local(zone, 2025, 1, 31, 23, 30)  # the last evening of January, local time
    morning = local(zone, 2025, 2, 1, 0, 30)  # just after midnight on February 1, local time
    deal = dict(
        deal_id=1,
        name="deal 1",
        pipeline_id=1,
        status_id=142,
        price=Decimal("120000.00"),
        sales_manager_id=1,
        partner_id="P1",
        client_kind="organizer",
        is_cold=False,
        created_at=evening - timedelta(days=20),
        updated_at=evening,
        closed_at=evening,
        is_won=True,
        is_lost=False,
        is_deleted=False,
    )
    return {
        "managers": [dict(manager_id=1, name="Anna", email="anna@example.ru", role="sales", is_active=True)],
        "partners": [
            dict(
                partner_id="P1",
                name="Alpha",
                kind="organizer",
                development_manager_id=None,
                contract_signed_at=None,
                widget_installed_at=None,
                is_support=False,
                created_at=local(zone, 2024, 12, 1),
            )
        ],
        "deals": [deal],
        "deal_stages": [
            dict(deal_id=1, stage="lead", reached_at=deal["created_at"], source="created"),
            dict(deal_id=1, stage="first_sale", reached_at=evening, source="amocrm"),
        ],
        "sales": [
            dict(
                sale_id="evening",
                partner_id="P1",
                event_id=None,
                sold_at=evening,
                tickets=2,
                turnover=Decimal("1000.00"),
                revenue=Decimal("100.00"),
                cost=Decimal("30.00"),
                channel="widget",
            ),
            dict(
                sale_id="morning",
                partner_id="P1",
                event_id=None,
                sold_at=morning,
                tickets=1,
                turnover=Decimal("500.00"),
                revenue=Decimal("50.00"),
                cost=Decimal("15.00"),
                channel="widget",
            ),
        ],
    }


def synced_account(cfg: Config, zone: str | None) -> None:
    """The account row a sync stores (raw_amocrm_account, the API's /account with datetime_settings)."""
    from salesglass.sources.amocrm import store

    con = connect(cfg.warehouse_path)
    try:
        store.init_raw(con)
        account = {"id": 1, "name": "Test", "subdomain": "test"}
        if zone:
            account["_embedded"] = {"datetime_settings": {"timezone": zone}}
        store.replace_all(con, "raw_amocrm_account", [account])
    finally:
        con.close()


def config(tmp: Path, account: dict | None = None) -> Config:
    data = {"warehouse": {"path": "wh.duckdb", "published_path": "reports.duckdb"}}
    if account is not None:
        data["account"] = account
    return parse_config(data, base_dir=tmp)


def build(tmp: Path, account_zone: str | None, account_cfg: dict | None = None) -> duckdb.DuckDBPyConnection:
    cfg = config(tmp, account_cfg)
    load_company(cfg, company(account_zone or "Europe/Moscow"))
    synced_account(cfg, account_zone)
    run_build(cfg, as_of=AS_OF, progress=False)
    con = duckdb.connect(str(cfg.published_path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    return con


def monthly(con: duckdb.DuckDBPyConnection) -> dict:
    turnover = dict(
        con.execute(
            "SELECT period_start, fact FROM report_plan_fact WHERE period_type = 'month' "
            "AND manager_id IS NULL AND metric = 'turnover' AND fact <> 0"
        ).fetchall()
    )
    won = dict(
        con.execute(
            "SELECT month, sum(annual_budget_won) FROM report_monthly_deals WHERE deals_won > 0 GROUP BY month"
        ).fetchall()
    )
    cohorts = {r[0] for r in con.execute("SELECT cohort_month FROM report_cohorts").fetchall()}
    return {"turnover": turnover, "won": won, "cohorts": cohorts}


@pytest.mark.parametrize("zone", ["Europe/Kaliningrad", "Asia/Novosibirsk"])
def test_month_end_sales_land_in_the_accounts_own_month_without_a_zone_key(tmp_path: Path, zone: str):
    con = build(tmp_path, zone)
    try:
        got = monthly(con)
        jan, feb = date(2025, 1, 1), date(2025, 2, 1)
        assert got["turnover"] == {jan: Decimal("1000.00"), feb: Decimal("500.00")}  # 23:30 Jan 31 stays in Jan
        assert got["won"] == {jan: Decimal("120000.00")}  # won at 23:30 on Jan 31, local time
        assert got["cohorts"] == {jan}  # P1's first sale was on Jan 31, local time
        info = con.execute("SELECT DISTINCT timezone, timezone_source FROM build_info").fetchall()
        assert info == [(zone, "amocrm")]
    finally:
        con.close()


def test_an_explicit_zone_key_wins_over_the_accounts_setting(tmp_path: Path):
    # the Kaliningrad account, but the config says Moscow: its 23:30 on Jan 31 (00:30 Feb 1 Moscow) and
    # 00:30 on Feb 1 both fall in February
    con = build(tmp_path, "Europe/Kaliningrad", {"timezone": "Europe/Moscow"})
    try:
        got = monthly(con)
        assert got["turnover"] == {date(2025, 2, 1): Decimal("1500.00")}
        assert got["won"] == {date(2025, 2, 1): Decimal("120000.00")}
        info = con.execute("SELECT DISTINCT timezone, timezone_source FROM build_info").fetchall()
        assert info == [("Europe/Moscow", "config")]
    finally:
        con.close()


def test_resolution_order(tmp_path: Path):
    cfg = config(tmp_path)
    assert resolve_zone(cfg) == AccountZone("Europe/Moscow", "default")  # no warehouse yet
    load_company(cfg, {})
    assert resolve_zone(cfg).source == "default"  # a warehouse, but no amoCRM sync yet
    synced_account(cfg, "Asia/Novosibirsk")
    assert resolve_zone(cfg) == AccountZone("Asia/Novosibirsk", "amocrm")
    # a key set to the default value is still a choice, and wins
    assert resolve_zone(config(tmp_path, {"timezone": "Europe/Moscow"})) == AccountZone(
        "Europe/Moscow", "config", "[account] timezone"
    )
    # the older spelling under [amocrm] keeps working; [account] wins over it
    legacy = parse_config({"warehouse": {"path": "wh.duckdb"}, "amocrm": {"timezone": "Asia/Tomsk"}}, base_dir=tmp_path)
    assert resolve_zone(legacy) == AccountZone("Asia/Tomsk", "config", "[amocrm] timezone")
    both = parse_config(
        {
            "warehouse": {"path": "wh.duckdb"},
            "account": {"timezone": "Asia/Omsk"},
            "amocrm": {"timezone": "Asia/Tomsk"},
        },
        base_dir=tmp_path,
    )
    assert resolve_zone(both).name == "Asia/Omsk"
    # an account zone this machine does not know: the default, and why
    synced_account(cfg, "Mars/Olympus")
    zone = resolve_zone(cfg)
    assert (zone.name, zone.source) == ("Europe/Moscow", "default") and "Mars/Olympus" in zone.describe()


def test_default_as_of_is_today_in_the_accounts_zone(tmp_path: Path):
    cfg = config(tmp_path)
    load_company(cfg, company("Asia/Novosibirsk"))
    synced_account(cfg, "Asia/Novosibirsk")
    summary = run_build(cfg, progress=False)
    # read the clock either side: the build's "today" is one of these (a midnight may pass in between)
    assert summary.as_of in {
        datetime.now(ZoneInfo("Asia/Novosibirsk")).date(),
        (datetime.now(ZoneInfo("Asia/Novosibirsk")) - timedelta(minutes=5)).date(),
    }
    assert (summary.timezone, summary.timezone_source) == ("Asia/Novosibirsk", "amocrm")


def test_doctor_says_which_zone_and_where_it_came_from(tmp_path: Path):
    from salesglass.cli import app

    path = tmp_path / "salesglass.toml"
    path.write_text('[warehouse]\npath = "wh.duckdb"\npublished_path = "reports.duckdb"\n', encoding="utf-8")
    cfg = config(tmp_path)
    load_company(cfg, company("Asia/Novosibirsk"))
    runner = CliRunner()
    out = runner.invoke(app, ["doctor", "-c", str(path)])
    assert out.exit_code == 0, out.output
    assert "time zone: Europe/Moscow (the default" in " ".join(out.output.split())
    synced_account(cfg, "Asia/Novosibirsk")
    run_build(cfg, as_of=AS_OF, progress=False)
    out = runner.invoke(app, ["doctor", "-c", str(path)])
    text = " ".join(out.output.split())
    assert "time zone: Asia/Novosibirsk (from amoCRM: the account's own setting" in text
    assert "published reports were built in" not in text  # the last build used the same zone
    path.write_text(path.read_text() + '[account]\ntimezone = "Europe/Moscow"\n', encoding="utf-8")
    out = runner.invoke(app, ["doctor", "-c", str(path)])
    text = " ".join(out.output.split())
    assert "time zone: Europe/Moscow (from the config: [account] timezone)" in text
    assert "published reports were built in Asia/Novosibirsk" in text  # and says to rebuild
