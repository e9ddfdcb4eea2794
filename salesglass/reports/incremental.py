"""Which build steps must run again: a step whose inputs did not change since the last build keeps its table.

A build step (a derived helper or a report, reports/compiled.py) is one INSERT that reads named tables:
canonical ones, bonus state ones and the tables of earlier steps. Its *input fingerprint* is a hash of the
build's compiled key (code, as_of, zone, rules, schemas, closed bonus months: anything that shapes its SQL)
and of the fingerprints of the tables it reads. After a build, each step's input fingerprint and the
fingerprint of what it wrote are kept next to the published file (`.<published>.steps.json`, valid only for
the published file of that very size and time). The next build starts from a byte copy of that published
file, replaces the canonical tables that changed, and runs only the steps whose input fingerprint differs;
the others keep their table. A step that ran but wrote the same rows as before (its output fingerprint is
the same) does not make the steps reading it run: a moved deal reruns the deal reports, not the sales ones.

How a table's fingerprint is taken:
- a canonical or bonus table of up to `BIG_ROWS` rows: its row count and the sum of its rows' hashes
  (exact, ~0.02 s for 30,000 deals);
- a bigger canonical table (the sales at scale m and beyond, where hashing costs a second per 10 M rows):
  its row count and the change stamps (salesglass/warehouse.py `note_change`) of every source that may
  write it — any step that changes the warehouse stamps it, which is what the refresh's "nothing changed"
  check already relies on. `NOT_WRITTEN_BY` names the sources known never to write a table (amoCRM and
  linking never write sales); a source not listed there counts as writing every table. A warehouse that
  was never stamped gives no fingerprint: such a table always counts as changed.
- a step's table: the hash of its rows after it ran (the same as the one kept when it was kept).

When a big table changed (the platform load brought new sales), the schema of a canonical table changed,
or there is no usable record of the last build, the build is a full one (`salesglass build --full` forces
it): the canonical tables are copied from the warehouse table by table and every step runs. (Not a byte
copy of the warehouse file, as before: the raw layers and withheld columns it then dropped stayed in the
published file's free blocks, readable by whoever may read that file.)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from salesglass.model.schema import CANONICAL
from salesglass.processes import replace_whole
from salesglass.reports.publish import file_state
from salesglass.sql import quote_ident, quote_lit

FORMAT = 2  # 2: quarantine.raw withheld (a file of format 1 holds it, and is never a seed)
BIG_ROWS = 2_000_000
NOT_WRITTEN_BY: dict[str, frozenset[str]] = {
    "sales": frozenset({"amocrm", "link"}),
    "events": frozenset({"amocrm", "link"}),
}
SOURCE_DEAL_STAGES = "source_deal_stages"  # the canonical deal_stages inside a build (the step's name is taken)

Run = Callable[[str], list[tuple]]


@dataclass
class Record:
    """What the last build left: the fingerprints of its inputs and outputs, the published file's state."""

    key: str = ""
    schema: dict[str, list[list[Any]]] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)  # canonical and bonus tables
    inputs: dict[str, str] = field(default_factory=dict)  # step → input fingerprint
    outputs: dict[str, str] = field(default_factory=dict)  # step → output fingerprint
    rows: dict[str, int] = field(default_factory=dict)  # step → row count
    published: list[int] | None = None
    format: int = FORMAT
    # for the reader (bench/refresh.py, a curious admin): seconds of what this build ran, steps it kept,
    # and the CPU seconds of this process (all its threads) for each step it ran and the whole build
    seconds: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)


def record_path(published: Path) -> Path:
    return published.with_name(f".{published.name}.steps.json")


def previous(published: Path) -> Record | None:
    """The record of the build that wrote the published file now in place (None: none usable)."""
    try:
        raw = json.loads(record_path(published).read_text(encoding="utf-8"))
        record = Record(**raw)
    except (OSError, ValueError, TypeError):
        return None
    state = file_state(published)
    if record.format != FORMAT or state is None or record.published != state or not record.key:
        return None
    return record


def save(published: Path, record: Record) -> None:
    """Written whole, then renamed into place; a failed write only makes the next build a full one."""
    with contextlib.suppress(OSError):
        replace_whole(record_path(published), json.dumps(asdict(record)), legacy=("{name}.{pid}.tmp",))


def forget(published: Path) -> None:
    record_path(published).unlink(missing_ok=True)


def schema_of(run: Run, catalog: str) -> dict[str, list[list[Any]]]:
    """Column names, types and nullability of the canonical tables in `catalog` (a file's database name)."""
    names = ", ".join(quote_lit(t.name) for t in CANONICAL)
    out: dict[str, list[list[Any]]] = {}
    for table, column, kind, nullable in run(
        f"""SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns()
            WHERE database_name = {quote_lit(catalog)} AND schema_name = 'main' AND table_name IN ({names})
            ORDER BY table_name, column_index"""
    ):
        out.setdefault(table, []).append([column, kind, bool(nullable)])
    return out


