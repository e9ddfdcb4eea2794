"""`salesglass load`: every platform input and the plans into the canonical tables, nothing lost.

Per input, in one transaction: the new rows are validated and upserted (`load_staged`), rows that
cannot be used go to quarantine, and the input's watermark moves on — so a crash never leaves a
watermark ahead of its data. `full=True` ignores watermarks and replaces each target table whole.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import duckdb

from salesglass.config import Config
from salesglass.model.schema import EVENTS, PARTNERS, SALES, Column, Kind, Table
from salesglass.model.validate import (
    duplicate_key_reason,
    load_staged,
    problem_sql,
    quarantine_raw_sql,
    repeated_key_hashes,
    typed_columns_sql,
)
from salesglass.sources.platform.config import InputSpec
from salesglass.sources.platform.land import Landed, land_input, max_watermark, watermark_sql
from salesglass.sources.platform.mapping import NOTE, Target, staged_sql
from salesglass.sources.platform.progress import Reporter
from salesglass.sql import quote_ident, quote_lit, transaction

if TYPE_CHECKING:
    from salesglass.warehouse import Compaction

WIDGET_INSTALLS = Table(
    "platform_widget_installs",
    "Widget installs read from the platform; partners.widget_installed_at is the earliest per partner.",
    (
        Column("partner_id", Kind.TEXT, "owner partner", key=True),
        Column("installed_at", Kind.TIMESTAMPTZ, "first impression seen on the site", key=True),
        Column("widget_id", Kind.TEXT, "the widget, if the source has ids"),
    ),
)
TARGETS: dict[str, Target] = {
    "partners": Target(PARTNERS, {"development_manager_email": Kind.TEXT}),
    "sales": Target(SALES, {}),
    "widget_installs": Target(WIDGET_INSTALLS, {}),
    "events": Target(EVENTS, {}),
}
# columns a later step fills where the input leaves them empty (the widget installs here, linking's manager
# fallback): an empty value read again is no change for them (`_nothing_new`)
FILLED_LATER = {"partners": ("widget_installed_at", "development_manager_id")}
UNKNOWN_MANAGER = "unknown development manager e-mail (no amoCRM user has it; loaded without a manager)"
# up to this many rows read, naive times go through DuckDB's timezone() row by row (~0.06 µs each) rather
# than a CASE over the zone's constant-offset periods, which cost ~0.4 CPU-s to find (zones.py)
FEW_ROWS = 200_000


@dataclass
class InputResult:
    name: str
    target: str
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    watermark: str | None = None
    changed: bool = True  # False: every row read was already loaded (or quarantined) exactly so


@dataclass
class LoadSummary:
    inputs: list[InputResult] = field(default_factory=list)
    plans: InputResult | None = None
    full: bool = False
    seconds: float = 0.0
    compaction: Compaction | None = None  # the warehouse file was rewritten without its free blocks
    compaction_error: str | None = None  # compacting failed (the warehouse is untouched, the load stands)
    derived_changed: bool = False  # partners' widget_installed_at moved

    @property
    def changed(self) -> bool:
        """Whether the load changed what the reports read (False: no new or changed rows anywhere)."""
        return self.full or self.derived_changed or any(r.changed for r in self.all)

    @property
    def note(self) -> str | None:
        return None if self.changed else "platform: no new or changed rows"

    @property
    def quarantined(self) -> int:
        return sum(r.quarantined for r in self.all)

    @property
    def all(self) -> list[InputResult]:
        return [*self.inputs, *([self.plans] if self.plans else [])]


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    from salesglass.model.ddl import create_table_sql

    con.execute(create_table_sql(WIDGET_INSTALLS))
    con.execute("""CREATE TABLE IF NOT EXISTS platform_watermarks (
        input TEXT PRIMARY KEY, value TEXT, loaded_at TIMESTAMPTZ NOT NULL)""")
    # the zone an input's naive times were read in when its watermark was stored: read in another zone
    # (the back-office loaded before the first amoCRM sync, then a São Paulo account synced), the rows
    # below the watermark keep the old reading, so the watermark is not used and the input is read whole
    con.execute("CREATE TABLE IF NOT EXISTS platform_watermark_zones (input TEXT PRIMARY KEY, zone TEXT NOT NULL)")
    # a full reload's new table, left behind by a load that was killed before it swapped it in
    for (name,) in con.execute("""SELECT table_name FROM duckdb_tables()
                                  WHERE database_name = current_database() AND schema_name = 'main'
                                    AND starts_with(table_name, '__next_')""").fetchall():
        con.execute(f"DROP TABLE {quote_ident(name)}")


def run_load(cfg: Config, *, full: bool = False, progress: bool = True) -> LoadSummary:
    """Load the platform inputs and the plans into the warehouse at `[warehouse].path`.

    A full load leaves the replaced tables' old blocks free in the file; compacting it afterwards is
    the caller's step (`salesglass/refresh/compaction.py`), so that this source never takes a lock.
    """
    from salesglass.warehouse import open_warehouse

    with open_warehouse(cfg.warehouse_path) as con:
        return load_into(con, cfg, full=full, progress=progress)


def load_into(con: duckdb.DuckDBPyConnection, cfg: Config, *, full: bool = False, progress: bool = True) -> LoadSummary:
    """Load into an open canonical warehouse (the demo and the tests pass their own connection)."""
    if cfg.platform.timezone is None:  # naive back-office times are the account's local time
        from salesglass.account_zone import resolve_zone
        from salesglass.sources.platform.config import with_naive_zone

        cfg = with_naive_zone(cfg, resolve_zone(cfg, con).name)
    started = time.monotonic()
    ensure_tables(con)
    summary = LoadSummary(full=full)
    previous, ordered = con.execute(
        "SELECT current_setting('memory_limit'), current_setting('preserve_insertion_order')"
    ).fetchall()[0]
    con.execute(f"SET memory_limit = {quote_lit(cfg.platform.memory_limit)}")
    try:
        _load_all(con, cfg, summary, full=full, progress=progress)
    finally:
        con.execute(f"SET memory_limit = {quote_lit(previous)}")
        con.execute(f"SET preserve_insertion_order = {'true' if ordered else 'false'}")
    summary.seconds = time.monotonic() - started
    return summary


def _load_all(con: duckdb.DuckDBPyConnection, cfg: Config, summary: LoadSummary, *, full: bool, progress: bool) -> None:
    from salesglass.sources.platform.plans import load_plans, plans_stamp, store_plans_stamp, stored_plans_stamp

    replaced: set[str] = set()
    earlier: dict[str, list[str]] = {}  # target → the inputs that fed it before, in this run
    for target in TARGETS:  # (a load that failed half-way may have left its keys in this connection)
        con.execute(f"DROP TABLE IF EXISTS {quote_ident(_run_keys(target))}")
    with Reporter(progress) as rep:
        inputs = cfg.platform.inputs
        for i, inp in enumerate(inputs):
            first = inp.target not in replaced
            replaced.add(inp.target)
            later = any(o.target == inp.target for o in inputs[i + 1 :])
            summary.inputs.append(
                _load_input(
                    con,
                    cfg,
                    inp,
                    full=full,
                    replace=full and first,
                    rep=rep,
                    earlier=earlier.get(inp.target, []),
                    later=later,
                )
            )
            earlier.setdefault(inp.target, []).append(inp.name)
        for target in earlier:
            con.execute(f"DROP TABLE IF EXISTS {quote_ident(_run_keys(target))}")
        if any(i.target == "widget_installs" for i in cfg.platform.inputs) or full:
            summary.derived_changed = _derive_widget_installed(con) > 0
        if cfg.plans.path or cfg.plans.table or cfg.plans.query:
            stamp = None if full else plans_stamp(con, cfg)
            if stamp is not None and stamp == stored_plans_stamp(con):
                # the same file as last time, and nothing else its rows depend on changed
                summary.plans = InputResult("plans", "plans", changed=False, watermark="file unchanged, not read")
            else:
                before = _fingerprint(con, "plans")
                summary.plans = load_plans(con, cfg, rep)
                summary.plans.changed = _fingerprint(con, "plans") != before
                store_plans_stamp(con, plans_stamp(con, cfg))
        if summary.changed:
            from salesglass.warehouse import note_change

            note_change(con, "platform")


def _fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> tuple:
    """A small table's content, order aside (plans: compared before and after they are read again)."""
    return tuple(con.execute(f"SELECT count(*), sum(hash(t)) FROM {quote_ident(table)} t").fetchall()[0])


