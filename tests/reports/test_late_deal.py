"""A late deal — created after its partner's first sale, never at first_sale — as acquiring deal:
the spec's default (`[reports] late_deal_acquires = true`) and the opt-out (false), worked out by hand.

Moscow time (UTC+3); as_of 2026-06-15; default bonus rules (first sale 5 000.00, × 1.5 cold; months 0…5
pay 10 % of revenue). Managers: 1 Anna (sales), 3 Vera (development; she opens the development deals).
- PL "Late": first sale Mar 10 (revenue 1 000.00); its only deal 201 (Vera, not cold) created May 1,
  never at first_sale in amoCRM → the late deal: acquiring by default, none with false.
- PE "Early": deal 202 (Anna, cold) created Feb 1 → reaches first_sale by the platform on Mar 12
  (revenue 2 000.00); Vera's deal 204 of May 2 is late too but loses to it either way.
- PM "Moved": first sale Mar 15 (revenue 3 000.00); deal 203 (Vera) created May 1 and moved to the
  first-sale status in amoCRM on May 5 → it reached first_sale: acquiring either way.
- PN "Not yet": no sales; deal 205 (Anna) created May 1 → acquiring by the fallback either way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as M

import duckdb
import ibis
import pytest

from salesglass.model.schema import CANONICAL
from salesglass.reports import data_quality as dq
from salesglass.reports.base import BuildParams, Canon, nullable
from salesglass.reports.config import ReportsConfig
from salesglass.warehouse import init_canonical
from tests.reports.canon_io import dated_for, doctor_quality, load_duckdb

AS_OF = date(2026, 6, 15)
TZ = "Europe/Moscow"


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def _partner(pid: str) -> dict:
    return dict(partner_id=pid, name=pid, kind="organizer", development_manager_id=3, created_at=utc(2026, 1, 1))


def _deal(i: int, mgr: int, partner: str, created: datetime, cold: bool = False) -> dict:
    return dict(
        deal_id=i, name=f"deal {i}", pipeline_id=1, status_id=10, sales_manager_id=mgr, partner_id=partner,
        client_kind="organizer", is_cold=cold, created_at=created, updated_at=created,
        is_won=False, is_lost=False, is_deleted=False,
    )  # fmt: skip


def _sale(sid: str, partner: str, at: datetime, revenue: str) -> dict:
    return dict(
        sale_id=sid, partner_id=partner, sold_at=at, tickets=1, turnover=M(revenue) * 10, revenue=M(revenue),
        cost=M("0.00"), channel="widget",
    )  # fmt: skip


DEALS = [
    _deal(201, 3, "PL", utc(2026, 5, 1, 9)),
    _deal(202, 1, "PE", utc(2026, 2, 1, 9), cold=True),
    _deal(204, 3, "PE", utc(2026, 5, 2, 9)),
    _deal(203, 3, "PM", utc(2026, 5, 1, 9)),
    _deal(205, 1, "PN", utc(2026, 5, 1, 9)),
]
DATA = {
    "managers": [
        dict(manager_id=1, name="Anna", email="anna@example.ru", role="sales", is_active=True),
        dict(manager_id=3, name="Vera", email="vera@example.ru", role="development", is_active=True),
    ],
    "partners": [_partner(p) for p in ("PL", "PE", "PM", "PN")],
    "deals": DEALS,
    "deal_stages": [
        *[dict(deal_id=d["deal_id"], stage="lead", reached_at=d["created_at"], source="created") for d in DEALS],
        dict(deal_id=203, stage="first_sale", reached_at=utc(2026, 5, 5, 9), source="amocrm"),
    ],
    "sales": [
        _sale("s1", "PL", utc(2026, 3, 10, 9), "1000.00"),
        _sale("s2", "PE", utc(2026, 3, 12, 9), "2000.00"),
        _sale("s3", "PM", utc(2026, 3, 15, 9), "3000.00"),
    ],
}
MAR = date(2026, 3, 1)


def _tables(canon: Canon, params: BuildParams, keep, run, extra: dict | None = None) -> dict[str, list[dict]]:
    """The tables these tests read, as the build computes them (`keep` materialises a step's table, `run`
    executes an expression): the derived helpers up to the acquiring deals, then the reports that read
    them; plan-fact's new-partner facts come from its month facts (the rest of plan-fact needs the forecast
    backtest: minutes, not seconds). `extra`: more reports (name → build function) to compute alongside."""
    from dataclasses import replace

    from salesglass.reports import bonus_lines, new_partners, plan_fact
    from salesglass.reports.derive import STEPS, as_of

    canon = as_of.visible(canon, params)
    for name, step in STEPS[: [n for n, _ in STEPS].index("acquiring_deals") + 1]:
        canon = replace(canon, **{name: keep(name, step(canon, params))})
    exprs = {
        "acquiring_deals": canon.acquiring_deals,
        "bonus_lines": bonus_lines.build(canon, params),
        "plan_fact_facts": plan_fact._month_facts(canon, params),
        "report_new_partners": new_partners.build(canon, params),
        "report_data_quality": dq.build(canon, params),
        **{name: fn(canon, params) for name, fn in (extra or {}).items()},
    }
    return {name: run(e).to_pylist() for name, e in exprs.items()}


def params_of(late_deal_acquires: bool | None) -> BuildParams:
    rules = {} if late_deal_acquires is None else {"late_deal_acquires": late_deal_acquires}
    # the zone's offsets from the data's first year, as the build writes them (canon_io.dated)
    return dated_for(BuildParams(AS_OF, TZ, ReportsConfig.model_validate(rules)), DATA)


def on_duckdb(data: dict, params: BuildParams, extra: dict | None = None) -> dict[str, list[dict]]:
    """The acquiring deals, bonus lines, plan-fact credit and data quality of `data` (and the `extra`
    reports), built on DuckDB."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    init_canonical(con)
    load_duckdb(con, data)
    backend = ibis.duckdb.from_connection(con)
    canon = Canon(**{t.name: backend.table(t.name) for t in CANONICAL})
    try:
        keep = lambda n, e: backend.create_table(f"derived_{n}", nullable(e), overwrite=True)  # noqa: E731
        return _tables(canon, params, keep, backend.to_pyarrow, extra)
    finally:
        con.close()


