"""`salesglass bonus …`: close bonus months, adjust, answer disputes, read the audit trail, export payroll."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from salesglass.cli_options import ConfigOption
from salesglass.plural import plural

console = Console()
bonus_app = typer.Typer(
    name="bonus",
    help="Bonus months a company can pay from: open → in_review → approved (locked) → paid. "
    "Approved months never change; later corrections become clawback / true_up lines in the first "
    "open month (docs/bonuses.md).",
    no_args_is_help=True,
    suggest_commands=False,
)

MonthArg = Annotated[str, typer.Argument(help="The month, e.g. 2026-10.")]
ByOption = Annotated[
    str | None, typer.Option("--by", help="Who does it, for the audit trail (default: cli:<your login>).")
]


def _store(config: Path | None):
    from salesglass.bonus.store import store_of
    from salesglass.config import load_config

    cfg = load_config(config)
    return cfg, store_of(cfg)


NOTHING_CLOSED = (
    "no bonus month closed yet: every month is open and follows the data. Close one with `salesglass bonus review "
    "YYYY-MM`, then `salesglass bonus approve YYYY-MM`, once `salesglass build` has published it"
)


def _none_closed_yet(cfg) -> bool:
    """No bonus state file yet (a fresh project): a read-only command says so and what to run, creating nothing
    (`bonus status` left an empty salesglass-bonus.duckdb behind)."""
    if Path(cfg.bonus_state_path).exists():
        return False
    console.print(NOTHING_CLOSED, highlight=False)
    return True


def _existing_store(config: Path | None):
    """For a command that only moves what exists (pay, reopen, resolve a dispute): with no bonus state file yet
    it works on an empty state in memory, whose refusal ("2026-11 is open") then leaves no empty file behind.
    None of them can succeed on an empty state (pay wants an approved month, reopen one that left `open`,
    resolve a raised dispute), so nothing is ever done in memory alone."""
    from salesglass.bonus.store import BonusStore

    cfg, store = _store(config)
    return (cfg, store) if Path(cfg.bonus_state_path).exists() else (cfg, BonusStore(Path(":memory:")))


def _actor(by: str | None) -> str:
    from salesglass.bonus.store import cli_actor

    return by.strip() if by and by.strip() else cli_actor()


def _text(value: object) -> str:
    """Stored text (a manager's comment, a reason, a name) as the terminal shows it: rich markup escaped
    (a comment "[/]" crashed the table, "[link=…]" drew a link) and control characters as \\xNN escapes."""
    from rich.markup import escape

    text = "" if value is None else str(value)
    return escape(
        "".join(ch if ch in "\n\t" or (ord(ch) >= 32 and ord(ch) != 127) else f"\\x{ord(ch):02x}" for ch in text)
    )


def _said(period, what: str) -> None:
    console.print(f"{period.month:%Y-%m}: {what} → [bold]{period.state}[/bold]")


@bonus_app.command("status")
def status(config: ConfigOption = None) -> None:
    """Every month that left `open`, with its state, approval and total; and the open disputes.

    Changes: nothing.

    \b
    Examples:
      salesglass bonus status -c demo/salesglass.toml
    """
    from salesglass.account_zone import resolve_zone
    from salesglass.bonus.statement import iso_moment

    cfg, store = _store(config)
    if _none_closed_yet(cfg):
        return
    periods = store.periods()
    zone = resolve_zone(cfg).name  # the account's clock, with its offset: not the server's UTC unmarked

    def at(moment) -> str:
        if not moment:
            return ""
        iso = iso_moment(moment, zone)  # 2026-12-07T02:42:16-05:00
        return f"{iso[:10]} {iso[11:16]} {iso[19:]}"

    if not periods:
        console.print(NOTHING_CLOSED, highlight=False)
    else:
        table = Table(title=f"bonus months ({cfg.bonus_state_path})")
        for col in ("month", "state", "approved at", "by", "paid at", "total"):
            table.add_column(col, justify="right" if col == "total" else "left")
        for p in periods.values():
            table.add_row(
                f"{p.month:%Y-%m}",
                p.state,
                at(p.approved_at),
                _text(p.approved_by),
                at(p.paid_at),
                f"{p.total:,.2f}" if p.total is not None else "",
            )
        console.print(table)
        first = store.first_open()
        if first:
            console.print(f"adjustment lines go to {first:%Y-%m}, the first open month")
    open_disputes = store.disputes(status="open")
    if open_disputes:
        n = len(open_disputes)
        console.print(f"[yellow]{n} open {plural(n, 'dispute')}: `salesglass bonus disputes`")


@bonus_app.command("review")
def review(month: MonthArg, config: ConfigOption = None, by: ByOption = None) -> None:
    """open → in_review: the month is being checked (its lines still follow the data).

    Changes: the month's state in the bonus state file ([warehouse] bonus_state_path), audited.

    \b
    Examples:
      salesglass bonus review 2026-11 -c demo/salesglass.toml
      salesglass bonus review 2026-11 -c demo/salesglass.toml --by head@yourco.ru
    """
    from salesglass.bonus.store import parse_month

    cfg, store = _store(config)
    _happened_and_built(cfg, parse_month(month))
    _said(store.review(parse_month(month), _actor(by)), "reviewed")


@bonus_app.command("approve")
def approve(month: MonthArg, config: ConfigOption = None, by: ByOption = None) -> None:
    """in_review → approved: the month's published lines and rules are stored and never change again.

    When --by is the e-mail of a manager with bonus lines in the month, another dashboard admin approves it
    (four eyes); if there is no other admin it is approved and recorded as a self-approval.

    Changes: the bonus state file: the month's lines and rules, frozen, and the audit trail.

    \b
    Examples:
      salesglass bonus approve 2026-11 -c demo/salesglass.toml --by head@yourco.ru
    """
    from salesglass.bonus.store import parse_month

    cfg, store = _store(config)
    p = store.approve(parse_month(month), _actor(by), cfg.published_path, admins=_admins(cfg))
    _said(p, f"approved {p.total:,.2f}")
    if p.self_approval:
        console.print(f"[yellow]{_text(p.self_approval)}: recorded in the audit trail and on the statements")


def _admins(cfg) -> list[str]:
    """The dashboard's admins (their e-mails), for the four-eyes check of an approval."""
    from salesglass.serve.users import UserStore

    path = cfg.resolve(cfg.dashboard.users_path)
    return [u.email for u in UserStore(path).list() if u.role == "admin"] if path.exists() else []


def _require_known_manager(cfg, manager: int) -> None:
    """A manual line for an id the published reports know no amoCRM user of (a typo, -5) was added to a bonus
    nobody is paid: refused, naming the option (`adjust` wants the first build before it)."""
    from salesglass.errors import SalesglassError

    if not Path(cfg.published_path).exists() or not -(2**63) < manager < 2**63:  # the store refuses the latter
        return
    from salesglass.warehouse import open_published

    con = open_published(cfg.published_path)
    try:
        if not con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'managers'").fetchall():
            return
        if con.execute("SELECT 1 FROM managers WHERE manager_id = ?", [manager]).fetchall():
            return
    finally:
        con.close()
    raise SalesglassError(
        f"--manager {manager}: the published reports know no amoCRM user of that id "
        "(each manager's id is in the dashboard's bonus page and in the report tables' manager_id)"
    )


def _happened_and_built(cfg, month) -> None:
    """`bonus review 2031-01` (a mistyped year) put a month nobody has worked yet in review, and `bonus payroll
    2031-01` wrote an empty payroll: a month after the published reports' day is refused, naming that day. So is
    a month before the first sale (`bonus payroll 2019-01` wrote an empty payroll too), naming its month."""
    from salesglass.errors import SalesglassError

    if not Path(cfg.published_path).exists():
        return
    from salesglass.warehouse import open_published

    con = open_published(cfg.published_path)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if "build_info" not in tables:
            return
        as_of = con.execute("SELECT max(as_of) FROM build_info").fetchall()[0][0]
        first = _first_sale_month(con) if "sales" in tables else None
    finally:
        con.close()
    if as_of is not None and month > as_of.replace(day=1):
        raise SalesglassError(
            f"{month:%Y-%m} is after the published reports, built as of {as_of}: a bonus month is closed once it "
            "has happened and `salesglass build` has published it (check the year)"
        )
    if first is not None and month < first:
        raise SalesglassError(
            f"{month:%Y-%m} is before the first sale in the published reports, in {first:%Y-%m}: "
            "no bonus was earned before it (check the year)"
        )


def _first_sale_month(con):
    """The account-time month of the published reports' first sale (the build's zone; UTC in a file without it)."""
    from salesglass.sql import quote_lit

    has_zone = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'build_info' AND column_name = 'timezone'"
    ).fetchall()[0][0]
    zone = con.execute("SELECT max(timezone) FROM build_info").fetchall()[0][0] if has_zone else None
    first = con.execute(
        f"SELECT min(CAST(timezone({quote_lit(zone or 'UTC')}, sold_at) AS DATE)) FROM sales"
    ).fetchall()[0][0]
    return first.replace(day=1) if first is not None else None


