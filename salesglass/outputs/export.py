"""`salesglass export`: every published report table to Excel, CSV or Parquet.

Reads the published file read-only (a build may swap it meanwhile; we hold the old one open).
Excel: one workbook, one sheet per report (salesglass/outputs/workbook.py); CSV and Parquet: one file per
report in a folder, written by DuckDB itself. Text in Excel and CSV cannot become a formula
(salesglass/safe_cells.py; for CSV the same rule runs as SQL). Every file written is owner-only, also one
that existed before with a wider mode (salesglass/private_files.py).
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

from salesglass.errors import SalesglassError
from salesglass.private_files import keep_private, private_folder
from salesglass.processes import replace_whole
from salesglass.sql import quote_ident, quote_lit
from salesglass.warehouse import open_published

FORMATS = ("xlsx", "csv", "parquet")


def report_tables(con) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_name LIKE 'report\\_%' ESCAPE '\\' ORDER BY 1"
        ).fetchall()
    ]


def _inert_text_select(con, table: str) -> str:
    """`table` with every text column made inert for spreadsheets (salesglass.safe_cells), in SQL."""
    from salesglass.safe_cells import sql_csv_text

    cols = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' "
        "AND table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    exprs = []
    for name, dtype in cols:
        quoted = quote_ident(name)
        exprs.append(f"{sql_csv_text(quoted)} AS {quoted}" if dtype == "VARCHAR" else quoted)
    return f"(SELECT {', '.join(exprs)} FROM {quote_ident(table)})"


def _with_manager_names(con, table: str) -> str:
    """`table` with each manager's name beside their id (`sales_manager_id` → `sales_manager`, then the id), in SQL:
    a head of sales reads names; the id stays for whoever joins the sheet back to the warehouse."""
    cols = [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
            "AND table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
    ]
    has_managers = bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = 'managers'"
        ).fetchone()[0]
    )
    exprs: list[str] = []
    joins: list[str] = []
    for name in cols:
        quoted = quote_ident(name)
        if has_managers and name.endswith("manager_id"):
            alias = quote_ident(f"m{len(joins)}")
            joins.append(f"LEFT JOIN managers {alias} ON {alias}.manager_id = t.{quoted}")
            exprs.append(f"{alias}.name AS {quote_ident(name.removesuffix('_id'))}")
        exprs.append(f"t.{quoted}")
    return f"SELECT {', '.join(exprs)} FROM {quote_ident(table)} t {' '.join(joins)} ORDER BY t.rowid"


def default_out(as_of: str, fmt: str) -> Path:
    """Where `export` writes without --out: a workbook, or a folder per format (csv and parquet shared one, and
    their files mixed)."""
    return Path(f"salesglass-reports-{as_of}" + (".xlsx" if fmt == "xlsx" else f"-{fmt}"))


def export_reports(published: Path, fmt: str, out: Path | None = None, currency: str = "RUB") -> Path:
    """Write every report table of `published`; returns the file (xlsx) or folder (csv, parquet) written.
    `currency` (the account's) is the money's sign in the workbook."""
    if fmt not in FORMATS:
        raise SalesglassError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    con = open_published(published)
    try:
        names = report_tables(con)
        as_of, zone = con.execute("SELECT max(as_of), max(timezone) FROM build_info").fetchall()[0]
        out = out or default_out(str(as_of), fmt)
        if fmt == "xlsx":
            from salesglass.outputs.workbook import write_xlsx

            private_folder(out.parent)
            sheets = {
                n.removeprefix("report_"): con.execute(_with_manager_names(con, n)).to_arrow_table() for n in names
            }
            # written whole in memory, then renamed over last week's export (owner-only, whatever its old mode):
            # a Ctrl-C or a full disk mid-write leaves last week's file as it was, not an empty or half one
            workbook = io.BytesIO()
            write_xlsx(sheets, workbook, zone, currency)
            replace_whole(out, workbook.getvalue())
            return out
        private_folder(out)
        # DuckDB makes each file anew with the umask's mode (0666 under a umask of 000): it writes into a folder
        # only the owner may enter, and the file, made owner-only there, is renamed into `out`
        with tempfile.TemporaryDirectory(dir=out, prefix=".export-") as staging:
            for n in names:
                options = "FORMAT CSV, HEADER" if fmt == "csv" else "FORMAT PARQUET"
                source = _inert_text_select(con, n) if fmt == "csv" else quote_ident(n)
                written = Path(staging) / f"{n}.{fmt}"
                con.execute(f"COPY {source} TO {quote_lit(str(written))} ({options})")
                keep_private(written, what="export", created=True)
                os.replace(written, out / f"{n}.{fmt}")
        return out
    finally:
        con.close()