def reports(late_deal_acquires: bool | None) -> dict[str, list[dict]]:
    return on_duckdb(DATA, params_of(late_deal_acquires))


@pytest.fixture(scope="module")
def by_setting() -> dict[bool | None, dict[str, list[dict]]]:
    """The tables with the setting left out (the default), true and false."""
    return {value: reports(value) for value in (None, True, False)}


def acquiring(r: dict) -> set[tuple]:
    return {(x["partner_id"], x["deal_id"], x["sales_manager_id"]) for x in r["acquiring_deals"]}


def sales_lines(r: dict) -> set[tuple]:
    return {
        (x["month"], x["manager_id"], x["rule"], x["partner_id"], x["deal_id"], x["amount"])
        for x in r["bonus_lines"]
        if x["role"] == "sales"
    }


def new_partner_credit(r: dict) -> set[tuple]:
    """Plan-fact: new partners credited to a sales manager in March (the company row apart; ×100 cents)."""
    return {(x["mkey"], x["new_partners"]) for x in r["plan_fact_facts"] if x["month"] == MAR and x["mkey"] > 0}


def quality(r: dict) -> dict[str, int]:
    return {x["reason"]: x["rows"] for x in r["report_data_quality"]}


# lines and acquiring deals every setting shares: PE by Anna's cold deal 202, PM by Vera's moved deal 203
COMMON_ACQUIRING = {("PE", 202, 1), ("PM", 203, 3), ("PN", 205, 1)}
COMMON_LINES = {
    (MAR, 1, "first_sale", "PE", 202, M("7500.00")),  # 5 000 × 1.5 (cold)
    (MAR, 1, "acquisition_share", "PE", 202, M("200.00")),  # 10 % × 2 000.00
    (MAR, 3, "first_sale", "PM", 203, M("5000.00")),  # moved to first_sale in amoCRM: still acquiring
    (MAR, 3, "acquisition_share", "PM", 203, M("300.00")),  # 10 % × 3 000.00
}
PL_LINES = {
    (MAR, 3, "first_sale", "PL", 201, M("5000.00")),  # Vera's late development deal, not cold
    (MAR, 3, "acquisition_share", "PL", 201, M("100.00")),  # 10 % × 1 000.00
}