def _load_input(
    con: duckdb.DuckDBPyConnection,
    cfg: Config,
    inp: InputSpec,
    *,
    full: bool,
    replace: bool,
    rep: Reporter,
    earlier: list[str] | None = None,
    later: bool = False,
) -> InputResult:
    label = f"[platform] input {inp.name!r}"
    source = f"platform:{inp.name}"
    target = TARGETS[inp.target]
    since = None if full or not inp.watermark else _stored_watermark(con, inp.name, _naive_zone(cfg, inp))
    task = rep.start(inp.name, f"{inp.name} → {target.table.name}")
    landed = land_input(
        con,
        cfg,
        inp,
        target,
        into=f"__land_{inp.name}",
        label=label,
        watermark=inp.watermark,
        since=since,
        on_rows=lambda n: rep.advance(task, n),
        stream=True,
    )
    with_email = inp.target == "partners" and "development_manager_email" in landed.specs
    # a full reload is staged straight into a new table of the warehouse that then replaces the target
    # (`load_staged(adopt=)`). It is filled and checked outside the input's transaction: DuckDB reads a
    # committed table faster (the key check: 0.6 s instead of 1.0 s for ten million sales)
    staged = f"__next_{target.table.name}" if replace and not with_email else "__staged"
    try:
        if landed.streamed:
            rep.status(task, "reading and validating", 0)
        else:
            rep.status(task, "validating", landed.rows)
        unique = _create_staged(con, cfg, landed, inp, target, label, into=staged)
        if inp.target in KEPT_BY_FIRST_INPUT:
            _claim_keys(con, target.table, staged, inp.name, earlier or [], full=full, later=later)
        result = InputResult(inp.name, inp.target, read=landed.rows + len(landed.rejects))
        if inp.watermark:
            wm_table, wm_col = (staged, "__wm") if landed.streamed else (landed.table, inp.watermark)
            result.watermark = max_watermark(con, wm_table, wm_col) or since
        _commit_input(
            con,
            landed,
            inp,
            target,
            source,
            result,
            staged=staged,
            full=full,
            replace=replace,
            since=since,
            unique=unique,
            zone=_naive_zone(cfg, inp),
        )
    finally:
        con.execute(f"DROP TABLE IF EXISTS {quote_ident(staged)}")
        if landed.streamed:
            landed.close()
        else:
            con.execute(f"DROP TABLE IF EXISTS {quote_ident(landed.table)}")
    rep.done(task, result.loaded, result.quarantined)
    return result