def _refuse_own(cfg, manager: int, actor: str, what: str) -> None:
    """An admin does not change their own bonus (the dashboard's rule, serve/web/routes/bonus.py): `actor`
    is the e-mail of manager `manager` in the published reports → refused, another admin does it."""
    from salesglass.errors import SalesglassError

    if not Path(cfg.published_path).exists():
        return
    from salesglass.warehouse import open_published

    con = open_published(cfg.published_path)
    try:
        if not con.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'main' "
            "AND table_name = 'managers' AND column_name = 'email'"
        ).fetchall()[0][0]:
            return
        own = con.execute(
            "SELECT name FROM managers WHERE manager_id = ? AND lower(trim(email)) = ?",
            [manager, actor.strip().lower()],
        ).fetchall()
    finally:
        con.close()
    if own:
        raise SalesglassError(
            f"{actor} is manager {manager} ({own[0][0]}): an admin does not {what} their own bonus, another admin does"
        )


@bonus_app.command("pay")
def pay(month: MonthArg, config: ConfigOption = None, by: ByOption = None) -> None:
    """approved → paid: the money went out (a paid month can never be reopened).

    Changes: the month's state in the bonus state file, audited.

    \b
    Examples:
      salesglass bonus pay 2026-11 -c demo/salesglass.toml --by accountant@yourco.ru
    """
    from salesglass.bonus.store import parse_month

    _, store = _existing_store(config)
    _said(store.pay(parse_month(month), _actor(by)), "paid")


