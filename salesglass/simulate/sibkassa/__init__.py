"""The second simulated company, «Сибкасса» (`--profile sibkassa`): an account unlike the demo's.

It is the same ticketing business as the demo (the generator's people, partners, orders and deals),
moved to Novosibirsk and kept in other systems, so every setting a real account may differ in differs:

- the account's time zone is `Asia/Novosibirsk` (UTC+7, no daylight saving since 2016), served in the
  account's `datetime_settings`; every moment is moved so that the local wall-clock times (office
  hours, evening sales, month ends) are those of a Novosibirsk company;
- pipelines, statuses and their ids of its own; a Kommo address (`https://sibkassa.kommo.com`);
- the client kind is a multiselect, the cold flag a select «Да»/«Нет», the platform account id a numeric
  field (the back-office's ids are numbers), the ИНН sometimes pasted with a leading apostrophe;
- 56 lead custom fields before the mapped ones, so that those are on the second page of
  `/api/v4/leads/custom_fields` (50 a page);
- the back-office is a set of CSV files already in the canonical layout (canonical column names, rubles,
  timestamps with their `+07:00` offset), read by the platform source's file reader;
- a few events placed by hand around month and week boundaries (`placed.py`), and `truth/` with what
  the reports must show, computed here from the generated rows.

The transformation is a function of the demo engine's output, so the same scale + seed + end give the
same bytes here too.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from salesglass.simulate.common import dump_json
from salesglass.simulate.sibkassa import amocrm, backoffice, placed, truth
from salesglass.simulate.sibkassa.people import email
from salesglass.simulate.sibkassa.zone import TIMEZONE

PROFILE = "sibkassa"
BASE_URL = amocrm.BASE_URL


def write_company(engine: Path, out: Path, manifest: dict) -> dict:
    """Turn the engine's company in `engine` into Сибкасса in `out` (a new, empty folder); its manifest."""
    start, end = date.fromisoformat(manifest["start"]), date.fromisoformat(manifest["end"])
    ids = backoffice.partner_ids(engine / "backoffice.sqlite")
    plan = placed.placements(start, end)
    rows = backoffice.write(engine / "backoffice.sqlite", out / "backoffice", ids, plan)
    crm_counts = amocrm.write(engine / "amocrm", out / "amocrm", ids, plan)
    _plans(engine / "plans.xlsx", out / "plans.xlsx")
    truth.write(engine / "truth", out / "truth", ids, plan, rows, end)
    counts = {**manifest["counts"], **crm_counts, "sales_rows": len(rows.sales), "partners": len(rows.partners)}
    result = {**manifest, "profile": PROFILE, "timezone": TIMEZONE, "base_url": BASE_URL, "counts": counts}
    dump_json(out / "manifest.json", result)
    return result


def _plans(engine: Path, out: Path) -> None:
    """The engine's plans, each manager named by their Сибкасса e-mail (people.py)."""
    import openpyxl

    from salesglass.simulate.plans import _repack

    wb = openpyxl.load_workbook(engine)
    for row in wb.active.iter_rows(min_row=2, min_col=2, max_col=2):
        row[0].value = email(row[0].value)
    wb.save(out)
    _repack(out)
