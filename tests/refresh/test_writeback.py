"""Write-back moves exactly the deals whose partner reached a milestone, audits every write, retries nothing."""

from __future__ import annotations

from salesglass.refresh.config import WritebackConfig
from salesglass.refresh.writeback import run_writeback
from salesglass.warehouse import connect, init_canonical
from tests.refresh.amo_server import AmoLeadsServer, HttpLeadsWriter

PIPE, OTHER_PIPE = 1001, 2002
# amoCRM statuses of the pipeline and the canonical stage each maps to
LEAD, NEGOTIATION, CONTRACT, WIDGET, FIRST_SALE = 10001, 10002, 10003, 10004, 10005
STAGE = {LEAD: "lead", NEGOTIATION: "negotiation", CONTRACT: "contract_signed", WIDGET: "widget_installed",
         FIRST_SALE: "first_sale", 142: "first_sale", 143: None}

WB = WritebackConfig(enabled=True, widget_installed_status={"pipeline_id": PIPE, "status_id": WIDGET},
                     first_sale_status={"pipeline_id": PIPE, "status_id": FIRST_SALE})

PARTNERS = [  # partner_id, widget_installed_at
    ("p1", "2026-03-02 10:00:00+00"),  # widget only
    ("p2", "2026-03-01 09:00:00+00"),  # widget and a first sale
    ("p3", None),                      # nothing yet
    ("p4", "2026-03-03 00:00:00+00"),
    ("p5", "2026-03-03 00:00:00+00"),
    ("p6", "2026-03-03 00:00:00+00"),
    ("p7", None),
    ("p8", "2026-03-03 00:00:00+00"),
    ("p9", None),                      # only a refund and a zero-ticket row: no first sale
]
SALES = [  # sale_id, partner_id, sold_at, tickets
    ("s1", "p2", "2026-03-05 12:30:00+00", 3),
    ("s2", "p2", "2026-03-04 08:00:00+00", 0),
    ("s3", "p7", "2026-03-06 00:00:00+00", 2),
    ("s4", "p9", "2026-03-06 00:00:00+00", -1),
    ("s5", "p9", "2026-03-06 00:00:00+00", 0),
]
DEALS = [  # deal_id, pipeline, status, partner_id, is_won, is_lost, is_deleted
    (1, PIPE, CONTRACT, "p1", False, False, False),      # widget installed → move to WIDGET
    (2, PIPE, NEGOTIATION, "p2", False, False, False),   # first sale → straight to FIRST_SALE (one move)
    (3, PIPE, LEAD, "p3", False, False, False),          # no milestone → no
    (4, PIPE, 143, "p4", False, True, False),            # lost → no
    (5, PIPE, CONTRACT, "p5", False, False, True),       # deleted → no
    (6, PIPE, WIDGET, "p6", False, False, False),        # already at the target → no
    (7, OTHER_PIPE, LEAD, "p7", False, False, False),    # another pipeline → no
    (8, PIPE, CONTRACT, "p8", False, False, False),      # we moved it before, a manager moved it back → no
    (9, PIPE, CONTRACT, None, False, False, False),      # not linked → no
    (10, PIPE, WIDGET, "p2", False, False, False),       # at widget, partner sold → move to FIRST_SALE
    (11, PIPE, CONTRACT, "p9", False, False, False),     # refund only → no
    (12, PIPE, CONTRACT, None, False, False, False),     # linked only through deal_partner_links → move
    (13, PIPE, 142, "p2", True, False, False),           # won → no
]
EXPECTED = [(1, CONTRACT, WIDGET), (2, NEGOTIATION, FIRST_SALE), (10, WIDGET, FIRST_SALE), (12, CONTRACT, WIDGET)]


def _warehouse(cfg):
    con = connect(cfg.warehouse_path)
    init_canonical(con)
    con.executemany("INSERT INTO partners (partner_id, kind, widget_installed_at) VALUES (?, 'organizer', ?)",
                    PARTNERS)
    con.executemany("INSERT INTO sales (sale_id, partner_id, sold_at, tickets, turnover, revenue, cost) "
                    "VALUES (?, ?, ?, ?, 100.00, 10.00, 1.00)", SALES)
    con.executemany(
        "INSERT INTO deals (deal_id, pipeline_id, status_id, stage, partner_id, is_won, is_lost, is_deleted, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, TIMESTAMPTZ '2026-01-10 10:00:00+00')",
        [(d, p, s, STAGE.get(s), partner, won, lost, deleted) for d, p, s, partner, won, lost, deleted in DEALS])
    con.execute("INSERT INTO deal_partner_links VALUES (12, 'p1', 'inn', 100)")
    # an earlier run moved deal 8 to WIDGET; a manager has since moved it back to CONTRACT
    con.execute("""CREATE TABLE writeback_audit (run_id TEXT NOT NULL, deal_id BIGINT NOT NULL, pipeline_id BIGINT,
        from_status BIGINT, to_status BIGINT NOT NULL, reason TEXT, attempted_at TIMESTAMPTZ NOT NULL,
        result TEXT NOT NULL, error TEXT, note TEXT)""")
    con.execute(f"INSERT INTO writeback_audit VALUES ('old', 8, {PIPE}, {CONTRACT}, {WIDGET}, 'widget', now(), "
                "'ok', NULL, NULL)")
    con.close()


