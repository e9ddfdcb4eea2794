"""The SQL of every build step, compiled from its Ibis expression once per code, parameters and schema.

Building the reports' Ibis expressions and compiling them to SQL is pure Python work — 3–5 CPU-s per
build, more than DuckDB needs to run them on a small company — and it yields the same text on every
build with the same as_of, rules, approved bonus months and canonical schema: the data never enters the
SQL (no report reads rows while its expression is built). So the statements are kept under a key of
everything that shapes them — in memory for the process, and in a hidden file next to the published one
for the next process (the refresh worker, the CLI) — and a build whose key is known runs the kept
statements in the same order. A build that compiles afresh runs exactly the statements it keeps, so
both paths publish the same tables.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from salesglass.processes import replace_whole
from salesglass.sql import quote_lit

if TYPE_CHECKING:  # imported when a step is compiled: reusing the kept SQL needs neither
    import ibis

    from salesglass.reports.base import BuildParams

FORMAT = 2  # bump when the kept statements change shape (2: each step says which tables it reads)
_MEMORY: dict[str, list[Step]] = {}
_MEMORY_KEYS = 8  # builds with different parameters in one process (tests: many small companies)


@dataclass(frozen=True)
class Step:
    """One published table: its CREATE (columns and types), the INSERT of its rows and the tables that
    INSERT reads (canonical, bonus state and earlier steps' tables: reports/incremental.py keeps a step
    whose inputs did not change)."""

    name: str
    create: str
    insert: str
    reads: tuple[str, ...] = ()


def compile_step(con: ibis.BaseBackend, name: str, expr: ibis.Table) -> Step:
    """The statements Ibis's `create_table(name, nullable(expr))` would run, as text (DuckDB dialect)."""
    import sqlglot as sg
    import sqlglot.expressions as sge

    from salesglass.reports.base import nullable

    expr = nullable(expr)
    dialect = con.dialect
    table = sg.table(name, quoted=True)
    columns = sge.Schema(this=table, expressions=expr.schema().to_sqlglot_column_defs(dialect))
    # copy=False: each tree here is built for this one statement, so sqlglot need not deep-copy it before
    # rendering (the copies were a sixth of the compile time; the text is the same)
    create = sge.Create(kind="TABLE", this=columns, replace=True).sql(dialect, copy=False)
    query = con.compiler.to_sqlglot(expr)
    names = [sge.to_identifier(c, quoted=True) for c in expr.columns]
    # every table name the query mentions (CTE names too: a name read by mistake only makes a step run
    # more often, never less)
    reads = tuple(sorted({t.name for t in query.find_all(sge.Table) if t.name and t.name != name}))
    insert = sge.insert(query, into=table, columns=names, copy=False).sql(dialect, copy=False)
    return Step(name, create, insert, reads)


@lru_cache(maxsize=1)
def _code() -> str:
    """The package's own source (any edit compiles afresh) and the versions of what writes the SQL."""
    from importlib.metadata import version

    import duckdb

    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(
        f"{FORMAT} ibis {version('ibis-framework')} sqlglot {version('sqlglot')} duckdb {duckdb.__version__}".encode()
    )
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def key_of(run: Callable[[str], list[tuple]], params: BuildParams, tables: Iterable[str], closed: tuple) -> str:
    """Everything the SQL depends on: code, as_of, zone, rules, frozen bonus numbers, closed months, the
    development pipelines, the year the zone's offsets start from (the data's earliest) and the names and
    schemas (DuckDB's own column types and NOT NULL) of the tables the build reads, read from the build file
    without Ibis."""
    names = sorted(set(tables))
    parts = [
        _code(),
        params.as_of.isoformat(),
        params.timezone,
        params.rules.model_dump_json(),
        repr(params.frozen_bonus_rules),
        repr(closed),
        repr(params.development_pipelines),
        str(params.first_year),
    ]
    listed = ", ".join(quote_lit(n) for n in names) or "NULL"
    columns = run(
        f"""SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns()
            WHERE database_name = current_database() AND schema_name = 'main' AND table_name IN ({listed})
            ORDER BY table_name, column_index"""
    )
    parts.extend(f"{t}.{c}:{kind}:{nullable}" for t, c, kind, nullable in columns)
    parts.extend(names)
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def store_path(published: Path) -> Path:
    return published.with_name(f".{published.name}.sql-cache.json")


def recall(key: str, store: Path | None) -> list[Step] | None:
    """The kept statements of this key: from memory, else from the file (None: compile afresh). The file
    gets the statements of a key known in memory only, so that the next process finds them too."""
    kept = _MEMORY.get(key)
    if kept is not None:
        if store is not None and _key_in(store) != key:
            _write(store, key, kept)
        return kept
    if store is None or _key_in(store) != key:
        return None
    try:
        with store.open(encoding="utf-8") as f:
            f.readline()
            steps = [Step(**{**s, "reads": tuple(s["reads"])}) for s in json.load(f)]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # unreadable: compiling afresh is always correct
    _remember(key, steps)
    return steps


def keep(key: str, steps: list[Step], store: Path | None) -> None:
    """Remember the statements of a successful build (the file holds one key: the last build's)."""
    _remember(key, steps)
    if store is not None:
        _write(store, key, steps)


def _key_in(store: Path) -> str | None:
    try:
        with store.open(encoding="utf-8") as f:
            return f.readline().strip()
    except OSError:
        return None


def _write(store: Path, key: str, steps: list[Step]) -> None:
    """The key on the first line, then the steps as JSON; replaced whole, so a reader never sees half."""
    with contextlib.suppress(OSError):  # only a cache: the next build compiles again
        replace_whole(store, key + "\n" + json.dumps([asdict(s) for s in steps]), legacy=("{name}.{pid}",))


def _remember(key: str, steps: list[Step]) -> None:
    _MEMORY.pop(key, None)
    _MEMORY[key] = steps
    while len(_MEMORY) > _MEMORY_KEYS:
        _MEMORY.pop(next(iter(_MEMORY)))