def _commit_input(
    con: duckdb.DuckDBPyConnection,
    landed: Landed,
    inp: InputSpec,
    target: Target,
    source: str,
    result: InputResult,
    *,
    staged: str,
    full: bool,
    replace: bool,
    since: str | None,
    unique: bool = False,
    zone: str = "",
) -> None:
    """In one transaction: the input's old quarantine rows out, its rows in, its watermark on (and the zone
    its naive times were read in: `zone`).
    `unique`: the staged key is proven not to repeat. Rows read again exactly as they were loaded (the
    watermark's own second is read again on purpose; an input without a watermark is read whole) leave
    the tables alone, and the input says it did not change."""
    if not replace and not landed.rejects and _nothing_new(con, target.table, staged, source, whole=since is None):
        result.changed = False
        if inp.watermark:
            wm = quote_lit(result.watermark) if result.watermark is not None else "NULL"
            con.execute(f"INSERT OR REPLACE INTO platform_watermarks VALUES ({quote_lit(inp.name)}, {wm}, now())")
            _store_zone(con, inp.name, zone)
        return
    with transaction(con):
        if full or since is None:  # everything was read again
            con.execute(f"DELETE FROM quarantine WHERE source = {quote_lit(source)}")
        else:
            key = target.table.key[0]
            con.execute(
                f"DELETE FROM quarantine WHERE source = {quote_lit(source)} AND source_key IN "
                f"(SELECT CAST({quote_ident(key)} AS VARCHAR) FROM {quote_ident(staged)})"
            )
        _note_kept(con, staged, source, target.table, result)  # (before the staged table may become the target)
        res = load_staged(
            con,
            target.table,
            staged,
            source=source,
            replace_all=replace,
            own_transaction=False,
            validated=True,
            adopt=staged != "__staged",
            unique_key=unique,
        )
        result.loaded, result.quarantined, result.reasons = res.loaded, res.quarantined, dict(res.reasons)
        _quarantine_rejects(con, landed, source, target.table.name, result)
        # a bad row without a key that was read again (it sits on the watermark) is listed once
        con.execute(f"""DELETE FROM quarantine q WHERE q.source = {quote_lit(source)} AND q.source_key IS NULL
                        AND EXISTS (SELECT 1 FROM quarantine n WHERE n.source = q.source AND n.source_key IS NULL
                                    AND n.reason = q.reason AND CAST(n.raw AS VARCHAR) = CAST(q.raw AS VARCHAR)
                                    AND n.seen_at > q.seen_at)""")
        if inp.target == "partners" and "development_manager_email" in landed.specs:
            _warn_unknown_managers(con, source, result)
        if inp.watermark:
            # literals, not parameters: binding parameters makes DuckDB import pandas (seconds, once)
            wm = quote_lit(result.watermark) if result.watermark is not None else "NULL"
            con.execute(f"INSERT OR REPLACE INTO platform_watermarks VALUES ({quote_lit(inp.name)}, {wm}, now())")
            _store_zone(con, inp.name, zone)


