"""Every field type a real account may use for the mapped fields, read from small JSON records.

Each test puts a few leads or companies (API v4 shapes, written out below) into the raw layer, maps
them with `build_canonical` and checks the canonical value a user would see, and that a value which
cannot be read leaves the field empty with a reason in `quarantine` while the record itself is loaded.
"""

from __future__ import annotations

import json

import duckdb
import pytest

from salesglass.sources.amocrm.config import AmoCRMConfig
from salesglass.sources.amocrm.mapping import build_canonical
from salesglass.sources.amocrm.resolve import resolve
from salesglass.sources.amocrm.store import init_raw
from salesglass.warehouse import init_canonical

PIPELINE = {
    "id": 10,
    "name": "Продажи",
    "_embedded": {
        "statuses": [
            {"id": 100, "name": "Новая", "type": 1},
            {"id": 142, "name": "Успешно"},
            {"id": 143, "name": "Закрыто"},
        ]
    },
}
KIND_ENUMS = [
    {"id": 501, "value": "Организатор"},
    {"id": 502, "value": "Билетный оператор"},
    {"id": 503, "value": "Другое"},
]
YES_NO = [{"id": 601, "value": "Да"}, {"id": 602, "value": "Нет"}]


def field(fid: int, name: str, ftype: str, enums: list | None = None) -> dict:
    return {"id": fid, "name": name, "type": ftype, "enums": enums}


def lead(lead_id: int, *values: dict) -> dict:
    return {
        "id": lead_id,
        "name": f"Сделка {lead_id}",
        "price": 0,
        "status_id": 100,
        "pipeline_id": 10,
        "responsible_user_id": 1,
        "created_at": 1_700_000_000,
        "updated_at": 1_700_000_000,
        "custom_fields_values": list(values) or None,
        "_embedded": {"companies": []},
    }


def company(company_id: int, *values: dict) -> dict:
    return {
        "id": company_id,
        "name": f"Компания {company_id}",
        "responsible_user_id": 1,
        "updated_at": 1_700_000_000,
        "custom_fields_values": list(values) or None,
    }


def cf(fid: int, *values: object, enum_ids: tuple | None = None) -> dict:
    """A `custom_fields_values` entry; `enum_ids` gives each value its enum id (None: no enum id)."""
    items = []
    for k, v in enumerate(values):
        item: dict = {} if v is None else {"value": v}
        if enum_ids is not None and enum_ids[k] is not None:
            item["enum_id"] = enum_ids[k]
        items.append(item)
    return {"field_id": fid, "values": items}


def run(
    lead_fields: list[dict],
    company_fields: list[dict],
    leads: list[dict],
    companies: list[dict],
    fields: dict,
    *,
    events: list[tuple[str, str, int, int]] = (),  # (id, type, lead id, created_at)
) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    init_canonical(con)
    init_raw(con)
    for event_id, kind, lead_id, at in events:
        con.execute(
            "INSERT INTO raw_amocrm_events (id, type, entity_type, entity_id, created_at, data) "
            "VALUES (?, ?, 'lead', ?, ?, '{}')",
            [event_id, kind, lead_id, at],
        )
    for table, rows in (("raw_amocrm_leads", leads), ("raw_amocrm_companies", companies)):
        for r in rows:
            con.execute(
                f"INSERT INTO {table} (id, updated_at, data) VALUES (?, ?, ?)",
                [r["id"], r["updated_at"], json.dumps(r, ensure_ascii=False)],
            )
    amo = AmoCRMConfig(fields=fields)
    res = resolve(
        amo,
        pipelines=[PIPELINE],
        lead_fields=lead_fields,
        company_fields=company_fields,
        users=[{"id": 1, "name": "Анна"}],
        groups=[],
    )
    con.execute('INSERT INTO raw_amocrm_users (id, data) VALUES (1, \'{"id": 1, "name": "Анна"}\')')
    build_canonical(con, res)
    return con


def deals(con: duckdb.DuckDBPyConnection, column: str) -> dict[int, object]:
    return dict(con.execute(f"SELECT deal_id, {column} FROM deals ORDER BY 1").fetchall())


