"""The back-office's dry run for `salesglass check`: what would load, what would not and why — writing nothing.

Each input is loaded by the load's own code (`load_into`: the same mapping SQL, checks and quarantine
reasons) into a temporary in-memory DuckDB, from a sample of its rows (or all of them with `full`).
The warehouse is only read, and only for the amoCRM users' e-mails. Then the things a wrong config
shows only in the numbers are looked for: a money unit off by 100 (ticket prices no one pays), times
in the wrong zone (sales peaking at night), status values the `where` leaves out without saying
what they mean. The amoCRM side of `salesglass check` is the amoCRM source's own; `salesglass/check.py`
runs both.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import duckdb
import sqlglot
from sqlglot import exp

from salesglass.config import Config
from salesglass.currency import currency_sign
from salesglass.errors import SalesglassError
from salesglass.plural import plural
from salesglass.sources.platform import file_reader, sql_reader
from salesglass.sources.platform.config import InputSpec
from salesglass.sources.platform.load import KEPT_BY_FIRST_INPUT, TARGETS
from salesglass.sources.platform.load import UNKNOWN_MANAGER as UNKNOWN_DEV_MANAGER
from salesglass.sources.platform.plans import UNKNOWN as UNKNOWN_MANAGER
from salesglass.sql import quote_ident, quote_lit

if TYPE_CHECKING:
    from salesglass.account_zone import AccountZone

TICKET_PRICE = (50, 30_000)  # rubles: what a ticket plausibly costs on average; outside it the unit is suspect


@dataclass
class InputCheck:
    name: str
    target: str
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)  # reason → a few source rows (JSON)
    ranges: dict[str, tuple[object, object]] = field(default_factory=dict)  # column → (min, max)
    facts: list[str] = field(default_factory=list)  # what was assumed, for the user to compare
    warnings: list[str] = field(default_factory=list)  # what to confirm before loading
    sampled: bool = False  # only part of the rows was read
    newest: bool = True  # a sample is the newest rows by sold_at (False: sold_at cannot be sorted in the source)
    error: str | None = None  # the input cannot be read as configured (nothing was read)


@dataclass
class PlatformCheck:
    """What a dry run of every back-office input (and the plans) found."""

    inputs: list[InputCheck] = field(default_factory=list)
    months: list[tuple[str, float, int, int]] = field(default_factory=list)  # (YYYY-MM, turnover, tickets, orders)
    # the months' first moment (account zone) when a sample of the newest rows began later than the data:
    # the first month shown is counted from then on
    months_from: datetime | None = None
    errors: list[str] = field(default_factory=list)  # config mistakes (an input that cannot be read)

    @property
    def warnings(self) -> list[str]:
        return [w for i in self.inputs for w in i.warnings]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.warnings and not any(i.quarantined for i in self.inputs)


def _sampled(cfg: Config, inp: InputSpec, sample: int | None) -> InputSpec:
    """The input reading at most `sample` rows (after its own `where`), the newest by sold_at for sales when
    the source can sort them (`newest_first`); files are read whole (streamed)."""
    if sample is None or inp.path:
        return inp
    url = (
        sql_reader.resolve_url(inp.url or cfg.platform.url or "", cfg.base_dir)
        if (inp.url or cfg.platform.url)
        else None
    )
    if url is None:
        return inp
    base = sql_reader.base_query(url, inp.table, inp.query)
    where = f" WHERE ({inp.where})" if inp.where else ""
    order = newest_first(url, inp)
    order = f" ORDER BY {order}" if order else ""
    return inp.model_copy(
        update={"table": None, "where": None, "query": f"SELECT * FROM ({base}) src{where}{order} LIMIT {int(sample)}"}
    )


def newest_first(url: str, inp: InputSpec) -> str | None:
    """The source's ORDER BY that puts a sales input's newest rows first (a sample of the oldest made the
    last three months of `check` those of years ago: refunds without their orders); None when sold_at cannot
    be sorted in the source: an `sql` expression, or text in a format that does not sort (`dd.mm.yyyy`)."""
    column = _sortable_sale_time(inp)
    if column is None:
        return None
    col = sql_reader.source_ident(url, column)
    return f"CASE WHEN {col} IS NULL THEN 1 ELSE 0 END, {col} DESC"  # NULLs last, in every dialect


def _sortable_sale_time(inp: InputSpec) -> str | None:
    """A sales input's sold_at column when the source sorts its values in time order."""
    spec = inp.spec("sold_at") if inp.target == "sales" else None
    if spec is None or not spec.column or (spec.format and not spec.format.startswith("%Y")):
        return None
    return spec.column