@bonus_app.command("reopen")
def reopen(
    month: MonthArg,
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why: kept in the audit trail.")],
    config: ConfigOption = None,
    by: ByOption = None,
) -> None:
    """One step back with a reason: approved → in_review (unlocks it), in_review → open.

    Changes: the month's state in the bonus state file, audited with the reason.

    \b
    Examples:
      salesglass bonus reopen 2026-11 --reason "a refund was booked late" -c demo/salesglass.toml
    """
    from salesglass.bonus.store import parse_month

    _, store = _existing_store(config)
    _said(store.reopen(parse_month(month), _actor(by), reason), "reopened")


@bonus_app.command("adjust")
def adjust(
    month: MonthArg,
    manager: Annotated[int, typer.Option("--manager", "-m", help="The manager's id (amoCRM user id).")],
    amount: Annotated[str, typer.Option("--amount", "-a", help="Money to add (negative to take away), e.g. -1500.00.")],
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why (shown on the statement, audited).")],
    partner: Annotated[str | None, typer.Option("--partner", help="The partner it is about, if any.")] = None,
    corrects: Annotated[str | None, typer.Option("--corrects", help="The month it corrects, if any.")] = None,
    config: ConfigOption = None,
    by: ByOption = None,
) -> None:
    """Add a manual adjustment line (rule `manual`) to an open month; it shows after the next build.

    Changes: the bonus state file (the line and the audit trail); the reports after `salesglass build`.

    \b
    Examples:
      salesglass bonus adjust 2026-11 -m 7 -a -1500.00 -r "double-counted order" -c demo/salesglass.toml
      salesglass bonus adjust 2026-12 -m 7 -a 2000 -r "late payment" --corrects 2026-10 -c demo/salesglass.toml
    """
    from salesglass.bonus.store import parse_month
    from salesglass.errors import SalesglassError

    parse_month(month)  # a wrong month is named before anything else
    if corrects is not None:  # "" is a wrong month, not none
        parse_month(corrects)
    cfg, store = _store(config)
    if not Path(cfg.published_path).exists():
        raise SalesglassError(
            f"no published reports at {cfg.published_path}: run `salesglass build` first (an adjustment is for a "
            "manager the reports know, in a month they show; it reaches the reports at the next build)"
        )
    _require_known_manager(cfg, manager)
    _refuse_own(cfg, manager, _actor(by), "adjust")
    adj = store.add_adjustment(
        parse_month(month),
        manager,
        amount,
        reason,
        _actor(by),
        partner_id=partner,
        corrects_month=parse_month(corrects) if corrects is not None else None,
    )
    console.print(f"adjustment {adj} added to {parse_month(month):%Y-%m}; run `salesglass build` to publish it")


