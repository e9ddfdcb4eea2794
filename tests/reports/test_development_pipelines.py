"""`[amocrm] development_pipelines`: a won deal of a development pipeline never acquires a partner.

Same hand-made account style as test_late_deal.py: Moscow time, as_of 2026-06-15, default bonus rules
(first sale 5 000.00; months 0…5 pay 10 % of revenue). Pipelines: 1 «Новые клиенты» (acquisition),
2 «Развитие клиентов» (development). Managers: 1 Anna (sales), 3 Vera (development).
- PD "Dev only": its only deal 301 (Vera, pipeline 2) created Feb 1, won — at first_sale in amoCRM on
  Mar 5; first sale Mar 10 (revenue 1 000.00). Default: 301 acquires PD (Vera earns 5 000.00 + 100.00);
  with the setting: PD has no acquiring deal, nobody earns sales lines for it.
- PA "Acquired": Anna's deal 302 (pipeline 1) created Jan 10, at first_sale Mar 12 by the platform
  (revenue 2 000.00, first sale Mar 12); Vera's development deal 303 (pipeline 2) created Apr 1, won on
  May 5 → 302 reached first_sale earlier: it acquires PA either way (5 000.00 + 200.00 to Anna).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as M

import duckdb
import pytest

from salesglass.errors import ConfigError
from salesglass.reports import data_quality as dq
from salesglass.reports.base import BuildParams
from salesglass.reports.config import ReportsConfig
from salesglass.reports.development import development_ids
from salesglass.warehouse import init_canonical
from tests.reports.canon_io import load_duckdb
from tests.reports.test_late_deal import _partner, _sale, _tables, acquiring, on_duckdb, quality, sales_lines

AS_OF = date(2026, 6, 15)
TZ = "Europe/Moscow"
MAR = date(2026, 3, 1)
NEW, DEV = 1, 2


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def _deal(i: int, mgr: int, partner: str, pipeline: int, created: datetime, won: bool) -> dict:
    return dict(
        deal_id=i, name=f"deal {i}", pipeline_id=pipeline, status_id=142 if won else 10, sales_manager_id=mgr,
        partner_id=partner, client_kind="organizer", is_cold=False, created_at=created, updated_at=created,
        is_won=won, is_lost=False, is_deleted=False,
    )  # fmt: skip


DEALS = [
    _deal(301, 3, "PD", DEV, utc(2026, 2, 1, 9), won=True),
    _deal(302, 1, "PA", NEW, utc(2026, 1, 10, 9), won=False),
    _deal(303, 3, "PA", DEV, utc(2026, 4, 1, 9), won=True),
]
PIPELINES = [(NEW, "Новые клиенты"), (DEV, "Развитие клиентов")]
DATA = {
    "managers": [
        dict(manager_id=1, name="Anna", email="anna@example.ru", role="sales", is_active=True),
        dict(manager_id=3, name="Vera", email="vera@example.ru", role="development", is_active=True),
    ],
    "pipelines": [
        dict(pipeline_id=p, name=n, sort=p, is_main=p == NEW, is_archive=False, is_mapped=True, is_deleted=False)
        for p, n in PIPELINES
    ],
    "partners": [_partner(p) for p in ("PD", "PA")],
    "deals": DEALS,
    "deal_stages": [
        *[dict(deal_id=d["deal_id"], stage="lead", reached_at=d["created_at"], source="created") for d in DEALS],
        dict(deal_id=301, stage="first_sale", reached_at=utc(2026, 3, 5, 9), source="amocrm"),
        dict(deal_id=303, stage="first_sale", reached_at=utc(2026, 5, 5, 9), source="amocrm"),
    ],
    "sales": [
        _sale("s1", "PD", utc(2026, 3, 10, 9), "1000.00"),
        _sale("s2", "PA", utc(2026, 3, 12, 9), "2000.00"),
    ],
}

PA_LINES = {
    (MAR, 1, "first_sale", "PA", 302, M("5000.00")),
    (MAR, 1, "acquisition_share", "PA", 302, M("200.00")),  # 10 % × 2 000.00
}
PD_LINES = {
    (MAR, 3, "first_sale", "PD", 301, M("5000.00")),  # Vera's won development deal, by default
    (MAR, 3, "acquisition_share", "PD", 301, M("100.00")),  # 10 % × 1 000.00
}


def params_of(development: list[int | str]) -> BuildParams:
    ids = development_ids(development, PIPELINES)
    return BuildParams(AS_OF, TZ, ReportsConfig(), development_pipelines=ids)


def reports(development: list[int | str]) -> dict[str, list[dict]]:
    return on_duckdb(DATA, params_of(development))


SETTINGS = {"default": [], "by name": ["  развитие КЛИЕНТОВ "], "by id": [DEV]}


@pytest.fixture(scope="module")
def by_setting() -> dict[str, dict[str, list[dict]]]:
    return {name: reports(value) for name, value in SETTINGS.items()}


def test_names_and_ids_resolve_to_the_development_pipeline():
    assert params_of(["Развитие клиентов"]).development_pipelines == (DEV,)
    assert params_of(["2", "Развитие клиентов"]).development_pipelines == (DEV,)
    assert params_of([]).development_pipelines == ()


def test_a_won_development_deal_acquires_by_default_only(by_setting):
    assert acquiring(by_setting["default"]) == {("PD", 301, 3), ("PA", 302, 1)}
    assert acquiring(by_setting["by name"]) == acquiring(by_setting["by id"]) == {("PA", 302, 1)}


def test_sales_bonus_lines(by_setting):
    assert sales_lines(by_setting["default"]) == PA_LINES | PD_LINES
    # PD: no first-sale or acquisition-share line for anybody; PA's acquisition deal still pays Anna
    assert sales_lines(by_setting["by name"]) == sales_lines(by_setting["by id"]) == PA_LINES


def test_data_quality_counts_the_partner_nobody_acquired(by_setting):
    # PD sells and its only deal is a development deal: counted with the setting; PA has Anna's deal
    assert dq.DEVELOPMENT_ONLY not in quality(by_setting["default"])
    assert quality(by_setting["by name"])[dq.DEVELOPMENT_ONLY] == quality(by_setting["by id"])[dq.DEVELOPMENT_ONLY] == 1


@pytest.mark.clickhouse
def test_development_pipelines_on_clickhouse():
    from salesglass.reports.clickhouse import materialize_in_chdb
    from tests.reports.canon_io import chdb_session, run_chdb, unbound_canon

    s = chdb_session(DATA)
    keep = lambda n, e: materialize_in_chdb(s, n, e)  # noqa: E731
    r = _tables(unbound_canon(), params_of(["Развитие клиентов"]), keep, lambda e: run_chdb(s, e))
    assert acquiring(r) == {("PA", 302, 1)}
    assert sales_lines(r) == PA_LINES
    assert quality(r)[dq.DEVELOPMENT_ONLY] == 1


def test_an_unknown_name_is_a_config_error_naming_the_key():
    with pytest.raises(ConfigError, match=r"\[amocrm\]\.development_pipelines\[1\]: no pipeline named 'Развитие'"):
        development_ids([DEV, "Развитие"], PIPELINES)
    with pytest.raises(ConfigError, match=r"development_pipelines\[0\].*knows no pipelines yet.*sync"):
        development_ids(["Развитие клиентов"], [])  # a warehouse synced before the pipelines table existed
    assert development_ids([DEV], []) == (DEV,)  # an id needs no name


def test_the_build_refuses_an_unknown_name_before_building(tmp_path):
    """`salesglass build` resolves the names against the warehouse's pipelines table: a wrong one stops it
    with the key named, and nothing is published."""
    from salesglass.config import Config
    from salesglass.reports.build import run_build

    wh = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(wh))
    init_canonical(con)
    load_duckdb(con, {"pipelines": DATA["pipelines"]})
    con.close()
    cfg = Config.model_validate(
        {
            "base_dir": str(tmp_path),
            "warehouse": {"path": str(wh)},
            "amocrm": {"development_pipelines": ["Развитие партнёров"]},
        }
    )
    with pytest.raises(ConfigError, match=r"\[amocrm\]\.development_pipelines\[0\].*'Развитие клиентов'"):
        run_build(cfg, as_of=AS_OF, progress=False)
    assert not cfg.published_path.exists()


def test_the_sync_refuses_an_unknown_name():
    """The sync checks the names against the live account, as it does `[amocrm] pipelines`."""
    from salesglass.simulate.crm_setup import pipelines
    from salesglass.sources.amocrm.config import AmoCRMConfig
    from salesglass.sources.amocrm.resolve import resolve

    lists = dict(pipelines=pipelines(), lead_fields=[], company_fields=[], users=[], groups=[])
    resolve(AmoCRMConfig(development_pipelines=["Развитие клиентов"]), **lists)  # accepted
    with pytest.raises(ConfigError, match=r"\[amocrm\]\.development_pipelines\[0\]: no pipeline named 'Upsell'"):
        resolve(AmoCRMConfig(development_pipelines=["Upsell"]), **lists)


def test_doctor_counts_the_partner_nobody_acquired():
    """`salesglass doctor` resolves the setting against the warehouse as the build does."""
    from salesglass.account_zone import AccountZone
    from salesglass.reports.doctor import quality_rows

    con = duckdb.connect()
    init_canonical(con)
    load_duckdb(con, DATA)

    class Zone(AccountZone):
        def today(self) -> date:
            return AS_OF

    def counted(development: list[int | str] | None) -> int | None:
        return {reason: n for _, _, reason, n in quality_rows(con, Zone(TZ, "test"), development)}.get(
            dq.DEVELOPMENT_ONLY
        )

    assert (counted(None), counted(["Развитие клиентов"])) == (None, 1)
    con.close()


def test_inspect_proposes_the_development_pipeline_commented_out():
    """`amocrm inspect` proposes «Развитие клиентов» (by its name) as a commented line that loads once
    uncommented; the demo's config, written without the hint, stays as it was."""
    import tomllib

    from salesglass.simulate.crm_setup import pipelines
    from salesglass.sources.amocrm.config import AmoCRMConfig
    from salesglass.sources.amocrm.propose import propose

    hinted = propose(pipelines(), [], [], development_hint=True).splitlines()
    line = '# development_pipelines = ["Развитие клиентов"]'
    assert line in hinted
    assert AmoCRMConfig.model_validate(tomllib.loads(line.lstrip("# "))).development_pipelines == ["Развитие клиентов"]
    assert not any("development_pipelines" in x for x in propose(pipelines(), [], []).splitlines())