def dry_run(cfg: Config, *, sample: int | None) -> PlatformCheck:
    """Dry-run every input (and the plans) of `cfg`, reading at most `sample` rows of each database input
    (None: all of them); nothing is written anywhere."""
    from salesglass.account_zone import resolve_zone
    from salesglass.sources.platform.config import with_naive_zone
    from salesglass.sources.platform.load import load_into
    from salesglass.warehouse import init_canonical

    report = PlatformCheck()
    account = resolve_zone(cfg)
    account_tz = account.name
    given_tz = cfg.platform.timezone  # (before the account's zone fills it in below)
    cfg = with_naive_zone(cfg, account_tz)
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    try:
        init_canonical(con)
        managers = _copy_managers(con, cfg)
        # every input is loaded alone (its table then holds its rows only): what they gave together, for the
        # sales' partners and the months
        con.execute("CREATE TEMP TABLE __all_sales AS SELECT *, '' AS __input FROM sales LIMIT 0")
        con.execute("CREATE TEMP TABLE __all_partners AS SELECT partner_id FROM partners LIMIT 0")
        for inp in cfg.platform.inputs:
            read = _sampled(cfg, inp, sample)
            one = cfg.model_copy(
                update={
                    "platform": cfg.platform.model_copy(update={"inputs": [read]}),
                    "plans": cfg.plans.model_copy(update={"path": None, "table": None, "query": None}),
                }
            )
            ic = InputCheck(inp.name, inp.target)
            report.inputs.append(ic)
            try:
                summary = load_into(con, one, full=True, progress=False)
            except SalesglassError as exc:
                report.errors.append(str(exc))
                ic.error = str(exc)
                continue
            r = summary.inputs[0]
            ic.read, ic.loaded, ic.quarantined = r.read, r.loaded, r.quarantined
            ic.reasons = dict(r.reasons)
            ic.sampled = sample is not None and not inp.path and r.read >= sample
            _examples(con, ic)
            if inp.target == "sales":
                ic.newest = not ic.sampled or _sortable_sale_time(inp) is not None
                naive = _naive_times(cfg, read, ic, _zone_said(inp, "sold_at", given_tz, account))
                _sales_facts(con, cfg, inp, ic, account_tz, zoned=naive == 0)
                con.execute(f"INSERT INTO __all_sales SELECT *, {quote_lit(inp.name)} FROM sales")
            elif inp.target == "partners":
                _partner_facts(con, ic, managers, r.warnings, account_tz)
                con.execute("INSERT INTO __all_partners SELECT partner_id FROM partners")
            elif inp.target == "events":
                _range(con, ic, "events", "show_at", account_tz)
            else:
                _range(con, ic, "platform_widget_installs", "installed_at", account_tz)
            if inp.target in KEPT_BY_FIRST_INPUT:
                _keys_given_twice(con, ic)
            _status_values(cfg, inp, ic)
        # a sample of the newest rows covers the months from its oldest sale on: of several inputs, the latest
        starts = [
            ic.ranges["sold_at"][0] for ic in report.inputs if ic.sampled and ic.newest and "sold_at" in ic.ranges
        ]
        report.months_from = max((s for s in starts if isinstance(s, datetime)), default=None)
        report.months = _months(con, account_tz, report.months_from)
        _partner_references(con, report)
        if cfg.plans.path or cfg.plans.table or cfg.plans.query:
            _plans(con, cfg, report, managers)
    finally:
        con.close()
    return report


