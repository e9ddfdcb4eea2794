"""Сибкасса's Kommo account: the engine's snapshot with its own ids, names, field types and clock.

Pipelines and statuses get ids and names of their own (chosen so that `salesglass amocrm inspect`'s
proposal maps them right, which the tests check); 56 lead fields come before the mapped ones; the
client kind becomes a multiselect (some leads also tick «Площадка», which means neither kind), the cold
flag a select «Да»/«Нет», the platform account id a numeric field holding the back-office's numeric id,
and one company ИНН in six is pasted with a leading apostrophe. Every time moves by `zone.SHIFT`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from salesglass.private_files import create_private
from salesglass.simulate.common import dump_json, event_id, json_line
from salesglass.simulate.crm_setup import (
    F_ACCOUNT,
    F_COLD,
    F_COMPANY_ACCOUNT,
    F_EVENTS,
    F_INN,
    F_KIND,
    F_SOURCE,
    custom_field,
)
from salesglass.simulate.crm_setup import F_CITY as F_ENGINE_CITY
from salesglass.simulate.sibkassa.people import email
from salesglass.simulate.sibkassa.placed import Placed
from salesglass.simulate.sibkassa.zone import OFFSET, TIMEZONE, shift

ACCOUNT_ID = 29_870_455
SUBDOMAIN = "sibkassa"
NAME = "Сибкасса"
BASE_URL = f"https://{SUBDOMAIN}.kommo.com"
API = f"{BASE_URL}/api/v4"
WON, LOST = 142, 143

PIPELINES = {  # engine id → (id, name)
    7_261_458: (8_120_301, "Продажи B2B"),
    7_261_460: (8_120_305, "Сопровождение клиентов"),
    6_110_372: (7_004_411, "Архив 2023"),
}
STATUSES = {  # engine id → (id, name)
    61_390_114: (80_412_001, "Неразобранное"),
    61_390_118: (80_412_005, "Новая заявка"),
    61_390_122: (80_412_009, "Демонстрация"),
    61_390_126: (80_412_013, "Коммерческое предложение"),
    61_390_130: (80_412_017, "Согласование условий"),
    61_390_134: (80_412_021, "Договор заключён"),
    61_390_138: (80_412_025, "Виджет на сайте"),
    61_390_150: (80_412_101, "Неразобранное"),
    61_390_154: (80_412_105, "Точка роста"),
    61_390_158: (80_412_109, "Обсуждение"),
    61_390_162: (80_412_113, "Подписано допсоглашение"),
    61_390_166: (80_412_117, "Запущено"),
    52_004_810: (68_100_001, "Неразобранное"),
    52_004_814: (68_100_005, "Заявка"),
    52_004_818: (68_100_009, "В работе"),
}
NB_NEW, NB_SIGNED = 80_412_005, 80_412_021

# lead fields Сибкасса maps, after FILLER
KIND, COLD, ACCOUNT, EVENTS, SOURCE = 1_210_101, 1_210_103, 1_210_105, 1_210_107, 1_210_109
KIND_ENUMS = {"Организатор": 73_001, "Билетный оператор": 73_003, "Площадка": 73_005}
COLD_ENUMS = {"Да": 73_011, "Нет": 73_013}
INN, COMPANY_ACCOUNT, CITY = 1_220_001, 1_220_003, 1_220_005
FILLER = (
    ("UTM source", "text"),
    ("UTM medium", "text"),
    ("UTM campaign", "text"),
    ("UTM content", "text"),
    ("UTM term", "text"),
    ("Roistat", "text"),
    ("Яндекс.Метрика: client id", "text"),
    ("Страница заявки", "url"),
    ("Дата мероприятия", "date"),
    ("Площадка проведения", "text"),
    ("Вместимость зала", "numeric"),
    ("Жанр", "select"),
    ("Город проведения", "text"),
    ("Сайт", "url"),
    ("Комментарий менеджера", "textarea"),
    ("Дата следующего звонка", "date_time"),
    ("Телефон бухгалтерии", "text"),
    ("Сумма предоплаты", "numeric"),
    ("Средний чек, ₽", "numeric"),
    ("Билетов в месяц", "numeric"),
    ("Есть своя касса", "checkbox"),
    ("Нужна рассадка", "checkbox"),
    ("Продаёт через ВК", "checkbox"),
    ("Конкурент сейчас", "select"),
    ("Причина интереса", "select"),
    ("ЛПР", "text"),
    ("Должность ЛПР", "text"),
    ("Почта для договора", "text"),
    ("Юр. адрес", "textarea"),
    ("КПП", "text"),
    ("ОГРН", "text"),
    ("Банк", "text"),
    ("БИК", "text"),
    ("Расчётный счёт", "text"),
    ("Дата первого контакта", "date"),
    ("Дата демонстрации", "date"),
    ("Ссылка на запись звонка", "url"),
    ("Тариф", "select"),
    ("Скидка, %", "numeric"),
    ("Промокод", "text"),
    ("Тип площадки", "select"),
    ("Часовой пояс клиента", "text"),
    ("Договор отправлен", "checkbox"),
    ("Счёт выставлен", "checkbox"),
    ("Акт подписан", "checkbox"),
    ("Партнёрская программа", "checkbox"),
    ("Рекомендатель", "text"),
    ("Сегмент", "select"),
    ("Приоритет", "select"),
    ("Квартал сделки", "select"),
    ("Оценка шансов, %", "numeric"),
    ("Бюджет на рекламу", "numeric"),
    ("Согласие на рассылку", "checkbox"),
    ("Кто ведёт в чате", "text"),
    ("Заметки по внедрению", "textarea"),
    ("Версия виджета", "text"),
)
SOURCE_ENUMS = {
    "Заявка с сайта": 73_021,
    "Холодный обзвон": 73_023,
    "Рекомендация": 73_025,
    "Выставка / конференция": 73_027,
    "От билетного оператора": 73_029,
}


def _field(fid: int, name: str, ftype: str, entity: str, sort: int, enums: dict[str, int] | None = None) -> dict:
    pairs = None if enums is None else [(i, v) for v, i in enums.items()]
    return custom_field(fid, name, ftype, entity, sort, pairs, account_id=ACCOUNT_ID, api=API)


def lead_fields() -> list[dict]:
    filler = []
    for k, (name, ftype) in enumerate(FILLER):
        enums = {f"Вариант {j}": 72_000 + 10 * k + j for j in (1, 2, 3)} if ftype == "select" else None
        filler.append(_field(1_210_001 + k, name, ftype, "leads", 10 * (k + 1), enums))
    return [
        *filler,
        _field(KIND, "Тип клиента", "multiselect", "leads", 600, KIND_ENUMS),
        _field(COLD, "Холодный лид", "select", "leads", 601, COLD_ENUMS),
        _field(ACCOUNT, "Номер аккаунта на платформе", "numeric", "leads", 602),
        _field(EVENTS, "Мероприятий в год", "numeric", "leads", 603),
        _field(SOURCE, "Источник лида", "select", "leads", 604, SOURCE_ENUMS),
    ]


def company_fields() -> list[dict]:
    return [
        _field(INN, "ИНН", "text", "companies", 10),
        _field(COMPANY_ACCOUNT, "Номер аккаунта на платформе", "numeric", "companies", 20),
        _field(CITY, "Город", "text", "companies", 30),
    ]


def _cf(fid: int, name: str, ftype: str, values: Sequence[tuple[object, int | None]]) -> dict:
    items = []
    for value, enum_id in values:
        item: dict = {"value": value}
        if enum_id is not None:
            item.update(enum_id=enum_id, enum_code=None)
        items.append(item)
    return {"field_id": fid, "field_name": name, "field_code": None, "field_type": ftype, "values": items}


def _lead_fields(lead_id: int, engine: list[dict] | None, ids: dict[str, str]) -> list[dict] | None:
    out = []
    for f in engine or []:
        value = f["values"][0]["value"]
        if f["field_id"] == F_KIND:
            values = [(value, KIND_ENUMS[value])]
            if value == "Организатор" and lead_id % 10 == 3:  # also a venue: means neither kind alone
                values.append(("Площадка", KIND_ENUMS["Площадка"]))
            out.append(_cf(KIND, "Тип клиента", "multiselect", values))
        elif f["field_id"] == F_COLD:
            label = "Да" if value is True else "Нет"
            out.append(_cf(COLD, "Холодный лид", "select", [(label, COLD_ENUMS[label])]))
        elif f["field_id"] == F_ACCOUNT:
            out.append(_cf(ACCOUNT, "Номер аккаунта на платформе", "numeric", [(ids[value], None)]))
        elif f["field_id"] == F_EVENTS:
            out.append(_cf(EVENTS, "Мероприятий в год", "numeric", [(value, None)]))
        elif f["field_id"] == F_SOURCE:
            out.append(_cf(SOURCE, "Источник лида", "select", [(value, SOURCE_ENUMS[value])]))
    return out or None


def _company_fields(company_id: int, engine: list[dict] | None, ids: dict[str, str]) -> list[dict] | None:
    out = []
    for f in engine or []:
        value = f["values"][0]["value"]
        if f["field_id"] == F_INN:
            out.append(_cf(INN, "ИНН", "text", [(("'" + value) if company_id % 6 == 1 else value, None)]))
        elif f["field_id"] == F_COMPANY_ACCOUNT:
            out.append(_cf(COMPANY_ACCOUNT, "Номер аккаунта на платформе", "numeric", [(ids[value], None)]))
        elif f["field_id"] == F_ENGINE_CITY:
            out.append(_cf(CITY, "Город", "text", [(value, None)]))
    return out or None


def _status(status: dict) -> dict:
    return {"id": STATUSES.get(status["id"], (status["id"],))[0], "pipeline_id": PIPELINES[status["pipeline_id"]][0]}


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def write(engine: Path, folder: Path, ids: dict[str, str], placed: Placed) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    account = json.loads((engine / "account.json").read_text(encoding="utf-8"))
    account.update(
        id=ACCOUNT_ID,
        name=NAME,
        subdomain=SUBDOMAIN,
        created_at=shift(account["created_at"]),
        updated_at=shift(account["updated_at"]),
        _links={"self": {"href": f"{API}/account"}},
    )
    account["_embedded"]["datetime_settings"].update(timezone=TIMEZONE, timezone_offset=OFFSET)
    dump_json(folder / "account.json", account)
    users = json.loads((engine / "users.json").read_text(encoding="utf-8"))
    for u in users:
        u["_links"] = {"self": {"href": f"{API}/users/{u['id']}"}}
        u["email"] = email(u["email"])
    dump_json(folder / "users.json", users)
    pipelines = json.loads((engine / "pipelines.json").read_text(encoding="utf-8"))
    for p in pipelines:
        pid, p["name"] = PIPELINES[p["id"]]
        for s in p["_embedded"]["statuses"]:
            if s["id"] in STATUSES:
                s["id"], s["name"] = STATUSES[s["id"]]
            s.update(
                pipeline_id=pid,
                account_id=ACCOUNT_ID,
                _links={"self": {"href": f"{API}/leads/pipelines/{pid}/statuses/{s['id']}"}},
            )
        p.update(id=pid, account_id=ACCOUNT_ID, _links={"self": {"href": f"{API}/leads/pipelines/{pid}"}})
    dump_json(folder / "pipelines.json", pipelines)
    reasons = json.loads((engine / "loss_reasons.json").read_text(encoding="utf-8"))
    for r in reasons:
        r.update(
            created_at=shift(r["created_at"]),
            updated_at=shift(r["updated_at"]),
            _links={"self": {"href": f"{API}/leads/loss_reasons/{r['id']}"}},
        )
    dump_json(folder / "loss_reasons.json", reasons)
    dump_json(folder / "leads_custom_fields.json", lead_fields())
    dump_json(folder / "companies_custom_fields.json", company_fields())
    oauth = json.loads((engine / "oauth.json").read_text(encoding="utf-8"))
    oauth.update(subdomain=SUBDOMAIN, account_id=ACCOUNT_ID)
    create_private(folder / "oauth.json")  # a (made-up) client secret and tokens
    dump_json(folder / "oauth.json", oauth)

    with (folder / "companies.jsonl").open("w", encoding="utf-8") as fh:
        companies = _read_jsonl(engine / "companies.jsonl")
        for c in companies:
            c.update(
                created_at=shift(c["created_at"]),
                updated_at=shift(c["updated_at"]),
                account_id=ACCOUNT_ID,
                custom_fields_values=_company_fields(c["id"], c["custom_fields_values"], ids),
                _links={"self": {"href": f"{API}/companies/{c['id']}"}},
            )
            fh.write(json_line(c) + "\n")
    leads = _read_jsonl(engine / "leads.jsonl")
    for lead in leads:
        lead.update(
            created_at=shift(lead["created_at"]),
            updated_at=shift(lead["updated_at"]),
            closed_at=shift(lead["closed_at"]),
            account_id=ACCOUNT_ID,
            custom_fields_values=_lead_fields(lead["id"], lead["custom_fields_values"], ids),
            _links={"self": {"href": f"{API}/leads/{lead['id']}"}},
        )
        lead["status_id"] = STATUSES.get(lead["status_id"], (lead["status_id"],))[0]
        for c in lead.get("_embedded", {}).get("companies", []):
            c["_links"] = {"self": {"href": f"{API}/companies/{c['id']}"}}
        lead["pipeline_id"] = PIPELINES[lead["pipeline_id"]][0]
    events = _read_jsonl(engine / "events.jsonl")
    for e in events:
        e.update(
            created_at=shift(e["created_at"]),
            account_id=ACCOUNT_ID,
            _links={"self": {"href": f"{API}/events/{e['id']}"}},
        )
        e["_embedded"]["entity"]["_links"] = {"self": {"href": f"{API}/leads/{e['entity_id']}"}}
        for side in ("value_before", "value_after"):
            for v in e[side]:
                if "lead_status" in v:
                    v["lead_status"] = _status(v["lead_status"])
    seller = next(u["id"] for u in users if u["rights"]["is_active"] and not u["rights"]["is_admin"])
    new_leads, new_events = _placed(placed, seller)
    leads = sorted(leads + new_leads, key=lambda r: r["id"])
    events = sorted(events + new_events, key=lambda e: (e["created_at"], e["id"]))
    with (folder / "leads.jsonl").open("w", encoding="utf-8") as fh:
        for lead in leads:
            fh.write(json_line(lead) + "\n")
    with (folder / "events.jsonl").open("w", encoding="utf-8") as fh:
        for e in events:
            fh.write(json_line(e) + "\n")
    return {
        "leads": len(leads),
        "companies": len(companies),
        "amocrm_events": len(events),
        "lead_custom_fields": len(FILLER) + 5,
    }


def _placed(placed: Placed, user: int) -> tuple[list[dict], list[dict]]:
    """The placed deals (see placed.py) and their events, in API shape."""
    nb = PIPELINES[7_261_458][0]
    kind = _cf(KIND, "Тип клиента", "multiselect", [("Организатор", KIND_ENUMS["Организатор"])])
    specs = [  # id, name, created, [(time, status)], fields, price
        (
            placed.deal_c,
            placed.names["C"],
            placed.deal_c_created,
            [(placed.deal_c_created, NB_SIGNED)],
            [kind, _cf(ACCOUNT, "Номер аккаунта на платформе", "numeric", [(placed.partners["C"], None)])],
            300_000,
        ),
        (
            placed.deal_monday,
            "Заявка в понедельник 00:30",
            placed.deal_monday_created,
            [(placed.deal_monday_created, NB_NEW)],
            [kind],
            0,
        ),
        (
            placed.deal_won,
            "Выиграна первого числа в 00:30",
            placed.deal_won_created,
            [(placed.deal_won_created, NB_NEW), (placed.deal_won_closed, WON)],
            [kind],
            placed.deal_won_price,
        ),
    ]
    leads, events = [], []
    for k, (lead_id, name, created, path, fields, price) in enumerate(specs):
        last_at, status = path[-1]
        leads.append(
            {
                "id": lead_id,
                "name": name,
                "price": price,
                "responsible_user_id": user,
                "group_id": 0,
                "status_id": status,
                "pipeline_id": nb,
                "loss_reason_id": None,
                "created_by": user,
                "updated_by": user,
                "created_at": created,
                "updated_at": last_at,
                "closed_at": last_at if status in (WON, LOST) else None,
                "closest_task_at": None,
                "is_deleted": False,
                "custom_fields_values": fields,
                "score": None,
                "account_id": ACCOUNT_ID,
                "labor_cost": None,
                "_links": {"self": {"href": f"{API}/leads/{lead_id}"}},
                "_embedded": {"tags": [], "companies": []},
            }
        )
        before: list = []
        for j, (at, st) in enumerate(path):
            eid = event_id(at, 2**39 + 10 * k + j, lead_id)
            after = [{"lead_status": {"id": st, "pipeline_id": nb}}]
            events.append(
                {
                    "id": eid,
                    "type": "lead_added" if j == 0 else "lead_status_changed",
                    "entity_id": lead_id,
                    "entity_type": "lead",
                    "created_by": user,
                    "created_at": at,
                    "value_before": before,
                    "value_after": after,
                    "account_id": ACCOUNT_ID,
                    "_links": {"self": {"href": f"{API}/events/{eid}"}},
                    "_embedded": {"entity": {"id": lead_id, "_links": {"self": {"href": f"{API}/leads/{lead_id}"}}}},
                }
            )
            before = after
    return leads, events
