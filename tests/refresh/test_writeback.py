"""Write-back moves exactly the deals whose partner reached a milestone — in the amoCRM emulator, through
the connector's client — audits every write, and retries nothing.

The scenario is written by hand (which deal is where, which partner reached what), on real leads of a
generated company: the emulator's leads are put in the scenario's stages first, as managers would have.
"""

from __future__ import annotations

import os

import pytest

from salesglass.emulator.server import start_emulator
from salesglass.refresh.config import WritebackConfig
from salesglass.refresh.writeback import connector_writer, run_writeback
from salesglass.warehouse import connect, init_canonical
from tests.refresh.conftest import make_config

PIPELINE, OTHER_PIPELINE = "Новые клиенты", "Развитие клиентов"
# scenario stage → (status name in the pipeline, canonical stage)
LEAD, NEGOTIATION, CONTRACT, WIDGET = "Первичный контакт", "Встреча / демо", "Договор подписан", "Виджет установлен"
OTHER_LEAD = "Потенциал выявлен"  # a lead stage of the other pipeline
STAGE = {
    LEAD: "lead",
    OTHER_LEAD: "lead",
    NEGOTIATION: "negotiation",
    CONTRACT: "contract_signed",
    WIDGET: "widget_installed",
}
WON, LOST = 142, 143

PARTNERS = [  # partner_id, widget_installed_at
    ("p1", "2026-03-02 10:00:00+00"),  # widget only
    ("p2", "2026-03-01 09:00:00+00"),  # widget and a first sale
    ("p3", None),  # nothing yet
    ("p4", "2026-03-03 00:00:00+00"),
    ("p5", "2026-03-03 00:00:00+00"),
    ("p6", "2026-03-03 00:00:00+00"),
    ("p7", None),
    ("p8", "2026-03-03 00:00:00+00"),
    ("p9", None),  # only a refund and a zero-ticket row: no first sale
]
SALES = [  # sale_id, partner_id, sold_at, tickets
    ("s1", "p2", "2026-03-05 12:30:00+00", 3),
    ("s2", "p2", "2026-03-04 08:00:00+00", 0),
    ("s3", "p7", "2026-03-06 00:00:00+00", 2),
    ("s4", "p9", "2026-03-06 00:00:00+00", -1),
    ("s5", "p9", "2026-03-06 00:00:00+00", 0),
]
DEALS = [  # n, pipeline, status, partner_id, is_deleted
    (1, PIPELINE, CONTRACT, "p1", False),  # widget installed → move to WIDGET
    (2, PIPELINE, NEGOTIATION, "p2", False),  # first sale → straight to won (one move)
    (3, PIPELINE, LEAD, "p3", False),  # no milestone → no
    (4, PIPELINE, LOST, "p4", False),  # lost → no
    (5, PIPELINE, CONTRACT, "p5", True),  # deleted → no
    (6, PIPELINE, WIDGET, "p6", False),  # already at the target → no
    (7, OTHER_PIPELINE, OTHER_LEAD, "p7", False),  # another pipeline → no
    (8, PIPELINE, CONTRACT, "p8", False),  # we moved it before, a manager moved it back → no
    (9, PIPELINE, CONTRACT, None, False),  # not linked → no
    (10, PIPELINE, WIDGET, "p2", False),  # at widget, partner sold → move to won
    (11, PIPELINE, CONTRACT, "p9", False),  # refund only → no
    (12, PIPELINE, CONTRACT, None, False),  # linked only through deal_partner_links → move
    (13, PIPELINE, WON, "p2", False),  # won → no
]
EXPECTED = [(1, CONTRACT, WIDGET), (2, NEGOTIATION, WON), (10, WIDGET, WON), (12, CONTRACT, WIDGET)]