def _copy_managers(con: duckdb.DuckDBPyConnection, cfg: Config) -> int:
    """amoCRM users from the warehouse (read-only), so manager e-mails are matched as the load would."""
    path = cfg.warehouse_path
    if not path.exists():
        return 0
    try:
        con.execute(f"ATTACH {quote_lit(str(path))} AS __wh (READ_ONLY)")
    except duckdb.Error:
        return 0  # in use by a running load: e-mails are then shown as unmatched
    try:
        con.execute("INSERT INTO managers SELECT * FROM __wh.managers")
    except duckdb.Error:
        pass
    finally:
        con.execute("DETACH __wh")
    return con.execute("SELECT count(*) FROM managers").fetchall()[0][0]


def _examples(con: duckdb.DuckDBPyConnection, ic: InputCheck) -> None:
    for reason in ic.reasons:
        source = quote_lit("platform:" + ic.name)
        rows = con.execute(f"""SELECT CAST(raw AS VARCHAR) FROM quarantine WHERE source = {source}
                               AND reason = {quote_lit(reason)} LIMIT 3""").fetchall()
        ic.examples[reason] = [r[0] for r in rows]


def _range(con: duckdb.DuckDBPyConnection, ic: InputCheck, table: str, column: str, tz: str | None = None) -> None:
    c = f"timezone({quote_lit(tz)}, {quote_ident(column)})" if tz else quote_ident(column)
    lo, hi = con.execute(f"SELECT min({c}), max({c}) FROM {quote_ident(table)}").fetchall()[0]
    if lo is not None:
        ic.ranges[column] = (lo, hi)


def _zone_of(cfg: Config, inp: InputSpec, column: str, account_tz: str) -> str:
    """The zone `column`'s naive times are read in: its own, the input's, the back-office's, the account's."""
    spec = inp.spec(column)
    return (spec.timezone if spec else None) or inp.timezone or cfg.platform.timezone or account_tz


def _zone_said(inp: InputSpec, column: str, given_tz: str | None, account: AccountZone) -> str:
    """The zone the input's naive `column` times are read in, and which key of the config gives it."""
    spec = inp.spec(column)
    if spec and spec.timezone:
        return f"{spec.timezone} (its own timezone in the input '{inp.name}')"
    if inp.timezone:
        return f"{inp.timezone} (the timezone of input '{inp.name}')"
    if given_tz:
        return f"{given_tz} ([platform].timezone)"
    return (
        f'{account.describe()}; if the back-office writes another zone, set it under [platform]: timezone = "Area/City"'
    )


def _naive_times(cfg: Config, inp: InputSpec, ic: InputCheck, zone: str) -> int | None:
    """Say which zone sold_at's times without an offset are read in — only when some value has none (times
    that each carry their offset are kept as written: no zone is assumed for them). Returns how many have
    none (None: not known)."""
    naive, n = _offsetless(cfg, inp, "sold_at")
    if naive is None:
        ic.facts.append(f"sold_at: an `sql` expression; times it gives without an offset are read in {zone}")
    elif naive:
        ic.facts.append(f"sold_at: {naive:,} of {n:,} {plural(n, 'time')} without an offset, read in {zone}")
    elif n:
        ic.facts.append("sold_at: every time carries its offset: kept as written, no zone assumed")
    return naive