# targets whose key two inputs must not both give: the row of the input listed first is kept, the other
# is quarantined (a widget install read twice is the same install: harmless)
KEPT_BY_FIRST_INPUT = ("sales", "partners", "events")


def also_read_reason(key: tuple[str, ...], other: str) -> str:
    """The reason of a row whose key the input `other`, listed earlier, has given too."""
    return _ALSO_READ.format(key=", ".join(key), other=other)


_ALSO_READ = "duplicate key ({key}): input '{other}' has it too (its row is kept)"


def _run_keys(target: str) -> str:
    return f"__run_keys_{target}"


def _claim_keys(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    staged: str,
    name: str,
    earlier: list[str],
    *,
    full: bool,
    later: bool,
) -> None:
    """Several inputs may feed one table (orders and refunds → sales), but one key is one row: a key that an
    input listed earlier has already given in this load would silently replace that input's row (an
    upsert). Such staged rows get a reason naming that input instead, and its row stays.

    On a full load the table holds exactly the earlier inputs' rows of this run (the first one replaced
    it), so every clash is caught; the inputs after the first keep their keys in `__run_keys_<table>` (the
    first one's, often ten million orders, are the table's others). An incremental load compares the rows
    read in this run, every input's keys kept; a clash with a row an earlier load wrote is caught by the
    next `load --full`. `later`: another input of the table follows (only then are the keys kept)."""
    key = table.merge_key
    cols = ", ".join(quote_ident(k) for k in key)
    keys = quote_ident(_run_keys(table.name))
    con.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {keys} AS SELECT {cols}, '' AS __input FROM {quote_ident(staged)} LIMIT 0"
    )
    if earlier:
        on = " AND ".join(f"k.{quote_ident(k)} = s.{quote_ident(k)}" for k in key)
        seen = quote_ident(table.name) if full else keys  # full: only this run's earlier inputs wrote the table
        owner = f"(SELECT min(k.__input) FROM {keys} k WHERE {on})"
        if full:
            owner = f"coalesce({owner}, {quote_lit(earlier[0])})"
        prefix, suffix = _ALSO_READ.format(key=", ".join(key), other="\0").split("\0")
        con.execute(f"""UPDATE {quote_ident(staged)} s
                        SET __reason = {quote_lit(prefix)} || {owner} || {quote_lit(suffix)}
                        WHERE s.__reason IS NULL AND EXISTS (SELECT 1 FROM {seen} k WHERE {on})""")
    if not full and len(key) == 1:
        # a key this input was already refused for (another input has it) stays refused when the other
        # input is not read again (its watermark did not move): the row the last full load kept stays
        like = quote_lit(_ALSO_READ.format(key="%", other="%").replace("_", "\\_"))
        con.execute(f"""UPDATE {quote_ident(staged)} s SET __reason = q.reason FROM quarantine q
                        WHERE s.__reason IS NULL AND q.source = {quote_lit(f"platform:{name}")}
                          AND q.source_key = CAST(s.{quote_ident(key[0])} AS VARCHAR)
                          AND q.reason LIKE {like} ESCAPE '\\'""")
    if later and (earlier or not full):
        con.execute(
            f"INSERT INTO {keys} SELECT {cols}, {quote_lit(name)} FROM {quote_ident(staged)} WHERE __reason IS NULL"
        )


