"""The chart shapes several pages share (ECharts options), so a page says only what it plots."""

from __future__ import annotations

from typing import Any


def column_chart(categories: list[Any], series: list[dict[str, Any]], value_format: str = "int") -> dict[str, Any]:
    """Columns (or lines) over categories along the bottom: one tooltip for a whole category, the legend on
    top, the value axis formatted as `value_format` ("int" or "money", see app.js's sgFormat)."""
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 12, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": categories},
        "yAxis": {"type": "value", "sgFormat": value_format},
        "series": series,
    }


def bar(name: str, data: list[Any], color: str, *, max_width: int, **more: Any) -> dict[str, Any]:
    """One bar series in its colour; `more`: other ECharts series keys (a stack, a gap)."""
    return {"name": name, "type": "bar", "data": data, "itemStyle": {"color": color}, "barMaxWidth": max_width, **more}
