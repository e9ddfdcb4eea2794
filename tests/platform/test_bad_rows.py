"""A corpus of bad back-office rows: each ends in quarantine with its reason; the good rows total exactly."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from salesglass.sources.platform.config import InputSpec, PlansConfig
from salesglass.sources.platform.load import UNKNOWN_MANAGER, load_into
from tests.platform.conftest import add_amocrm_managers, demo_config, make_sqlite

ORDER_SQL = (
    "INSERT INTO orders VALUES ('{id}', 9, 'widget', 'done', 'e1', 'p1', 'p1', '2024-03-01 10:00:00', "
    "{done}, 0, {qty}, 0, 0, {full}, {acq}, 0, 100, 'RUB', '2024-03-09 00:00:00');"
)


def _order(id: str, done: str = "'2024-03-01 10:00:00'", qty: str = "1", full: str = "1000", acq: str = "0") -> str:
    return ORDER_SQL.format(id=id, done=done, qty=qty, full=full, acq=acq)


BAD_SQLITE = "\n".join(
    [
        ORDER_SQL.format(id="x", done="'2024-03-01 10:00:00'", qty=1, full=1000, acq=0).replace("'x'", "NULL"),
        _order("b-date-text", done="'yesterday'"),
        _order("b-date-impossible", done="'2024-02-30 10:00:00'"),
        _order("b-date-null", done="NULL"),
        _order("b-qty-text", qty="'two'"),
        _order("b-qty-fraction", qty="'1.5'"),
        _order("b-amount-text", full="'abc'"),
        _order("b-amount-subkopeck", full="'100.5'"),
        _order("b-amount-overflow", full="'1e22'"),
        _order("b-cost-text", acq="'x'"),
        "INSERT INTO refund_requests VALUES ('rb-null', 'o1', 'approved', '2024-03-04 10:00:00', NULL, 1, 100, 5, 1, "
        "'2024-03-09 00:00:00');",
        "INSERT INTO refund_requests VALUES ('rb-amount', 'o1', 'approved', '2024-03-04 10:00:00', "
        "'2024-03-05 10:00:00', 1, 'n/a', 5, 1, '2024-03-09 00:00:00');",
        "INSERT INTO partners VALUES ('pb-created', 'X', 'org', 'new', NULL, NULL, 'soon', NULL, NULL, NULL, 0, 1, 0, "
        "'2024-03-09 00:00:00');",
        "INSERT INTO partners VALUES ('pb-support', 'X', 'org', 'new', NULL, NULL, '2024-01-01 00:00:00', NULL, NULL, "
        "NULL, 'maybe', 1, 0, '2024-03-09 00:00:00');",
        "INSERT INTO partners VALUES (NULL, 'X', 'org', 'new', NULL, NULL, '2024-01-01 00:00:00', NULL, NULL, NULL, 0, "
        "1, 0, '2024-03-09 00:00:00');",
        "INSERT INTO partners VALUES ('pb-signed', 'X', 'org', 'new', NULL, NULL, '2024-01-01 00:00:00', '31.12.2023',"
        " NULL, NULL, 0, 1, 0, '2024-03-09 00:00:00');",
        "INSERT INTO widgets VALUES ('wb-date', 'p2', 'x.ru', '2024-01-01 00:00:00', 'never', NULL, 1);",
    ]
)

PARTNERS_CSV = """partner_id,name,kind,created_at
c-ok,Хороший,organizer,2024-01-01 00:00:00
c-kind,Подрядчик,contractor,2024-01-01 00:00:00
c-nokind,Без вида,,2024-01-01 00:00:00
c-dup,Первый,operator,2024-01-01 00:00:00
c-dup,Второй,operator,2024-01-01 00:00:00
c-wide,Лишнее,organizer,2024-01-01 00:00:00,extra
c-short,Короткая
"""

PLANS_CSV = """month;manager;metric;realistic;optimistic
2024-03;anna@x.ru;turnover;100;120
2024-03;;margin;50;60
2024-03;nobody@x.ru;turnover;1;2
2024-03;Борис;turnover;1;2
2024-03;anna@x.ru;profit;1;2
someday;anna@x.ru;revenue;1;2
2024-04;anna@x.ru;revenue;много;2
2024-03;anna@x.ru;turnover;7;8
"""

EXPECTED = {
    # (source, source_key) → reason
    ("platform:orders", None): "missing sale_id",
    ("platform:orders", "b-date-text"): "bad sold_at: not a valid timestamp",
    ("platform:orders", "b-date-impossible"): "bad sold_at: not a valid timestamp",
    ("platform:orders", "b-date-null"): "missing sold_at",
    ("platform:orders", "b-qty-text"): "bad tickets: not a valid integer",
    ("platform:orders", "b-qty-fraction"): "bad tickets: not a valid integer",
    ("platform:orders", "b-amount-text"): "bad turnover: not a valid number",
    ("platform:orders", "b-amount-subkopeck"): "bad turnover: more than 2 decimal places",
    ("platform:orders", "b-amount-overflow"): "bad turnover: too large a number for money",  # 10^22 kopecks
    ("platform:orders", "b-cost-text"): "bad cost: not a valid number",
    ("platform:refunds", "refund:rb-null"): "missing sold_at",
    ("platform:refunds", "refund:rb-amount"): "bad turnover: not a valid number",
    ("platform:partners", "pb-created"): "bad created_at: not a valid timestamp",
    ("platform:partners", "pb-support"): "bad is_support: not a valid boolean",
    ("platform:partners", None): "missing partner_id",
    ("platform:partners", "pb-signed"): (  # '31.12.2023': the format that reads it is named
        'bad contract_signed_at: not a valid timestamp (format = "%d.%m.%Y" reads it)'
    ),
    ("platform:partners", "p3"): UNKNOWN_MANAGER,  # a warning: p3 is loaded, without a manager
    ("platform:widgets", None): "bad installed_at: not a valid timestamp",
    ("platform:csv_partners", "c-kind"): "unknown kind (expected one of: organizer, operator)",
    ("platform:csv_partners", "c-nokind"): "missing kind",
    ("platform:csv_partners", "c-dup"): "duplicate key (partner_id) in this batch",
    ("platform:csv_partners", "line 7"): "unreadable line: too many columns",
    ("platform:csv_partners", "line 8"): "unreadable line: missing columns",
    ("plans", "nobody@x.ru"): "unknown manager (not an amoCRM user id, e-mail or name)",
    ("plans", "Борис"): "ambiguous manager (matches more than one amoCRM user)",
    ("plans", "profit"): "unknown metric (expected one of: turnover, revenue, margin, tickets, new_partners)",
    ("plans", "someday"): "bad month: not a valid month",
    ("plans", "много"): "bad realistic: not a valid number",
    ("plans", "dup"): "duplicate key (month, manager_id, metric) in this batch",
}


def test_every_bad_row_is_quarantined_with_its_reason(warehouse, tmp_path):
    db = make_sqlite(tmp_path / "bo.sqlite", BAD_SQLITE)
    (tmp_path / "partners.csv").write_text(PARTNERS_CSV, encoding="utf-8")
    (tmp_path / "plans.csv").write_text(PLANS_CSV, encoding="utf-8")
    add_amocrm_managers(warehouse)
    cfg = demo_config(f"sqlite:///{db}", tmp_path)
    cfg.platform.inputs.append(InputSpec(name="csv_partners", target="partners", path="partners.csv"))
    cfg.plans = PlansConfig(path="plans.csv")
    summary = load_into(warehouse, cfg, progress=False)

    q = warehouse.execute("""SELECT source, source_key, reason, raw FROM quarantine""").fetchall()
    got: dict[tuple[str, str | None], str] = {}
    for source, key, reason, raw in q:
        if source == "plans":  # plans rows are told apart by the value that is wrong
            key = next((v for v in ("nobody@x.ru", "Борис", "profit", "someday", "много") if v in raw), "dup")
        if source == "platform:widgets" or (source == "platform:orders" and key is None):
            key = None
        got[(source, key)] = reason
    assert got == EXPECTED
    # exactly one quarantine row per bad row (no more: nothing counted twice)
    assert len(q) == len(EXPECTED)
    assert len(set(EXPECTED.values())) >= 20

    # the good rows, exactly: 3 good orders + 1 refund of the hand-written data, 3 + 2 partners, 3 plans
    assert warehouse.execute("SELECT count(*), sum(tickets), sum(turnover) FROM sales").fetchone() == (
        4,
        3,
        D("3500.00"),
    )
    assert sorted(r[0] for r in warehouse.execute("SELECT partner_id FROM partners").fetchall()) == [
        "c-dup",
        "c-ok",
        "p1",
        "p2",
        "p3",
    ]
    assert warehouse.execute("SELECT count(*) FROM plans").fetchone()[0] == 2
    by_input = {r.name: (r.loaded, r.quarantined) for r in summary.all}
    assert by_input == {
        "partners": (3, 4),
        "widgets": (2, 1),
        "events": (2, 0),
        "orders": (3, 10),
        "refunds": (1, 2),
        "csv_partners": (2, 5),
        "plans": (2, 6),
    }


# what a typed MariaDB back-office can still hold: zero dates (allowed by MariaDB's default sql_mode),
# a done order without its time, kopecks beyond DECIMAL(18,2) rubles
BAD_MARIADB = "\n".join(
    [
        _order("m-date-zero", done="'0000-00-00 00:00:00'"),
        _order("m-date-null", done="NULL"),
        _order("m-amount-overflow", full="9223372036854775807"),
        "INSERT INTO refund_requests VALUES ('rm-zero', 'o1', 'approved', '2024-03-04 10:00:00', "
        "'0000-00-00 00:00:00', 1, 100, 5, 1, '2024-03-09 00:00:00');",
        "INSERT INTO partners VALUES ('pm-created', 'Ёлка', 'org', 'new', NULL, NULL, '0000-00-00 00:00:00', NULL, "
        "NULL, NULL, 0, 1, 0, '2024-03-09 00:00:00');",
    ]
)


@pytest.mark.mysql
def test_bad_mariadb_rows_are_quarantined_with_their_reason(warehouse, mariadb_backoffice, tmp_path):
    mariadb_backoffice.run(BAD_MARIADB)
    add_amocrm_managers(warehouse)
    summary = load_into(warehouse, demo_config(mariadb_backoffice.url, tmp_path), progress=False)
    got = warehouse.execute("SELECT source, source_key, reason FROM quarantine ORDER BY 1, 2").fetchall()
    assert got == [
        ("platform:orders", "m-amount-overflow", "bad turnover: too large a number for money"),
        ("platform:orders", "m-date-null", "missing sold_at"),
        ("platform:orders", "m-date-zero", "bad sold_at: not a valid timestamp"),
        ("platform:partners", "p3", UNKNOWN_MANAGER),
        ("platform:partners", "pm-created", "bad created_at: not a valid timestamp"),
        ("platform:refunds", "refund:rm-zero", "bad sold_at: not a valid timestamp"),
    ]
    # the raw row is kept as MariaDB sent it
    raw = warehouse.execute("SELECT raw->>'done_at' FROM quarantine WHERE source_key = 'm-date-zero'").fetchone()
    assert raw == ("0000-00-00 00:00:00",)
    assert warehouse.execute("SELECT count(*), sum(tickets), sum(turnover) FROM sales").fetchone() == (
        4,
        3,
        D("3500.00"),
    )
    assert {r.name: (r.loaded, r.quarantined) for r in summary.inputs} == {
        "partners": (3, 1),
        "widgets": (2, 0),
        "events": (2, 0),
        "orders": (3, 3),
        "refunds": (1, 1),
    }
