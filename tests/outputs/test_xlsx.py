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


def test_hostile_text_stays_literal_and_fits_a_cell_money_stays_exact():
    long = "Театр " + "🎭" * 20_000  # 40,006 UTF-16 units: more than one Excel cell holds
    names = ['=HYPERLINK("http://evil.example","x")', "+7 495", "-1", "@SUM(A1)", "\tтаб", "\rCR", "שלום ‮RTL", long]
    money = [Decimal("12345678901.23"), Decimal("0.10") + Decimal("0.20"), Decimal("-0.01")] + [Decimal("1.00")] * 5
    table = pa.table({"name": names, "recent_28d": pa.array(money, pa.decimal128(18, 2))})
    empty = pa.table({"week_start": pa.array([], pa.date32()), "deals_created": pa.array([], pa.int64())})
    stream = io.BytesIO()
    write_xlsx({"declining_partners": table, "weekly": empty}, stream)
    wb = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))
    cells = [row for row in wb["declining_partners"].iter_rows(min_row=2)]
    assert [r[0].value for r in cells[:7]] == [*names[:5], "\nCR", names[6]]  # (XML reads a CR as a line feed)
    assert all(r[0].data_type == "s" for r in cells)
    assert all(r[0].quotePrefix for r in cells[:6]) and not cells[6][0].quotePrefix
    cut = cells[7][0].value
    assert len(cut.encode("utf-16-le")) // 2 <= 32767 and cut.startswith("Театр 🎭🎭") and cut.endswith("🎭…")
    assert [r[1].value for r in cells[:3]] == [12345678901.23, 0.3, -0.01]  # Excel's numbers: no 0.30000000000000004
    assert [c.value for c in wb["weekly"][1]] == ["Week start", "Deals created"] and wb["weekly"].max_row == 1