def notes(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return con.execute("SELECT entity, source_key, reason FROM quarantine ORDER BY 1, 2, 3").fetchall()


KIND = {"client_kind": "Тип клиента", "organizer_values": ["Организатор"], "operator_values": ["Билетный оператор"]}


@pytest.mark.parametrize("ftype", ["select", "radiobutton", "multiselect"])
def test_client_kind_by_value_or_by_enum_id_in_every_enum_type(ftype):
    fields = [field(7, "Тип клиента", ftype, KIND_ENUMS)]
    leads = [
        lead(1, cf(7, "Организатор", enum_ids=(501,))),
        lead(2, cf(7, "Билетный оператор", enum_ids=(502,))),
        lead(3, cf(7, None, enum_ids=(501,))),  # only the enum id, no text
        lead(4, cf(7, None, enum_ids=("502",))),  # the enum id as a string
        lead(5, cf(7, "  организатор ")),  # text only, other case and spaces
        lead(6, cf(7, "Другое", enum_ids=(503,))),  # a value the user mapped to neither kind
        lead(7),
    ]
    con = run(fields, [], leads, [], KIND)
    assert deals(con, "client_kind") == {
        1: "organizer",
        2: "operator",
        3: "organizer",
        4: "operator",
        5: "organizer",
        6: None,
        7: None,
    }
    assert notes(con) == []


def test_client_kind_typed_in_a_text_field():
    fields = [field(7, "Тип клиента", "text")]
    leads = [lead(1, cf(7, "организатор")), lead(2, cf(7, " Билетный оператор ")), lead(3, cf(7, "агентство"))]
    con = run(fields, [], leads, [], KIND)
    assert deals(con, "client_kind") == {1: "organizer", 2: "operator", 3: None}


def test_multiselect_client_kind_looks_at_every_value():
    fields = [field(7, "Тип клиента", "multiselect", KIND_ENUMS)]
    leads = [
        lead(1, cf(7, "Другое", "Билетный оператор", enum_ids=(503, 502))),  # the second value decides
        lead(2, cf(7, "Организатор", "Организатор", enum_ids=(501, 501))),
        lead(3, cf(7, "Организатор", "Билетный оператор", enum_ids=(501, 502))),
    ]  # contradictory
    con = run(fields, [], leads, [], KIND)
    assert deals(con, "client_kind") == {1: "operator", 2: "organizer", 3: None}
    assert notes(con) == [
        ("deals", "3", "client kind values mean both organizer and operator (deal kept, client_kind unknown)")
    ]


def test_cold_flag_as_a_checkbox_with_booleans_or_strings():
    fields = [field(8, "Холодная сделка", "checkbox")]
    leads = [
        lead(1, cf(8, True)),
        lead(2, cf(8, False)),
        lead(3, cf(8, "1")),
        lead(4, cf(8, "0")),
        lead(5, cf(8, "true")),
        lead(6),
    ]  # absent: warm
    con = run(fields, [], leads, [], {"cold_deal": "Холодная сделка"})
    assert deals(con, "is_cold") == {1: True, 2: False, 3: True, 4: False, 5: True, 6: False}
    assert notes(con) == []


def test_cold_flag_as_a_yes_no_select_by_value_or_enum_id_and_an_unreadable_value():
    fields = [field(8, "Холодная сделка", "select", YES_NO)]
    leads = [
        lead(1, cf(8, "Да", enum_ids=(601,))),
        lead(2, cf(8, "Нет", enum_ids=(602,))),
        lead(3, cf(8, None, enum_ids=(601,))),
        lead(4, cf(8, "да ")),
        lead(5, cf(8, "Может быть")),
        lead(6),
    ]
    con = run(fields, [], leads, [], {"cold_deal": "Холодная сделка"})
    assert deals(con, "is_cold") == {1: True, 2: False, 3: True, 4: True, 5: None, 6: False}
    assert deals(con, "name")[5] == "Сделка 5"  # the deal itself is loaded
    assert notes(con) == [("deals", "5", "cold flag is neither yes nor no (deal kept, is_cold unknown)")]


def test_platform_account_id_in_a_numeric_field_sent_as_number_or_string():
    fields = [field(9, "ID аккаунта", "numeric")]
    leads = [
        lead(1, cf(9, "104233")),
        lead(2, cf(9, 104234)),
        lead(3, cf(9, "104235.0")),
        lead(4, cf(9, " 104 236 ")),
        lead(5, cf(9, "104237.5")),
        lead(6, cf(9, "n/a")),
        lead(7),
    ]
    con = run(fields, [], leads, [], {"lead_platform_account_id": "ID аккаунта"})
    assert deals(con, "platform_account_id") == {
        1: "104233",
        2: "104234",
        3: "104235",
        4: "104236",
        5: None,
        6: None,
        7: None,
    }
    reason = "platform account id in a numeric field is not a whole number (kept empty)"
    assert notes(con) == [("deals", "5", reason), ("deals", "6", reason)]


def test_platform_account_id_in_a_text_field_is_kept_as_typed_without_a_spreadsheet_apostrophe():
    fields = [field(9, "ID аккаунта", "text")]
    leads = [lead(1, cf(9, "5f0c1a2b3c4d5e6f7a8b9c0d")), lead(2, cf(9, "'104233")), lead(3, cf(9, "  "))]
    con = run(fields, [], leads, [], {"lead_platform_account_id": "ID аккаунта"})
    assert deals(con, "platform_account_id") == {1: "5f0c1a2b3c4d5e6f7a8b9c0d", 2: "104233", 3: None}


@pytest.mark.parametrize("ftype", ["text", "numeric"])
def test_inn_with_spaces_an_apostrophe_or_a_lost_leading_zero(ftype):
    fields = [field(20, "ИНН", ftype)]
    companies = [
        company(1, cf(20, "77 01 234567")),
        company(2, cf(20, "'7701234568")),
        company(3, cf(20, "770123456789")),
        company(4, cf(20, "123")),
        company(5),
    ]
    value = (lambda digits: digits) if ftype == "numeric" else str  # a number field sends a number
    # ИНН 0274062111 lost its leading zero: with it back, its check digit agrees
    # (0·2 + 2·4 + 7·10 + 4·3 + 0·5 + 6·9 + 2·4 + 1·6 + 1·8 = 166; 166 mod 11 = 1; 1 mod 10 = 1, the last digit)
    companies.append(company(6, cf(20, value(274062111))))
    # 0501234567 would not be one: 0·2 + 5·4 + 0·10 + 1·3 + 2·5 + 3·9 + 4·4 + 5·6 + 6·8 = 154; 154 mod 11 = 0 ≠ 7
    companies.append(company(7, cf(20, value(501234567))))
    con = run([], fields, [], companies, {"company_inn": "ИНН"})
    got = dict(con.execute("SELECT company_id, inn FROM companies ORDER BY 1").fetchall())
    expected = {1: "7701234567", 2: "7701234568", 3: "770123456789", 4: None, 5: None, 6: "0274062111", 7: None}
    assert got == expected
    reason = "ИНН does not have 10 or 12 digits (kept empty)"
    assert notes(con) == [("companies", "4", reason), ("companies", "7", reason)]


def test_numbers_sent_as_strings_elsewhere_in_the_lead_still_load():
    raw = lead(1)
    raw.update(price="150000", status_id="142", pipeline_id="10", responsible_user_id="1")
    con = run([], [], [raw], [], {})
    assert con.execute("SELECT price, status_id, is_won, sales_manager_id FROM deals").fetchall() == [
        (150000, 142, True, 1)
    ]


@pytest.mark.parametrize(
    ("base_url", "web"),
    [
        ("https://sibkassa.kommo.com", "https://sibkassa.kommo.com"),
        ("https://acme.amocrm.ru/", "https://acme.amocrm.ru"),
        ("https://acme.amocrm.com", "https://acme.amocrm.com"),
        ("http://127.0.0.1:8765", "https://acme.amocrm.ru"),  # the emulator: the subdomain's amoCRM address
    ],
)
def test_deal_links_open_the_account_where_it_lives(base_url, web):
    """A Kommo account's deals open on kommo.com, not on amocrm.ru."""
    assert AmoCRMConfig(base_url=base_url, subdomain="acme").web_url() == web


def test_a_loss_reason_field_sent_as_an_enum_id_only_reads_its_text():
    fields = [field(11, "Причина отказа", "select", [{"id": 901, "value": "Дорого"}, {"id": 902, "value": "Ушли"}])]
    leads = [lead(1, cf(11, None, enum_ids=(902,))), lead(2, cf(11, "Дорого", enum_ids=(901,))), lead(3)]
    con = run(fields, [], leads, [], {"loss_reason": "Причина отказа"})
    assert deals(con, "loss_reason") == {1: "Ушли", 2: "Дорого", 3: None}


def test_the_sync_summary_says_how_many_values_could_not_be_read():
    from salesglass.sources.amocrm.mapping import MapResult
    from salesglass.sources.amocrm.resolve import Resolved
    from salesglass.sources.amocrm.sync import SyncSummary, _finish

    summary = SyncSummary(mode="full")
    _finish(summary, MapResult(unreadable_fields=2), Resolved(pipelines=set(), stage_of={}, known_statuses=set()))
    assert "warning: 2 custom field values could not be read" in summary.render()


def test_a_value_sent_as_a_list_or_an_object_is_read_or_said_never_taken_as_its_json_text():
    """An integration wrote values in its own shapes: a list of one text (read as that text), a list of several,
    an object, an empty list, a list holding null, null itself. The account id used to become the JSON text
    '["12345"]' or '{"x":"12345"}' (linking then matched nothing) and the client kind NULL, both without a note;
    a cold flag given as a list of nothing readable counted as warm."""

    lf = [
        field(8001, "Тип клиента", "select", KIND_ENUMS),
        field(8002, "Холодная", "checkbox"),
        field(8003, "ID аккаунта", "text"),
    ]
    fields = {**KIND, "cold_deal": "Холодная", "lead_platform_account_id": "ID аккаунта", "company_inn": "ИНН"}
    leads = [
        lead(1, cf(8001, ["Организатор"]), cf(8002, ["1"]), cf(8003, ["12345"])),  # lists of one: read
        lead(2, cf(8001, {"value": "Организатор"}), cf(8003, ["12345", "67890"])),  # an object, two ids: noted
        lead(3, cf(8001, []), cf(8002, [None]), cf(8003, None)),  # nothing; a list of null; no value
        lead(4, cf(8003, "7" * 100_000)),  # a huge text is kept as typed
    ]
    companies = [company(1, cf(9001, ["7707083893"])), company(2, cf(9001, {"inn": "7707083893"}))]
    con = run(lf, [field(9001, "ИНН", "text")], leads, companies, fields)
    got = con.execute("SELECT deal_id, client_kind, is_cold, platform_account_id FROM deals ORDER BY 1").fetchall()
    assert got == [
        (1, "organizer", True, "12345"),
        (2, None, False, None),  # no cold field: warm, as any deal without it
        (3, None, None, None),  # a cold flag sent as [null]: unknown, not warm
        (4, None, False, "7" * 100_000),
    ]
    assert con.execute("SELECT company_id, inn FROM companies ORDER BY 1").fetchall() == [(1, "7707083893"), (2, None)]
    odd = "value of field «{}» ({}) is a list or an object, not one value (record kept, value unknown)"
    assert notes(con) == [
        ("companies", "2", odd.format("ИНН", 9001)),
        ("deals", "2", odd.format("ID аккаунта", 8003)),
        ("deals", "2", odd.format("Тип клиента", 8001)),
        ("deals", "3", odd.format("Холодная", 8002)),
    ]
    from salesglass.serve.i18n import Formatter
    from salesglass.serve.web.reasons import reason_label

    assert reason_label(Formatter("ru", "RUB").t, odd.format("ИНН", 9001)) == (  # the data-quality page
        "поле «ИНН» (9001): список или объект вместо одного значения (запись загружена, значение неизвестно)"
    )