@bonus_app.command("disputes")
def disputes(
    config: ConfigOption = None, all_: Annotated[bool, typer.Option("--all", help="Resolved ones too.")] = False
) -> None:
    """Lines managers flagged from their statements, with their comments.

    Changes: nothing (answer one with `salesglass bonus resolve`).

    \b
    Examples:
      salesglass bonus disputes -c demo/salesglass.toml
      salesglass bonus disputes -c demo/salesglass.toml --all
    """
    _, store = _store(config)
    rows = store.disputes(status=None if all_ else "open")
    if not rows:
        console.print("no open disputes" if not all_ else "no disputes")
        return
    table = Table(title="bonus disputes")
    for col in ("id", "month", "manager", "rule", "partner", "amount", "comment", "status", "answer"):
        table.add_column(col)
    for d in rows:
        table.add_row(
            str(d["dispute_id"]),
            f"{d['month']:%Y-%m}",
            str(d["manager_id"]),
            _text(d["rule"]),
            _text(d["partner_id"]),
            f"{d['amount']:,.2f}" if d["amount"] is not None else "",
            _text(d["comment"]),
            d["status"],
            _text(d["answer"]),
        )
    console.print(table)


@bonus_app.command("resolve")
def resolve(
    dispute: Annotated[int, typer.Argument(help="The dispute id (`salesglass bonus disputes`).")],
    answer: Annotated[str, typer.Option("--answer", help="The answer the manager reads on their statement.")],
    amount: Annotated[
        str | None,
        typer.Option(
            "--amount", help="Adjust by this amount (in the first open month); without it the dispute is rejected."
        ),
    ] = None,
    config: ConfigOption = None,
    by: ByOption = None,
) -> None:
    """Answer a dispute: with --amount an adjustment line, otherwise a rejection.

    Changes: the bonus state file (the answer, the line if any, the audit trail).

    \b
    Examples:
      salesglass bonus resolve 3 --answer "the refund was yours, corrected" --amount 1200 -c demo/salesglass.toml
      salesglass bonus resolve 4 --answer "the order was paid in December" -c demo/salesglass.toml
    """
    cfg, store = _existing_store(config)
    disputed = next((d for d in store.disputes(status=None) if d["dispute_id"] == dispute), None)
    if disputed is not None:  # raised as a manager, answered after becoming an admin
        _refuse_own(cfg, disputed["manager_id"], _actor(by), "answer a dispute of")
    done = store.resolve_dispute(dispute, "adjust" if amount else "reject", answer, _actor(by), amount=amount)
    console.print(f"dispute {dispute}: {done['status']}")


