"""`salesglass build`: every report of reports.md from the canonical model, published atomically.

DuckDB (default): the canonical tables are copied from the working warehouse into the new report file
(they are the drill-down copy too), the derived helpers are materialised there, then each report is one
CREATE TABLE … AS <Ibis expression> — all inside DuckDB.
ClickHouse (`[warehouse] engine = "clickhouse"`): the same expressions run on the server through Ibis's
ClickHouse backend and only their (small) results, plus the canonical copy, are written into the
published DuckDB file. That path needs a server and `clickhouse-connect`; it is not tested here (the
tests run the same expressions' ClickHouse SQL in chdb instead).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from salesglass.account_zone import resolve_zone
from salesglass.errors import SalesglassError
from salesglass.model.schema import CANONICAL
from salesglass.plural import plural
from salesglass.reports import compiled, development, incremental
from salesglass.reports.base import BuildParams, Canon
from salesglass.reports.publish import BuildFile, building, published_select, withheld, write_build_info
from salesglass.reports.summary import BuildSummary, running_totals
from salesglass.sql import quote_ident, quote_lit

if TYPE_CHECKING:  # Ibis, the reports and their derive steps are imported only when SQL must be compiled
    import ibis

    from salesglass.config import Config
    from salesglass.reports import derive

Progress = Callable[[str], None]
Schema = dict[str, list[list[Any]]]


def report_exprs(canon: Canon, params: BuildParams, keep: derive.Keep | None = None) -> dict[str, ibis.Table]:
    """Every derived helper and report; `keep` materialises each (DuckDB build: publishes it), or leaves
    it an inline Ibis expression ready to compile for any engine (None)."""
    from salesglass.reports import derive, registry

    keep = keep or derive.inline
    canon = derive.derive(canon, params, keep)
    out = {name: getattr(canon, name) for name in registry.DERIVED}
    for name, fn in registry.all_reports().items():
        out[name] = keep(name, fn(canon, params))
        if name == "report_bonus_lines":
            canon = replace(canon, bonus_lines=out[name])
        elif name == "report_bonus_recomputed":
            canon = replace(canon, bonus_recomputed=out[name])
        elif name == "report_forecast_backtest":
            canon = replace(canon, forecast_backtest=out[name])
    return out


def canon_of(con: ibis.BaseBackend, names: dict[str, str] | None = None) -> Canon:
    """The canonical tables of an Ibis backend (`names`: where one is stored under another name)."""
    names = names or {}
    return Canon(**{t.name: con.table(names.get(t.name, t.name)) for t in CANONICAL})


def _runner(con: BuildFile) -> incremental.Run:
    return lambda sql: con.raw_sql(sql).fetchall()


def _catalog(con: BuildFile) -> str:
    return str(con.raw_sql("SELECT current_database()").fetchall()[0][0])


def _bonus_tables() -> tuple[str, ...]:
    from salesglass.reports.bonus_state import TABLES

    return TABLES


def require_canonical(run_sql: Callable[[str], Any], warehouse: object) -> None:
    """The warehouse attached as `wh` holds every canonical table; else an error naming the missing ones and
    the commands that make them. `run_sql`: the connection's SQL call (DuckDB's execute, a BuildFile's raw_sql)."""
    listed = run_sql("SELECT table_name FROM information_schema.tables WHERE table_catalog = 'wh'").fetchall()
    have = {r[0] for r in listed}
    missing = [t.name for t in CANONICAL if t.name not in have]
    if missing:
        raise SalesglassError(
            f"the warehouse {warehouse} lacks canonical tables {', '.join(missing)}; "
            "run `salesglass sync` and `salesglass load` first"
        )


