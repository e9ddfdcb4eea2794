"""Config mistakes stop the load with a message naming the input, the key and what is expected."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from salesglass.config import parse_config
from salesglass.errors import ConfigError
from salesglass.sources.platform.load import load_into
from tests.platform.conftest import demo_config


def _cfg(tmp_path, url, **inp):
    base = {
        "name": "orders",
        "target": "sales",
        "table": "orders",
        "columns": {
            "sale_id": "order_id",
            "sold_at": "done_at",
            "tickets": "tickets_quantity",
            "turnover": "full_kop",
            "revenue": "profit_core_kop",
            "cost": "acquiring_cost_kop",
        },
    }
    base.update(inp)
    return parse_config({"platform": {"url": url, "inputs": [base]}}, base_dir=tmp_path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"columns": {"sale_id": "order_no"}}, "columns.sale_id = 'order_no', but the source has no such column"),
        ({"columns": {"sale_id": "order_id"}}, "nothing maps to sold_at, tickets, turnover, revenue, cost of `sales`"),
        ({"table": "order"}, "[platform] input 'orders': cannot read table 'order'"),
        ({"watermark": "changed_at"}, "watermark = 'changed_at', but table 'orders' has no such column"),
        ({"columns": {"sale_idd": "order_id"}}, "columns.sale_idd is not a column of `sales`"),
        ({"where": "state = 'done'"}, "[platform] input 'orders': where = \"state = 'done'\" does not work on table"),
        ({"where": "status = 'done' AND"}, "where = \"status = 'done' AND\" does not work on table 'orders'"),
    ],
)
def test_mapping_mistakes_are_named(warehouse, backoffice, tmp_path, change, message):
    cfg = _cfg(tmp_path, f"sqlite:///{backoffice}", **change)
    with pytest.raises(ConfigError) as err:
        load_into(warehouse, cfg, progress=False)
    assert message in str(err.value)


@pytest.mark.mysql
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"table": "order"},
            "[platform] input 'orders': cannot read table 'order' from mysql+pymysql://salesglass:***@",
        ),
        ({"watermark": "changed_at"}, "watermark = 'changed_at', but table 'orders' has no such column"),
        ({"columns": {"sale_id": "order_no"}}, "columns.sale_id = 'order_no', but the source has no such column"),
        ({"where": "state = 'done'"}, "where = \"state = 'done'\" does not work on table 'orders': "),
    ],
)
def test_mariadb_mapping_mistakes_are_named(warehouse, mariadb_backoffice, tmp_path, change, message):
    cfg = _cfg(tmp_path, mariadb_backoffice.url, **change)
    with pytest.raises(ConfigError) as err:
        load_into(warehouse, cfg, progress=False)
    assert message in str(err.value)
    assert make_url(mariadb_backoffice.url).password not in str(err.value)
    if "table" in change:  # `order` is a reserved word: the server was asked for it quoted, and says it is missing
        assert "Table 'salesglass.order' doesn't exist" in str(err.value)


@pytest.mark.mysql
def test_mariadb_wrong_password_is_named_without_the_password(warehouse, mysql_url, tmp_path):
    url = make_url(mysql_url).set(password="wrong-Secret-42").render_as_string(hide_password=False)
    with pytest.raises(ConfigError) as err:
        load_into(warehouse, _cfg(tmp_path, url), progress=False)
    assert "[platform] input 'orders': cannot read table 'orders'" in str(err.value)
    assert "Access denied for user 'salesglass'" in str(err.value)
    assert "wrong-Secret-42" not in str(err.value)


def test_bad_sql_expression_is_named(warehouse, backoffice, tmp_path):
    cfg = _cfg(
        tmp_path,
        f"sqlite:///{backoffice}",
        columns={
            "sale_id": "order_id",
            "sold_at": "done_at",
            "tickets": "tickets_quantity",
            "turnover": "full_kop",
            "revenue": "profit_core_kop",
            "cost": {"sql": "acquiring_cost_kop + no_such_column"},
        },
    )
    with pytest.raises(ConfigError, match=r"columns.cost sql = 'acquiring_cost_kop \+ no_such_column'"):
        load_into(warehouse, cfg, progress=False)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"inputs": [{"name": "x", "target": "orders", "table": "t"}]}, "[platform].inputs[0].target"),
        ({"inputs": [{"name": "x", "target": "sales"}]}, "give exactly one of `table`, `query` or `path`"),
        (
            {
                "inputs": [
                    {"name": "x", "target": "sales", "table": "t", "columns": {"tickets": {"column": "a", "sql": "b"}}}
                ]
            },
            "give exactly one of `column`",
        ),
        ({"inputs": [{"name": "x", "target": "sales", "table": "t", "colums": {}}]}, "colums is not a known setting"),
        ({"timezone": "Moscow"}, "unknown time zone 'Moscow'"),
        (
            {
                "inputs": [
                    {
                        "name": "x",
                        "target": "sales",
                        "table": "t",
                        "columns": {"turnover": {"column": "a", "unit": "rubles"}},
                    }
                ]
            },
            "[platform].inputs[0].columns.turnover",
        ),
    ],
)
def test_section_mistakes_are_named(section, message):
    with pytest.raises(ConfigError) as err:
        parse_config({"platform": section})
    assert message in str(err.value)


def test_no_database_is_a_clear_error(warehouse, tmp_path):
    cfg = demo_config("sqlite:///x", tmp_path)
    cfg.platform.url = None
    with pytest.raises(ConfigError, match=r"set \[platform\].url"):
        load_into(warehouse, cfg, progress=False)


def test_bare_mysql_url_points_to_pymysql(warehouse, tmp_path):
    cfg = demo_config("mysql://reader:s3cret@db.internal/backoffice", tmp_path)
    with pytest.raises(ConfigError, match=r"write mysql\+pymysql://") as err:
        load_into(warehouse, cfg, progress=False)
    assert "s3cret" not in str(err.value)


def test_missing_sqlite_file_is_not_created(warehouse, tmp_path):
    cfg = demo_config("sqlite:///missing.sqlite", tmp_path)
    with pytest.raises(ConfigError, match=r"SQLite file .*missing\.sqlite does not exist"):
        load_into(warehouse, cfg, progress=False)
    assert not (tmp_path / "missing.sqlite").exists()


def test_wrong_where_on_a_server_is_named_before_any_row_is_read(warehouse, server_backoffice, tmp_path):
    cfg = _cfg(tmp_path, server_backoffice.url, where="state = 'done'")
    with pytest.raises(ConfigError) as err:
        load_into(warehouse, cfg, progress=False)
    assert "[platform] input 'orders': where = \"state = 'done'\" does not work on table 'orders': " in str(err.value)
    assert "state" in str(err.value).split("does not work on table 'orders': ")[1]  # the server's own words
    assert warehouse.execute("SELECT count(*) FROM sales").fetchone()[0] == 0
