"""`[amocrm] development_pipelines`: a won deal of a development pipeline never acquires a partner.

Same hand-made account style as test_late_deal.py: Moscow time, as_of 2026-06-15, default bonus rules
(first sale 5 000.00; months 0…5 pay 10 % of revenue). Pipelines: 1 «Новые клиенты» (acquisition),
2 «Развитие клиентов» (development). Managers: 1 Anna (sales), 3 Vera (development).
- PD "Dev only": its only deal 301 (Vera, pipeline 2) created Feb 1, won — at first_sale in amoCRM on
  Mar 5; first sale Mar 10 (revenue 1 000.00). Default: 301 acquires PD (Vera earns 5 000.00 + 100.00);
  with the setting: PD has no acquiring deal, nobody earns sales lines for it.
- PA "Acquired": Anna's deal 302 (pipeline 1) created Jan 10, at first_sale Mar 12 by the platform
  (revenue 2 000.00, first sale Mar 12) and won that day (budget 200 000.00); Vera's development deal 303
  (pipeline 2) created Apr 1, won on May 5 (budget 50 000.00) → 302 reached first_sale earlier: it
  acquires PA either way (5 000.00 + 200.00 to Anna).
301 is won on Mar 5 (budget 100 000.00). No partner has a platform contract or widget date, so a deal
reaches every stage after `lead` when it reaches first_sale (implied stages): 301 on Mar 5, 302 on Mar 12,
303 on May 5 (PA's first sale of Mar 12 is before 303 existed: not its own).
The deal reports (new partners, funnel, weekly, monthly deals) count new business only: with the setting
they count 302 alone; by default all three deals.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as M

import duckdb
import pytest

from salesglass.errors import ConfigError
from salesglass.reports import data_quality as dq
from salesglass.reports import funnel, monthly_deals, new_partners, weekly
from salesglass.reports.base import BuildParams
from salesglass.reports.config import ReportsConfig
from salesglass.reports.development import development_ids
from salesglass.warehouse import init_canonical
from tests.reports.canon_io import dated_for, doctor_quality, load_duckdb
from tests.reports.test_late_deal import _partner, _sale, _tables, acquiring, on_duckdb, quality, sales_lines

AS_OF = date(2026, 6, 15)
TZ = "Europe/Moscow"
MAR = date(2026, 3, 1)
NEW, DEV = 1, 2


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def _deal(i: int, mgr: int, partner: str, pipeline: int, created: datetime, won: datetime, price: str) -> dict:
    return dict(
        deal_id=i, name=f"deal {i}", pipeline_id=pipeline, status_id=142, sales_manager_id=mgr,
        partner_id=partner, client_kind="organizer", is_cold=False, created_at=created, updated_at=won,
        closed_at=won, price=M(price), is_won=True, is_lost=False, is_deleted=False,
    )  # fmt: skip


DEALS = [
    _deal(301, 3, "PD", DEV, utc(2026, 2, 1, 9), utc(2026, 3, 5, 9), "100000.00"),
    _deal(302, 1, "PA", NEW, utc(2026, 1, 10, 9), utc(2026, 3, 12, 9), "200000.00"),
    _deal(303, 3, "PA", DEV, utc(2026, 4, 1, 9), utc(2026, 5, 5, 9), "50000.00"),
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
    # the zone's offsets from the data's first year, as the build writes them (canon_io.dated)
    return dated_for(BuildParams(AS_OF, TZ, ReportsConfig(), development_pipelines=ids), DATA)


DEAL_REPORTS = {
    "report_new_partners": new_partners.build,
    "report_funnel": funnel.build,
    "report_weekly": weekly.build,
    "report_monthly_deals": monthly_deals.build,
}


def reports(development: list[int | str]) -> dict[str, list[dict]]:
    return on_duckdb(DATA, params_of(development), DEAL_REPORTS)


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


JAN, FEB, APR, MAY = date(2026, 1, 1), date(2026, 2, 1), date(2026, 4, 1), date(2026, 5, 1)
ALL_STAGES = ("lead", "negotiation", "proposal", "contract_signed", "widget_installed", "first_sale")
# 302 alone (Anna): created Jan 10 (week of Jan 5), every later stage on Mar 12 (week of Mar 9), won Mar 12
NEW_BUSINESS = {
    "report_new_partners": {(MAR, 1, 1, 1, 1, 1)},  # month, manager, contracts, widgets, first sales, signed→selling
    "report_funnel": {(JAN, 1, stage, 1, 0) for stage in ALL_STAGES},  # cohort, manager, stage, deals, lost
    "report_weekly": {(date(2026, 1, 5), 1, 0, 0), (date(2026, 3, 9), 0, 1, 1)},  # created, widgets, first sales
    "report_monthly_deals": {(JAN, 1, 0, M("0.00"), 1), (MAR, 0, 1, M("200000.00"), 0)},  # created, won, budget, →sale
}
# …and by default Vera's development deals too: 301 created Feb 1 (a Sunday: week of Jan 26), at every
# stage and won on Mar 5 (week of Mar 2); 303 created Apr 1 (week of Mar 30), at every stage and won May 5
# (week of May 4)
ALL_DEALS = {
    "report_new_partners": NEW_BUSINESS["report_new_partners"] | {(MAR, 3, 1, 1, 1, 1), (MAY, 3, 1, 1, 1, 1)},
    "report_funnel": NEW_BUSINESS["report_funnel"] | {(m, 3, stage, 1, 0) for m in (FEB, APR) for stage in ALL_STAGES},
    "report_weekly": NEW_BUSINESS["report_weekly"]
    | {
        (date(2026, 1, 26), 1, 0, 0),
        (date(2026, 3, 2), 0, 1, 1),
        (date(2026, 3, 30), 1, 0, 0),
        (date(2026, 5, 4), 0, 1, 1),
    },
    "report_monthly_deals": {
        (JAN, 1, 0, M("0.00"), 1),
        (FEB, 1, 0, M("0.00"), 1),
        (MAR, 0, 2, M("300000.00"), 0),  # 302's 200 000.00 + 301's 100 000.00
        (APR, 1, 0, M("0.00"), 1),
        (MAY, 0, 1, M("50000.00"), 0),
    },
}
COLUMNS = {
    "report_new_partners": ("month", "sales_manager_id", "contracts_signed", "widgets_installed", "first_sales",
                            "signed_then_selling"),
    "report_funnel": ("cohort_month", "sales_manager_id", "stage", "deals", "lost_at_stage"),
    "report_weekly": ("week_start", "deals_created", "widget_installed", "first_sale"),
    "report_monthly_deals": ("month", "deals_created", "deals_won", "annual_budget_won", "created_reached_first_sale"),
}  # fmt: skip


def deal_rows(r: dict) -> dict[str, set[tuple]]:
    """The deal reports' rows (all of client kind organizer) as the tuples above."""
    assert {x["client_kind"] for name in COLUMNS for x in r[name]} == {"organizer"}
    return {name: {tuple(x[c] for c in cols) for x in r[name]} for name, cols in COLUMNS.items()}


