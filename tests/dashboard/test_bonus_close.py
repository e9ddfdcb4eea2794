"""The bonus close on the dashboard, without a browser: who may change a month (admins, CSRF-checked POSTs),
whose statement a manager sees and which lines they may dispute, the statement XLSX, payroll and audit.

The published fixture (tests/dashboard/fixture.py) has, for March 2026: Anna (101) first_sale P2 5000.00 and
acquisition_share P1 1000.00; Boris (102) growth P2 200.00. Added here: Anna's clawback of −200.00 correcting
February (a refund), so her March statement totals 5000 + 1000 − 200 = 5800.00.
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from salesglass.bonus.store import BonusStore
from tests.dashboard.conftest import csrf_of, login

pytestmark = pytest.mark.slow  # about 30 s of CPU in all: handed out first (tests/conftest.py)


@pytest.fixture
def web(bonus_site):
    from salesglass.serve.web.app import create_app

    app = create_app(bonus_site)

    def client(email: str | None = None) -> TestClient:
        c = TestClient(app, headers={"accept-language": "en-US,en;q=0.9"})
        return login(c, email) if email else c

    return client


def post(c: TestClient, url: str, data: dict, page: str = "/bonus/statement"):
    return c.post(url, data={**data, "csrf_token": csrf_of(c.get(page).text)}, follow_redirects=False)


def test_only_an_admin_with_the_csrf_token_changes_a_month(bonus_site, web):
    store = BonusStore(bonus_site.bonus_state_path)
    anna, admin = web("anna@demo.test"), web("admin@demo.test")
    assert anna.get("/bonus/periods").status_code == 403
    # a manager, even with a valid token of their own session
    assert post(anna, "/bonus/periods", {"action": "review", "month": "2026-03"}).status_code == 403
    # an admin without the token, or with a wrong one
    assert admin.post("/bonus/periods", data={"action": "review", "month": "2026-03"}).status_code == 403
    assert (
        admin.post("/bonus/periods", data={"action": "review", "month": "2026-03", "csrf_token": "forged"}).status_code
        == 403
    )
    # and a GET never changes anything
    assert admin.get("/bonus/periods?action=review&month=2026-03").status_code == 200
    assert store.periods() == {}
    # the admin's own form does
    r = post(admin, "/bonus/periods", {"action": "review", "month": "2026-03"}, "/bonus/periods")
    assert r.status_code == 303
    assert store.period(date(2026, 3, 1)).state == "in_review"
    r = post(admin, "/bonus/periods", {"action": "approve", "month": "2026-03"}, "/bonus/periods")
    assert r.status_code == 303
    page = admin.get("/bonus/periods").text
    assert 'data-month="2026-03"' in page and "approved (locked)" in page
    # reopening without a reason is refused with a message, with one it works and is audited
    r = post(admin, "/bonus/periods", {"action": "reopen", "month": "2026-03", "reason": " "}, "/bonus/periods")
    assert r.status_code == 400 and "a reason for reopening is required" in r.text
    r = post(admin, "/bonus/periods", {"action": "reopen", "month": "2026-03", "reason": "P1 refund"}, "/bonus/periods")
    assert r.status_code == 303
    assert [(a["actor"], a["action"], a["reason"]) for a in store.audit()] == [
        ("admin@demo.test", "review", None),
        ("admin@demo.test", "approve", None),
        ("admin@demo.test", "reopen", "P1 refund"),
    ]
    audit_csv = admin.get("/bonus/audit.csv").content.decode("utf-8-sig")
    assert "admin@demo.test,reopen,2026-03," in audit_csv and "P1 refund" in audit_csv  # the month, not 2026-03-01
    # when, as ISO 8601 with the account's offset (the fixture's Moscow), not a zoneless wall time
    assert len(re.findall(r"\n\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+03:00,admin@demo.test,", audit_csv)) == 3
    assert anna.get("/bonus/audit").status_code == 403 and anna.get("/bonus/audit.csv").status_code == 403
    assert anna.get("/bonus/payroll.xlsx?month=2026-03").status_code == 403


def test_a_manager_sees_only_their_own_statement(web):
    anna = web("anna@demo.test")
    page = anna.get("/bonus/statement?month=2026-03&manager=102").text  # asks for Boris's
    assert "Anna Petrova" in page and "Boris Ivanov" not in page
    assert 'data-testid="statement-total"><b>Total to pay: 5,800.00\u00a0₽' in page
    assert "growth" not in page  # Boris's only line
    assert "=refund R-9 of 2026-02-20" in page and "Feb 2026" in page  # the clawback names month and cause
    x = anna.get("/bonus/statement.xlsx?month=2026-03&manager=102")
    assert x.status_code == 200
    wb = load_workbook(io.BytesIO(x.content))
    sheets = {ws.title: [[c for c in r] for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    cells = [v for rows in sheets.values() for row in rows for v in row if v is not None]
    assert "Anna Petrova" in cells and "Boris Ivanov" not in cells
    amounts = sorted(float(v) for v in cells if isinstance(v, int | float))
    assert -200.0 in amounts and 5000.0 in amounts and 1000.0 in amounts and 200.0 not in amounts
    # the cause text reaches Excel as text, never as a formula
    adj = next(ws for ws in wb.worksheets if ws.title.startswith("Adjustments"))
    cause = next(c for row in adj.iter_rows() for c in row if c.value and str(c.value).startswith("=refund"))
    assert cause.data_type == "s"


def test_a_manager_disputes_only_their_own_lines(bonus_site, web):
    store = BonusStore(bonus_site.bonus_state_path)
    anna, admin = web("anna@demo.test"), web("admin@demo.test")
    ok = post(
        anna,
        "/bonus/dispute",
        {"month": "2026-03", "rule": "first_sale", "partner": "P2", "comment": "P2 was cold: 1.5×"},
    )
    assert ok.status_code == 303
    # Boris's growth line is not Anna's; nor is a line that does not exist
    assert (
        post(
            anna, "/bonus/dispute", {"month": "2026-03", "rule": "growth", "partner": "P2", "comment": "mine"}
        ).status_code
        == 403
    )
    assert (
        post(
            anna, "/bonus/dispute", {"month": "2026-03", "rule": "first_sale", "partner": "P9", "comment": "mine"}
        ).status_code
        == 403
    )
    # without the token nothing is stored
    assert (
        anna.post(
            "/bonus/dispute", data={"month": "2026-03", "rule": "first_sale", "partner": "P2", "comment": "again"}
        ).status_code
        == 403
    )
    # an admin does not dispute
    assert (
        post(
            admin, "/bonus/dispute", {"month": "2026-03", "rule": "first_sale", "partner": "P2", "comment": "x"}
        ).status_code
        == 403
    )
    [d] = store.disputes()
    assert (d["manager_id"], d["rule"], d["partner_id"], d["comment"], d["raised_by"]) == (
        101,
        "first_sale",
        "P2",
        "P2 was cold: 1.5×",
        "anna@demo.test",
    )
    assert str(d["amount"]) == "5000.00"
    # the admin answers it with an adjustment of +2500.00 in March (open)
    r = post(
        admin,
        "/bonus/periods",
        {
            "action": "resolve",
            "dispute": str(d["dispute_id"]),
            "decision": "adjust",
            "answer": "yes, cold",
            "amount": "2500.00",
        },
        "/bonus/periods",
    )
    assert r.status_code == 303
    [adj] = store.manual_adjustments()
    assert (adj["manager_id"], str(adj["amount"]), adj["dispute_id"]) == (101, "2500.00", d["dispute_id"])
    page = anna.get("/bonus/statement?month=2026-03").text
    assert "yes, cold" in page and "adjusted" in page
    # the adjustment is not in the published lines yet: approving March now would lose it
    assert post(admin, "/bonus/periods", {"action": "review", "month": "2026-03"}, "/bonus/periods").status_code == 303
    r = post(admin, "/bonus/periods", {"action": "approve", "month": "2026-03"}, "/bonus/periods")
    assert r.status_code == 400 and "1 adjustment of 2026-03 was added after the last build" in r.text
    assert [a["action"] for a in store.audit()] == ["dispute", "adjust", "resolve", "review"]


def test_payroll_has_one_row_per_manager(web):
    admin = web("admin@demo.test")
    x = admin.get("/bonus/payroll.xlsx?month=2026-03")
    ws = load_workbook(io.BytesIO(x.content)).worksheets[0]
    rows = [r for r in ws.iter_rows(values_only=True)]
    header = rows.index(next(r for r in rows if r and r[0] == "Month"))
    body = [r[1:5] for r in rows[header + 1 :] if r[1] is not None]
    # Anna 5000 + 1000 − 200; Boris 200
    assert body == [(101, "Anna Petrova", "anna@demo.test", 5800), (102, "Boris Ivanov", "boris@demo.test", 200)]
    # the header says the month the file is for (not the dashboard's default half-year range)
    assert ws["A2"].value == "Month: Mar 2026; Manager: All managers"


def test_a_statement_download_names_its_month_and_manager(web):
    admin = web("admin@demo.test")
    x = admin.get("/bonus/statement.xlsx?month=2026-03&manager=101")
    wb = load_workbook(io.BytesIO(x.content))
    assert {ws["A2"].value for ws in wb.worksheets} == {"Month: Mar 2026; Manager: Anna Petrova"}
    # rates and multipliers are numbers a payroll clerk can compute with, not text (fixture: acquisition share
    # P1 at rate 0.10, first sale P2 at multiplier 1.0)
    lines = next(ws for ws in wb.worksheets if ws.title.startswith("Lines"))
    rows = [r for r in lines.iter_rows(min_row=6, values_only=True) if r[0] and r[6] is not None]
    header = [c.value for c in lines[5]]
    rate, mult = header.index("Rate"), header.index("Multiplier")
    assert {(r[rate], r[mult]) for r in rows if r[0] != "Total"} == {(0.1, None), (None, 1)}
    page = admin.get("/bonus/statement?month=2026-03&manager=101").text
    assert 'data-col="rate">10%<' in page and 'data-col="multiplier">1<' in page  # the rate as its percent
    assert 'data-col="rule">Acquisition share<' in page and 'data-col="rule">Clawback (acquisition share)<' in page


def test_a_crafted_adjustment_form_is_refused_with_a_message(bonus_site, web):
    """The manager picker lists the reports' managers; a form naming anyone else (an id no column holds
    answered 500; an unknown id was paid to a nameless payroll row) is refused and nothing is stored."""
    store = BonusStore(bonus_site.bonus_state_path)
    admin = web("admin@demo.test")
    form = {"action": "adjust", "month": "2026-03", "amount": "100", "reason": "fair"}
    assert (
        post(admin, "/bonus/periods", {**form, "manager": "99999999999999999999"}, "/bonus/periods").status_code == 400
    )
    r = post(admin, "/bonus/periods", {**form, "manager": "-5"}, "/bonus/periods")
    assert r.status_code == 400 and "no manager -5 in the reports" in r.text
    r = post(admin, "/bonus/periods", {**form, "manager": "101", "amount": "1,500"}, "/bonus/periods")
    assert r.status_code == 400 and "at most 2 decimals" in r.text
    r = post(
        admin,
        "/bonus/periods",
        {"action": "resolve", "dispute": "99999999999999999999", "decision": "reject", "answer": "no"},
        "/bonus/periods",
    )
    assert r.status_code == 400
    assert store.manual_adjustments() == [] and store.audit() == []
    # the form as the page sends it works
    assert post(admin, "/bonus/periods", {**form, "manager": "101"}, "/bonus/periods").status_code == 303
    assert [(a["manager_id"], str(a["amount"])) for a in store.manual_adjustments()] == [(101, "100.00")]


def test_a_dispute_sent_twice_is_one_dispute(bonus_site, web):
    """A double click or a second tab sent the same dispute twice: two open disputes of one line, which
    an admin could adjust twice (paying 2 × 2500.00 for one complaint)."""
    store = BonusStore(bonus_site.bonus_state_path)
    anna, admin = web("anna@demo.test"), web("admin@demo.test")
    form = {"month": "2026-03", "rule": "first_sale", "partner": "P2", "comment": "P2 was cold: 1.5×"}
    token = csrf_of(anna.get("/bonus/statement").text)
    for _ in range(2):
        r = anna.post("/bonus/dispute", data={**form, "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303
    [d] = store.disputes()
    # another comment on the line while it is open is refused with the reason
    r = post(anna, "/bonus/dispute", {**form, "comment": "and the rate"})
    assert r.status_code == 400 and f"already has an open dispute ({d['dispute_id']})" in r.text
    assert len(store.disputes()) == 1
    # once answered, the line can be disputed again
    form_reject = {"action": "resolve", "dispute": str(d["dispute_id"]), "decision": "reject", "answer": "warm"}
    assert post(admin, "/bonus/periods", form_reject, "/bonus/periods").status_code == 303
    assert post(anna, "/bonus/dispute", {**form, "comment": "it was cold"}).status_code == 303
    assert [(x["comment"], x["status"]) for x in store.disputes()] == [
        ("P2 was cold: 1.5×", "rejected"),
        ("it was cold", "open"),
    ]


def test_an_admin_who_also_sells_does_not_adjust_their_own_bonus(bonus_site, web):
    """Boris (manager 102 in amoCRM) is made an admin: he may adjust Anna's bonus, not his own."""
    from salesglass.serve.users import UserStore

    UserStore(bonus_site.resolve(bonus_site.dashboard.users_path)).set_role("boris@demo.test", "admin")
    store = BonusStore(bonus_site.bonus_state_path)
    boris = web("boris@demo.test")
    form = {"action": "adjust", "month": "2026-03", "amount": "5000", "reason": "great month"}
    r = post(boris, "/bonus/periods", {**form, "manager": "102"}, "/bonus/periods")
    assert r.status_code == 400 and "an admin does not adjust their own bonus" in r.text
    assert store.manual_adjustments() == []
    assert post(boris, "/bonus/periods", {**form, "manager": "101"}, "/bonus/periods").status_code == 303
    assert [(a["manager_id"], a["created_by"]) for a in store.manual_adjustments()] == [(101, "boris@demo.test")]
    # nor through a dispute he raised as a manager, answered now that he is an admin
    mine = store.raise_dispute(date(2026, 3, 1), 102, "growth", "P2", None, None, "P2 grew more", "boris@demo.test")
    answer = {"action": "resolve", "dispute": str(mine), "decision": "adjust", "answer": "yes", "amount": "900"}
    r = post(boris, "/bonus/periods", answer, "/bonus/periods")
    assert r.status_code == 400 and "does not answer a dispute of their own bonus" in r.text
    assert store.disputes()[0]["status"] == "open" and len(store.manual_adjustments()) == 1
    assert post(web("admin@demo.test"), "/bonus/periods", answer, "/bonus/periods").status_code == 303