def _copy_from_duckdb(con: BuildFile, warehouse: str, say: Progress) -> tuple[dict[str, str], Schema]:
    """Attach the working warehouse read-only and copy the canonical tables into the new file; returns
    their fingerprints and the warehouse's schemas, taken under the same attachment (no writer between)."""
    from salesglass.warehouse import connect

    try:  # opening it first waits politely while a sync holds the write lock
        connect(warehouse, read_only=True).close()
    except Exception as exc:
        raise SalesglassError(f"cannot open the warehouse {warehouse}: {exc}") from exc
    con.raw_sql(f"ATTACH {quote_lit(warehouse)} AS wh (READ_ONLY)")
    require_canonical(con.raw_sql, warehouse)
    run = _runner(con)
    schema = incremental.schema_of(run, "wh")
    con.raw_sql("SET preserve_insertion_order = false")  # lets DuckDB copy in parallel; row order is meaningless
    # FSST (string compression) is most of the cost of writing 10 M sales with their 24-character ids:
    # without it the copy takes ~20-30 % less time for a ~40 % larger sales table (bench/reports.py)
    con.raw_sql("SET disabled_compression_methods = 'fsst'")
    for t in CANONICAL:
        target = "source_deal_stages" if t.name == "deal_stages" else t.name
        # not a byte copy of the warehouse file: what a build drops from one (raw layers, withheld columns such
        # as quarantine.raw) stays in its free blocks, readable by anyone who may read the published file
        _create_as_in_warehouse(con, target, [c for c in schema[t.name] if c[0] not in withheld(t.name)])
        con.raw_sql(
            f"INSERT INTO {quote_ident(target)} BY NAME {published_select(t.name, f'wh.{quote_ident(t.name)}')}"
        )
    con.raw_sql("RESET disabled_compression_methods")
    con.raw_sql("SET preserve_insertion_order = true")  # report tables keep their ORDER BY (e.g. declining)
    fingerprints = incremental.canonical(run, "wh.", incremental.stamps_in(run, "wh."))
    con.raw_sql("DETACH wh")
    say(f"copied {len(CANONICAL)} canonical tables from {warehouse}")
    return fingerprints, schema


def _create_as_in_warehouse(con: BuildFile, table: str, columns: list[list[Any]]) -> None:
    """An empty `table` whose columns are defined as in the warehouse (`incremental.schema_of`: types and NOT
    NULL, which the compiled key reads; a full and an incremental build then compile the same SQL)."""
    defs = ", ".join(f"{quote_ident(c)} {kind}{'' if nullable else ' NOT NULL'}" for c, kind, nullable in columns)
    con.raw_sql(f"CREATE TABLE {quote_ident(table)} ({defs})")


def _update_canonical(
    con: BuildFile, warehouse: str, record: incremental.Record, say: Progress
) -> dict[str, str] | None:
    """The new file is a byte copy of the last published one: replace the canonical tables that changed
    in the warehouse since (their definitions stay), copy the source stages in again, and drop what every
    build writes afresh (bonus state, build_info). None when the warehouse's schemas changed meanwhile."""
    from salesglass.reports.bonus_state import TABLES as BONUS_TABLES
    from salesglass.warehouse import connect

    try:  # opening it first waits politely while a sync holds the write lock
        connect(warehouse, read_only=True).close()
    except Exception as exc:
        raise SalesglassError(f"cannot open the warehouse {warehouse}: {exc}") from exc
    run = _runner(con)
    con.raw_sql(f"ATTACH {quote_lit(warehouse)} AS wh (READ_ONLY)")
    try:
        if incremental.schema_of(run, "wh") != record.schema:
            return None
        fingerprints = incremental.canonical(run, "wh.", incremental.stamps_in(run, "wh."))
        changed = [t.name for t in CANONICAL if fingerprints[t.name] != record.tables.get(t.name)]
        con.raw_sql("SET preserve_insertion_order = false")
        # pipelines (≤ 50 rows) every time: the build marks its copy (development.publish_flags), so by name
        for name in [*changed, *(["pipelines"] if "pipelines" not in changed else [])]:
            if name != "deal_stages":
                con.raw_sql(f"DELETE FROM {quote_ident(name)}")
                con.raw_sql(
                    f"INSERT INTO {quote_ident(name)} BY NAME {published_select(name, f'wh.{quote_ident(name)}')}"
                )
        _create_as_in_warehouse(con, incremental.SOURCE_DEAL_STAGES, record.schema["deal_stages"])
        con.raw_sql(f"INSERT INTO {incremental.SOURCE_DEAL_STAGES} SELECT * FROM wh.deal_stages")
        con.raw_sql("SET preserve_insertion_order = true")
    finally:
        con.raw_sql("DETACH wh")
    # what every build writes afresh (bonus state, build_info), and anything the last build's steps did not
    # write: the new file then holds what a full build's would before its steps run, plus the kept tables
    keep = {t.name for t in CANONICAL} | {incremental.SOURCE_DEAL_STAGES} | set(record.outputs)
    kinds = dict(run("SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main'"))
    for name in sorted(set(kinds) - keep | {*BONUS_TABLES, "build_info"}):
        kind = "VIEW" if kinds.get(name) == "VIEW" else "TABLE"
        con.raw_sql(f"DROP {kind} IF EXISTS {quote_ident(name)}")
    say(f"started from the last published file; canonical tables changed since: {', '.join(changed) or 'none'}")
    return fingerprints