def _nothing_new(con: duckdb.DuckDBPyConnection, table: Table, staged: str, source: str, *, whole: bool) -> bool:
    """Every usable staged row is already in `table` exactly, and every bad one already in quarantine with
    the same reason; with `whole` (the input was read entire) the quarantine holds no other row of it."""
    types = dict(
        con.execute(f"""SELECT column_name, data_type FROM duckdb_columns()
                        WHERE database_name = current_database() AND schema_name = 'main'
                          AND table_name = {quote_lit(table.name)}""").fetchall()
    )
    key = table.merge_key or table.key
    described = [r[0] for r in con.execute(f"DESCRIBE {quote_ident(staged)}").fetchall()]
    staged_cols = set(described)
    names = [c for c in table.names if c in staged_cols and c in types]  # an unmapped column is not written
    if not key or not set(key) <= set(names):
        return False
    rows = _with_later_copies(con, table, staged, staged_cols)
    later = FILLED_LATER.get(table.name, ())
    # TRY_CAST: a staged text the loader parses its own way ("3 000,00") reads as NULL here, so the row
    # counts as new and takes the normal path, rather than failing the load
    on = " AND ".join(f"t.{quote_ident(k)} = s.{quote_ident(k)}" for k in key)
    same = " AND ".join(
        f"(s.{quote_ident(c)} IS NULL OR TRY_CAST(s.{quote_ident(c)} AS {types[c]}) = t.{quote_ident(c)})"
        if c in later
        else f"TRY_CAST(s.{quote_ident(c)} AS {types[c]}) IS NOT DISTINCT FROM t.{quote_ident(c)}"
        for c in names
    )
    new = con.execute(f"""SELECT count(*) FROM {rows} s WHERE s.__why IS NULL
        AND NOT EXISTS (SELECT 1 FROM {quote_ident(table.name)} t WHERE {on} AND {same})""").fetchall()[0][0]
    if new:
        return False
    skey = f"CAST(s.{quote_ident(table.key[0])} AS VARCHAR)"
    # the same reason and the same source values: a bad row whose text changed is a change (quarantine
    # would go on showing the text of its first read)
    raw = quarantine_raw_sql([c for c in described if not c.startswith("__")], has_raw="__raw" in staged_cols)
    bad = con.execute(f"""SELECT count(*) FROM {rows} s WHERE s.__why IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.source = {quote_lit(source)}
                        AND q.source_key IS NOT DISTINCT FROM {skey} AND q.reason = s.__why
                        AND CAST(q.raw AS VARCHAR) = CAST({raw} AS VARCHAR))""").fetchall()[0][0]
    if bad:
        return False
    if whole:
        # a partner loaded without a manager keeps its warning row (UNKNOWN_MANAGER) while the row read
        # again still names that unknown e-mail: the warning is expected, not a change
        warned = (
            f"""OR (q.reason = {quote_lit(UNKNOWN_MANAGER)} AND EXISTS (SELECT 1 FROM {rows} s
                    WHERE s.__why IS NULL AND q.source_key IS NOT DISTINCT FROM {skey}
                      AND s.__manager_email IS NOT NULL AND s.development_manager_id IS NULL))"""
            if {"__manager_email", "development_manager_id"} <= staged_cols
            else ""
        )
        if NOTE in staged_cols:  # a row loaded with a value left empty keeps its note while it reads so
            warned += f""" OR EXISTS (SELECT 1 FROM {rows} s WHERE s.__why IS NULL
                               AND s.{NOTE} = q.reason AND q.source_key IS NOT DISTINCT FROM {skey})"""
        gone = con.execute(f"""SELECT count(*) FROM quarantine q WHERE q.source = {quote_lit(source)}
            AND NOT (EXISTS (SELECT 1 FROM {rows} s WHERE s.__why = q.reason
                             AND q.source_key IS NOT DISTINCT FROM {skey}) {warned})""").fetchall()[0][0]
        if gone:
            return False
    return True