def _offsetless(cfg: Config, inp: InputSpec, column: str) -> tuple[int | None, int]:
    """(how many of the times the dry run read of the input's `column` carry no offset, how many there are);
    None for the first when it is not known (an `sql` expression). The column is read again, alone, from the
    same rows (`inp` is the sampled input)."""
    from salesglass.sources.platform.config import ColumnSpec
    from salesglass.sources.platform.mapping import has_offset_sql, referenced_columns

    spec = inp.spec(column)
    if spec is None or not spec.column:
        return None, 0
    con = duckdb.connect(":memory:")
    try:
        if inp.path:
            wanted = {spec.column}

            def project(available: list[str]) -> list[str]:
                if inp.where:
                    wanted.update(referenced_columns({"where": ColumnSpec(sql=inp.where)}, available))
                return [c for c in available if c in wanted]

            _land_file(con, cfg, inp, "__t", project=project, where=f"({inp.where})" if inp.where else "TRUE")
            con.execute(f"CREATE TEMP VIEW __v AS SELECT {quote_ident(spec.column)} AS v FROM __t")
        else:
            url = sql_reader.resolve_url(inp.url or cfg.platform.url or "", cfg.base_dir)
            base = sql_reader.base_query(url, inp.table, inp.query)
            where = f" WHERE ({inp.where})" if inp.where else ""
            col = sql_reader.source_ident(url, spec.column)
            sql_reader.land_sql(con, url, f"SELECT {col} AS v FROM ({base}) src{where}", "__v", batch_rows=10_000)
        kind = {r[0]: str(r[1]) for r in con.execute("DESCRIBE __v").fetchall()}["v"]
        filled = "v IS NOT NULL"
        if kind.startswith("TIMESTAMP WITH TIME ZONE"):
            naive = "FALSE"
        elif spec.format or kind.startswith(("TIMESTAMP", "DATE")):
            naive = "TRUE"
        else:  # text: as the load tells an offset (`mapping.has_offset_sql`)
            t = "CAST(v AS VARCHAR)"
            filled += f" AND trim({t}) <> ''"
            naive = f"NOT {has_offset_sql(t)}"
        got, n = con.execute(
            f"SELECT count(*) FILTER ({filled} AND {naive}), count(*) FILTER ({filled}) FROM __v"
        ).fetchall()[0]
        return int(got), int(n)
    finally:
        con.close()


def _sales_facts(
    con: duckdb.DuckDBPyConnection, cfg: Config, inp: InputSpec, ic: InputCheck, account_tz: str, *, zoned: bool
) -> None:
    """`zoned`: every sale time carries its offset (then a day shifted into the night is the account's zone)."""
    tz = quote_lit(account_tz)
    row = con.execute(f"""SELECT min(timezone({tz}, sold_at)), max(timezone({tz}, sold_at)), min(turnover),
                                 max(turnover), min(tickets), max(tickets), count(*),
                                 median(turnover / tickets) FILTER (tickets > 0 AND turnover > 0)
                          FROM sales""").fetchall()[0]
    if not row[6]:
        return
    ic.ranges = {"sold_at": (row[0], row[1]), "turnover": (row[2], row[3]), "tickets": (row[4], row[5])}
    price = float(row[7]) if row[7] is not None else None
    spec = inp.spec("turnover")
    unit = spec.unit if spec else "units"
    rub = cfg.account.currency == "RUB"
    units = {(True, True): "kopecks ÷ 100", (True, False): "cents ÷ 100", (False, True): "rubles"}
    read_as = units.get((unit != "units", rub), "whole units")
    if price is not None:
        ic.facts.append(
            f"median ticket price {price:,.2f} {currency_sign(cfg.account.currency)} (turnover ÷ tickets; "
            f"amounts read as {read_as})"
        )
        lo, hi = TICKET_PRICE
        if not rub:  # the plausible ticket prices are roubles: no guess about another currency's unit
            pass
        elif price > hi:
            ic.warnings.append(
                f"money unit: the median ticket costs {price:,.0f} ₽, far above what tickets cost ({lo}–{hi:,} ₽), "
                f'so every total is about 100× too big — if the amounts are kopecks, set unit = "kopecks" on '
                f"turnover, revenue and cost"
            )
        elif price < lo / 10 and unit != "units":
            ic.warnings.append(
                f"money unit: the median ticket costs {price:,.2f} ₽ — are the amounts rubles read as kopecks? "
                f'(remove unit = "{unit}")'
            )
    zone = _zone_of(cfg, inp, "sold_at", account_tz)
    hours = dict(con.execute(f"SELECT hour(timezone({tz}, sold_at)), count(*) FROM sales GROUP BY 1").fetchall())
    total = sum(hours.values())
    if total >= 50:
        quiet = min(range(24), key=lambda h: sum(hours.get((h + k) % 24, 0) for k in range(4)))
        night = sum(hours.get(h, 0) for h in range(6)) / total  # real ticket sales at 00–06 are a few per cent
        if quiet not in (22, 23, 0, 1, 2, 3, 4, 5, 6) or night > 0.25:
            busiest = max(range(24), key=lambda h: hours.get(h, 0))
            seen = (
                f"time zone: in {account_tz} the fewest sales are at {quiet:02d}:00–{(quiet + 4) % 24:02d}:00 "
                f"and the most at {busiest:02d}:00 — people buy tickets in the day, so "
            )
            ic.warnings.append(
                seen + f"the account's zone {account_tz} is probably not the company's (the times carry their "
                'offsets: they are right as written); set [account] timezone = "Area/City" (a synced amoCRM '
                "account gives its own)"
                if zoned
                else seen + f"the times are probably read in the wrong zone (now {zone}); set the zone the "
                "back-office writes (`timezone` of the input or [platform].timezone)"
            )