def _server():
    return AmoLeadsServer({d: {"pipeline_id": p, "status_id": s} for d, p, s, *_ in DEALS})


def _audit(cfg):
    con = connect(cfg.warehouse_path, read_only=True)
    rows = con.execute("SELECT deal_id, from_status, to_status, result, error, reason, note FROM writeback_audit "
                       "WHERE run_id <> 'old' ORDER BY attempted_at, deal_id").fetchall()
    con.close()
    return rows


def test_moves_exactly_the_deals_that_reached_a_milestone(cfg):
    _warehouse(cfg)
    with _server() as amo:
        summary = run_writeback(cfg, HttpLeadsWriter(amo.url), wb=WB)
        assert [(m.deal_id, m.from_status, m.to_status) for m in summary.planned] == EXPECTED
        assert summary.moved == [1, 2, 10, 12] and summary.failed == {}
        assert len(amo.requests) == 1
        assert amo.requests[0] == [{"id": d, "pipeline_id": PIPE, "status_id": to} for d, _, to in EXPECTED]
        assert {d: amo.leads[d]["status_id"] for d in (1, 2, 10, 12)} == {1: WIDGET, 2: FIRST_SALE, 10: FIRST_SALE,
                                                                          12: WIDGET}
        assert amo.leads[8]["status_id"] == CONTRACT and amo.notes == []
    audit = _audit(cfg)
    assert [(d, f, t, r, e) for d, f, t, r, e, *_ in audit] == [(d, f, t, "ok", None) for d, f, t in EXPECTED]
    reasons = {d: reason for d, *_, reason, _ in audit}
    assert reasons[1] == "widget installed on the partner's site at 2026-03-02 10:00 UTC (partner p1)"
    assert reasons[2] == "first ticket sold on the platform at 2026-03-05 12:30 UTC (partner p2)"
    # the same data again: everything already moved per the audit table, nothing is planned
    assert run_writeback(cfg, HttpLeadsWriter(amo.url), wb=WB).planned == []


def test_dry_run_lists_the_moves_and_writes_nothing(cfg):
    _warehouse(cfg)
    before = cfg.warehouse_path.read_bytes()
    with _server() as amo:
        summary = run_writeback(cfg, HttpLeadsWriter(amo.url), wb=WB, dry_run=True)
        assert summary.dry_run and [(m.deal_id, m.to_status) for m in summary.planned] == [
            (d, t) for d, _, t in EXPECTED]
        assert amo.requests == []
    assert cfg.warehouse_path.read_bytes() == before
    assert _audit(cfg) == []


def test_a_failed_batch_is_recorded_failed_and_not_retried(cfg):
    _warehouse(cfg)
    wb = WB.model_copy(update={"batch_size": 2})
    with _server() as amo:
        amo.fail_ids = {10}
        summary = run_writeback(cfg, HttpLeadsWriter(amo.url), wb=wb)
        assert len(amo.requests) == 2  # [1, 2] then [10, 12]; the failed one is not sent again
        assert summary.moved == [1, 2] and set(summary.failed) == {10, 12}
        assert "504" in summary.failed[10]
        assert amo.leads[12]["status_id"] == CONTRACT
        audit = _audit(cfg)
        assert [(d, r) for d, _, _, r, *_ in audit] == [(1, "ok"), (2, "ok"), (10, "failed"), (12, "failed")]
        assert all("504" in e for d, _, _, r, e, *_ in audit if r == "failed")

        # the next run re-plans from the data: the moved ones are done, the failed ones are tried anew
        amo.fail_ids = set()
        again = run_writeback(cfg, HttpLeadsWriter(amo.url), wb=wb)
        assert [m.deal_id for m in again.planned] == [10, 12] and again.moved == [10, 12]
        assert len(amo.requests) == 3


def test_notes_are_added_once_for_moved_deals(cfg):
    _warehouse(cfg)
    with _server() as amo:
        run_writeback(cfg, HttpLeadsWriter(amo.url), wb=WB.model_copy(update={"add_note": True}))
        [notes] = amo.notes
        assert [n["entity_id"] for n in notes] == [1, 2, 10, 12]
        assert notes[0]["params"]["text"].startswith("salesglass moved this deal: widget installed")
    assert {note for *_, note in _audit(cfg)} == {"added"}


def test_disabled_write_back_does_nothing(cfg):
    _warehouse(cfg)
    with _server() as amo:
        summary = run_writeback(cfg, HttpLeadsWriter(amo.url), wb=WritebackConfig())
        assert summary.planned == [] and amo.requests == []