class Scenario:
    """The emulator with the scenario's deals on real leads, a config whose client reaches it, a warehouse."""

    def __init__(self, company, tmp_path):
        self.amo = start_emulator(company)
        state = self.amo.state
        self.pipelines = {p["name"]: p["id"] for p in state.pipelines}
        self.statuses = {(p["name"], s["name"]): s["id"] for p in state.pipelines for s in p["_embedded"]["statuses"]}
        live = sorted(i for i, lead in state.leads.items() if not lead.get("is_deleted"))
        self.ids = {n: live[n * 3] for n, *_ in DEALS}  # real lead ids, spread over the account
        token = tmp_path / "amo-token"
        token.write_text(state.oauth["long_lived_token"])
        os.chmod(token, 0o600)
        self.cfg = make_config(
            tmp_path, amocrm={"base_url": self.amo.url, "auth": "long_lived", "token_path": str(token)}
        )
        for n, pipeline, status, _, deleted in DEALS:  # where the managers left them
            lead = state.leads[self.ids[n]]
            state.move_lead(lead, self.pipelines[pipeline], self.status(pipeline, status), state.tick(), 0)
            if deleted:
                state.delete_lead(lead, state.tick(), 0)
        self.wb = WritebackConfig(
            enabled=True,
            widget_installed_status={
                "pipeline_id": self.pipelines[PIPELINE],
                "status_id": self.status(PIPELINE, WIDGET),
            },
            first_sale_status={"pipeline_id": self.pipelines[PIPELINE], "status_id": WON},
        )
        self._warehouse()

    def status(self, pipeline: str, status: str | int) -> int:
        return status if isinstance(status, int) else self.statuses[(pipeline, status)]

    def _warehouse(self) -> None:
        con = connect(self.cfg.warehouse_path)
        init_canonical(con)
        con.executemany(
            "INSERT INTO partners (partner_id, kind, widget_installed_at) VALUES (?, 'organizer', ?)", PARTNERS
        )
        con.executemany(
            "INSERT INTO sales (sale_id, partner_id, sold_at, tickets, turnover, revenue, cost) "
            "VALUES (?, ?, ?, ?, 100.00, 10.00, 1.00)",
            SALES,
        )
        rows = []
        for n, pipeline, status, partner, deleted in DEALS:
            stage = {WON: "first_sale", LOST: None}.get(status) if isinstance(status, int) else STAGE[status]
            rows.append(
                (
                    self.ids[n],
                    self.pipelines[pipeline],
                    self.status(pipeline, status),
                    stage,
                    partner,
                    status == WON,
                    status == LOST,
                    deleted,
                )
            )
        con.executemany(
            "INSERT INTO deals (deal_id, pipeline_id, status_id, stage, partner_id, is_won, is_lost, is_deleted, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, TIMESTAMPTZ '2026-01-10 10:00:00+00')",
            rows,
        )
        con.execute("INSERT INTO deal_partner_links VALUES (?, 'p1', 'inn', 100)", [self.ids[12]])
        # an earlier run moved deal 8 to WIDGET; a manager has since moved it back to CONTRACT
        con.execute("""CREATE TABLE writeback_audit (run_id TEXT NOT NULL, deal_id BIGINT NOT NULL,
            pipeline_id BIGINT, from_status BIGINT, to_status BIGINT NOT NULL, reason TEXT,
            attempted_at TIMESTAMPTZ NOT NULL, result TEXT NOT NULL, error TEXT, note TEXT)""")
        con.execute(
            "INSERT INTO writeback_audit VALUES ('old', ?, ?, ?, ?, 'widget', now(), 'ok', NULL, NULL)",
            [self.ids[8], self.pipelines[PIPELINE], self.status(PIPELINE, CONTRACT), self.status(PIPELINE, WIDGET)],
        )
        con.close()

    def expected(self) -> list[tuple[int, int, int]]:
        return [(self.ids[n], self.status(PIPELINE, f), self.status(PIPELINE, t)) for n, f, t in EXPECTED]

    def where(self) -> dict[int, tuple[int, int]]:
        """Every lead of the account: (pipeline, status) as amoCRM holds it now."""
        return {i: (lead["pipeline_id"], lead["status_id"]) for i, lead in self.amo.state.leads.items()}

    def patches(self) -> list[int]:
        return [status for _, _, status in self.amo.requests("PATCH", "/api/v4/leads")]

    def audit(self) -> list[tuple]:
        con = connect(self.cfg.warehouse_path, read_only=True)
        rows = con.execute(
            "SELECT deal_id, from_status, to_status, result, error, reason, note FROM writeback_audit "
            "WHERE run_id <> 'old' ORDER BY attempted_at, deal_id"
        ).fetchall()
        con.close()
        return rows