def _keys_given_twice(con: duckdb.DuckDBPyConnection, ic: InputCheck) -> None:
    """Keys (sale ids, partner ids) an input listed earlier gives too, naming that input: the load keeps the
    earlier input's row and quarantines this one's (`KEPT_BY_FIRST_INPUT`), but each input is dry-run alone
    (its table holds only its own rows), so the keys every input gave are kept here (`__given_<table>`)."""
    table = TARGETS[ic.target].table
    key = table.merge_key
    cols = ", ".join(quote_ident(k) for k in key)
    given = quote_ident(f"__given_{ic.target}")
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {given} AS SELECT {cols}, '' AS __input FROM {table.name} LIMIT 0")
    clashes = con.execute(f"""SELECT g.__input, count(*) FROM (SELECT DISTINCT {cols} FROM {table.name}) t
                              JOIN {given} g USING ({cols}) GROUP BY 1 ORDER BY min(g.rowid)""").fetchall()
    what = " and ".join(k.removesuffix("_id") for k in key)
    for earlier, n in clashes:
        ic.warnings.append(
            f"{what} ids: {n} {plural(n, 'id')} of input '{ic.name}' {plural(n, 'is', 'are')} given by input "
            f"'{earlier}' too (listed earlier) — the load keeps the row of '{earlier}' and quarantines the one of "
            f"'{ic.name}'"
            + (
                ' (refunds in their own input need ids of their own: prefix = "refund:" on sale_id)'
                if key == ("sale_id",)
                else ""
            )
        )
    con.execute(f"""INSERT INTO {given} SELECT {cols}, {quote_lit(ic.name)}
                    FROM (SELECT DISTINCT {cols} FROM {table.name}) t ANTI JOIN {given} g USING ({cols})""")


def _partner_facts(
    con: duckdb.DuckDBPyConnection, ic: InputCheck, managers: int, warnings: dict[str, int], tz: str
) -> None:
    kinds = con.execute("SELECT kind, count(*) FROM partners GROUP BY 1 ORDER BY 1").fetchall()
    n, inn = con.execute("SELECT count(*), count(inn) FROM partners").fetchall()[0]
    ic.facts.append("kinds: " + ", ".join(f"{k} {c}" for k, c in kinds) + f"; with an ИНН: {inn} of {n}")
    _range(con, ic, "partners", "created_at", tz)
    for reason, count in warnings.items():
        if managers or reason != UNKNOWN_DEV_MANAGER:  # (an ИНН that is none: `mapping.NOTE`)
            ic.warnings.append(f"{count} × {reason}")
        else:
            ic.facts.append(
                f"{count} {plural(count, 'partner names', 'partners name')} a manager e-mail; "
                "they are matched to amoCRM users after `salesglass sync`"
            )


