"""What a build reports back: rows per table and the company's running month at a glance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from salesglass.currency import currency_sign
from salesglass.reports.base import BuildParams
from salesglass.sql import quote_lit


@dataclass(frozen=True)
class BuildSummary:
    as_of: date
    built_at: datetime
    path: Path
    engine: str
    timezone: str
    rows: dict[str, int]
    seconds: float
    # company totals of the running month (the month containing as_of)
    turnover: Decimal
    revenue: Decimal
    margin_pct: Decimal | None
    new_partners: int
    bonus_total: Decimal
    step_seconds: dict[str, float] = field(default_factory=dict)  # per published table / step
    timezone_source: str = "config"  # where the zone came from: config, amocrm or default
    currency: str = "RUB"  # [account] currency: the money's sign

    def print(self, console) -> None:
        from rich.table import Table

        # the title on its own line: a table's title wraps to the table's (narrow) width
        console.print(
            f"Published {self.path} — as of {self.as_of} ({self.timezone}, from {self.timezone_source})",
            highlight=False,
            markup=False,
        )
        table = Table(show_lines=False)
        table.add_column("table")
        table.add_column("rows", justify="right")
        for name in sorted(self.rows, key=lambda n: (not n.startswith("report_"), n)):
            table.add_row(name, f"{self.rows[name]:,}")
        console.print(table)
        pct = "—" if self.margin_pct is None else f"{self.margin_pct} %"
        console.print(
            f"[bold]{self.as_of:%B %Y} to date[/] (company): turnover {self._money(self.turnover)}, "
            f"revenue {self._money(self.revenue)}, margin {pct}, new partners {self.new_partners}, "
            f"bonuses {self._money(self.bonus_total)}  ·  built in {self.seconds:.1f} s"
        )

    def _money(self, x: Decimal) -> str:
        return f"{x:,.2f} {currency_sign(self.currency)}".replace(",", " ")


def running_totals(con: Any, params: BuildParams) -> dict:
    """Company facts of the running month, read back from the published report tables (`con`: anything
    with DuckDB's `raw_sql`, e.g. the build file)."""
    month = f"DATE {quote_lit(params.as_of_month.isoformat())}"
    facts = dict(
        con.raw_sql(
            "SELECT metric, fact FROM report_plan_fact WHERE period_type = 'month' "
            f"AND period_start = {month} AND manager_id IS NULL"
        ).fetchall()
    )
    bonus = con.raw_sql(f"SELECT sum(total) FROM report_bonus_summary WHERE month = {month}").fetchall()[0][0]
    zero = Decimal("0.00")
    return {
        "turnover": facts.get("turnover") or zero,
        "revenue": facts.get("revenue") or zero,
        "margin_pct": facts.get("margin_pct"),
        "new_partners": int(facts.get("new_partners") or 0),
        "bonus_total": Decimal(bonus) if bonus is not None and bonus == bonus else zero,
    }