def test_the_statement_total_to_pay_is_a_number_in_excel(web):
    """The statement sheet's "Total to pay" was the text "5,800.00 ₽": a clerk summing it got 0."""
    admin = web("admin@demo.test")
    wb = load_workbook(io.BytesIO(admin.get("/bonus/statement.xlsx?month=2026-03&manager=101").content))
    head = wb.worksheets[0]
    [total] = [row[1] for row in head.iter_rows(min_row=6) if row[0].value == "Total to pay"]
    assert total.value == 5800 and total.data_type == "n" and "0.00" in total.number_format  # 5000 + 1000 − 200
    # on screen it reads as money, as before
    page = admin.get("/bonus/statement?month=2026-03&manager=101").text
    assert 'data-col="v">5,800.00\u00a0₽<' in page


def test_an_admin_approves_the_total_they_saw_not_a_newer_one(bonus_site, web):
    """The page showed March at 6,200.00; a build since booked Anna's clawback of −200.00 (the fixture's
    lines: 5000 + 1000 − 200 + 200 = 6,000.00). Approving from the old page locked 6,000.00 unseen; now
    it is refused with both totals, and the page shows the total the button will lock."""
    store = BonusStore(bonus_site.bonus_state_path)
    admin = web("admin@demo.test")
    assert post(admin, "/bonus/periods", {"action": "review", "month": "2026-03"}, "/bonus/periods").status_code == 303
    page = admin.get("/bonus/periods").text
    assert '<input type="hidden" name="total" value="6000.00">' in page
    stale = {"action": "approve", "month": "2026-03", "total": "6200.00"}
    r = post(admin, "/bonus/periods", stale, "/bonus/periods")
    assert r.status_code == 400 and "total changed since the page was loaded (6200.00 → 6000.00)" in r.text
    assert store.period(date(2026, 3, 1)).state == "in_review"
    r = post(admin, "/bonus/periods", {**stale, "total": "6000.00"}, "/bonus/periods")
    assert r.status_code == 303 and store.period(date(2026, 3, 1)).total == 6000


