"""An input with a watermark, loaded before the first amoCRM sync (naive times read in Moscow's clock),
then a São Paulo account synced: the next incremental load read only the rows past the watermark in São
Paulo time and left the older ones six hours off, so a sale at 00:30 on 1 October stayed in September."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from salesglass.config import parse_config
from salesglass.sources.platform.load import load_into

SALES = (
    "id,paid_at,qty,amount,updated\n"
    "s1,2026-10-01 00:30:00,1,100.00,2026-10-01 00:31:00\n"  # São Paulo wall clock, as the shop writes it
    "s2,2026-10-02 12:00:00,2,300.00,2026-10-02 12:01:00\n"
)


def test_a_changed_zone_rereads_an_input_below_its_watermark(warehouse, tmp_path):
    (tmp_path / "sales.csv").write_text(SALES, encoding="utf-8")
    cfg = parse_config(
        {
            "platform": {
                "inputs": [
                    {
                        "name": "orders",
                        "target": "sales",
                        "path": "sales.csv",
                        "watermark": "updated",
                        "columns": {
                            "sale_id": "id",
                            "partner_id": {"sql": "NULL"},
                            "sold_at": "paid_at",
                            "tickets": "qty",
                            "turnover": "amount",
                            "revenue": {"sql": "0"},
                            "cost": {"sql": "0"},
                        },
                    }
                ]
            }
        },
        base_dir=tmp_path,
    )
    load_into(warehouse, cfg, progress=False)  # no account synced yet: read in Europe/Moscow (UTC+3)
    sold = "SELECT sale_id, sold_at FROM sales ORDER BY 1"
    assert warehouse.execute(sold).fetchall()[0] == ("s1", datetime(2026, 9, 30, 21, 30, tzinfo=UTC))
    account = {"_embedded": {"datetime_settings": {"timezone": "America/Sao_Paulo"}}}
    warehouse.execute("CREATE TABLE raw_amocrm_account (data JSON)")
    warehouse.execute("INSERT INTO raw_amocrm_account VALUES (?)", [json.dumps(account)])
    load_into(warehouse, cfg, progress=False)  # incremental, now in São Paulo time (UTC−3)
    assert warehouse.execute(sold).fetchall() == [
        ("s1", datetime(2026, 10, 1, 3, 30, tzinfo=UTC)),  # 00:30 + 3 h: October, as it was in São Paulo
        ("s2", datetime(2026, 10, 2, 15, 0, tzinfo=UTC)),
    ]
