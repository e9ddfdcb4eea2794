"""Compare report tables computed by two engines: money exact, ratios within 1e-9."""

from __future__ import annotations

import math
from datetime import datetime

import pyarrow as pa


def _norm(v):
    if isinstance(v, datetime):
        return v.timestamp()
    return v


def _key(row: tuple) -> tuple:
    return tuple((v is not None, round(v, 6) if isinstance(v, float) else v) for v in row)


def normalized(table: pa.Table, columns: list[str]) -> list[tuple]:
    table = table.select(columns)
    rows = [tuple(_norm(r[c]) for c in columns) for r in table.to_pylist()]
    return sorted(rows, key=_key)


def assert_same(name: str, a: pa.Table, b: pa.Table) -> None:
    cols = a.column_names
    assert sorted(cols) == sorted(b.column_names), f"{name}: columns differ {cols} vs {b.column_names}"
    ra, rb = normalized(a, cols), normalized(b, cols)
    assert len(ra) == len(rb), f"{name}: {len(ra)} rows vs {len(rb)}"
    for x, y in zip(ra, rb, strict=True):
        for col, u, v in zip(cols, x, y, strict=True):
            if isinstance(u, float) or isinstance(v, float):
                same = (u is None and v is None) or (
                    u is not None and v is not None and math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-9)
                )
            else:
                same = u == v
            assert same, f"{name}.{col}: {u!r} != {v!r}\n  row A {x}\n  row B {y}"