def _with_later_copies(con: duckdb.DuckDBPyConnection, table: Table, staged: str, staged_cols: set[str]) -> str:
    """The staged rows as a relation with `__why`: their `__reason`, or for a later copy of a key among the
    usable rows the reason `load_staged` quarantines it with — so a file that repeats a key, read again
    unchanged, is no change (its later copy was counted as a new row: every refresh rebuilt the reports).
    The window runs only when some key repeats (the hash check costs a sort of the keys' hashes)."""
    key_cols = [k for k in table.merge_key if k in staged_cols]  # as load_staged takes them
    usable = f"(SELECT * FROM {quote_ident(staged)} WHERE __reason IS NULL)"
    part = ", ".join(quote_ident(k) for k in key_cols)
    if not key_cols or not repeated_key_hashes(con, usable, part):
        return f"(SELECT *, __reason AS __why FROM {quote_ident(staged)})"
    copy = f"row_number() OVER (PARTITION BY {part}, __reason IS NULL ORDER BY rowid)"
    later = quote_lit(duplicate_key_reason(key_cols))
    why = f"CASE WHEN __reason IS NULL AND {copy} > 1 THEN {later} ELSE __reason END"
    return f"(SELECT *, {why} AS __why FROM {quote_ident(staged)})"


def _create_staged(
    con: duckdb.DuckDBPyConnection,
    cfg: Config,
    landed: Landed,
    inp: InputSpec,
    target: Target,
    label: str,
    *,
    into: str = "__staged",
) -> bool:
    """Table `into`: the input's rows in canonical columns with each row's verdict (`__reason`), in one
    query — for a streamed file, the one that parses it. A row keeps its source values (`__raw`) only
    when it is bad, and a streamed row its watermark (`__wm`). Any `into` but `__staged` is a table of
    the warehouse in the target's exact columns (`load_staged(adopt=)`). Returns whether the key is
    proven not to repeat (`_fill_new_table`)."""
    from salesglass.errors import ConfigError

    raw = ", ".join(f"{quote_ident(c)} := __src.{quote_ident(c)}" for c in landed.types)
    row = f"struct_pack({raw}) AS __raw_all"
    if landed.streamed and inp.watermark:
        row += f", {watermark_sql(con, landed.table, inp.watermark, '__src')} AS __wm"
    zone = cfg.platform.timezone
    assert zone is not None, "load_into resolves the zone of naive times before anything is staged"
    few = not landed.streamed and landed.rows <= FEW_ROWS
    sql = staged_sql(inp, target, landed.specs, landed.table, landed.types, zone, row=row, few_rows=few)
    with_email = inp.target == "partners" and "development_manager_email" in landed.specs
    if with_email:
        own = (
            "COALESCE(s.development_manager_id, m.manager_id)"
            if "development_manager_id" in landed.specs
            else "m.manager_id"
        )
        sql = f"""SELECT s.* EXCLUDE (development_manager_email{
            ", development_manager_id" if "development_manager_id" in landed.specs else ""
        }),
                  {own} AS development_manager_id, s.development_manager_email AS __manager_email
           FROM ({sql}) s LEFT JOIN (SELECT lower(trim(email)) AS email, min(manager_id) AS manager_id
                                     FROM managers WHERE email IS NOT NULL GROUP BY 1) m
             ON m.email = lower(s.development_manager_email)"""
    try:
        con.execute(f"CREATE OR REPLACE TEMP VIEW __staged_v AS {sql}")
        con.execute("SELECT * FROM __staged_v LIMIT 0")
    except duckdb.Error as exc:
        exprs = [f"columns.{k} sql = {v.sql!r}" for k, v in landed.specs.items() if v.sql]
        raise ConfigError(
            f"{label}: the mapping does not compute ({'; '.join(exprs) or 'check columns'}): {str(exc).splitlines()[0]}"
        ) from None
    types = {r[0]: str(r[1]) for r in con.execute("DESCRIBE __staged_v").fetchall()}
    why = problem_sql(target.table, types, f"platform:{inp.name}")
    # the source row is kept for quarantine: a bad row, or a partner whose manager e-mail is unknown
    keep = (
        "__why IS NOT NULL"
        + (" OR (__manager_email IS NOT NULL AND development_manager_id IS NULL)" if with_email else "")
        + (f" OR {NOTE} IS NOT NULL" if NOTE in types else "")
    )
    checked = f"""SELECT * EXCLUDE (__raw_all, __reason, __why), __why AS __reason,
                         CASE WHEN {keep} THEN to_json(__raw_all) END AS __raw
                  FROM (SELECT *, {why} AS __why FROM __staged_v)"""
    unique = False
    if into == "__staged":
        _fill(con, f"CREATE OR REPLACE TEMP TABLE __staged AS {checked}", landed, label)
    else:
        extra = [*([NOTE] if NOTE in types else []), *(["__wm"] if landed.streamed and inp.watermark else [])]
        helpers = ", ".join(["__reason", "__raw", *extra])
        select = f"SELECT {typed_columns_sql(target.table, types, placeholders=True)}, {helpers} FROM ({checked})"
        unique = _fill_new_table(con, into, select, target.table, landed, label)
    con.execute("DROP VIEW __staged_v")
    if landed.streamed_rejects is not None:
        landed.rows = con.execute(f"SELECT count(*) FROM {quote_ident(into)}").fetchall()[0][0]
        landed.rejects = landed.streamed_rejects()
    return unique


