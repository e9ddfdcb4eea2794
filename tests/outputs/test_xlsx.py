"""write_xlsx (`salesglass export`): DataFrames or Arrow tables, to a path or a stream, typed cells."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pandas as pd
import pyarrow as pa

from salesglass.outputs.workbook import write_xlsx


def test_write_xlsx_to_a_stream_with_types():
    plan = pa.table(
        {
            "period_start": pa.array([date(2025, 1, 1)] * 2, pa.date32()),
            "metric": ["turnover", "margin_pct"],
            "fact": pa.array([Decimal("6200.00"), Decimal("76.24")], pa.decimal128(18, 2)),
        }
    )
    frame = pd.DataFrame({"manager": ["Anna"], "deals_created": [3]})
    stream = io.BytesIO()
    write_xlsx({"plan_fact": plan, "a filtered page": frame}, stream)
    wb = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))
    ws = wb["plan_fact"]
    assert [c.value for c in ws[1]] == ["Period start", "Metric", "Fact"] and ws["A1"].font.b
    assert ws["A2"].number_format == "yyyy-mm-dd" and ws["A2"].value.date() == date(2025, 1, 1)
    assert (ws["C2"].value, ws["C2"].number_format) == (6200.0, "#,##0.00 ₽")  # money in rubles
    assert (ws["C3"].value, ws["C3"].number_format) == (76.24, "#,##0.00")  # a percentage is not money
    assert [c.value for c in wb["a filtered page"][1]] == ["Manager", "Deals created"]
    assert wb["a filtered page"]["B2"].value == 3
