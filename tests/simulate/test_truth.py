"""truth/ agrees with the data it describes, so linking and data quality can be measured against it."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook


def _csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _norm(name: str) -> str:
    """docs/reports.md name normalising, written out independently of the generator."""
    s = name.lower().replace("ё", "е")
    s = re.sub(r"[«»\"'“”„]", " ", s)
    s = re.sub(r"[^\w\s]", " ", s)
    s = re.sub(r"\b(ооо|оао|зао|пао|ао|ип|нко|ано|llc|ltd|inc)\b", " ", s)
    return " ".join(s.split())


def _fields(entity: dict) -> dict[str, object]:
    return {v["field_name"]: v["values"][0]["value"] for v in entity["custom_fields_values"] or []}


def test_first_sales_match_the_orders(company: Path, backoffice: sqlite3.Connection) -> None:
    first = dict(
        backoffice.execute("""SELECT org_id, min(done_at) FROM orders
        WHERE status = 'done' AND is_invitation = 0 AND tickets_quantity > 0 AND org_id IS NOT NULL
        GROUP BY org_id""").fetchall()
    )
    rows = _csv(company / "truth" / "partners.csv")
    partners = {r[0] for r in backoffice.execute("SELECT partner_id FROM partners")}
    assert {r["partner_id"] for r in rows} == partners
    with_sale = 0
    for r in rows:
        msk = first.get(r["partner_id"])
        if msk is None:
            assert r["first_sale_at"] == ""
            continue
        utc = datetime.fromisoformat(msk) - timedelta(hours=3)
        assert r["first_sale_at"] == utc.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with_sale += 1
    assert with_sale > 0


def test_links_point_at_existing_leads_and_partners(company: Path, leads, backoffice) -> None:
    links = _csv(company / "truth" / "links.csv")
    lead_ids = {lead["id"] for lead in leads}
    partners = {r[0] for r in backoffice.execute("SELECT partner_id FROM partners")}
    assert links
    for link in links:
        assert int(link["deal_id"]) in lead_ids and link["partner_id"] in partners


def test_injected_ids_exist(company: Path, injected: dict, leads, companies, backoffice) -> None:
    ids = {
        "deal_ids": {lead["id"] for lead in leads},
        "company_ids": {c["id"] for c in companies},
        "partner_ids": {r[0] for r in backoffice.execute("SELECT partner_id FROM partners")},
        "order_ids": {r[0] for r in backoffice.execute("SELECT order_id FROM orders")},
        "user_ids": {u["id"] for u in json.loads((company / "amocrm" / "users.json").read_text("utf-8"))},
    }
    checked = 0
    for name, quirk in injected.items():
        if isinstance(quirk, list):  # a plain list of partner ids
            assert set(quirk) <= ids["partner_ids"], name
            checked += 1
            continue
        for key, values in quirk.items():
            if key in ids:
                assert set(values) <= ids[key], name
                checked += 1
    for values in injected["link_evidence"].values():
        if isinstance(values, list):
            assert set(values) <= ids["deal_ids"]
    assert checked >= 10
    assert injected["deleted_deals"]["deal_ids"] and injected["unlinkable_deals"]["deal_ids"] is not None


def test_link_evidence_is_what_it_says(company: Path, injected: dict, leads, companies, backoffice) -> None:
    links = {int(r["deal_id"]): r["partner_id"] for r in _csv(company / "truth" / "links.csv")}
    by_id = {lead["id"]: lead for lead in leads}
    comp = {c["id"]: c for c in companies}
    partners = {r[0]: (r[1], r[2]) for r in backoffice.execute("SELECT partner_id, name, inn FROM partners")}
    inn_count = defaultdict(int)
    for _, inn in partners.values():
        if inn:
            inn_count[re.sub(r"\D", "", inn)] += 1
    evidence = injected["link_evidence"]
    assert {"lead_account_id", "company_account_id", "inn", "name"} <= set(evidence)
    for kind, deal_ids in evidence.items():
        if not isinstance(deal_ids, list):
            continue
        for deal_id in deal_ids:
            lead, pid = by_id[deal_id], links[deal_id]
            c = comp[lead["_embedded"]["companies"][0]["id"]] if lead["_embedded"]["companies"] else None
            lead_account = _fields(lead).get("ID аккаунта на платформе")
            company_account = _fields(c).get("ID аккаунта на платформе") if c else None
            inn = re.sub(r"\D", "", str(_fields(c).get("ИНН", ""))) if c else ""
            if kind == "lead_account_id":
                assert lead_account == pid
            elif kind == "company_account_id":
                assert company_account == pid and lead_account in (None, pid)
            elif kind == "inn":
                assert not lead_account and not company_account
                assert inn == re.sub(r"\D", "", partners[pid][1]) and inn_count[inn] == 1
            elif kind == "name":
                assert not lead_account and not company_account and not inn
                assert _norm(c["name"]) == _norm(partners[pid][0])
            else:
                assert not lead_account and not company_account and not inn
                assert c is None or _norm(c["name"]) != _norm(partners[pid][0])


def test_near_identical_names_and_duplicate_inn(injected: dict, backoffice) -> None:
    a, b = (
        injected["near_identical_partner_names"]["partner_ids"]
        if isinstance(injected["near_identical_partner_names"], dict)
        else injected["near_identical_partner_names"]
    )
    names = dict(backoffice.execute("SELECT partner_id, name FROM partners WHERE partner_id IN (?, ?)", (a, b)))
    assert _norm(names[a]) != _norm(names[b])
    assert sum(x != y for x, y in zip(_norm(names[a]), _norm(names[b]), strict=False)) <= 1
    c, d = (
        injected["duplicate_inn_partners"]["partner_ids"]
        if isinstance(injected["duplicate_inn_partners"], dict)
        else injected["duplicate_inn_partners"]
    )
    inns = dict(backoffice.execute("SELECT partner_id, inn FROM partners WHERE partner_id IN (?, ?)", (c, d)))
    assert inns[c] == inns[d] and inns[c]


def test_users_are_the_back_office_managers(company: Path, backoffice) -> None:
    users = json.loads((company / "amocrm" / "users.json").read_text("utf-8"))
    managers = {r[0] for r in backoffice.execute("SELECT email FROM managers")}
    assert {u["email"] for u in users} == managers
    used = {
        r[0]
        for r in backoffice.execute("""SELECT sale_manager_email FROM partners UNION
                                                 SELECT account_manager_email FROM partners""")
        if r[0]
    }
    assert used <= managers


def test_plans_sheet(company: Path, backoffice) -> None:
    ws = load_workbook(company / "plans.xlsx", read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("month", "manager", "metric", "realistic", "optimistic")
    managers = {r[0] for r in backoffice.execute("SELECT email FROM managers")}
    metrics = set()
    for month, manager, metric, realistic, optimistic in rows[1:]:
        assert month.day == 1
        assert manager in managers or manager in (None, "")
        assert realistic <= optimistic
        metrics.add(metric)
    assert metrics == {"turnover", "revenue", "margin", "tickets", "new_partners"}
    assert any(r[1] in (None, "") for r in rows[1:]) and any(r[1] for r in rows[1:])


def test_deal_milestones_follow_the_platform(company: Path, injected: dict, leads, events, backoffice) -> None:
    """«Договор подписан» after the contract; won after the first sale (0–14 days of manual lag, mostly)."""
    new_business = next(
        p["id"] for p in json.loads((company / "amocrm" / "pipelines.json").read_text("utf-8")) if p["is_main"]
    )
    signed_status = 61390134
    links = {int(r["deal_id"]): r["partner_id"] for r in _csv(company / "truth" / "links.csv")}
    first_sale = {r["partner_id"]: r["first_sale_at"] for r in _csv(company / "truth" / "partners.csv")}
    approved = dict(backoffice.execute("SELECT partner_id, approved_at FROM partners"))
    early = set(injected["won_before_first_sale"]["deal_ids"])
    moves = defaultdict(dict)
    for e in events:
        if e["type"] == "lead_status_changed":
            after = e["value_after"][0]["lead_status"]
            if after["pipeline_id"] == new_business:
                moves[e["entity_id"]].setdefault(after["id"], e["created_at"])
    checked_signed = 0
    lags = []
    for deal_id, partner in links.items():
        if deal_id not in moves:
            continue
        if signed_status in moves[deal_id] and approved[partner]:
            contract = datetime.fromisoformat(approved[partner]).replace(tzinfo=UTC) - timedelta(hours=3)
            assert moves[deal_id][signed_status] >= contract.timestamp(), deal_id
            checked_signed += 1
        if 142 in moves[deal_id] and first_sale[partner] and deal_id not in early:
            sale = datetime.strptime(first_sale[partner], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
            assert moves[deal_id][142] >= sale, deal_id
            lags.append(moves[deal_id][142] - sale)
    assert checked_signed > 0 and lags
    assert sorted(lags)[len(lags) // 2] <= 15 * 86400  # typically moved within the 0–14 day manual lag