@pytest.fixture
def scenario(xs_company, tmp_path):
    s = Scenario(xs_company, tmp_path)
    yield s
    s.amo.stop()


def test_moves_exactly_the_deals_that_reached_a_milestone(scenario):
    s = scenario
    before = s.where()
    summary = run_writeback(s.cfg, wb=s.wb)  # the connector's client (client_from_config), a real socket
    assert [(m.deal_id, m.from_status, m.to_status) for m in summary.planned] == s.expected()
    assert summary.moved == [s.ids[n] for n in (1, 2, 10, 12)] and summary.failed == {}
    assert s.patches() == [200]  # one batch
    after = s.where()
    moved = {deal: (s.pipelines[PIPELINE], to) for deal, _, to in s.expected()}
    assert {i: w for i, w in after.items() if w != before[i]} == moved  # exactly these leads changed in amoCRM
    assert s.amo.state.notes == []

    audit = s.audit()
    assert [(d, f, t, r, e) for d, f, t, r, e, *_ in audit] == [(d, f, t, "ok", None) for d, f, t in s.expected()]
    reasons = {d: reason for d, *_, reason, _ in audit}
    assert reasons[s.ids[1]] == "widget installed on the partner's site at 2026-03-02 10:00 UTC (partner p1)"
    assert reasons[s.ids[2]] == "first ticket sold on the platform at 2026-03-05 12:30 UTC (partner p2)"
    # the same data again: everything already moved per the audit table, nothing is planned or sent
    assert run_writeback(s.cfg, wb=s.wb).planned == [] and s.patches() == [200]


def test_dry_run_lists_the_moves_and_changes_nothing(scenario):
    s = scenario
    before, before_file = s.where(), s.cfg.warehouse_path.read_bytes()
    summary = run_writeback(s.cfg, wb=s.wb, dry_run=True)
    assert summary.dry_run
    assert [(m.deal_id, m.to_status) for m in summary.planned] == [(d, t) for d, _, t in s.expected()]
    assert s.amo.requests("PATCH") == [] and s.amo.requests("POST") == []
    assert s.where() == before
    assert s.cfg.warehouse_path.read_bytes() == before_file
    assert s.audit() == []


class FailingSecondBatch:
    """The connector's client, with amoCRM answering 5xx to the second PATCH (the emulator's own faults)."""

    def __init__(self, s: Scenario) -> None:
        self.s, self.client, self.calls = s, connector_writer(s.cfg), 0

    def patch_leads(self, updates):
        self.calls += 1
        if self.calls == 2:
            self.s.amo.set_faults(error_rate=1.0)
        try:
            return self.client.patch_leads(updates)
        finally:
            self.s.amo.set_faults()


