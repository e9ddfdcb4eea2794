"""MariaDB (a real server): the hand-written back-office of the platform tests in MariaDB's own types
(DATETIME, BIGINT kopecks, DECIMAL) is inspected and proposed like the demo's SQLite one."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from salesglass.config import parse_config
from salesglass.sources.platform.inspect import inspect_source
from salesglass.sources.platform.propose import propose, to_toml
from tests.platform.conftest import mysql_backoffice


@pytest.mark.mysql
def test_mariadb_back_office_is_proposed_like_the_demo(mysql_url: str, tmp_path: Path):
    mysql_backoffice(mysql_url)
    catalog = inspect_source(mysql_url, None, tmp_path)
    orders = catalog.table("orders")
    assert orders is not None and orders.column("done_at").type.startswith("DATETIME")
    text = to_toml(propose(catalog))
    got = {i.name: i for i in parse_config(tomllib.loads("[platform]\n" + text)).platform.inputs}
    assert got["orders"].where == "status = 'done' AND is_invitation = 0"
    assert got["orders"].columns["turnover"].model_dump(exclude_defaults=True) == {
        "column": "full_kop",
        "unit": "kopecks",
    }
    assert got["orders"].columns["sold_at"] == "done_at"
    assert got["partners"].columns["kind"].map == {"org": "organizer", "agent": "operator"}
    assert "JOIN `orders` o" not in got["refunds"].query  # simple names stay unquoted in MySQL too
    assert "JOIN orders o ON o.order_id = r.order_id" in got["refunds"].query
