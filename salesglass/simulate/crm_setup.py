"""The amoCRM account's settings in API v4 shapes: account, users, pipelines, custom fields, loss reasons.

Ids are fixed numbers (real accounts have 7–8 digit ids); the status and field ids below are what the
demo config maps (docs/simulated-company.md lists the mapping).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from salesglass.simulate.staff import DOMAIN, GROUPS, Staff

ACCOUNT_ID = 31_457_902
SUBDOMAIN = "biletoid"
ACCOUNT_NAME = "Билетоид"
BASE = f"https://{SUBDOMAIN}.amocrm.ru/api/v4"
WON, LOST = 142, 143


@dataclass(frozen=True)
class Status:
    id: int
    name: str
    stage: str | None  # canonical stage it maps to (documentation; the demo config says the same)


NEW_BUSINESS = 7_261_458
DEVELOPMENT = 7_261_460
ARCHIVE = 6_110_372
NB = {  # New business: key → status
    "unsorted": Status(61_390_114, "Неразобранное", None),
    "contact": Status(61_390_118, "Первичный контакт", None),
    "meeting": Status(61_390_122, "Встреча / демо", "negotiation"),
    "proposal": Status(61_390_126, "КП отправлено", "proposal"),
    "contract_talks": Status(61_390_130, "Согласование договора", "proposal"),
    "signed": Status(61_390_134, "Договор подписан", "contract_signed"),
    "widget": Status(61_390_138, "Виджет установлен", "widget_installed"),
}
DEV = {
    "unsorted": Status(61_390_150, "Неразобранное", None),
    "potential": Status(61_390_154, "Потенциал выявлен", None),
    "talks": Status(61_390_158, "Переговоры", "negotiation"),
    "agreed": Status(61_390_162, "Согласовано", "contract_signed"),
    "launched": Status(61_390_166, "Запущено", "widget_installed"),
}
OLD = {
    "unsorted": Status(52_004_810, "Неразобранное", None),
    "request": Status(52_004_814, "Заявка", None),
    "work": Status(52_004_818, "В работе", "negotiation"),
}
LOSS_REASONS = [
    (14_201, "Ушли к конкуренту", 0.22),
    (14_202, "Высокая комиссия", 0.20),
    (14_203, "Нет мероприятий / отложили", 0.18),
    (14_204, "Не выходит на связь", 0.20),
    (14_205, "Нужна функциональность (рассадка, касса)", 0.08),
    (14_206, "Не целевой (мелкий, разовый)", 0.12),
]

F_KIND, F_COLD, F_ACCOUNT, F_EVENTS, F_SOURCE = 904_311, 904_313, 904_315, 904_317, 904_319
F_INN, F_COMPANY_ACCOUNT, F_CITY = 904_401, 904_403, 904_405
KIND_ENUMS = {"organizer": (512_001, "Организатор"), "operator": (512_003, "Билетный оператор")}
SOURCE_ENUMS = {
    "inbound": (512_011, "Заявка с сайта"),
    "outbound": (512_013, "Холодный обзвон"),
    "referral": (512_015, "Рекомендация"),
    "event": (512_017, "Выставка / конференция"),
    "agent": (512_019, "От билетного оператора"),
}


def account(created_at: int, owner_id: int) -> dict:
    groups = [{"id": 0, "name": "Отдел продаж (основной)", "uuid": None}] + [
        {"id": gid, "name": name, "uuid": None} for gid, name in GROUPS.values()
    ]
    return {
        "id": ACCOUNT_ID,
        "name": ACCOUNT_NAME,
        "subdomain": SUBDOMAIN,
        "created_at": created_at,
        "created_by": owner_id,
        "updated_at": created_at,
        "updated_by": owner_id,
        "current_user_id": owner_id,
        "country": "RU",
        "currency": "RUB",
        "currency_symbol": "₽",
        "customers_mode": "disabled",
        "is_unsorted_on": True,
        "mobile_feature_version": 0,
        "is_loss_reason_enabled": True,
        "is_helpbot_enabled": False,
        "is_technical_account": False,
        "contact_name_display_order": 1,
        "_links": {"self": {"href": f"{BASE}/account"}},
        "_embedded": {
            "datetime_settings": {
                "date_pattern": "d.m.Y H:i",
                "short_date_pattern": "d.m.Y",
                "short_time_pattern": "H:i",
                "date_format": "d.m.Y",
                "time_format": "H:i:s",
                "timezone": "Europe/Moscow",
                "timezone_offset": "+03:00",
            },
            "users_groups": groups,
        },
    }


def users(staff: Staff, end: int) -> list[dict]:
    out = []
    for m in staff.all:
        active = m.left_ts is None or m.left_ts > end
        rights = {
            "leads": {"view": "A", "edit": "A", "add": "A", "delete": "A" if m.is_admin else "D", "export": "A"},
            "contacts": {"view": "A", "edit": "A", "add": "A", "delete": "D", "export": "A"},
            "companies": {"view": "A", "edit": "A", "add": "A", "delete": "D", "export": "A"},
            "tasks": {"edit": "A", "delete": "A"},
            "mail_access": True,
            "catalog_access": True,
            "status_rights": [],
            "catalog_rights": [],
            "is_admin": m.is_admin,
            "is_free": False,
            "is_active": active,
            "group_id": 0 if m.is_admin else GROUPS[m.role][0],
            "role_id": None,
        }
        out.append(
            {
                "id": m.user_id,
                "name": m.name,
                "email": m.email,
                "lang": "ru",
                "rights": rights,
                "_links": {"self": {"href": f"{BASE}/users/{m.user_id}"}},
            }
        )
    return out


def _statuses(pipeline_id: int, statuses: dict[str, Status]) -> list[dict]:
    out = []
    for sort, st in enumerate(statuses.values()):
        out.append(
            {
                "id": st.id,
                "name": st.name,
                "sort": 10 * (sort + 1),
                "is_editable": sort > 0,
                "pipeline_id": pipeline_id,
                "color": "#c1c1c1" if sort == 0 else "#99ccff",
                "type": 1 if sort == 0 else 0,
                "account_id": ACCOUNT_ID,
            }
        )
    out.append(
        {
            "id": WON,
            "name": "Успешно реализовано",
            "sort": 10000,
            "is_editable": False,
            "pipeline_id": pipeline_id,
            "color": "#CCFF66",
            "type": 0,
            "account_id": ACCOUNT_ID,
        }
    )
    out.append(
        {
            "id": LOST,
            "name": "Закрыто и не реализовано",
            "sort": 11000,
            "is_editable": False,
            "pipeline_id": pipeline_id,
            "color": "#D5D8DB",
            "type": 0,
            "account_id": ACCOUNT_ID,
        }
    )
    for s in out:
        s["_links"] = {"self": {"href": f"{BASE}/leads/pipelines/{pipeline_id}/statuses/{s['id']}"}}
    return out


def pipelines() -> list[dict]:
    spec = [
        (NEW_BUSINESS, "Новые клиенты", 1, True, False, NB),
        (DEVELOPMENT, "Развитие клиентов", 2, False, False, DEV),
        (ARCHIVE, "Продажи 2023 (архив)", 3, False, True, OLD),
    ]
    return [
        {
            "id": pid,
            "name": name,
            "sort": sort,
            "is_main": main,
            "is_unsorted_on": True,
            "is_archive": archived,
            "account_id": ACCOUNT_ID,
            "_links": {"self": {"href": f"{BASE}/leads/pipelines/{pid}"}},
            "_embedded": {"statuses": _statuses(pid, st)},
        }
        for pid, name, sort, main, archived, st in spec
    ]


def loss_reasons(created_at: int) -> list[dict]:
    return [
        {
            "id": rid,
            "name": name,
            "sort": k,
            "created_at": created_at,
            "updated_at": created_at,
            "_links": {"self": {"href": f"{BASE}/leads/loss_reasons/{rid}"}},
        }
        for k, (rid, name, _) in enumerate(LOSS_REASONS)
    ]


def custom_field(
    fid: int,
    name: str,
    ftype: str,
    entity: str,
    sort: int,
    enums: Sequence[tuple[int, str]] | None = None,
    *,
    account_id: int = ACCOUNT_ID,
    api: str = BASE,
) -> dict:
    """One custom field as `GET /api/v4/{entity}/custom_fields` shows it; `enums` as (id, value) pairs.
    The other simulated account (sibkassa) passes its own account id and API address."""
    return {
        "id": fid,
        "name": name,
        "type": ftype,
        "code": None,
        "sort": sort,
        "account_id": account_id,
        "entity_type": entity,
        "is_api_only": False,
        "is_deletable": True,
        "is_predefined": False,
        "group_id": None,
        "required_statuses": [],
        "remind": None,
        "triggers": [],
        "currency": None,
        "hidden_statuses": [],
        "chained_lists": None,
        "tracking_callback": None,
        "enums": None
        if enums is None
        else [{"id": i, "value": v, "sort": 10 * (k + 1)} for k, (i, v) in enumerate(enums)],
        "_links": {"self": {"href": f"{api}/{entity}/custom_fields/{fid}"}},
    }


def lead_fields() -> list[dict]:
    return [
        custom_field(F_KIND, "Тип клиента", "select", "leads", 510, list(KIND_ENUMS.values())),
        custom_field(F_COLD, "Холодная сделка", "checkbox", "leads", 511),
        custom_field(F_ACCOUNT, "ID аккаунта на платформе", "text", "leads", 512),
        custom_field(F_EVENTS, "Мероприятий в год", "numeric", "leads", 513),
        custom_field(F_SOURCE, "Источник лида", "select", "leads", 514, list(SOURCE_ENUMS.values())),
    ]


def company_fields() -> list[dict]:
    return [
        custom_field(F_INN, "ИНН", "text", "companies", 510),
        custom_field(F_COMPANY_ACCOUNT, "ID аккаунта на платформе", "text", "companies", 511),
        custom_field(F_CITY, "Город", "text", "companies", 512),
    ]


def cf(fid: int, name: str, ftype: str, value: object, enum_id: int | None = None) -> dict:
    """One `custom_fields_values` entry as the API returns it (numbers as strings)."""
    item: dict = {"value": value}
    if enum_id is not None:
        item["enum_id"] = enum_id
        item["enum_code"] = None
    return {"field_id": fid, "field_name": name, "field_code": None, "field_type": ftype, "values": [item]}


__all__ = ["DOMAIN"]