def test_a_failed_batch_is_recorded_failed_and_not_retried(scenario):
    s = scenario
    wb = s.wb.model_copy(update={"batch_size": 2})
    before = s.where()
    summary = run_writeback(s.cfg, FailingSecondBatch(s), wb=wb)
    first, second = [s.ids[1], s.ids[2]], [s.ids[10], s.ids[12]]
    assert summary.moved == first and set(summary.failed) == set(second)
    assert "no clear answer" in summary.failed[s.ids[10]]
    patches = s.patches()
    assert len(patches) == 2 and patches[0] == 200 and patches[1] >= 500  # the failed one was not sent again
    assert all(s.where()[i] == before[i] for i in second)  # amoCRM did not apply it
    audit = s.audit()
    assert [(d, r) for d, _, _, r, *_ in audit] == [(i, "ok") for i in first] + [(i, "failed") for i in second]
    assert all("no clear answer" in e for _, _, _, r, e, *_ in audit if r == "failed")

    # the next run re-plans from the data: the moved ones are done, the failed ones are tried anew
    again = run_writeback(s.cfg, wb=wb)
    assert [m.deal_id for m in again.planned] == second and again.moved == second
    assert len(s.patches()) == 3
    assert {i: s.where()[i] for i in second} == {
        d: (s.pipelines[PIPELINE], t) for d, _, t in s.expected() if d in second
    }


def test_notes_are_added_once_for_moved_deals(scenario):
    s = scenario
    run_writeback(s.cfg, wb=s.wb.model_copy(update={"add_note": True}))
    notes = s.amo.state.notes
    assert [n["entity_id"] for n in notes] == [s.ids[n] for n in (1, 2, 10, 12)]
    assert notes[0]["params"]["text"].startswith("salesglass moved this deal: widget installed")
    assert len(s.amo.requests("POST", "/api/v4/leads/notes")) == 1
    assert {note for *_, note in s.audit()} == {"added"}


def test_disabled_write_back_does_nothing(scenario):
    s = scenario
    before = s.where()
    summary = run_writeback(s.cfg, wb=WritebackConfig())
    assert summary.planned == [] and s.amo.requests("PATCH") == [] and s.where() == before


class NotesWithoutAnswer:
    """The connector's client, with amoCRM answering 5xx to the notes request."""

    def __init__(self, s: Scenario) -> None:
        self.s, self.client = s, connector_writer(s.cfg)

    def patch_leads(self, updates):
        return self.client.patch_leads(updates)

    def add_notes(self, notes):
        self.s.amo.set_faults(error_rate=1.0)
        try:
            return self.client.add_notes(notes)
        finally:
            self.s.amo.set_faults()


def test_notes_without_a_clear_answer_are_recorded_and_never_resent(scenario):
    s = scenario
    summary = run_writeback(s.cfg, NotesWithoutAnswer(s), wb=s.wb.model_copy(update={"add_note": True}))
    assert summary.moved == [s.ids[n] for n in (1, 2, 10, 12)]  # the moves themselves went through
    assert len(s.amo.requests("POST", "/api/v4/leads/notes")) == 1 and s.amo.state.notes == []
    notes = {note for *_, note in s.audit()}
    assert len(notes) == 1 and notes.pop().startswith("failed: WriteUncertain: notes on leads")


@pytest.mark.parametrize(
    ("section", "said"),
    [("", "no [writeback] section"), ("[writeback]\nadd_note = true\n", "[writeback] names no target status")],
    ids=["no-section", "no-status"],
)
def test_with_nothing_configured_writeback_says_so_and_what_to_add(tmp_path, section, said):
    """`salesglass writeback` with no [writeback] printed an empty table and "0 moves planned", as if the
    deals had simply reached nothing."""
    from typer.testing import CliRunner

    from salesglass.cli import app

    (tmp_path / "salesglass.toml").write_text('[warehouse]\npath = "wh.duckdb"\n' + section, encoding="utf-8")
    con = connect(tmp_path / "wh.duckdb")
    init_canonical(con)
    con.close()
    res = CliRunner().invoke(app, ["writeback", "-c", str(tmp_path / "salesglass.toml")])
    out = " ".join(res.output.split())
    assert res.exit_code == 0, res.output
    assert f"nothing to write back: {said} in the config." in out
    assert "[writeback] widget_installed_status = { pipeline_id = …, status_id = … }" in out
    assert "docs/refresh.md, «Write-back to amoCRM»" in out
    assert "planned" not in out and "deal" not in out.split("nothing to write back")[0]