def test_the_deal_reports_count_new_business_only(by_setting):
    """A development deal is more business with a partner someone already brought in: with the setting the
    new-partner counts, the funnel and the weekly and monthly deal figures leave it out."""
    assert deal_rows(by_setting["default"]) == ALL_DEALS
    assert deal_rows(by_setting["by name"]) == deal_rows(by_setting["by id"]) == NEW_BUSINESS


def test_the_funnel_times_of_the_new_business(by_setting):
    # 302: created Jan 10 09:00 UTC, later stages on Mar 12 09:00 → 21 + 28 + 12 = 61 days
    days = {x["stage"]: x["days_to_reach_sum"] for x in by_setting["by id"]["report_funnel"]}
    assert days == {"lead": 0.0, **{stage: 61.0 for stage in ALL_STAGES[1:]}}


@pytest.mark.clickhouse
def test_development_pipelines_on_clickhouse():
    from salesglass.reports.clickhouse import materialize_in_chdb
    from tests.reports.canon_io import chdb_session, run_chdb, unbound_canon

    s = chdb_session(DATA)
    keep = lambda n, e: materialize_in_chdb(s, n, e)  # noqa: E731
    r = _tables(unbound_canon(), params_of(["Развитие клиентов"]), keep, lambda e: run_chdb(s, e), DEAL_REPORTS)
    assert acquiring(r) == {("PA", 302, 1)}
    assert deal_rows(r) == NEW_BUSINESS
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

    def counted(development: list[int | str] | None) -> int | None:
        return doctor_quality(DATA, TZ, AS_OF, development).get(dq.DEVELOPMENT_ONLY)

    assert (counted(None), counted(["Развитие клиентов"])) == (None, 1)


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


@pytest.mark.parametrize(
    ("ids", "marked"),
    [
        ((), [(NEW, "Новые клиенты", False), (DEV, "Развитие клиентов", False)]),  # the default: none
        # 7: an id the table lacks (a warehouse synced before it existed) gets a row, without a name
        ((DEV, 7), [(NEW, "Новые клиенты", False), (DEV, "Развитие клиентов", True), (7, None, True)]),
    ],
)
def test_the_published_pipelines_mark_the_development_ones(ids, marked):
    """The build's copy of `pipelines` says which pipelines its reports treated as development ones, for
    the dashboard's drill-downs and the user's own BI tools."""
    from salesglass.reports.development import publish_flags

    con = duckdb.connect()
    init_canonical(con)
    load_duckdb(con, {"pipelines": DATA["pipelines"]})
    publish_flags(lambda q: con.execute(q).fetchall(), ids)
    assert con.execute("SELECT pipeline_id, name, is_development FROM pipelines ORDER BY 1").fetchall() == marked
    con.close()