def _fill_new_table(
    con: duckdb.DuckDBPyConnection, into: str, select: str, table: Table, landed: Landed, label: str
) -> bool:
    """Table `into` in `table`'s columns and NOT NULL constraints, filled from `select`; returns whether
    its key is then proven not to repeat among the usable rows (`load_staged(unique_key=)`).

    DuckDB fills a table ~12 % faster (ten million sales from CSV) when it need not keep the source's
    row order. That order decides one thing: which copy of a repeated key is kept (the first). So the
    table is filled unordered, and filled again in order only when a key does repeat."""
    _create_empty(con, into, select, table)
    _fill(con, f"INSERT INTO {quote_ident(into)} {select}", landed, label, keep_order=False)
    if not table.merge_key:
        return False
    key = ", ".join(quote_ident(k) for k in table.merge_key)
    if not repeated_key_hashes(con, f"(SELECT * FROM {quote_ident(into)} WHERE __reason IS NULL)", key):
        return True
    _create_empty(con, into, select, table)
    _fill(con, f"INSERT INTO {quote_ident(into)} {select}", landed, label)
    return False


def _create_empty(con: duckdb.DuckDBPyConnection, into: str, select: str, table: Table) -> None:
    """A new empty table `into` with `table`'s NOT NULL constraints: filling it is cheaper than making a
    filled table check its ten million rows for NULLs."""
    con.execute(f"DROP TABLE IF EXISTS {quote_ident(into)}")
    con.execute(f"CREATE TABLE {quote_ident(into)} AS {select} LIMIT 0")
    for col in table.columns:
        if col.not_null:
            con.execute(f"ALTER TABLE {quote_ident(into)} ALTER COLUMN {quote_ident(col.name)} SET NOT NULL")


def _fill(con: duckdb.DuckDBPyConnection, sql: str, landed: Landed, label: str, *, keep_order: bool = True) -> None:
    """Run the statement that reads the input (for a streamed file, the one that parses it)."""
    from salesglass.errors import SalesglassError

    con.execute(f"SET preserve_insertion_order = {'true' if keep_order else 'false'}")
    try:
        con.execute(sql)
    except duckdb.Error as exc:  # (outside a transaction: the statement alone is undone)
        what = (
            f"reading {landed.what} failed (the file, or a `sql` mapping that fails on a row)"
            if landed.what
            else "a `sql` mapping failed on a row"
        )
        raise SalesglassError(f"{label}: {what}: {str(exc).splitlines()[0]}") from None
    con.execute("SET preserve_insertion_order = true")  # (after a failure, `load_into` resets it)


def _quarantine_rejects(
    con: duckdb.DuckDBPyConnection, landed: Landed, source: str, entity: str, result: InputResult
) -> None:
    for r in landed.rejects:
        reason = f"unreadable line: {r.error.lower()}"
        con.execute(
            "INSERT INTO quarantine (source, entity, source_key, reason, raw, seen_at) "
            "VALUES (?, ?, ?, ?, to_json({'line': ?, 'text': ?}), now())",
            [source, entity, f"line {r.line}", reason, r.line, r.text],
        )
        result.reasons[reason] = result.reasons.get(reason, 0) + 1
        result.quarantined += 1