def _clickhouse(url: str) -> ibis.BaseBackend:
    """Ibis's ClickHouse backend; join_use_nulls so an outer join yields NULL, not 0 / ''."""
    from urllib.parse import urlparse

    try:
        import clickhouse_connect  # noqa: F401
    except ImportError as exc:
        raise SalesglassError(
            "engine = clickhouse needs the `clickhouse-connect` package: in the clone, "
            "`.venv/bin/uv pip install 'salesglass[clickhouse]'` (docs/scale-out.md)"
        ) from exc
    import ibis

    u = urlparse(url)
    return ibis.clickhouse.connect(
        host=u.hostname or "localhost",
        port=u.port,
        user=u.username or "default",
        password=u.password or "",
        database=(u.path or "/default").lstrip("/") or "default",
        secure=u.scheme in ("https", "clickhouses"),
        settings={"join_use_nulls": 1},
    )


def _with_bonus_state(out: BuildFile, cfg: Config, params: BuildParams, say: Progress) -> tuple[tuple, BuildParams]:
    """Copy the bonus state (approvals, locked lines, adjustments) into the build; approved months keep
    their lines and rules (reports/bonus_close.py). Returns the closed months and the parameters with
    their frozen rules."""
    import json

    from salesglass.reports.bonus_state import copy_into, frozen_rules_in

    rules = json.dumps(cfg.reports.bonus.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    closed = copy_into(out, cfg.bonus_state_path, rules)
    if closed:
        n, first, last = len(closed), f"{closed[0][0]:%Y-%m}", f"{closed[-1][0]:%Y-%m}"
        say(f"bonus: {n} closed {plural(n, 'month')} kept as approved, {first if n == 1 else f'{first} … {last}'}")
    return closed, replace(params, frozen_bonus_rules=frozen_rules_in(out))


def _bonus_state_of(con: ibis.BaseBackend, closed: tuple) -> Any:
    """The copied bonus state as the report expressions read it (Ibis tables of `con`)."""
    from salesglass.reports.bonus_close import BonusState

    return BonusState.of(con, closed)


def _say_reconciliation(out: BuildFile, say: Progress) -> None:
    """The bonus check of every build: approved + later adjustments = recomputed, per closed month."""
    from salesglass.reports.bonus_state import reconciliation_summary

    months, bad = reconciliation_summary(out)
    if bad:
        say(
            f"[bold red]bonus reconciliation: {len(bad)} {plural(len(bad), 'manager-month')} where "
            "approved + adjustments ≠ recomputed; see `salesglass doctor`"
        )
    elif months:
        say(f"bonus reconciliation: {months} closed {plural(months, 'month')}, approved + adjustments = recomputed")


def _rows_line(name: str, rows: int) -> str:
    """One table's line of the build's progress: name, rows (aligned; "1 row " keeps the column)."""
    return f"{name:<28} {rows:>10,} {plural(rows, 'row ', 'rows')}"


@dataclass
class _Timer:
    say: Progress
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds of the steps this build ran

    def publish(self, con: ibis.BaseBackend, name: str, obj) -> ibis.Table:
        import ibis

        from salesglass.reports.base import fetch_rows, nullable

        start = time.perf_counter()
        table = con.create_table(name, nullable(obj) if isinstance(obj, ibis.Table) else obj, overwrite=True)
        self.rows[name] = int(fetch_rows(con, table.count())[0][0])
        self.seconds[name] = time.perf_counter() - start
        self.say(f"{_rows_line(name, self.rows[name])}  {self.seconds[name]:6.2f} s")
        return table

    def run(self, con: BuildFile, step: compiled.Step, plan: incremental.Plan, compiling: float = 0.0) -> None:
        """Publish one step from its SQL, unless its inputs did not change since the last build (then the
        table copied with the last published file stays); `compiling`: the seconds its expression took to
        build and compile."""
        if plan.keeps(step.name, step.reads):
            self.rows[step.name] = plan.record.rows[step.name]
            self.seconds[step.name] = compiling
            self.say(f"{_rows_line(step.name, self.rows[step.name])}  kept (inputs unchanged)")
            return
        start, cpu = time.perf_counter(), time.process_time()
        con.raw_sql(step.create)
        con.raw_sql(step.insert)
        rows, fingerprint = incremental.content(_runner(con), quote_ident(step.name))
        plan.ran(step.name, rows, fingerprint)
        self.rows[step.name] = rows
        self.seconds[step.name] = time.perf_counter() - start + compiling
        self.cpu[step.name] = time.process_time() - cpu
        self.say(f"{_rows_line(step.name, self.rows[step.name])}  {self.seconds[step.name]:6.2f} s")


def earliest_instant(run: incremental.Run, tables: list[str]) -> int | None:
    """The earliest instant in any timestamp column of these tables of the build file, as microseconds
    since 1970-01-01 UTC (None: no instant at all). Every instant a report dates in the account zone is
    one of these or taken from them (a first sale, a platform milestone), so the zone's offsets are
    written into the SQL from its year (BuildParams.dated_from)."""
    listed = ", ".join(quote_lit(n) for n in tables)
    columns = run(
        f"""SELECT table_name, column_name FROM duckdb_columns()
            WHERE database_name = current_database() AND schema_name = 'main' AND table_name IN ({listed})
              AND data_type LIKE 'TIMESTAMP%' ORDER BY table_name, column_index"""
    )
    if not columns:
        return None
    # epoch_us: the instant's own microseconds (TIMESTAMPTZ), whatever the session's time zone
    mins = " UNION ALL ".join(f"SELECT min(epoch_us({quote_ident(c)})) AS us FROM {quote_ident(t)}" for t, c in columns)
    return run(f"SELECT min(us) FROM ({mins})")[0][0]


def _build_reads() -> list[str]:
    """The tables of the build file every step reads from: the canonical model (its source stages) and
    the bonus state."""
    from salesglass.reports.bonus_state import TABLES as BONUS_TABLES

    return [*(t.name for t in CANONICAL if t.name != "deal_stages"), incremental.SOURCE_DEAL_STAGES, *BONUS_TABLES]


def _publish_reports(
    con: BuildFile, closed: tuple, params: BuildParams, timer: _Timer, store: Path, plan: incremental.Plan
) -> None:
    """Every derived helper and report into the build file (DuckDB), from SQL compiled once per key
    (reports/compiled.py): a known key runs the kept statements, a new one builds and compiles them
    (only then are Ibis and the reports imported). A step whose inputs did not change since the last
    build is not run at all (reports/incremental.py)."""
    run = _runner(con)
    key = compiled.key_of(run, params, _build_reads(), closed)
    existing = [r[0] for r in run("SELECT table_name FROM information_schema.tables")]
    steps = compiled.recall(key, store)
    if steps is not None:
        plan.start(key, existing, [s.name for s in steps])
        timer.say(
            f"SQL of {len(steps)} {plural(len(steps), 'step')} reused "
            "(same code, as_of, rules and schema as a former build)"
        )
        for step in steps:
            timer.run(con, step, plan)
    else:
        from salesglass.reports import registry

        plan.start(key, existing, (*registry.DERIVED, *registry.all_reports()))
        backend = con.ibis
        canon = replace(
            canon_of(backend, {"deal_stages": incremental.SOURCE_DEAL_STAGES}),
            bonus_state=_bonus_state_of(backend, closed),
        )
        fresh: list[compiled.Step] = []
        last = [time.perf_counter()]  # the step's expression was built since the previous one was published

        def keep(name: str, expr: ibis.Table) -> ibis.Table:
            step = compiled.compile_step(backend, name, expr)
            fresh.append(step)
            timer.run(con, step, plan, compiling=time.perf_counter() - last[0])
            last[0] = time.perf_counter()
            return backend.table(name)

        report_exprs(canon, params, keep=keep)
        compiled.keep(key, fresh, store)
    for name in plan.dropped():
        con.raw_sql(f"DROP TABLE IF EXISTS {quote_ident(name)}")
    if plan.kept:
        timer.say(
            f"{len(plan.kept)} {plural(len(plan.kept), 'step')} kept from the last build (their inputs did not change)"
        )


def run_build(cfg: Config, *, as_of: date | None = None, progress: bool = True, full: bool = False) -> BuildSummary:
    """Build every report for `as_of` (default: today in the account time zone) and publish it.

    On DuckDB the build redoes only the steps whose inputs changed since the last build and starts from
    the last published file (reports/incremental.py); `full` runs every step from a copy of the warehouse."""
    from rich.console import Console
    from rich.markup import escape

    console = Console()
    say: Progress = console.print if progress else (lambda _msg: None)
    zone = resolve_zone(cfg)
    tz = zone.name
    params = BuildParams(as_of=as_of or zone.today(), timezone=tz, rules=cfg.reports)
    engine = cfg.warehouse.engine
    started, cpu_started = time.perf_counter(), time.process_time()
    timer = _Timer(say)
    say(f"building reports as of {params.as_of} ({engine}) into {cfg.published_path}")
    say(escape(f"time zone {zone.describe()}"))
    from salesglass.warehouse import add_missing_canonical

    if added := add_missing_canonical(cfg.warehouse_path):
        say(f"added the canonical tables this version has and the warehouse lacked (empty): {', '.join(added)}")
    if cfg.amocrm.development_pipelines:  # names → ids, or a ConfigError naming the key, before any work
        params = replace(
            params,
            development_pipelines=development.from_warehouse(cfg.amocrm.development_pipelines, cfg.warehouse_path),
        )
    previous = None
    if engine == "duckdb" and not full:
        previous = incremental.incremental_possible(cfg.warehouse_path, incremental.previous(cfg.published_path))
    plan: incremental.Plan | None = None
    published_state: dict[str, list[int] | None] = {}
    try:
        seed = cfg.published_path if previous is not None else None  # the last published file only (_copy_from_duckdb)
        with building(cfg.published_path, seed=seed, state_into=published_state) as (_tmp, out, seeded):
            timer.seconds["start (file copy)"] = time.perf_counter() - started
            if engine == "duckdb":
                out.raw_sql(f"SET memory_limit = {quote_lit(cfg.warehouse.build_memory_limit)}")
                if not cfg.warehouse_path.exists():
                    raise SalesglassError(
                        f"no warehouse at {cfg.warehouse_path}: run `salesglass sync` and `salesglass load` first"
                    )
                copy_start = time.perf_counter()
                tables: dict[str, str] | None = None
                schema: Schema = {}
                if previous is not None and seeded:
                    tables, schema = _update_canonical(out, str(cfg.warehouse_path), previous, say), previous.schema
                    if tables is None:
                        raise SalesglassError("the warehouse changed its tables during the build; build again")
                if tables is None:
                    previous = None  # (no seed: the last published file is the only one, and it failed)
                    tables, schema = _copy_from_duckdb(out, str(cfg.warehouse_path), say)
                development.publish_flags(_runner(out), params.development_pipelines)
                timer.seconds["copy canonical tables"] = time.perf_counter() - copy_start
                plan = incremental.Plan(tables, previous, schema)
                closed, params = _with_bonus_state(out, cfg, params, say)
                params = params.dated_from(earliest_instant(_runner(out), _build_reads()))
                plan.add_tables({n: incremental.content(_runner(out), quote_ident(n))[1] for n in _bonus_tables()})
                for t in CANONICAL:
                    if t.name != "deal_stages":
                        timer.rows[t.name] = int(
                            out.raw_sql(f"SELECT count(*) FROM {quote_ident(t.name)}").fetchall()[0][0]
                        )
                # every derived helper and report is published as it is computed
                _publish_reports(out, closed, params, timer, compiled.store_path(cfg.published_path), plan)
                _say_reconciliation(out, say)
                out.raw_sql(f"DROP TABLE {incremental.SOURCE_DEAL_STAGES}")
            else:
                if not cfg.warehouse.clickhouse_url:
                    raise SalesglassError('[warehouse].clickhouse_url is required when engine = "clickhouse"')
                from salesglass.reports.clickhouse import (
                    materialize_on_server,
                    push_canonical,
                    put_on_server,
                    state_on,
                )

                ch = _clickhouse(cfg.warehouse.clickhouse_url)
                pushed = push_canonical(ch, str(cfg.warehouse_path))
                say(
                    f"copied {len(pushed)} canonical {plural(len(pushed), 'table')} to ClickHouse "
                    f"({sum(pushed.values()):,} {plural(sum(pushed.values()), 'row')})"
                )
                # the bonus state is copied into the published file as on DuckDB, then to the server
                closed, params = _with_bonus_state(out, cfg, params, say)
                state = state_on(_bonus_state_of(out.ibis, closed), lambda n, t: put_on_server(ch, n, t))
                canon = replace(canon_of(ch), bonus_state=state)
                for t in CANONICAL:
                    if t.name != "deal_stages":
                        # (the withheld columns were never sent to the server: push_canonical)
                        timer.publish(out.ibis, t.name, getattr(canon, t.name).to_pyarrow())
                development.publish_flags(_runner(out), params.development_pipelines)
                exprs = report_exprs(canon, params, keep=lambda n, e: materialize_on_server(ch, n, e))
                for name, expr in exprs.items():
                    timer.publish(out.ibis, name, expr.to_pyarrow())
                _say_reconciliation(out, say)
            built_at = datetime.now(UTC)
            write_build_info(out, as_of=params.as_of, built_at=built_at, zone=zone, engine=engine, rows=timer.rows)
            totals = running_totals(out, params)
            closing = time.perf_counter()
        timer.seconds["publish (checkpoint, swap)"] = time.perf_counter() - closing
    except SalesglassError:
        raise
    except Exception as exc:  # the previous published file is intact; say what broke
        raise SalesglassError(
            f"build failed, {cfg.published_path} left as it was: {type(exc).__name__}: {exc}"
        ) from exc
    if plan is not None:
        plan.record.published = published_state.get("published")
        plan.record.kept = list(plan.kept)
        plan.record.seconds = {
            **{k: round(v, 3) for k, v in timer.seconds.items() if k not in plan.kept},
            "whole build": round(time.perf_counter() - started, 3),
        }
        plan.record.cpu = {
            **{k: round(v, 3) for k, v in timer.cpu.items()},
            "whole build": round(time.process_time() - cpu_started, 3),
        }
        incremental.save(cfg.published_path, plan.record)
    else:
        incremental.forget(cfg.published_path)
    summary = BuildSummary(
        as_of=params.as_of,
        built_at=built_at,
        path=cfg.published_path,
        engine=engine,
        timezone=tz,
        timezone_source=zone.source,
        currency=cfg.account.currency,
        rows=dict(timer.rows),
        seconds=time.perf_counter() - started,
        step_seconds=dict(timer.seconds),
        **totals,
    )
    if progress:
        summary.print(console)
    return summary


__all__ = ["BuildSummary", "report_exprs", "run_build"]
