"""Compare report tables computed by two engines: money exact, ratios within 1e-9."""

from __future__ import annotations

import math
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc


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


def _in_order(table: pa.Table) -> pa.Table:
    """The rows sorted by Arrow in `_key`'s order: every column left to right, NULL first, floats rounded to
    6 decimals (the sort is stable, as Python's is)."""
    keys = pa.table(
        {str(i): pc.round(c, 6) if pa.types.is_floating(c.type) else c for i, c in enumerate(table.columns)}
    )
    by = [(n, "ascending") for n in keys.column_names]
    return table.take(pc.sort_indices(keys, sort_keys=by, null_placement="at_start"))


def _same(u, v) -> bool:
    if isinstance(u, float) or isinstance(v, float):
        return (u is None and v is None) or (
            u is not None and v is not None and math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-9)
        )
    return u == v


def assert_same(name: str, a: pa.Table, b: pa.Table) -> None:
    cols = a.column_names
    assert sorted(cols) == sorted(b.column_names), f"{name}: columns differ {cols} vs {b.column_names}"
    assert a.num_rows == b.num_rows, f"{name}: {a.num_rows} rows vs {b.num_rows}"
    try:  # Arrow sorts the rows and compares whole columns; a column Arrow cannot sort: row by row in Python
        a, b = _in_order(a.select(cols)), _in_order(b.select(cols))
    except (pa.ArrowNotImplementedError, pa.ArrowTypeError):
        ra, rb = normalized(a, cols), normalized(b, cols)
        for x, y in zip(ra, rb, strict=True):
            for col, u, v in zip(cols, x, y, strict=True):
                assert _same(u, v), f"{name}.{col}: {u!r} != {v!r}\n  row A {x}\n  row B {y}"
        return
    for col in cols:
        x, y = a.column(col), b.column(col)
        if x.type == y.type and x.equals(y):
            continue  # the same values of the same type: equal below as well
        for i, (u, v) in enumerate(zip(x.to_pylist(), y.to_pylist(), strict=True)):  # timestamps as seconds
            if not _same(_norm(u), _norm(v)):  # (the rows are read only for the message: a slice per row cost
                rows = a.slice(i, 1).to_pylist(), b.slice(i, 1).to_pylist()  # ~70 s on the simulated company)
                raise AssertionError(f"{name}.{col}: {u!r} != {v!r}\n  row A {rows[0]}\n  row B {rows[1]}")
