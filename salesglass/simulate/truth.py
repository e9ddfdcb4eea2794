"""truth/: what really links to what, and every piece of mess injected on purpose, to measure against."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from salesglass.simulate.common import dump_json, iso_utc
from salesglass.simulate.crm import Crm
from salesglass.simulate.partners import NONE, Partners
from salesglass.simulate.staff import Staff


def write_truth(folder: Path, crm: Crm, p: Partners, staff: Staff, first_sale: np.ndarray, injected: dict) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    links = sorted((d.id, p.ids[d.partner]) for d in crm.deals if d.partner is not None)
    with (folder / "links.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["deal_id", "partner_id"])
        w.writerows(links)
    with (folder / "partners.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["partner_id", "kind", "first_sale_at", "development_manager_id"])
        for i in sorted(range(p.n), key=lambda k: p.ids[k]):
            am = p.account_manager[i]
            w.writerow(
                [
                    p.ids[i],
                    "operator" if p.role[i] == "agent" else "organizer",
                    iso_utc(first_sale[i]) if first_sale[i] != NONE else "",
                    staff.all[am].user_id if am != NONE else "",
                ]
            )
    dump_json(folder / "injected.json", injected)
    return len(links)


def crm_quirks(crm: Crm, p: Partners, staff: Staff) -> dict:
    """The amoCRM-side quirks, by deal / company id."""
    by_evidence: dict[str, list[int]] = {}
    for d in crm.deals:
        if d.partner is not None:
            by_evidence.setdefault(crm.evidence[d.partner], []).append(d.id)
    linked_companies = {crm.partner_company[i] for i in crm.partner_company if crm.partner_company[i] is not None}
    no_inn = sorted(crm.companies[c].id for c in linked_companies if not crm.companies[c].inn)
    spaced = sorted(c.id for c in (crm.companies[k] for k in linked_companies) if c.inn and " " in c.inn)
    return {
        "link_evidence": {
            "description": "truth-linked deals by the only evidence that links them: the account id field on the "
            "lead, only on its company, only the company ИНН, only a matching company name, or "
            "none at all (never linkable by rules)",
            **{k: sorted(v) for k, v in sorted(by_evidence.items())},
        },
        "unlinkable_deals": {
            "description": "deals of a real partner with no account id, no ИНН and a different name",
            "deal_ids": sorted(by_evidence.get("none", [])),
        },
        "deleted_deals": {
            "description": "leads deleted in amoCRM (is_deleted, a lead_deleted event)",
            "deal_ids": sorted(d.id for d in crm.deals if d.deleted_at is not None),
        },
        "deal_moved_back": {
            "description": "moved from «КП отправлено» back to «Встреча / демо», then forward",
            "deal_ids": sorted(d.id for d in crm.injected["deal_moved_back"]),
        },
        "won_before_first_sale": {
            "description": "moved to won 1–7 days before the partner's first sale",
            "deal_ids": sorted(d.id for d in crm.injected["won_before_first_sale"]),
        },
        "never_moved_to_won": {
            "description": "the partner sells but the deal was never moved to won",
            "deal_ids": sorted(d.id for d in crm.injected["never_moved_to_won"]),
        },
        "retroactive_deals": {
            "description": "self-serve partners whose deal was created after the first sale",
            "deal_ids": sorted(d.id for d in crm.injected["retroactive_deals"]),
        },
        "companies_without_inn": {
            "description": "companies of real partners with an empty ИНН field",
            "company_ids": no_inn,
        },
        "company_inn_with_spaces": {"description": "ИНН typed with spaces in amoCRM", "company_ids": spaced},
        "managers_who_left": {
            "description": "inactive amoCRM users; their open deals were handed over",
            "user_ids": sorted(m.user_id for m in staff.all if m.left_ts is not None),
        },
    }