@bonus_app.command("audit")
def audit(
    config: ConfigOption = None,
    month: Annotated[str | None, typer.Option("--month", help="Only this month.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write it to this CSV file instead.")] = None,
) -> None:
    """The append-only audit trail: who, when, what, before → after, why.

    Changes: nothing, unless --out: then that CSV file (owner-only).

    \b
    Examples:
      salesglass bonus audit -c demo/salesglass.toml --month 2026-11
      salesglass bonus audit -c demo/salesglass.toml --out audit.csv
    """
    import csv

    from salesglass.account_zone import resolve_zone
    from salesglass.bonus.statement import iso_moment
    from salesglass.bonus.store import parse_month

    cfg, store = _store(config)
    audited = parse_month(month) if month is not None else None  # --month "" is refused, not all months
    if _none_closed_yet(cfg):  # nothing audited yet: no empty state file, and no empty --out file
        return
    rows = store.audit(audited)
    zone = resolve_zone(cfg).name
    for r in rows:  # ISO 8601 with the offset, on the account's clock: a reader elsewhere knows the moment
        r["logged_at"] = iso_moment(r["logged_at"], zone)
        r["month"] = f"{r['month']:%Y-%m}" if r["month"] else None  # the month, as typed: not its day 1
    cols = ("logged_at", "actor", "action", "month", "object", "before", "after", "reason")
    if out is not None:
        import io

        from salesglass.processes import replace_whole
        from salesglass.safe_cells import csv_value

        text = io.StringIO(newline="")
        w = csv.writer(text)
        w.writerow(cols)
        for r in rows:
            w.writerow([csv_value(r[c]) for c in cols])
        # whole or not at all (a Ctrl-C mid-write left an earlier audit file cut short); who changed whose
        # bonus: owner-only, also over an older file of a wider mode
        replace_whole(out, text.getvalue().encode("utf-8-sig"))
        console.print(f"wrote {len(rows)} audit {plural(len(rows), 'row')} to {out}")
        return
    table = Table(title="bonus audit trail")
    for col in cols:
        table.add_column(col)
    for r in rows:
        table.add_row(*[_text(r[c]) for c in cols])
    console.print(table)


@bonus_app.command("payroll")
def payroll(
    month: MonthArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="The .xlsx or .csv file to write.")],
    config: ConfigOption = None,
) -> None:
    """One row per manager with the month's total to pay (from the published reports); the terminal shows
    the rows and their total, the .xlsx ends with a total row (the .csv, an import file, has none).

    Changes: writes --out only.

    \b
    Examples:
      salesglass bonus payroll 2026-11 --out payroll-2026-11.xlsx -c demo/salesglass.toml
      salesglass bonus payroll 2026-11 -o payroll-2026-11.csv -c demo/salesglass.toml
    """
    from salesglass.bonus.statement import write_payroll
    from salesglass.bonus.store import parse_month

    cfg, _ = _store(config)
    m = parse_month(month)
    _happened_and_built(cfg, m)
    rows = write_payroll(cfg, m, out)
    table = Table(title=f"payroll {m:%Y-%m}")
    for col in ("manager", "name", "to pay", "adjustments", "carried"):
        table.add_column(col, justify="left" if col == "name" else "right")
    for r in rows:
        table.add_row(
            str(r["manager_id"]),
            _text(r["manager"]),
            f"{r['total']:,.2f}",
            f"{r['adjustments']:,.2f}",
            f"{r['carried']:,.2f}",
        )
    total = sum((r["total"] for r in rows), Decimal("0.00"))
    table.add_row("", "[bold]total[/bold]", f"[bold]{total:,.2f}[/bold]", "", "", end_section=True)
    console.print(table)
    console.print(f"wrote {len(rows)} {plural(len(rows), 'manager row')} (total to pay {total:,.2f}) to {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(bonus_app)
