"""Naive back-office times are the account's local time unless `[platform] timezone` says otherwise.

A Novosibirsk company (UTC+7) whose back-office writes `2026-03-31 23:30:00` without a zone sold at
16:30 UTC, not at 20:30 UTC as a Moscow default would have read it (four hours late: early-morning sales
of the 1st would land in the previous month).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from salesglass.config import parse_config
from salesglass.sources.amocrm.store import init_raw
from salesglass.sources.platform.load import load_into

NSK_1630_UTC = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)  # 23:30 in Novosibirsk (UTC+7)
MSK_2030_UTC = datetime(2026, 3, 31, 20, 30, tzinfo=UTC)  # 23:30 in Moscow (UTC+3)


def _sync_account(con, zone: str) -> None:
    init_raw(con)
    data = {"id": 1, "_embedded": {"datetime_settings": {"timezone": zone}}}
    con.execute("INSERT INTO raw_amocrm_account (id, data) VALUES (1, ?)", [json.dumps(data)])


@pytest.mark.parametrize(
    ("account", "platform", "synced", "expected"),
    [
        (None, None, None, MSK_2030_UTC),  # nothing known yet: Europe/Moscow
        ("Asia/Novosibirsk", None, None, NSK_1630_UTC),  # the account key
        (None, None, "Asia/Novosibirsk", NSK_1630_UTC),  # the account's own setting, from the last sync
        ("Asia/Novosibirsk", "Europe/Moscow", "Asia/Novosibirsk", MSK_2030_UTC),  # the back-office's own key wins
    ],
)
def test_naive_sale_times_follow_the_account_zone(warehouse, tmp_path, account, platform, synced, expected):
    (tmp_path / "sales.csv").write_text(
        "sale_id,partner_id,sold_at,tickets,turnover,revenue,cost\ns1,p1,2026-03-31 23:30:00,1,100.00,10.00,2.00\n",
        encoding="utf-8",
    )
    if synced:
        _sync_account(warehouse, synced)
    raw: dict = {"platform": {"inputs": [{"name": "sales", "target": "sales", "path": "sales.csv"}]}}
    if platform:
        raw["platform"]["timezone"] = platform
    if account:
        raw["account"] = {"timezone": account}
    load_into(warehouse, parse_config(raw, base_dir=tmp_path), progress=False)
    assert warehouse.execute("SELECT sold_at FROM sales").fetchall() == [(expected,)]