def test_acquiring_deal(by_setting):
    assert acquiring(by_setting[None]) == acquiring(by_setting[True]) == COMMON_ACQUIRING | {("PL", 201, 3)}
    assert acquiring(by_setting[False]) == COMMON_ACQUIRING  # PL has no acquiring deal


def test_sales_bonus_lines(by_setting):
    assert sales_lines(by_setting[None]) == sales_lines(by_setting[True]) == COMMON_LINES | PL_LINES
    assert sales_lines(by_setting[False]) == COMMON_LINES  # nobody earns sales bonuses for PL


def test_new_partners_credited_in_plan_fact(by_setting):
    # March's new partners PL, PE, PM: Anna brought PE; Vera PM, and PL through her late deal by default
    # (plan-fact counts in hundredths)
    assert new_partner_credit(by_setting[None]) == new_partner_credit(by_setting[True]) == {(1, 100), (3, 200)}
    assert new_partner_credit(by_setting[False]) == {(1, 100), (3, 100)}


def test_new_partners_report_counts_first_sale_stages_only(by_setting):
    # report_new_partners counts deals at first_sale: 202 in March (platform, Mar 12), 203 in May (amoCRM);
    # the late deal 201 never reached it, whatever the setting
    for r in by_setting.values():
        firsts = {(x["month"], x["sales_manager_id"]) for x in r["report_new_partners"] if x["first_sales"]}
        assert firsts == {(MAR, 1), (date(2026, 5, 1), 3)}


def test_data_quality_counts_the_late_deal_either_way(by_setting):
    # PL; not PE (202 reached first sale), not PM (203 moved), not PN (has not sold)
    assert [quality(r).get(dq.LATE_DEAL) for r in by_setting.values()] == [1, 1, 1]


@pytest.mark.clickhouse
@pytest.mark.parametrize("value", [True, False])
def test_late_deal_setting_on_clickhouse(value):
    from salesglass.reports.clickhouse import materialize_in_chdb
    from tests.reports.canon_io import chdb_session, run_chdb, unbound_canon

    s = chdb_session(DATA)
    keep = lambda n, e: materialize_in_chdb(s, n, e)  # noqa: E731
    r = _tables(unbound_canon(), params_of(value), keep, lambda e: run_chdb(s, e))
    assert acquiring(r) == COMMON_ACQUIRING | ({("PL", 201, 3)} if value else set())
    assert sales_lines(r) == COMMON_LINES | (PL_LINES if value else set())
    assert new_partner_credit(r) == {(1, 100), (3, 200 if value else 100)}
    assert quality(r).get(dq.LATE_DEAL) == 1


def test_doctor_counts_the_late_deal(tmp_path):
    """`salesglass doctor` computes data quality on the plain warehouse (amoCRM stages only, no derived
    tables): the row is there too."""
    got = doctor_quality(DATA, TZ, AS_OF)
    assert got.get(dq.LATE_DEAL) == 1


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_data_quality_page_labels_the_row(lang):
    from salesglass.serve.i18n import Formatter
    from salesglass.serve.web.reasons import reason_label

    shown = reason_label(Formatter(lang, "RUB").t, dq.LATE_DEAL)
    assert shown.startswith({"ru": "у партнёра с продажами все сделки созданы после", "en": "partner with sales"}[lang])
    assert "late_deal_acquires = false" in shown  # names the setting that stops the payment
