"""Hostile back-office rows through every reader: each row is loaded, or quarantined with its reason and
counted in data quality — never lost. Rows and money are reconciled by hand: rows read = rows loaded + rows
quarantined, and the money read = the money loaded + the money quarantined (where it is a number at all)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from salesglass.model.schema import SIGNS_DISAGREE
from salesglass.reports.data_quality import UNKNOWN_PARTNER
from salesglass.sources.platform.config import InputSpec
from salesglass.sources.platform.load import UNKNOWN_MANAGER, load_into
from salesglass.sql import quote_lit
from tests.platform.conftest import add_amocrm_managers, demo_config, make_sqlite

NOT_NUMBER = "bad turnover: not a valid number"
PLAUSIBLE = "bad sold_at: not a plausible date (before 1970-01-02 or after 2100)"
DECIMALS = "bad turnover: more than 2 decimal places"
TOO_LARGE = "bad turnover: too large a number for money"
FUTURE = "bad sold_at: in the future (more than a day after it was read)"
# twelve hours ahead of now, as the back-office's naive Moscow time (+03): within plausible.AHEAD, loaded
SOON = (datetime.now(UTC) + timedelta(hours=3 + 12)).strftime("'%Y-%m-%d %H:%M:%S'")

# orders of the demo back-office (status done, no invitation: what the demo mapping reads), one per hostile
# case: (order id, full_kop as SQL, tickets, done_at, org_id) → the reason it is quarantined, None = loaded.
# Amounts are kopecks, as the back-office writes them.
HOSTILE = [
    (None, "1000", "1", "'2024-03-05 10:00:00'", "'p1'", "missing sale_id"),
    ("", "1000", "1", "'2024-03-05 10:00:00'", "'p1'", "missing sale_id"),
    ("h-negative", "-50000", "1", "'2024-03-05 10:00:00'", "'p1'", SIGNS_DISAGREE),  # no refund: a sale of −500 ₽
    ("h-tickets-back", "1000", "-2", "'2024-03-05 10:00:00'", "'p1'", SIGNS_DISAGREE),
    ("h-tickets-half", "1000", "'1.5'", "'2024-03-05 10:00:00'", "'p1'", "bad tickets: not a valid integer"),
    ("h-subkopeck", "'100.555'", "1", "'2024-03-05 10:00:00'", "'p1'", DECIMALS),
    ("h-nan", "'NaN'", "1", "'2024-03-05 10:00:00'", "'p1'", NOT_NUMBER),
    ("h-infinity", "'Infinity'", "1", "'2024-03-05 10:00:00'", "'p1'", NOT_NUMBER),
    ("h-1e15", "'1e15'", "1", "'2024-03-05 10:00:00'", "'p1'", TOO_LARGE),  # 10^13 ₽: beyond 14 digits of kopecks
    ("h-1900", "1000", "1", "'1900-01-01 10:00:00'", "'p1'", PLAUSIBLE),
    ("h-year-1", "1000", "1", "'01/02/03'", "'p1'", PLAUSIBLE),  # DuckDB reads it as 0001-02-03
    ("h-forever", "1000", "1", "'infinity'", "'p1'", PLAUSIBLE),
    ("h-epoch", "1000", "1", "'1970-01-01 03:00:00'", "'p1'", PLAUSIBLE),  # 0 as a Moscow time: no date
    ("h-future", "1000", "1", "'2062-01-01 10:00:00'", "'p1'", FUTURE),  # a typo for 2026: no date yet
    ("h-soon", "1000", "1", SOON, "'p1'", None),  # clocks differ: loaded
    ("h-offset", "1000", "1", "'2024-03-05 10:00:00+05'", "'p1'", None),  # its own offset kept
    ("h-ghost", "1000", "1", "'2024-03-05 10:00:00'", "'p-ghost'", None),  # a partner the list lacks
]


def _order(id: str | None, full: str, qty: str, done: str, org: str) -> str:
    key = "NULL" if id is None else quote_lit(id)
    return (
        f"INSERT INTO orders VALUES ({key}, 9, 'widget', 'done', 'e1', {org}, {org}, '2024-03-01 10:00:00', {done}, 0, "
        f"{qty}, 0, 0, {full}, 0, 0, 100, 'RUB', '2024-03-09 00:00:00');"
    )


# partners: one with no manager, one whose manager e-mail amoCRM does not know (loaded, with a note)
PARTNERS = (
    "INSERT INTO partners VALUES ('p-nomgr', 'Без менеджера', 'org', 'new', NULL, NULL, '2024-01-01 00:00:00', NULL, "
    "NULL, NULL, 0, 1, 0, '2024-03-09 00:00:00');"
)
# a second sales input (an old shop's export) repeating order o2 of the back-office, and one id twice
LEGACY_CSV = """sale_id;partner_id;sold_at;tickets;turnover;revenue;cost
o2;p1;2024-03-02 12:00:00;1;999,99;1;0
l-1;p2;2024-03-06 10:00:00;2;1 234,56;10;0
l-2;p2;2024-03-06 11:00:00;1;100;1;0
l-2;p2;2024-03-06 12:00:00;1;700;1;0
"""


@pytest.fixture
def hostile(warehouse, tmp_path):
    sql = "\n".join([*(_order(*row[:5]) for row in HOSTILE), PARTNERS])
    db = make_sqlite(tmp_path / "bo.sqlite", sql)
    (tmp_path / "legacy.csv").write_bytes(b"\xef\xbb\xbf" + LEGACY_CSV.encode("utf-8"))  # a BOM, as Excel writes
    add_amocrm_managers(warehouse)
    cfg = demo_config(f"sqlite:///{db}", tmp_path)
    cfg.platform.inputs.append(InputSpec(name="legacy", target="sales", path="legacy.csv"))
    summary = load_into(warehouse, cfg, full=True, progress=False)
    return warehouse, summary


def test_hostile_orders_are_loaded_or_quarantined_and_reconcile_by_hand(hostile):
    con, summary = hostile
    got = {
        (src, key): reason
        for src, key, reason in con.execute("SELECT source, source_key, reason FROM quarantine").fetchall()
    }
    expected_orders = {key: why for key, *_, why in HOSTILE if why is not None and key}
    assert {k: v for (s, k), v in got.items() if s == "platform:orders" and k} == expected_orders
    keyless = con.execute(
        "SELECT count(*) FROM quarantine WHERE source = 'platform:orders' AND source_key IS NULL"
    ).fetchone()
    assert keyless == (2,)  # NULL and '' ids, each its own row
    assert got[("platform:legacy", "o2")] == "duplicate key (sale_id): input 'orders' has it too (its row is kept)"
    assert got[("platform:legacy", "l-2")] == "duplicate key (sale_id) in this batch"
    assert got[("platform:partners", "p3")] == UNKNOWN_MANAGER  # a note: p3 is loaded, without a manager

    # rows: read = loaded + quarantined, per input (the orders query reads o1, o2, o5 and the 17 hostile rows)
    by_input = {r.name: (r.read, r.loaded, r.quarantined) for r in summary.inputs}
    assert by_input["orders"] == (3 + 17, 3 + 3, 14)
    assert by_input["legacy"] == (4, 2, 2)
    assert by_input["refunds"] == (1, 1, 0)
    assert by_input["partners"] == (4, 4, 0)  # p1, p2, p3, p-nomgr; the note is no quarantined row
    assert con.execute("SELECT count(*) FROM partners WHERE development_manager_id IS NULL").fetchone() == (3,)

    # money, by hand. Loaded: o1 3000.00 + o2 1500.00 + o5 500.00 + three hostile rows of 10.00, the refund
    # −1500.00, and the legacy file's l-1 1234.56 and l-2 100.00
    loaded = D("3000.00") + D("1500.00") + D("500.00") + 3 * D("10.00") - D("1500.00") + D("1234.56") + D("100.00")
    assert loaded == D("4864.56")
    assert con.execute("SELECT sum(turnover), sum(tickets) FROM sales").fetchone() == (loaded, 2 + 1 + 1 + 3 - 1 + 3)
    # quarantined, as the source has it: the orders' full_kop / 100 where it is a number (NaN and Infinity
    # are not: counted as rows, their money unknown; SQLite keeps '1e15' in its INTEGER column as 10^15)
    quarantined_orders = (
        2 * D("10.00")  # the rows without an id
        - D("500.00")  # h-negative
        + D("10.00")  # h-tickets-back
        + D("10.00")  # h-tickets-half
        + D("1.00555")  # h-subkopeck: 100.555 kopecks
        + 4 * D("10.00")  # the four implausible dates
        + D("10.00")  # h-future
        + D("10000000000000.00")  # h-1e15
    )
    quarantined_legacy = D("999.99") + D("700.00")
    raws = con.execute("SELECT source, raw FROM quarantine WHERE reason <> ?", [UNKNOWN_MANAGER]).fetchall()
    money = {"platform:orders": D(0), "platform:legacy": D(0)}
    for source, raw in raws:
        row = json.loads(raw)
        if source == "platform:orders" and row["full_kop"] not in ("NaN", "Infinity"):
            money[source] += D(str(row["full_kop"])) / 100
        elif source == "platform:legacy":  # a repeated key shows its canonical values (already rubles)
            money[source] += D(str(row["turnover"]).replace(" ", "").replace(",", "."))
    assert money == {"platform:orders": quarantined_orders, "platform:legacy": quarantined_legacy}
    # and the whole: what the source holds (hand-summed) = loaded + quarantined
    source_total = (
        D("3000.00") + D("1500.00") + D("500.00") - D("1500.00")  # the hand-written back-office
        + sum(D(f.strip("'")) / 100 for _, f, *_ in HOSTILE if f.strip("'") not in ("NaN", "Infinity"))
        + D("999.99") + D("1234.56") + D("100.00") + D("700.00")  # the legacy file
    )  # fmt: skip
    assert source_total == loaded + quarantined_orders + quarantined_legacy


def test_data_quality_counts_every_hostile_row_and_the_page_names_them(hostile, tmp_path):
    """report_data_quality (the build's own Ibis code, here through `doctor`) counts each reason, and the
    data-quality page shows them with labels in Russian and English."""
    from salesglass.reports.doctor import quality_rows
    from salesglass.serve.web.app import create_app
    from tests.dashboard.conftest import add_users, login, make_config
    from tests.dashboard.fixture import write_published

    con, _ = hostile
    rows = {(s, e, r): n for s, e, r, n in quality_rows(con)}
    assert rows[("platform:orders", "sales", "missing sale_id")] == 2
    assert rows[("platform:orders", "sales", SIGNS_DISAGREE)] == 2
    assert rows[("platform:orders", "sales", PLAUSIBLE)] == 4
    assert rows[("platform:orders", "sales", NOT_NUMBER)] == 2
    assert rows[("platform:orders", "sales", TOO_LARGE)] == 1
    assert rows[("platform:orders", "sales", DECIMALS)] == 1
    assert rows[("platform:orders", "sales", FUTURE)] == 1
    assert rows[("platform:orders", "sales", "bad tickets: not a valid integer")] == 1
    assert rows[("platform:legacy", "sales", "duplicate key (sale_id) in this batch")] == 1
    assert rows[("platform", "sales", UNKNOWN_PARTNER)] == 1  # h-ghost, loaded
    quarantined = sum(n for (s, _, r), n in rows.items() if s.startswith("platform:") and r != UNKNOWN_MANAGER)
    assert quarantined == 14 + 2

    # the page: the published file's quarantine and data-quality rows are this warehouse's
    def lit(v: object) -> str:
        return "NULL" if v is None else quote_lit(str(v))

    quarantine = con.execute("SELECT source, entity, source_key, reason, raw, seen_at FROM quarantine").fetchall()
    copy = ";".join(
        [
            "DELETE FROM quarantine",
            "DELETE FROM report_data_quality",
            *(f"INSERT INTO quarantine VALUES ({', '.join(lit(v) for v in r)})" for r in quarantine),
            *(
                f"INSERT INTO report_data_quality VALUES ({lit(s)}, {lit(e)}, {lit(r)}, {n})"
                for (s, e, r), n in rows.items()
            ),
        ]
    )
    cfg = make_config(tmp_path / "site")
    (tmp_path / "site").mkdir()
    write_published(cfg.published_path, extra_sql=copy)
    add_users(cfg)
    app = create_app(cfg)
    with TestClient(app, headers={"accept-language": "ru"}) as c:
        login(c, "admin@demo.test")
        html = c.get("/quality").text
        assert "Дата продажи: неправдоподобная дата (раньше 1970-01-02 или позже 2100)" in html
        assert "билеты и оборот разных знаков" in html
        assert "тот же ключ (sale_id) есть и во входе «orders»: загружена его строка, эта нет" in html
        assert "Номер продажи: не заполнено" in html
        assert "Дата продажи: в будущем (больше чем на сутки позже загрузки" in html
    with TestClient(app, headers={"accept-language": "en"}) as c:
        login(c, "admin@demo.test")
        html = c.get("/quality").text
        assert "Sold at: not a plausible date (before 1970-01-02 or after 2100)" in html
        assert "the same key (sale_id) twice in one read: the first row is loaded, this one is not" in html


def test_check_names_the_problems_before_a_build(hostile, tmp_path):
    """`salesglass check` on the same back-office: the reasons (the future sale's among them) and the repeated
    id are named."""
    from salesglass.sources.platform.check import dry_run

    assert hostile  # its back-office files, read again by the dry run
    db = tmp_path / "bo.sqlite"
    cfg = demo_config(f"sqlite:///{db}", tmp_path)
    cfg.platform.inputs.append(InputSpec(name="legacy", target="sales", path="legacy.csv"))
    (partners,) = [i for i in cfg.platform.inputs if i.target == "partners"]
    cfg.platform.inputs.append(partners.model_copy(update={"name": "partners again"}))  # the same 4 partners
    report = dry_run(cfg, sample=None)
    checks = {i.name: i for i in report.inputs}
    assert checks["orders"].reasons == {
        PLAUSIBLE: 4,
        NOT_NUMBER: 2,
        TOO_LARGE: 1,
        SIGNS_DISAGREE: 2,
        "missing sale_id": 2,
        DECIMALS: 1,
        "bad tickets: not a valid integer": 1,
        FUTURE: 1,
    }
    assert any(
        "sale ids: 1 id of input 'legacy' is given by input 'orders' too (listed earlier)" in w
        for w in checks["legacy"].warnings
    )
    # each input is dry-run alone: the partner ids both partners inputs give are said, naming both
    assert (
        "partner ids: 4 ids of input 'partners again' are given by input 'partners' too (listed earlier) — "
        "the load keeps the row of 'partners' and quarantines the one of 'partners again'"
    ) in checks["partners again"].warnings
    assert not any("ids of input" in w for w in checks["partners"].warnings + checks["orders"].warnings)
    assert not report.ok


# a hostile table in each server's own types; the same logical rows, dates each server can hold. The amounts
# are mapped as they are (no unit): the canonical check says what the mapping would
SERVER_ROWS = [
    # (id, sold, tickets, amount) → reason (None: loaded)
    ("ok", "2024-03-05 10:00:00", "1", "100.50", None),
    ("refund", "2024-03-05 11:00:00", "-1", "-20.25", None),
    ("nan", "2024-03-05 10:00:00", "1", "NaN", NOT_NUMBER),
    ("infinity", "2024-03-05 10:00:00", "1", "Infinity", NOT_NUMBER),
    ("subkopeck", "2024-03-05 10:00:00", "1", "1.005", DECIMALS),
    ("negative", "2024-03-05 10:00:00", "1", "-5", SIGNS_DISAGREE),
    ("half", "2024-03-05 10:00:00", "1.5", "1", "bad tickets: not a valid integer"),
    ("year-1900", "1900-01-01 00:00:00", "1", "7", PLAUSIBLE),
    ("no-date", None, "1", "7", "missing sold_at"),
    ("ok", "2024-03-06 10:00:00", "1", "999", "duplicate key (sale_id) in this batch"),
    (None, "2024-03-05 10:00:00", "1", "3", "missing sale_id"),
]
SERVER_DATES = {
    "postgres": [("forever", "infinity", PLAUSIBLE), ("caesar", "0044-03-15 00:00:00 BC", PLAUSIBLE)],
    "mysql": [("zero", "0000-00-00 00:00:00", "bad sold_at: not a valid timestamp")],
}


@pytest.mark.parametrize(
    "server", [pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("mysql", marks=pytest.mark.mysql)]
)
def test_hostile_rows_in_a_real_server(server, request, warehouse, tmp_path: Path):
    rows = [*SERVER_ROWS, *((k, when, "1", "7", why) for k, when, why in SERVER_DATES[server])]

    def lit(v: str | None) -> str:
        return "NULL" if v is None else quote_lit(v)

    values = ", ".join(f"({lit(k)}, {lit(s)}, {lit(q)}, {lit(a)})" for k, s, q, a, _ in rows)
    if server == "postgres":
        import psycopg

        url = request.getfixturevalue("postgres_url")
        with psycopg.connect(url, autocommit=True) as pg:
            pg.execute("DROP TABLE IF EXISTS hostile_sales")
            pg.execute("CREATE TABLE hostile_sales (id text, sold timestamp, qty numeric, amount numeric)")
            pg.execute(f"INSERT INTO hostile_sales VALUES {values}")
    else:
        from tests.mysqlserver import run_script

        url = request.getfixturevalue("mysql_url")
        run_script(
            url,
            "DROP TABLE IF EXISTS hostile_sales; CREATE TABLE hostile_sales (id VARCHAR(20), sold DATETIME, "
            f"qty DECIMAL(6,2), amount VARCHAR(20)); INSERT INTO hostile_sales VALUES {values}",
        )
    cfg = demo_config(url, tmp_path)
    cols = {"sale_id": "id", "sold_at": "sold", "tickets": "qty", "turnover": "amount", "revenue": "amount"}
    cfg.platform.inputs = [
        InputSpec(name="hs", target="sales", table="hostile_sales", columns={**cols, "cost": "amount"})
    ]
    summary = load_into(warehouse, cfg, full=True, progress=False)

    got = sorted(warehouse.execute("SELECT source_key, reason FROM quarantine").fetchall(), key=str)
    want = sorted(((k or None, why) for k, _, _, _, why in rows if why is not None), key=str)
    assert got == want
    r = summary.inputs[0]
    assert (r.read, r.loaded, r.quarantined) == (len(rows), 2, len(rows) - 2)
    # money: 100.50 − 20.25 loaded; the numbers quarantined (as the server sent them: PostgreSQL says nan and
    # inf) are the rest of the numbers read
    assert warehouse.execute("SELECT sum(turnover), sum(tickets) FROM sales").fetchone() == (D("80.25"), 0)
    raws = [json.loads(x) for (x,) in warehouse.execute("SELECT raw FROM quarantine").fetchall()]
    amounts = [str(r["amount"] if "amount" in r else r["turnover"]) for r in raws]  # a repeated key: canonical
    quarantined = sum(D(a) for a in amounts if a.lower() not in ("nan", "inf", "infinity"))
    assert quarantined == D("1.005") - 5 + 1 + 7 + 7 + 999 + 3 + 7 * len(SERVER_DATES[server])


def test_a_utf8_export_with_a_few_cp1251_lines_keeps_its_names(warehouse, tmp_path):
    """A UTF-8 export into which one line was pasted from a cp1251 file: that line is quarantined, and the
    Cyrillic partner ids of the other lines arrive as written (not garbled by a single-byte guess)."""
    from salesglass.config import parse_config

    head = "sale_id;partner_id;sold_at;tickets;turnover;revenue;cost\n"
    good = "u1;Ромашка;2024-03-05 10:00:00;2;200;20;0\nu2;Ёлка;2024-03-05 11:00:00;1;150,50;15;0\n"
    pasted = "u3;Берёза;2024-03-05 12:00:00;1;70;7;0\n"
    (tmp_path / "s.csv").write_bytes((head + good).encode("utf-8") + pasted.encode("cp1251"))
    inputs = [{"name": "s", "target": "sales", "path": "s.csv"}]
    cfg = parse_config({"platform": {"timezone": "Europe/Moscow", "inputs": inputs}}, base_dir=tmp_path)
    summary = load_into(warehouse, cfg, full=True, progress=False)
    assert warehouse.execute("SELECT sale_id, partner_id, turnover FROM sales ORDER BY 1").fetchall() == [
        ("u1", "Ромашка", D("200.00")),
        ("u2", "Ёлка", D("150.50")),
    ]
    assert warehouse.execute("SELECT source_key, reason FROM quarantine").fetchall() == [
        ("line 4", "unreadable line: invalid encoding")
    ]
    r = summary.inputs[0]
    assert (r.read, r.loaded, r.quarantined) == (3, 2, 1)
    # the data-quality page says it in the reader's language, DuckDB's kind of error included
    from salesglass.serve.i18n import Formatter
    from salesglass.serve.web.reasons import reason_label

    assert reason_label(Formatter("ru", "RUB").t, "unreadable line: invalid encoding") == (
        "строка не читается: не в кодировке файла"
    )


def test_an_id_two_inputs_give_keeps_the_first_inputs_row_through_incremental_loads(warehouse, tmp_path):
    """Orders read by watermark and an old shop's export read whole both give s1: the orders' row (listed first)
    is kept and the export's quarantined, on the full load and on the incremental loads after it, when the
    orders input reads nothing new (the export's row used to replace it silently: 100.00 became 999.00)."""
    from salesglass.config import parse_config

    head = "sale_id,sold_at,tickets,turnover,revenue,cost"
    (tmp_path / "a.csv").write_text(
        f"{head},upd\ns1,2024-03-05 10:00:00,1,100,10,0,1\ns2,2024-03-05 10:00:00,1,200,10,0,2\n"
    )
    (tmp_path / "b.csv").write_text(f"{head}\ns1,2024-03-06 10:00:00,1,999,10,0\ns3,2024-03-05 10:00:00,1,300,10,0\n")
    cols = {c: c for c in head.split(",")}
    inputs = [
        {"name": "orders", "target": "sales", "path": "a.csv", "watermark": "upd", "columns": cols},
        {"name": "shop", "target": "sales", "path": "b.csv"},
    ]
    cfg = parse_config({"platform": {"timezone": "Europe/Moscow", "inputs": inputs}}, base_dir=tmp_path)
    for full in (True, False, False):
        load_into(warehouse, cfg, full=full, progress=False)
        assert warehouse.execute("SELECT sale_id, turnover FROM sales ORDER BY 1").fetchall() == [
            ("s1", D("100.00")),
            ("s2", D("200.00")),
            ("s3", D("300.00")),
        ]
        assert warehouse.execute("SELECT source, source_key, reason FROM quarantine").fetchall() == [
            ("platform:shop", "s1", "duplicate key (sale_id): input 'orders' has it too (its row is kept)")
        ]


def test_sub_kopeck_text_is_quarantined_like_a_sub_kopeck_number(warehouse, tmp_path):
    """Text read in kopecks ('100.004' kopecks = 1.00004 ₽) or negated (a refund of 20.00001 ₽) was parsed
    to whole kopecks / four decimals first and loaded rounded (1.00 ₽, −20.00 ₽) without a note, where the
    same amount read as it stands is quarantined for its decimals."""
    from salesglass.config import parse_config

    (tmp_path / "orders.csv").write_text(
        "id,at,qty,kop\nk1,2024-03-05 10:00:00,1,10050\nk2,2024-03-05 10:00:00,1,100.004\n"
        'k3,2024-03-05 10:00:00,1,"250,004"\nk4,2024-03-05 10:00:00,1,"1 000,00"\n',
        encoding="utf-8",
    )
    (tmp_path / "refunds.csv").write_text(
        "id,at,qty,rub\nr1,2024-03-06 10:00:00,1,20.00001\nr2,2024-03-06 10:00:00,1,20.50\n", encoding="utf-8"
    )
    zero = {"revenue": {"sql": "0"}, "cost": {"sql": "0"}}
    inputs = [
        {
            "name": "orders",
            "target": "sales",
            "path": "orders.csv",
            "columns": {"sale_id": "id", "sold_at": "at", "tickets": "qty", **zero}
            | {"turnover": {"column": "kop", "unit": "kopecks"}},
        },
        {
            "name": "refunds",
            "target": "sales",
            "path": "refunds.csv",
            "columns": {"sale_id": {"column": "id", "prefix": "refund:"}, "sold_at": "at", **zero}
            | {"tickets": {"column": "qty", "negate": True}, "turnover": {"column": "rub", "negate": True}},
        },
    ]
    cfg = parse_config({"platform": {"timezone": "Europe/Moscow", "inputs": inputs}}, base_dir=tmp_path)
    load_into(warehouse, cfg, full=True, progress=False)
    assert warehouse.execute("SELECT sale_id, turnover FROM sales ORDER BY 1").fetchall() == [
        ("k1", D("100.50")),
        ("k4", D("10.00")),
        ("refund:r2", D("-20.50")),
    ]
    assert warehouse.execute("SELECT source_key, reason FROM quarantine ORDER BY 1").fetchall() == [
        ("k2", DECIMALS),
        ("k3", DECIMALS),
        ("refund:r1", DECIMALS),
    ]


def test_sub_kopeck_money_given_as_an_sql_expression_is_quarantined_too(warehouse, tmp_path):
    """Money mapped as an SQL expression over text columns: each column was parsed to four decimals first, so
    100.00004 ₽ loaded as 100.00 without a note (and kopecks as an expression were cast to whole kopecks:
    100.004 kopecks loaded as 1.00 ₽), where the same amounts read as a plain column are quarantined."""
    from salesglass.config import parse_config

    (tmp_path / "orders.csv").write_text(
        "id,at,qty,rub,fee,kop\n"
        "e1,2024-03-05 10:00:00,1,100.50,0.25,10050\n"  # loaded: 100.50 − 0.25 = 100.25 ₽; 10050 kop = 100.50 ₽
        "e2,2024-03-05 10:00:00,1,100.00004,0,100\n"  # 100.00004 ₽: a fifth decimal
        "e3,2024-03-05 10:00:00,1,100.00005,0,100\n"  # 100.00005 ₽
        "e4,2024-03-05 10:00:00,1,1,0,100.004\n",  # revenue 100.004 kopecks = 1.00004 ₽
        encoding="utf-8",
    )
    columns = {"sale_id": "id", "sold_at": "at", "tickets": "qty", "cost": {"sql": "0"}}
    columns |= {"turnover": {"sql": "rub - fee"}, "revenue": {"sql": "kop + 0", "unit": "kopecks"}}
    inputs = [{"name": "orders", "target": "sales", "path": "orders.csv", "columns": columns}]
    cfg = parse_config({"platform": {"timezone": "Europe/Moscow", "inputs": inputs}}, base_dir=tmp_path)
    summary = load_into(warehouse, cfg, full=True, progress=False)
    assert warehouse.execute("SELECT sale_id, turnover, revenue FROM sales").fetchall() == [
        ("e1", D("100.25"), D("100.50"))
    ]
    assert warehouse.execute("SELECT source_key, reason FROM quarantine ORDER BY 1").fetchall() == [
        ("e2", DECIMALS),
        ("e3", DECIMALS),
        ("e4", "bad revenue: more than 2 decimal places"),
    ]
    r = summary.inputs[0]
    assert (r.read, r.loaded, r.quarantined) == (4, 1, 3)