def _plans(con: duckdb.DuckDBPyConnection, cfg: Config, report: PlatformCheck, managers: int) -> None:
    from salesglass.sources.platform.load import load_into

    ic = InputCheck("plans", "plans")
    report.inputs.append(ic)
    only = cfg.model_copy(update={"platform": cfg.platform.model_copy(update={"inputs": []})})
    try:
        summary = load_into(con, only, full=False, progress=False)
    except SalesglassError as exc:
        report.errors.append(str(exc))
        return
    if summary.plans:
        ic.read, ic.loaded, ic.quarantined = summary.plans.read, summary.plans.loaded, summary.plans.quarantined
        ic.reasons = dict(summary.plans.reasons)
        unmatched = ic.reasons.get(UNKNOWN_MANAGER, 0)
        if unmatched and not managers:  # before the first sync no manager is known: not a fault of the plans
            del ic.reasons[UNKNOWN_MANAGER]
            ic.quarantined -= unmatched
            ic.loaded += unmatched
            ic.facts.append(
                f"{unmatched} plan {plural(unmatched, 'row names', 'rows name')} a manager; "
                "they are matched to amoCRM users after `salesglass sync`"
            )
        _range(con, ic, "plans", "month")


def _partner_references(con: duckdb.DuckDBPyConnection, report: PlatformCheck) -> None:
    """Sales naming a partner the partners inputs do not list: a few are normal (`salesglass doctor`
    counts them); most of them mean the sales' partner column is not the partners' key. Each sales input
    counts its own rows (orders and refunds apart: one count of both under `orders` said neither)."""
    sales = [ic for ic in report.inputs if ic.target == "sales" and ic.loaded]
    if not sales or not con.execute("SELECT count(*) FROM __all_partners").fetchall()[0][0]:
        return
    for ic in sales:
        mine = f"FROM __all_sales WHERE __input = {quote_lit(ic.name)}"
        n, support, unknown = con.execute(f"""SELECT count(*), count(*) FILTER (partner_id IS NULL),
                                                     count(*) FILTER (partner_id IS NOT NULL AND partner_id NOT IN
                                                                      (SELECT partner_id FROM __all_partners))
                                              {mine}""").fetchall()[0]
        examples = [
            r[0]
            for r in con.execute(f"""SELECT DISTINCT partner_id {mine} AND partner_id NOT IN
                                     (SELECT partner_id FROM __all_partners) ORDER BY 1 LIMIT 3""").fetchall()
        ]
        rows = f"{n:,} {plural(n, 'row')} of '{ic.name}'" + (" (a sample)" if ic.sampled else "")
        ic.facts.append(
            f"partners of the {rows}: {n - support - unknown:,} known, {support:,} without a partner "
            f"(Support), {unknown:,} naming a partner not in the partners input"
            + (f" (e.g. {', '.join(examples)})" if examples else "")
        )
        if n and unknown / n > 0.2:
            ic.warnings.append(
                f"partner: {unknown:,} of {n:,} {plural(n, 'row')} of '{ic.name}' {plural(unknown, 'names', 'name')} "
                "a partner the partners input does not list "
                f"(e.g. {', '.join(examples)}) — is partner_id the column that holds the partners' "
                "key?"
            )


def _months(
    con: duckdb.DuckDBPyConnection, account_tz: str, since: datetime | None = None
) -> list[tuple[str, float, int, int]]:
    """Turnover, tickets and orders of the last three months with sales, in the account's zone; with `since`
    (a local time: where samples of the newest rows begin), of the sales from then on only."""
    tz = quote_lit(account_tz)
    after = f"WHERE timezone({tz}, sold_at) >= {quote_lit(str(since))}::TIMESTAMP" if since else ""
    rows = con.execute(f"""SELECT strftime(timezone({tz}, sold_at), '%Y-%m') AS m, sum(turnover), sum(tickets),
                                  count(*) FILTER (tickets > 0 OR turnover > 0)
                           FROM __all_sales {after} GROUP BY 1 ORDER BY 1 DESC LIMIT 3""").fetchall()
    return [(m, float(t), int(k), int(o)) for m, t, k, o in reversed(rows)]