def _note_kept(con: duckdb.DuckDBPyConnection, staged: str, source: str, table: Table, result: InputResult) -> None:
    """Rows that load with a value left empty (`mapping.NOTE`: digits that are no ИНН) are listed in quarantine
    too, with the source row and the note as the reason (as amoCRM's records are): the partner is real and
    loads, and data quality shows what to correct."""
    cols = {r[0] for r in con.execute(f"DESCRIBE {quote_ident(staged)}").fetchall()}
    if NOTE not in cols:
        return
    key = f"CAST(s.{quote_ident(table.key[0])} AS VARCHAR)"
    noted = con.execute(f"""SELECT s.{NOTE}, count(*) FROM {quote_ident(staged)} s
                            WHERE s.__reason IS NULL AND s.{NOTE} IS NOT NULL GROUP BY 1""").fetchall()
    if not noted:
        return
    con.execute(f"""INSERT INTO quarantine (source, entity, source_key, reason, raw, seen_at)
        SELECT {quote_lit(source)}, {quote_lit(table.name)}, {key}, s.{NOTE}, s.__raw, now()
        FROM {quote_ident(staged)} s WHERE s.__reason IS NULL AND s.{NOTE} IS NOT NULL""")
    for note, n in noted:
        result.warnings[note] = result.warnings.get(note, 0) + n


def _warn_unknown_managers(con: duckdb.DuckDBPyConnection, source: str, result: InputResult) -> None:
    """A partner whose manager e-mail is unknown to amoCRM loads with NULL (linking may fill it) + a warning."""
    inserted = con.execute(
        f"""INSERT INTO quarantine (source, entity, source_key, reason, raw, seen_at)
            SELECT {quote_lit(source)}, 'partners', s.partner_id, {quote_lit(UNKNOWN_MANAGER)}, s.__raw, now()
            FROM __staged s
            WHERE s.__manager_email IS NOT NULL AND s.development_manager_id IS NULL
              AND s.partner_id IN (SELECT partner_id FROM partners)"""
    ).fetchone()
    n = inserted[0] if inserted else 0  # an INSERT answers one row: how many it wrote
    if n:
        result.warnings[UNKNOWN_MANAGER] = n


def _stored_watermark(con: duckdb.DuckDBPyConnection, name: str, zone: str) -> str | None:
    """The input's watermark; None (read it whole) when its naive times were last read in another zone."""
    row = con.execute(f"""SELECT w.value, z.zone FROM platform_watermarks w
                          LEFT JOIN platform_watermark_zones z ON z.input = w.input
                          WHERE w.input = {quote_lit(name)}""").fetchone()
    if not row or (row[1] is not None and row[1] != zone):
        return None
    return row[0]


# a MySQL/MariaDB input's TIMESTAMP columns have been read as UTC instants since this mark was added (before,
# as wall time in the server's zone): its rows below the watermark are read again once, whole
MYSQL_UTC_MARK = " (MySQL TIMESTAMP as UTC)"


def _naive_zone(cfg: Config, inp: InputSpec) -> str:
    """The zone this input's naive times are read in (the load resolved [platform] timezone already), as
    stored beside its watermark: another reading of its times than the last one means reading it whole."""
    zone = inp.timezone or cfg.platform.timezone or ""
    url = "" if inp.path else (inp.url or cfg.platform.url or "")
    return zone + MYSQL_UTC_MARK if url.lower().startswith(("mysql", "mariadb")) else zone


def _store_zone(con: duckdb.DuckDBPyConnection, name: str, zone: str) -> None:
    con.execute(f"INSERT OR REPLACE INTO platform_watermark_zones VALUES ({quote_lit(name)}, {quote_lit(zone)})")


def _derive_widget_installed(con: duckdb.DuckDBPyConnection) -> int:
    """partners.widget_installed_at = the earliest install of any of its widgets (or its own earlier value);
    how many partners it changed."""
    return con.execute(
        """UPDATE partners p SET widget_installed_at = least(coalesce(p.widget_installed_at, w.first), w.first)
           FROM (SELECT partner_id, min(installed_at) AS first FROM platform_widget_installs GROUP BY 1) w
           WHERE p.partner_id = w.partner_id
             AND p.widget_installed_at IS DISTINCT FROM least(coalesce(p.widget_installed_at, w.first), w.first)"""
    ).fetchall()[0][0]
