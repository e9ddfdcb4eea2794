"""The bonus state store: a small DuckDB file next to the warehouse that every build reads.

Why a file of its own: the working warehouse is rewritten by `load --full` (compaction) and the
published file is replaced whole by every build, while approvals, adjustments, disputes and the audit
trail must outlive both. Nothing but this module writes the file; each operation opens it, changes it
in one transaction together with its audit row, and closes it, so the CLI and the dashboard can both
use it (a second writer waits for the lock a few seconds, as `warehouse.connect` does).

Lifecycle of a month: open → in_review → approved (locked) → paid. `reopen` goes one step back
(in_review → open, approved → in_review) with a reason; a paid month is never reopened. Months are
approved in order: the next one after the last approved month (the first approval may be any month).
"""

from __future__ import annotations

import getpass
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb

from salesglass.errors import SalesglassError
from salesglass.plural import plural
from salesglass.reports.bonus_close import LINE_COLUMNS  # the published line columns an approval stores
from salesglass.reports.bonus_state import DDL
from salesglass.sql import transaction

STATES = ("open", "in_review", "approved", "paid")
CLOSED = ("approved", "paid")
ADJUSTMENT_RULES = ("clawback", "true_up", "manual")


def cli_actor() -> str:
    """Who runs a CLI command, for the audit trail."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


FIRST_MONTH, LAST_MONTH = date(1970, 1, 1), date(2100, 12, 1)  # the range --as-of takes too
REPEAT_WINDOW = timedelta(minutes=2)  # an identical adjustment by the same person this soon is a repeat
MAX_AMOUNT = Decimal("1e15")  # a DECIMAL(18,2) holds less than this


def _now() -> datetime:
    return datetime.now(UTC)


def parse_month(text: str | date) -> date:
    """ "2026-10" (or any date in the month) → 2026-10-01; a clear error otherwise."""
    if isinstance(text, date):
        return text.replace(day=1)
    value = str(text).strip()
    try:
        if len(value) == 7 and value[4] == "-":
            month_start = date(int(value[:4]), int(value[5:7]), 1)
        elif len(value) == 10 and value[4] == value[7] == "-":  # a whole date must be one: not 2026-02-30
            month_start = date.fromisoformat(value).replace(day=1)
        else:  # "2026-11xyz" is a typo, not November
            raise ValueError
    except ValueError:
        raise SalesglassError(f"a month looks like 2026-10, got {text!r}") from None
    if not FIRST_MONTH <= month_start <= LAST_MONTH:  # 0001-01 or 3000-01 is a typo, not a bonus month
        raise SalesglassError(f"a month between {FIRST_MONTH:%Y-%m} and {LAST_MONTH:%Y-%m}, got {text!r}")
    return month_start


AMOUNT_SHAPE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")  # digits, one decimal mark, no exponent


def parse_amount(text: Any) -> Decimal:
    """Money as people type it: "-1 500,50", "1500.5". Anything that could be read two ways is refused
    rather than guessed: "1,500" (1.50 with a decimal comma, 1 500 to an English reader) and exponents
    ("1e3", which reached the state file as 1.00)."""
    shown = str(text).strip()
    compact = "".join(shown.split()).replace(",", ".")  # any space (a copied "1 500,00" has no-break ones)
    try:
        value = Decimal(compact)
    except InvalidOperation:
        raise SalesglassError(f"an amount looks like -1500.00, got {text!r}") from None
    if not value.is_finite():
        raise SalesglassError(f"an amount looks like -1500.00, got {text!r}")
    if abs(value) >= MAX_AMOUNT:  # checked before quantize(), which cannot hold 1e30 and raised
        raise SalesglassError(f"an amount must be less than 1 000 000 000 000 000.00 in size, got {text!r}")
    if not AMOUNT_SHAPE.fullmatch(compact):
        raise SalesglassError(f"an amount looks like -1500.00, got {text!r}")
    if "." in compact and len(compact.split(".")[1]) > 2:
        hint = " (the comma is the decimal mark: write thousands without a separator)" if "," in shown else ""
        raise SalesglassError(f"an amount has at most 2 decimals (kopecks), got {text!r}{hint}")
    if value == 0:
        raise SalesglassError("an adjustment of 0.00 changes nothing")
    return value.quantize(Decimal("0.01"))


def next_month(m: date) -> date:
    return date(m.year + (m.month == 12), m.month % 12 + 1, 1)


def prev_month(m: date) -> date:
    return date(m.year - (m.month == 1), (m.month - 2) % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    month: date
    state: str
    approval_id: int | None = None
    approved_at: datetime | None = None
    approved_by: str | None = None
    paid_at: datetime | None = None
    total: Decimal | None = None
    self_approval: str | None = None  # set when the approver has bonus lines in the month (the only admin)

    @property
    def closed(self) -> bool:
        return self.state in CLOSED


def _require(text: str | None, what: str) -> str:
    value = (text or "").strip()
    if not value:
        raise SalesglassError(f"{what} is required")
    if len(value) > 2000:
        raise SalesglassError(f"{what} is longer than 2000 characters")
    if any((ord(ch) < 32 and ch not in "\t\n\r") or ord(ch) == 127 for ch in value):
        raise SalesglassError(f"{what} has control characters (a paste from another program?): type it again")
    return value


class BonusStore:
    """All reads and writes of the bonus state file."""

    def __init__(self, path: Path):
        self.path = Path(path)

    @contextmanager
    def _open(self, *, write: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short connection. Always read-write: DuckDB shares one open file per process, and a read-only and
        a read-write connection to it at the same time would clash. A read (`write=False`) of a file not made
        yet reads an empty state in memory: `bonus status` on a fresh project left an empty state file."""
        from salesglass.warehouse import connect

        con = connect(self.path) if write or self.path.exists() else duckdb.connect()
        try:
            for sql in DDL:
                con.execute(sql)
            yield con
        finally:
            con.close()

    @contextmanager
    def _tx(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._open() as con, transaction(con):
            yield con

    def init(self) -> None:
        with self._open():
            pass

    # ---- reading ----------------------------------------------------------------------------------------
    def periods(self) -> dict[date, Period]:
        with self._open(write=False) as con:
            return self._periods(con)

    @staticmethod
    def _periods(con: duckdb.DuckDBPyConnection) -> dict[date, Period]:
        rows = con.execute(
            """SELECT p.month, p.state, p.approval_id, a.approved_at, a.approved_by, a.paid_at, a.total,
                      a.self_approval
               FROM bonus_periods p LEFT JOIN bonus_approvals a USING (approval_id) ORDER BY p.month"""
        ).fetchall()
        return {r[0]: Period(*r) for r in rows}

    def period(self, month: date) -> Period:
        return self.periods().get(month) or Period(month, "open")

    def frozen_rules(self) -> dict[date, str]:
        """month → rules JSON of every approved or paid month (the build recomputes them with these)."""
        with self._open(write=False) as con:
            return dict(
                con.execute(
                    """SELECT p.month, a.rules FROM bonus_periods p JOIN bonus_approvals a USING (approval_id)
                   WHERE p.state IN ('approved', 'paid')"""
                ).fetchall()
            )

    def audit(self, month: date | None = None) -> list[dict]:
        with self._open(write=False) as con:
            where, args = ("WHERE month = ?", [month]) if month else ("", [])
            cur = con.execute(f"SELECT * FROM bonus_audit {where} ORDER BY audit_id", args)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def disputes(self, *, manager_id: int | None = None, status: str | None = None) -> list[dict]:
        with self._open(write=False) as con:
            cond: list[str] = ["TRUE"]
            args: list[int | str] = []
            if manager_id is not None:
                cond.append("manager_id = ?")
                args.append(manager_id)
            if status:
                cond.append("status = ?")
                args.append(status)
            cur = con.execute(f"SELECT * FROM bonus_disputes WHERE {' AND '.join(cond)} ORDER BY dispute_id", args)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def manual_adjustments(self) -> list[dict]:
        with self._open(write=False) as con:
            cur = con.execute("SELECT * FROM bonus_manual_adjustments ORDER BY adjustment_id")
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    # ---- writing ----------------------------------------------------------------------------------------
    @staticmethod
    def _audit(
        con,
        actor: str,
        action: str,
        month: date | None,
        obj: str | None,
        before: Any,
        after: Any,
        reason: str | None = None,
    ) -> None:
        def text(v: Any) -> str | None:
            return None if v is None else v if isinstance(v, str) else json.dumps(v, default=str, ensure_ascii=False)

        con.execute(
            "INSERT INTO bonus_audit VALUES (nextval('bonus_ids'), ?, ?, ?, ?, ?, ?, ?, ?)",
            [datetime.now(UTC), actor, action, month, obj, text(before), text(after), reason],
        )

    @staticmethod
    def _set_state(con, month: date, state: str, actor: str, approval_id: int | None) -> None:
        con.execute(
            """INSERT INTO bonus_periods VALUES (?, ?, ?, ?, ?) ON CONFLICT (month) DO UPDATE SET
                       state = excluded.state, approval_id = excluded.approval_id,
                       changed_at = excluded.changed_at, changed_by = excluded.changed_by""",
            [month, state, approval_id, datetime.now(UTC), actor],
        )

    def _current(self, con, month: date) -> Period:
        return self._periods(con).get(month) or Period(month, "open")

    @staticmethod
    def _last_closed(periods: dict[date, Period]) -> date | None:
        closed = [m for m, p in periods.items() if p.closed]
        return max(closed) if closed else None

    def review(self, month: date, actor: str) -> Period:
        """open → in_review: the numbers are being checked; they still follow the data."""
        with self._tx() as con:
            periods = self._periods(con)
            cur = periods.get(month) or Period(month, "open")
            if cur.state != "open":
                raise SalesglassError(f"{month:%Y-%m} is {cur.state}, not open: only an open month goes to review")
            last = self._last_closed(periods)
            if last is not None and month < last:
                raise SalesglassError(
                    f"{month:%Y-%m} is before the last approved month {last:%Y-%m}; "
                    "its corrections appear as adjustment lines in the first open month"
                )
            self._set_state(con, month, "in_review", actor, None)
            self._audit(con, actor, "review", month, "period", {"state": "open"}, {"state": "in_review"})
        return self.period(month)

    def approve(
        self,
        month: date,
        actor: str,
        published: Path,
        *,
        seen_total: Decimal | None = None,
        admins: Iterable[str] = (),
    ) -> Period:
        """in_review → approved: the month's published lines, its sales and its rules are stored and locked.

        `seen_total`: the month's total the approver looked at (the dashboard's form); when a build since
        changed it, nothing is approved — an admin approves the numbers they checked, not newer ones.
        `admins`: the e-mails of every admin; an approver who has bonus lines in the month (their e-mail is
        a manager's) approves their own pay: another admin must (four eyes), and only when there is none
        is it allowed, recorded as a self-approval in the audit trail and on the statements."""
        from salesglass.sql import quote_lit as sql_literal

        if not Path(published).exists():
            raise SalesglassError(f"no published reports at {published}: run `salesglass build` first")
        with self._open() as con:
            con.execute(f"ATTACH {sql_literal(str(published))} AS pub (READ_ONLY)")
            try:
                with transaction(con):
                    self._approve(con, month, actor, seen_total, admins)
            finally:
                con.execute("DETACH pub")
        return self.period(month)

    def _approve(
        self,
        con: duckdb.DuckDBPyConnection,
        month: date,
        actor: str,
        seen_total: Decimal | None = None,
        admins: Iterable[str] = (),
    ) -> None:
        from salesglass.reports.periods import local_midnight_utc

        periods = self._periods(con)
        cur = periods.get(month) or Period(month, "open")
        if cur.state != "in_review":
            hint = " (review it first: `salesglass bonus review`)" if cur.state == "open" else ""
            raise SalesglassError(f"{month:%Y-%m} is {cur.state}: only a month in review can be approved{hint}")
        last = self._last_closed(periods)
        if last is not None and month != next_month(last):
            raise SalesglassError(
                f"months are approved in order: the next one to approve is "
                f"{next_month(last):%Y-%m} (the last approved is {last:%Y-%m})"
            )
        n_open = con.execute(
            "SELECT count(*) FROM bonus_disputes WHERE month = ? AND status = 'open'", [month]
        ).fetchall()[0][0]
        if n_open:
            raise SalesglassError(
                f"{month:%Y-%m} has {n_open} open {plural(n_open, 'dispute')}: "
                "resolve them first (`salesglass bonus disputes`)"
            )
        has_rules = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_catalog = 'pub' "
            "AND table_name IN ('report_bonus_rules', 'build_info')"
        ).fetchall()[0][0]
        if has_rules < 2:
            raise SalesglassError("the published reports were built by an older version: run `salesglass build`")
        as_of, built_at, tz = con.execute("SELECT as_of, built_at, timezone FROM pub.build_info LIMIT 1").fetchall()[0]
        if month > as_of.replace(day=1):
            raise SalesglassError(f"{month:%Y-%m} is after the reports' as_of date {as_of}: build them later")
        newer = con.execute(
            "SELECT count(*) FROM bonus_manual_adjustments WHERE month = ? AND created_at > ?", [month, built_at]
        ).fetchall()[0][0]
        if newer:  # the published lines, which the approval locks, do not have them yet
            raise SalesglassError(
                f"{newer} {plural(newer, 'adjustment')} of {month:%Y-%m} {plural(newer, 'was', 'were')} "
                "added after the last build: run `salesglass build` first, then approve"
            )
        rules = con.execute("SELECT rules FROM pub.report_bonus_rules WHERE month = ?", [month]).fetchone()
        if rules is None:
            raise SalesglassError(f"the published reports have no bonus rules for {month:%Y-%m}: rebuild them")
        self_approval = self._own_lines_check(con, month, actor, admins)
        approval_id = con.execute("SELECT nextval('bonus_ids')").fetchall()[0][0]
        cols = ", ".join(LINE_COLUMNS)
        con.execute(
            f"INSERT INTO bonus_locked_lines SELECT ?, {cols} FROM pub.report_bonus_lines WHERE month = ?",
            [approval_id, month],
        )
        # the sales of the month and of the 3 before it (growth baselines), so a later build can name the
        # sales that appeared or vanished since this approval
        m = month
        for _ in range(4):
            lo, hi = local_midnight_utc(m, tz), local_midnight_utc(next_month(m), tz)
            con.execute(
                "INSERT INTO bonus_locked_sales SELECT ?, ?, sale_id, partner_id, revenue FROM pub.sales "
                "WHERE sold_at >= ? AND sold_at < ?",
                [approval_id, m, lo, hi],
            )
            m = prev_month(m)
        total, count = con.execute(
            "SELECT coalesce(sum(amount), 0), count(*) FROM bonus_locked_lines WHERE approval_id = ?", [approval_id]
        ).fetchall()[0]
        if seen_total is not None and total != seen_total:  # raised inside the transaction: nothing is stored
            raise SalesglassError(
                f"{month:%Y-%m}'s bonus total changed since the page was loaded ({seen_total} → {total}): "
                "a build brought new data; check the new numbers, then approve"
            )
        con.execute(
            "INSERT INTO bonus_approvals (approval_id, month, approved_at, approved_by, rules, data_as_of, "
            "built_at, total, line_count, self_approval) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [approval_id, month, datetime.now(UTC), actor, rules[0], as_of, built_at, total, count, self_approval],
        )
        self._set_state(con, month, "approved", actor, approval_id)
        self._audit(
            con,
            actor,
            "approve",
            month,
            "period",
            {"state": "in_review"},
            {
                "state": "approved",
                "total": str(total),
                "lines": count,
                "data_as_of": str(as_of),
                "rules": json.loads(rules[0]),
                **({"self_approval": self_approval} if self_approval else {}),
            },
            self_approval,
        )

    @staticmethod
    def _own_lines_check(con: duckdb.DuckDBPyConnection, month: date, actor: str, admins: Iterable[str]) -> str | None:
        """Four eyes: an approver whose e-mail is a manager's with lines in the month approves their own
        pay. Refused while another admin exists; with none, allowed and the words returned to record."""
        has_managers = con.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_catalog = 'pub' "
            "AND table_name = 'managers' AND column_name = 'email'"
        ).fetchall()[0][0]
        if not has_managers:
            return None
        own = [
            r[0]
            for r in con.execute(
                """SELECT DISTINCT l.manager_id FROM pub.report_bonus_lines l JOIN pub.managers m USING (manager_id)
                   WHERE l.month = ? AND lower(trim(m.email)) = ? ORDER BY 1""",
                [month, actor.strip().lower()],
            ).fetchall()
        ]
        if not own:
            return None
        ids = ", ".join(str(i) for i in own)
        others = sorted({a.strip().lower() for a in admins} - {actor.strip().lower(), ""})
        if others:
            raise SalesglassError(
                f"you have bonus lines in {month:%Y-%m} (manager {ids}): approving it approves your own pay, "
                f"so another admin does ({', '.join(others)})"
            )
        return f"self-approval: {actor} has bonus lines in {month:%Y-%m} (manager {ids}) and is the only admin"

    def pay(self, month: date, actor: str) -> Period:
        """approved → paid: the money went out; the month can never be reopened."""
        with self._tx() as con:
            cur = self._current(con, month)
            if cur.state != "approved":
                raise SalesglassError(f"{month:%Y-%m} is {cur.state}: only an approved month can be marked paid")
            con.execute(
                "UPDATE bonus_approvals SET paid_at = ?, paid_by = ? WHERE approval_id = ?",
                [datetime.now(UTC), actor, cur.approval_id],
            )
            self._set_state(con, month, "paid", actor, cur.approval_id)
            self._audit(
                con, actor, "pay", month, "period", {"state": "approved"}, {"state": "paid", "total": str(cur.total)}
            )
        return self.period(month)

    def reopen(self, month: date, actor: str, reason: str) -> Period:
        """One step back with a reason: approved → in_review (the lock is lifted), in_review → open."""
        reason = _require(reason, "a reason for reopening")
        with self._tx() as con:
            periods = self._periods(con)
            cur = periods.get(month) or Period(month, "open")
            if cur.state == "paid":
                raise SalesglassError(
                    f"{month:%Y-%m} is paid and cannot be reopened; later corrections appear "
                    "as adjustment lines in the first open month (or add a manual adjustment)"
                )
            if cur.state == "open":
                raise SalesglassError(f"{month:%Y-%m} is already open")
            if cur.state == "approved":
                if self._last_closed(periods) != month:
                    raise SalesglassError(
                        f"reopen the later approved months first (the last is {self._last_closed(periods):%Y-%m})"
                    )
                con.execute(
                    "UPDATE bonus_approvals SET reopened_at = ?, reopened_by = ?, reopen_reason = ? "
                    "WHERE approval_id = ?",
                    [datetime.now(UTC), actor, reason, cur.approval_id],
                )
                after = "in_review"
            else:
                after = "open"
            self._set_state(con, month, after, actor, None)
            self._audit(con, actor, "reopen", month, "period", {"state": cur.state}, {"state": after}, reason)
        return self.period(month)

    def add_adjustment(
        self,
        month: date,
        manager_id: int,
        amount: Any,
        reason: str,
        actor: str,
        *,
        partner_id: str | None = None,
        corrects_month: date | None = None,
        dispute_id: int | None = None,
        con: duckdb.DuckDBPyConnection | None = None,
    ) -> int:
        """A manual line (rule `manual`) in an open month: added to the manager's bonus as it is."""
        value = parse_amount(amount)
        reason = _require(reason, "a reason for the adjustment")
        if not -(2**63) < int(manager_id) < 2**63:  # the state file's BIGINT would fail with a DuckDB error
            raise SalesglassError(f"a manager id is an amoCRM user id, got {manager_id}")
        if con is None:
            with self._tx() as tx:
                return self.add_adjustment(
                    month,
                    manager_id,
                    value,
                    reason,
                    actor,
                    partner_id=partner_id,
                    corrects_month=corrects_month,
                    dispute_id=dispute_id,
                    con=tx,
                )
        periods = self._periods(con)
        cur = periods.get(month) or Period(month, "open")
        if cur.closed:
            raise SalesglassError(f"{month:%Y-%m} is {cur.state}: add the adjustment to an open month")
        last = self._last_closed(periods)
        if last is not None and month < last:  # open history before the first approval: never paid again
            raise SalesglassError(
                f"{month:%Y-%m} is before the last approved month {last:%Y-%m} and will not be paid again: "
                f"add the adjustment to {next_month(last):%Y-%m}, the first open month"
            )
        if dispute_id is None:  # the same form sent twice (a double click, a second tab) is one adjustment
            same = con.execute(
                """SELECT adjustment_id FROM bonus_manual_adjustments WHERE month = ? AND manager_id = ?
                   AND amount = ? AND reason = ? AND partner_id IS NOT DISTINCT FROM ?
                   AND corrects_month IS NOT DISTINCT FROM ? AND dispute_id IS NULL AND created_by = ?
                   AND created_at > ? ORDER BY adjustment_id DESC LIMIT 1""",
                [month, int(manager_id), value, reason, partner_id, corrects_month, actor, _now() - REPEAT_WINDOW],
            ).fetchone()
            if same is not None:
                return int(same[0])
        adj_id = con.execute("SELECT nextval('bonus_ids')").fetchall()[0][0]
        con.execute(
            "INSERT INTO bonus_manual_adjustments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                adj_id,
                month,
                int(manager_id),
                value,
                reason,
                partner_id,
                corrects_month,
                dispute_id,
                datetime.now(UTC),
                actor,
            ],
        )
        self._audit(
            con,
            actor,
            "adjust",
            month,
            f"adjustment {adj_id}",
            None,
            {
                "manager_id": int(manager_id),
                "amount": str(value),
                "partner_id": partner_id,
                "corrects_month": corrects_month,
                "dispute_id": dispute_id,
            },
            reason,
        )
        return adj_id

    def raise_dispute(
        self,
        month: date,
        manager_id: int,
        rule: str,
        partner_id: str | None,
        corrects_month: date | None,
        amount: Decimal | None,
        comment: str,
        actor: str,
    ) -> int:
        """A manager flags one of their lines with a comment (the caller checked it is theirs).

        One open dispute per line: the same form sent twice (a double click, a second tab) gives the
        first dispute's id back, so the admin is not asked twice, nor could adjust the line twice."""
        comment = _require(comment, "a comment")
        with self._tx() as con:
            same_line = con.execute(
                """SELECT dispute_id, comment FROM bonus_disputes WHERE status = 'open' AND month = ?
                   AND manager_id = ? AND rule = ? AND partner_id IS NOT DISTINCT FROM ?
                   AND corrects_month IS NOT DISTINCT FROM ? ORDER BY dispute_id LIMIT 1""",
                [month, int(manager_id), rule, partner_id, corrects_month],
            ).fetchone()
            if same_line is not None:
                if same_line[1] == comment:
                    return int(same_line[0])
                raise SalesglassError(
                    f"this line already has an open dispute ({same_line[0]}): wait for the answer, then raise another"
                )
            dispute_id = con.execute("SELECT nextval('bonus_ids')").fetchall()[0][0]
            con.execute(
                """INSERT INTO bonus_disputes (dispute_id, month, manager_id, rule, partner_id,
                           corrects_month, amount, comment, raised_by, raised_at, status)
                           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open')""",
                [
                    dispute_id,
                    month,
                    int(manager_id),
                    rule,
                    partner_id,
                    corrects_month,
                    amount,
                    comment,
                    actor,
                    datetime.now(UTC),
                ],
            )
            self._audit(
                con,
                actor,
                "dispute",
                month,
                f"dispute {dispute_id}",
                None,
                {
                    "manager_id": int(manager_id),
                    "rule": rule,
                    "partner_id": partner_id,
                    "corrects_month": corrects_month,
                    "amount": amount,
                    "status": "open",
                },
                comment,
            )
        return dispute_id

    def resolve_dispute(
        self, dispute_id: int, decision: str, answer: str, actor: str, *, amount: Any = None, month: date | None = None
    ) -> dict:
        """The admin answers a dispute: `adjust` (a manual line of `amount` in `month`; by default the
        disputed month while it is open, else the first open month) or `reject`."""
        answer = _require(answer, "an answer")
        if decision not in ("adjust", "reject"):
            raise SalesglassError(f"a dispute is resolved with `adjust` or `reject`, got {decision!r}")
        with self._tx() as con:
            row = con.execute(
                "SELECT month, manager_id, partner_id, status FROM bonus_disputes WHERE dispute_id = ?",
                [int(dispute_id)],
            ).fetchone()
            if row is None:
                raise SalesglassError(f"no dispute {dispute_id}")
            d_month, manager_id, partner_id, status = row
            if status != "open":
                raise SalesglassError(f"dispute {dispute_id} is already {status}")
            adj_id = None
            if decision == "adjust":
                if amount in (None, ""):
                    raise SalesglassError("an adjustment needs an amount")
                # the disputed month while it can still be approved (after the last approved one), else the
                # first open month: an adjustment in open history before the first approval is never paid
                last = self._last_closed(self._periods(con))
                target = month or (d_month if last is None or d_month > last else self._first_open(con))
                adj_id = self.add_adjustment(
                    target,
                    manager_id,
                    amount,
                    f"dispute {dispute_id}: {answer}",
                    actor,
                    partner_id=partner_id,
                    corrects_month=d_month,
                    dispute_id=int(dispute_id),
                    con=con,
                )
            new_status = "adjusted" if decision == "adjust" else "rejected"
            con.execute(
                "UPDATE bonus_disputes SET status = ?, answer = ?, resolved_by = ?, resolved_at = ?, "
                "adjustment_id = ? WHERE dispute_id = ?",
                [new_status, answer, actor, datetime.now(UTC), adj_id, int(dispute_id)],
            )
            self._audit(
                con,
                actor,
                "resolve",
                d_month,
                f"dispute {dispute_id}",
                {"status": "open"},
                {"status": new_status, "adjustment_id": adj_id},
                answer,
            )
        return {"status": new_status, "adjustment_id": adj_id}

    def _first_open(self, con) -> date:
        last = self._last_closed(self._periods(con))
        if last is None:
            return datetime.now(UTC).date().replace(day=1)
        return next_month(last)

    def first_open(self) -> date | None:
        """The month adjustment lines go to: the one after the last approved month (None: nothing approved)."""
        last = self._last_closed(self.periods())
        return None if last is None else next_month(last)


def store_of(cfg: Any) -> BonusStore:
    return BonusStore(cfg.bonus_state_path)