def _status_values(cfg: Config, inp: InputSpec, ic: InputCheck) -> None:
    """Values of a column the `where` picks by name (`status = 'paid'`, `status IN (…)`) that it leaves
    out: fine when they read as cancelled or pending, to confirm when their meaning is unknown."""
    from salesglass.sources.platform.propose import STATUS_MEANINGS

    if not inp.where:
        return
    try:
        tree = sqlglot.parse_one(inp.where, read="duckdb")
    except sqlglot.errors.ParseError:
        return
    named: dict[str, set[str]] = {}
    for node in tree.find_all(exp.EQ, exp.In):
        if isinstance(node, exp.In):
            col, vals = node.this, node.expressions
        elif isinstance(node, exp.EQ):
            col, vals = node.left, [node.right]
        else:
            continue
        if isinstance(col, exp.Column) and vals and all(isinstance(v, exp.Literal) and v.is_string for v in vals):
            if isinstance(node.parent, exp.Not):
                continue
            named.setdefault(col.name, set()).update(v.this for v in vals)
    for column, taken in named.items():
        try:
            counts = _value_counts(cfg, inp, column)
        except Exception:  # the load itself reports an unreadable input
            continue
        left = [(v, n) for v, n in counts if v not in taken]
        unknown = []
        for value, n in left:
            meaning = next((m for m, rx in STATUS_MEANINGS if re.search(rx, str(value).lower())), "unknown")
            if meaning in ("unknown", "paid", "refund"):
                unknown.append((value, n, meaning))
        if unknown:
            ic.warnings.append(
                f"status: {column} = "
                + ", ".join(
                    f"{v!r} ({n} {plural(n, 'row')}{'' if m == 'unknown' else ', reads as ' + m})"
                    for v, n, m in unknown
                )
                + f" is left out by `where` ({inp.where}) without a known meaning — confirm these are not sales, "
                f"or add them to the `where`"
            )
        ic.facts.append(
            f"{column}: taken "
            + ", ".join(repr(v) for v in sorted(taken))
            + (f"; left out {', '.join(repr(v) for v, _ in left)}" if left else "")
        )


def _land_file(
    con: duckdb.DuckDBPyConnection,
    cfg: Config,
    inp: InputSpec,
    into: str,
    *,
    project: file_reader.Project,
    where: str = "TRUE",
) -> None:
    """The input's file (the columns `project` picks, the rows `where` passes) in the table `into`."""
    assert inp.path
    file_reader.land_file(
        con,
        cfg.resolve(inp.path),
        into,
        sheet=inp.sheet,
        delimiter=inp.delimiter,
        encoding=inp.encoding,
        label=inp.name,
        where=where,
        project=project,
    )


def _value_counts(cfg: Config, inp: InputSpec, column: str) -> list[tuple[str, int]]:
    con = duckdb.connect(":memory:")
    try:
        if inp.path:
            # a CSV: that column only
            _land_file(con, cfg, inp, "__v", project=lambda available: [column] if column in available else None)
            rel = "__v"
        else:
            url = sql_reader.resolve_url(inp.url or cfg.platform.url or "", cfg.base_dir)
            base = sql_reader.base_query(url, inp.table, inp.query)
            col = sql_reader.source_ident(url, column)
            sql_reader.land_sql(
                con,
                url,
                f"SELECT {col} AS v, count(*) AS n FROM ({base}) src GROUP BY {col}",
                "__v",
                batch_rows=10_000,
                label=inp.name,
            )
            return [
                (str(v), int(n))
                for v, n in con.execute("SELECT v, n FROM __v ORDER BY n DESC").fetchall()
                if v is not None
            ]
        return [
            (str(v), int(n))
            for v, n in con.execute(
                f"SELECT {quote_ident(column)}, count(*) FROM {rel} GROUP BY 1 ORDER BY 2 DESC"
            ).fetchall()
            if v is not None
        ]
    finally:
        con.close()


def dumps_example(raw: str) -> str:
    try:
        return json.dumps(json.loads(raw), ensure_ascii=False)[:200]
    except (ValueError, TypeError):
        return str(raw)[:200]