def content(run: Run, table: str) -> tuple[int, str]:
    """(rows, fingerprint) of a table by its rows' hashes (order does not matter; duplicates count)."""
    rows, total = run(f"SELECT count(*), sum(hash(t)) FROM {table} t")[0]
    return int(rows), f"h{rows}:{total}"


def canonical(run: Run, prefix: str, stamps: dict[str, str] | None, *, big_only: bool = False) -> dict[str, str]:
    """The fingerprint of every canonical table under `prefix` (e.g. `wh.`; the warehouse's own names).
    `stamps`: the warehouse's change stamps, None when it has none (big tables then count as changed).
    `big_only`: only the tables of more than `BIG_ROWS` rows (no hashing at all)."""
    out: dict[str, str] = {}
    for t in CANONICAL:
        name = f"{prefix}{quote_ident(t.name)}"
        rows = int(run(f"SELECT count(*) FROM {name}")[0][0])
        if rows <= BIG_ROWS:
            if not big_only:
                out[t.name] = content(run, name)[1]
        elif stamps:
            skip = NOT_WRITTEN_BY.get(t.name, frozenset())
            writers = sorted((s, v) for s, v in stamps.items() if s not in skip)
            out[t.name] = f"n{rows}:{json.dumps(writers)}"
        else:
            out[t.name] = f"unknown:{secrets.token_hex(8)}"  # never equal: always rebuilt
    return out


def stamps_in(run: Run, prefix: str) -> dict[str, str] | None:
    from salesglass.warehouse import CHANGES_TABLE

    try:
        return dict((str(s), str(v)) for s, v in run(f"SELECT source, stamp FROM {prefix}{CHANGES_TABLE}"))
    except Exception:  # no table: the warehouse was never stamped
        return None


def incremental_possible(warehouse: Path, record: Record | None) -> Record | None:
    """`record` when the next build may start from the published file: same canonical schemas and no big
    table changed since (read from the warehouse, read-only, in a few hundredths of a second)."""
    if record is None or not warehouse.exists():
        return None
    from salesglass.warehouse import connect

    try:
        con = connect(warehouse, read_only=True)
    except Exception:
        return None
    try:

        def run(sql: str) -> list[tuple]:
            return con.execute(sql).fetchall()

        catalog = str(run("SELECT current_database()")[0][0])
        if schema_of(run, catalog) != record.schema:
            return None
        for name, now in canonical(run, "", stamps_in(run, ""), big_only=True).items():
            if now != record.tables.get(name):
                return None
    finally:
        con.close()
    return record


def step_inputs(key: str, name: str, reads: Iterable[str], known: dict[str, str]) -> str:
    """The input fingerprint of a step: its key and name and the fingerprints of the tables it reads.
    A read name without a fingerprint (a CTE's name, a table the build does not know) is taken as is."""
    parts = [key, name] + [f"{r}={known.get(r, '?')}" for r in sorted(reads)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class Plan:
    """The steps of one build, in order: which keep their table and which run (DuckDB builds only)."""

    def __init__(self, tables: dict[str, str], previous: Record | None, schema: dict[str, list[list[Any]]]) -> None:
        self.previous = previous
        self.record = Record(schema=schema, tables=dict(tables))
        self.known = dict(tables)
        self.known[SOURCE_DEAL_STAGES] = tables.get("deal_stages", f"unknown:{secrets.token_hex(8)}")
        self.kept: list[str] = []
        self.others: set[str] = set()

    def add_tables(self, tables: dict[str, str]) -> None:
        """More input tables (the bonus state, copied into the build after the canonical ones)."""
        self.known.update(tables)
        self.record.tables.update(tables)

    def start(self, key: str, existing: Iterable[str], steps: Iterable[str]) -> None:
        """`existing`: every table in the build file now; one that no step writes and that has no
        fingerprint counts as changed for a step that reads it (never kept by mistake)."""
        self.record.key = key
        self.others = set(existing) - set(self.known) - set(steps)

    def keeps(self, name: str, reads: Iterable[str]) -> bool:
        """Whether the step `name` keeps the table of the last build (its inputs did not change)."""
        known = {**{o: f"unknown:{secrets.token_hex(8)}" for o in self.others}, **self.known}
        inputs = step_inputs(self.record.key, name, reads, known)
        self.record.inputs[name] = inputs
        prev = self.previous
        if prev is None or prev.key != self.record.key or prev.inputs.get(name) != inputs:
            return False
        if name not in prev.outputs or name not in prev.rows:
            return False
        self.known[name] = self.record.outputs[name] = prev.outputs[name]
        self.record.rows[name] = prev.rows[name]
        self.kept.append(name)
        return True

    def ran(self, name: str, rows: int, fingerprint: str) -> None:
        self.known[name] = self.record.outputs[name] = fingerprint
        self.record.rows[name] = rows

    def dropped(self) -> list[str]:
        """Tables of the last build's steps that this build has no step for (a report removed since)."""
        prev = self.previous
        return sorted(set(prev.outputs) - set(self.record.outputs)) if prev is not None else []
