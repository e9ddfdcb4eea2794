"""A stranger's company: every setting of the config and the model that the demo leaves alone, set otherwise.
Its every report row is worked out by hand in test_stranger.py.

Account: America/Sao_Paulo (UTC−3 all year since 2019), currency BRL. Weeks still start on Monday (not a
setting). as_of = Wednesday 18 November 2026: November is running (18 of 30 days), Q4 (49 of 92: 31 Oct
days + 18), 2026 (322 of 365); the cut-off is 00:00 on 19 November, São Paulo. Times below are São Paulo
wall times (`at`), so where an event counts is read off them.

Rules: late_deal_acquires = false; first_sale_fixed 3000.00, cold_multiplier 2, acquisition_months 3,
acquisition_rate 0.125 (0.15 from October 2026), growth_rate 0.075; declining min_baseline 500.00,
threshold 50 %. Development pipeline: "Desenvolvimento" (named, not by id).

Pipelines: 10 Vendas (main), 20 Agentes, 30 Desenvolvimento (development), 40 Arquivo (archived and not
mapped: its leads never became deals).

Managers: 11 Ivo (sales), 12 Lia (sales, left on 10 November: inactive; her deals stay hers), 13 Rui
(development), 14 Sol (both), 15 Tom (development, left: inactive; his partner Brisa was given to Sol, his
partner Gelo was not reassigned yet). The model keeps assignments as they are now.

Partners:
- A Aurora (organizer, Rui): deal 201 (Ivo, cold) created 20 Jul; the platform's contract 25 Jul and
  widget 28 Jul; a zero-ticket fee at 23:59:59 on 31 Jul (before its first sale), first sale at 00:00:00 on
  1 Aug (the month's first instant; amoCRM marks 201 won only on 3 Aug); a sale at 23:59:59 on 31 Oct
  (October's last instant); a refund of August money on 5 Nov; a sale at 00:00 on 19 Nov (after as_of).
  A deleted deal 200 would win 201's tie (same platform first sale, smaller id).
- B Brisa (operator, Sol, formerly Tom): deal 202 (Lia, pipeline Agentes) created 4 May; the platform's
  contract of 1 May predates the deal (not its own), amoCRM's contract 1 Jun; widget 10 Jul; first sale at
  23:59:59 on 31 Jul (July's last instant); then the same every month, a zero-ticket money line on 3 Nov
  and a small sale on 16 Nov: the declining one.
- C Cachoeira (organizer, no development manager): first sale 15 Sep, before its only sales deal 203
  (Ivo, 1 Oct, open: a late deal, which acquires nothing with late_deal_acquires = false); deal 204 (Sol,
  Desenvolvimento) won 2 Nov; in November only a zero-ticket money line.
- E Eco (operator, Rui): deal 205 (Ivo) was created in Vendas and moved to Desenvolvimento after it was won
  on 12 Oct; the model knows only the pipeline it is in now.
- G Gelo (organizer, Tom, inactive): no deal; first sale 10 Nov.
- H Horizonte (organizer, Sol): deal 210 (Sol) created at 23:59:59 on 18 Nov (as_of's last instant), deal
  209 at 00:00 on 19 Nov (not there yet); no sales.
- S Suporte (organizer, support, Rui).
Other sales: X404 (a partner the platform does not list) at 00:00 on 1 Sep; one without a partner at
23:59:59 on 18 Nov. Unlinked deals: 206 (Ivo, no client kind, lost 20 Oct "Preço alto"), 207 (Lia, lost
10 Nov "Gerente saiu"), 211 (Ivo, won at 09:00 on 19 Nov: still open as of 18 Nov).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from tests.reports.golden_company import _sale  # one sale row, the same shape as the golden company's

ZONE = "America/Sao_Paulo"
AS_OF = date(2026, 11, 18)
M = Decimal
CONFIG = {
    "account": {"timezone": ZONE, "currency": "BRL"},
    "amocrm": {"development_pipelines": ["Desenvolvimento"]},
    "reports": {
        "late_deal_acquires": False,
        "bonus": {
            "first_sale_fixed": "3000.00",
            "cold_multiplier": "2",
            "acquisition_months": 3,
            "acquisition_rate": "0.125",
            "growth_rate": "0.075",
            "changes": [{"valid_from": "2026-10", "acquisition_rate": "0.15"}],
        },
        "declining": {"min_baseline": "500.00", "threshold_pct": "50"},
    },
}
IVO, LIA, RUI, SOL, TOM = 11, 12, 13, 14, 15
VENDAS, AGENTES, DESENVOLVIMENTO, ARQUIVO = 10, 20, 30, 40


def at(*wall: int) -> datetime:
    """A São Paulo wall time as the UTC instant the warehouse stores."""
    return datetime(*wall, tzinfo=ZoneInfo(ZONE)).astimezone(UTC)


def _mgr(i: int, name: str, role: str, active: bool = True) -> dict:
    return dict(manager_id=i, name=name, email=f"{name.lower()}@exemplo.com.br", role=role, is_active=active)


def _pipeline(i: int, name: str, sort: int, main: bool = False, archive: bool = False, mapped: bool = True) -> dict:
    return dict(
        pipeline_id=i, name=name, sort=sort, is_main=main, is_archive=archive, is_mapped=mapped, is_deleted=False
    )


def _partner(pid: str, name: str, kind: str, dev: int | None, contract=None, widget=None, support=False) -> dict:
    return dict(
        partner_id=pid,
        name=name,
        kind=kind,
        development_manager_id=dev,
        contract_signed_at=contract,
        widget_installed_at=widget,
        is_support=support,
        created_at=at(2026, 1, 5, 9, 0),
    )


def _deal(i, pipeline, mgr, partner, kind, created, *, cold=False, won=None, lost=None, reason=None, price=None):
    closed = won or lost
    return dict(
        deal_id=i,
        name=f"negócio {i}",
        pipeline_id=pipeline,
        status_id=142 if won else 143 if lost else 1000 + i,
        price=M(price) if price else None,
        sales_manager_id=mgr,
        partner_id=partner,
        client_kind=kind,
        is_cold=cold,
        created_at=created,
        updated_at=closed or created,
        closed_at=closed,
        is_won=won is not None,
        is_lost=lost is not None,
        loss_reason=reason,
        is_deleted=False,
    )


def _st(deal: int, stage: str, reached_at: datetime) -> dict:
    return dict(deal_id=deal, stage=stage, reached_at=reached_at, source="amocrm")


DEALS = [
    {**_deal(200, VENDAS, IVO, "A", "organizer", at(2026, 7, 1, 10, 0)), "is_deleted": True},
    _deal(
        201,
        VENDAS,
        IVO,
        "A",
        "organizer",
        at(2026, 7, 20, 10, 0),
        cold=True,
        won=at(2026, 8, 3, 12, 0),
        price="50000.00",
    ),
    _deal(202, AGENTES, LIA, "B", "operator", at(2026, 5, 4, 9, 0), price="120000.00"),
    _deal(203, VENDAS, IVO, "C", "organizer", at(2026, 10, 1, 10, 0), cold=None),
    _deal(
        204,
        DESENVOLVIMENTO,
        SOL,
        "C",
        "organizer",
        at(2026, 10, 20, 10, 0),
        won=at(2026, 11, 2, 10, 0),
        price="30000.00",
    ),
    _deal(
        205,
        DESENVOLVIMENTO,
        IVO,
        "E",
        "operator",
        at(2026, 9, 20, 10, 0),
        won=at(2026, 10, 12, 10, 0),
        price="80000.00",
    ),
    _deal(206, VENDAS, IVO, None, None, at(2026, 10, 5, 10, 0), lost=at(2026, 10, 20, 10, 0), reason="Preço alto"),
    _deal(
        207, AGENTES, LIA, None, "operator", at(2026, 11, 9, 10, 0), lost=at(2026, 11, 10, 18, 0), reason="Gerente saiu"
    ),
    _deal(209, VENDAS, IVO, "H", "organizer", at(2026, 11, 19, 0, 0)),
    _deal(210, VENDAS, SOL, "H", "organizer", at(2026, 11, 18, 23, 59, 59)),
    _deal(211, AGENTES, IVO, None, "operator", at(2026, 11, 18, 10, 0), won=at(2026, 11, 19, 9, 0), price="10000.00"),
]
DEAL_STAGES = [  # as the amoCRM connector writes them: the creation, then the statuses' history
    *[dict(deal_id=d["deal_id"], stage="lead", reached_at=d["created_at"], source="created") for d in DEALS],
    _st(201, "negotiation", at(2026, 7, 21, 10, 0)),
    _st(201, "first_sale", at(2026, 8, 3, 12, 0)),
    _st(202, "negotiation", at(2026, 5, 10, 9, 0)),
    _st(202, "contract_signed", at(2026, 6, 1, 9, 0)),
    _st(204, "first_sale", at(2026, 11, 2, 10, 0)),
    _st(205, "negotiation", at(2026, 9, 25, 10, 0)),
    _st(205, "first_sale", at(2026, 10, 12, 10, 0)),
    _st(206, "negotiation", at(2026, 10, 7, 10, 0)),
    _st(207, "proposal", at(2026, 11, 10, 9, 0)),
    _st(211, "first_sale", at(2026, 11, 19, 9, 0)),  # after as_of
]
SALES = [
    _sale("a0", "A", at(2026, 7, 31, 23, 59, 59), 0, "0.00", "5.00", "0.00"),  # a fee, no tickets
    _sale("a1", "A", at(2026, 8, 1, 0, 0, 0), 10, "1000.00", "100.05", "40.00"),  # first sale
    _sale("a2", "A", at(2026, 9, 10, 12, 0), 5, "500.00", "60.04", "20.00"),
    _sale("a3", "A", at(2026, 10, 31, 23, 59, 59), 20, "2000.00", "240.30", "80.00"),
    _sale("a4", "A", at(2026, 11, 5, 10, 0), -2, "-200.00", "-20.01", "-8.00"),  # refund of August tickets
    _sale("a5", "A", at(2026, 11, 12, 15, 0), 8, "800.00", "180.00", "32.00"),
    _sale("a6", "A", at(2026, 11, 19, 0, 0, 0), 1, "100.00", "10.00", "1.00"),  # after as_of
    _sale("b1", "B", at(2026, 7, 31, 23, 59, 59), 30, "3000.00", "300.00", "150.00"),  # first sale
    _sale("b2", "B", at(2026, 8, 15, 12, 0), 30, "3000.00", "300.00", "150.00"),
    _sale("b3", "B", at(2026, 9, 15, 12, 0), 30, "3000.00", "300.00", "150.00"),
    _sale("b4", "B", at(2026, 10, 15, 12, 0), 30, "3000.00", "400.20", "150.00"),
    _sale("b5", "B", at(2026, 11, 3, 9, 0), 0, "0.00", "12.35", "0.00"),  # money without tickets
    _sale("b6", "B", at(2026, 11, 16, 12, 0), 5, "500.00", "50.00", "25.00"),
    _sale("c1", "C", at(2026, 9, 15, 10, 0), 4, "400.00", "40.00", "10.00"),  # first sale, before deal 203
    _sale("c2", "C", at(2026, 10, 10, 10, 0), 6, "600.00", "60.00", "15.00"),
    _sale("c3", "C", at(2026, 11, 7, 10, 0), 0, "0.00", "7.77", "0.00"),  # November: no tickets
    _sale("e1", "E", at(2026, 10, 10, 10, 0), 2, "200.00", "20.00", "5.00"),
    _sale("g1", "G", at(2026, 11, 10, 10, 0), 3, "300.00", "30.00", "9.00"),
    _sale("s1", "S", at(2026, 8, 20, 10, 0), 1, "50.00", "5.00", "1.00"),
    _sale("x1", "X404", at(2026, 9, 1, 0, 0, 0), 1, "70.00", "7.00", "2.00"),
    _sale("n1", None, at(2026, 11, 18, 23, 59, 59), 1, "30.00", "3.00", "1.00"),
]


def _plan(month: date, mgr: int | None, metric: str, realistic: str, optimistic: str | None) -> dict:
    return dict(
        month=month,
        manager_id=mgr,
        metric=metric,
        realistic=M(realistic),
        optimistic=M(optimistic) if optimistic else None,
    )


PLANS = [  # only some managers and months
    _plan(date(2026, 10, 1), None, "turnover", "6000.00", "7000.00"),
    _plan(date(2026, 11, 1), None, "turnover", "3000.00", "4000.00"),
    _plan(date(2026, 12, 1), None, "turnover", "3000.00", "3500.00"),  # after as_of: Q4 and 2026 only
    _plan(date(2026, 11, 1), None, "revenue", "600.00", None),  # no optimistic plan
    _plan(date(2026, 11, 1), RUI, "revenue", "300.00", "350.00"),
    _plan(date(2026, 9, 1), IVO, "new_partners", "2.00", "3.00"),
    _plan(date(2026, 11, 1), SOL, "margin", "-100.00", "0.00"),  # a planned loss
]

DATA = {
    "managers": [
        _mgr(IVO, "Ivo", "sales"),
        _mgr(LIA, "Lia", "sales", active=False),
        _mgr(RUI, "Rui", "development"),
        _mgr(SOL, "Sol", "both"),
        _mgr(TOM, "Tom", "development", active=False),
    ],
    "pipelines": [
        _pipeline(VENDAS, "Vendas", 1, main=True),
        _pipeline(AGENTES, "Agentes", 2),
        _pipeline(DESENVOLVIMENTO, "Desenvolvimento", 3),
        _pipeline(ARQUIVO, "Arquivo", 4, archive=True, mapped=False),
    ],
    "partners": [
        _partner("A", "Aurora", "organizer", RUI, contract=at(2026, 7, 25, 10, 0), widget=at(2026, 7, 28, 10, 0)),
        _partner("B", "Brisa", "operator", SOL, contract=at(2026, 5, 1, 10, 0), widget=at(2026, 7, 10, 10, 0)),
        _partner("C", "Cachoeira", "organizer", None),
        _partner("E", "Eco", "operator", RUI),
        _partner("G", "Gelo", "organizer", TOM),
        _partner("H", "Horizonte", "organizer", SOL),
        _partner("S", "Suporte", "organizer", RUI, support=True),
    ],
    "deals": DEALS,
    "deal_stages": DEAL_STAGES,
    "sales": SALES,
    "plans": PLANS,
    "quarantine": [
        dict(
            source="platform:sales",
            entity="sales",
            source_key="q1",
            reason="tickets and turnover have opposite signs (a sale is positive in both, a refund negative in both)",
            raw='{"id": "q1"}',
            seen_at=at(2026, 11, 1, 8, 0),
        )
    ],
}