def test_an_adjustment_form_sent_twice_is_one_adjustment(bonus_site, web):
    """A double click on "Add adjustment" stored it twice: Anna would have been paid 2 × 1500.00."""
    store = BonusStore(bonus_site.bonus_state_path)
    admin = web("admin@demo.test")
    form = {"action": "adjust", "month": "2026-03", "manager": "101", "amount": "1500", "reason": "fair bonus"}
    token = csrf_of(admin.get("/bonus/periods").text)
    for _ in range(2):
        r = admin.post("/bonus/periods", data={**form, "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303
    assert [str(a["amount"]) for a in store.manual_adjustments()] == ["1500.00"]
    assert [a["action"] for a in store.audit()] == ["adjust"]
    # a different adjustment right after is its own
    assert post(admin, "/bonus/periods", {**form, "amount": "-300"}, "/bonus/periods").status_code == 303
    assert [str(a["amount"]) for a in store.manual_adjustments()] == ["1500.00", "-300.00"]


def test_an_admin_with_lines_in_the_month_does_not_approve_it_while_another_admin_can(bonus_site, web):
    """Boris (manager 102, growth P2 200.00 in March) is made an admin: approving March approved his own
    pay. With admin@demo.test there it is refused (four eyes) and she approves; as the only admin he may,
    and the audit trail, the months page and every statement of the month say it was a self-approval."""
    from salesglass.serve.users import UserStore

    users = UserStore(bonus_site.resolve(bonus_site.dashboard.users_path))
    users.set_role("boris@demo.test", "admin")
    store = BonusStore(bonus_site.bonus_state_path)
    boris, admin = web("boris@demo.test"), web("admin@demo.test")
    march = {"month": "2026-03"}
    assert post(boris, "/bonus/periods", {"action": "review", **march}, "/bonus/periods").status_code == 303
    r = post(boris, "/bonus/periods", {"action": "approve", **march}, "/bonus/periods")
    assert r.status_code == 400
    assert (
        "you have bonus lines in 2026-03 (manager 102)" in r.text and "another admin does (admin@demo.test)" in r.text
    )
    assert store.period(date(2026, 3, 1)).state == "in_review"
    assert post(admin, "/bonus/periods", {"action": "approve", **march}, "/bonus/periods").status_code == 303
    assert store.period(date(2026, 3, 1)).self_approval is None
    page = admin.get("/bonus/statement?month=2026-03&manager=102").text
    assert "self-approval" not in page and 'data-col="v">admin@demo.test<' in page  # approved by
    # Boris alone: he approves, and it shows
    post(admin, "/bonus/periods", {"action": "reopen", **march, "reason": "Boris checks it"}, "/bonus/periods")
    users.set_role("admin@demo.test", "manager")
    boris = web("boris@demo.test")
    assert post(boris, "/bonus/periods", {"action": "approve", **march}, "/bonus/periods").status_code == 303
    approved = store.period(date(2026, 3, 1))
    assert approved.state == "approved" and approved.approved_by == "boris@demo.test"
    said = "self-approval: boris@demo.test has bonus lines in 2026-03 (manager 102) and is the only admin"
    assert approved.self_approval == said
    assert (store.audit()[-1]["action"], store.audit()[-1]["reason"]) == ("approve", said)
    expected = "none: boris@demo.test approved a month with their own bonus lines, being the only admin"
    assert expected in boris.get("/bonus/periods").text
    anna = web("anna@demo.test")  # every statement of the month says so, not only Boris's
    assert f'data-testid="self-approval">Four eyes: {expected}<' in anna.get("/bonus/statement?month=2026-03").text
