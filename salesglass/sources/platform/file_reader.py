"""Read one CSV or XLSX input into a DuckDB temp table, every value as text.

CSV is read by DuckDB itself (parallel, no Python per row); an input is streamed: a view over the file
that the staging query reads once (`stream_csv`). Russian Excel exports are usually `;`
separated and cp1251-encoded: the delimiter is sniffed by DuckDB, the encoding detected with chardet
and, when it is not UTF-8, the file is transcoded in streaming chunks to a temporary UTF-8 copy.
Lines DuckDB cannot split into the header's columns are returned as rejects (they go to quarantine).
XLSX is read with openpyxl in read-only mode; the header is the first row filled at least half as wide
as the table (title and period lines of a 1C report above it are skipped). Merged cells are read as their
value in every cell they cover (but an amount's: `land_xlsx`), and a header merged down over two rows is one
two-level header.
"""

from __future__ import annotations

import codecs
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from salesglass.errors import ConfigError, SalesglassError
from salesglass.sql import quote_ident, quote_lit

Project = Callable[[list[str]], list[str] | None]
"""Given a file's columns, the ones to read (None: all); may raise ConfigError for a wrong mapping."""
Amounts = Callable[[list[str]], set[str]]
"""Given a sheet's columns, those holding amounts (`land_xlsx`); may raise ConfigError for a wrong mapping."""
_UTF8 = {"utf-8", "utf8", "ascii", "utf-8-sig", "utf_8"}


@dataclass
class Reject:
    line: int
    error: str
    text: str


def detect_encoding(path: Path, sample_bytes: int = 1 << 20) -> str:
    """UTF-8 when the sample decodes as UTF-8, or when most of its lines with non-ASCII bytes do (a UTF-8
    export with a few lines pasted from a cp1251 one: those lines are quarantined as `invalid encoding`,
    rather than every Cyrillic name of the file garbled by reading it all as a single-byte encoding);
    else chardet's guess (cp1251 for Russian Excel exports)."""
    with path.open("rb") as fh:
        sample = fh.read(sample_bytes)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(sample):
        return "utf-8"
    import chardet

    guess = chardet.detect(sample).get("encoding") or "cp1251"
    # chardet often names cp1251 text MacCyrillic or KOI8-R on short samples; Windows exports are cp1251
    return "cp1251" if guess.lower() in {"maccyrillic", "koi8-r", "iso-8859-5", "ibm866"} else guess


def _mostly_utf8(sample: bytes) -> bool:
    """More of the sample's whole lines holding non-ASCII bytes decode as UTF-8 than do not. (A cp1251
    line of Cyrillic text practically never is valid UTF-8: a letter byte is never a continuation byte.)"""
    good = bad = 0
    for line in sample.split(b"\n")[:-1]:  # the last piece may be a line cut by the sample
        if not line.isascii():
            try:
                line.decode("utf-8")
                good += 1
            except UnicodeDecodeError:
                bad += 1
    return good > bad


def _transcode(path: Path, encoding: str, workdir: Path) -> Path:
    out = workdir / (path.stem + ".utf8.csv")
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    with path.open("rb") as src, out.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(8 << 20):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    return out


@contextmanager
def _csv_scan(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    delimiter: str | None,
    encoding: str | None,
    label: str,
    project: Project | None,
) -> Iterator[tuple[str, str]]:
    """(read_csv call, columns to select) over a UTF-8 version of the file, valid inside the block;
    lines that do not split into the header's columns are recorded for `csv_rejects`."""
    if not path.exists():
        raise ConfigError(f"{label}: file {path} does not exist")
    enc = (encoding or detect_encoding(path)).lower()
    try:
        codecs.lookup(enc)
    except LookupError:
        raise ConfigError(f"{label}: encoding {encoding!r} is not known; expected e.g. 'utf-8' or 'cp1251'") from None
    with tempfile.TemporaryDirectory(prefix="salesglass-csv-") as tmp:
        readable = path if enc in _UTF8 else _transcode(path, enc, Path(tmp))
        try:
            dialect, header = _sniff(con, readable, delimiter)
        except duckdb.Error as exc:
            raise SalesglassError(f"{label}: cannot read {path} as CSV: {str(exc).splitlines()[0]}") from None
        columns = ", ".join(f"{quote_lit(c)}: 'VARCHAR'" for c in header)
        opts = [
            *dialect,
            f"columns = {{{columns}}}",
            "store_rejects = true",
            "ignore_errors = true",
            "rejects_table = '__rejects'",
            "rejects_scan = '__rejects_scan'",
        ]
        con.execute("DROP TABLE IF EXISTS __rejects; DROP TABLE IF EXISTS __rejects_scan")
        scan = f"read_csv({quote_lit(str(readable))}, {', '.join(opts)})"
        cols = project(header) if project else None
        try:
            yield scan, (", ".join(quote_ident(c) for c in cols) if cols else "*")
        finally:
            con.execute("DROP TABLE IF EXISTS __rejects; DROP TABLE IF EXISTS __rejects_scan")


def _sniff(con: duckdb.DuckDBPyConnection, path: Path, delimiter: str | None) -> tuple[list[str], list[str]]:
    """(read_csv options fixing the dialect DuckDB sniffs, the header's column names). Sniffed once:
    read_csv left to detect would sniff the file again each time a query over it is bound."""
    options = "header = true, all_varchar = true, ignore_errors = true"  # as the read: bad lines do not mislead
    if delimiter:
        options += f", delim = {quote_lit(delimiter)}"
    delim, quote, escape, new_line, comment, skip, columns = con.execute(
        f"""SELECT Delimiter, Quote, Escape, NewLineDelimiter, Comment, SkipRows, Columns
            FROM sniff_csv({quote_lit(str(path))}, {options})"""
    ).fetchall()[0]

    def lit(value: str) -> str:
        return quote_lit("" if value == "(empty)" else value)

    dialect = [
        "auto_detect = false",
        "header = true",
        f"delim = {lit(delim)}",
        f"quote = {lit(quote)}",
        f"escape = {lit(escape)}",
        f"new_line = {lit(new_line)}",
        f"comment = {lit(comment)}",
        f"skip = {int(skip)}",
    ]
    return dialect, [c["name"] for c in columns]


def csv_rejects(con: duckdb.DuckDBPyConnection) -> list[Reject]:
    """The lines the last CSV scan could not split, one per line (DuckDB may report a line once per pass)."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = '__rejects'").fetchall()[0][0]:
        return []
    return [
        Reject(int(line), str(err), str(text))
        for line, err, text in con.execute(
            "SELECT line, arg_min(error_type, column_idx), arg_min(csv_line, column_idx) FROM __rejects "
            "GROUP BY line ORDER BY line"
        ).fetchall()
    ]


def land_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    into: str,
    *,
    delimiter: str | None,
    encoding: str | None,
    label: str,
    where: str = "TRUE",
    project: Project | None = None,
) -> tuple[int, list[Reject]]:
    with _csv_scan(con, path, delimiter=delimiter, encoding=encoding, label=label, project=project) as (scan, cols):
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {quote_ident(into)} AS SELECT {cols} FROM {scan} WHERE {where}")
        except duckdb.Error as exc:
            raise SalesglassError(
                f"{label}: cannot read {path} as CSV"
                f"{' (or its `where` filter is wrong)' if where != 'TRUE' else ''}: "
                f"{str(exc).splitlines()[0]}"
            ) from None
        rejects = csv_rejects(con)
    n = con.execute(f"SELECT count(*) FROM {quote_ident(into)}").fetchall()[0][0]
    return n, rejects


@contextmanager
def stream_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    into: str,
    *,
    delimiter: str | None,
    encoding: str | None,
    label: str,
    where: str = "TRUE",
    project: Project | None = None,
) -> Iterator[Callable[[], list[Reject]]]:
    """A temp view `into` over the file, valid inside the block: the rows are parsed when the view is
    read — once, by the staging query — instead of being copied into a table first (a big export is
    then read in one parallel pass). Yields a function giving the rejected lines after that read."""
    with _csv_scan(con, path, delimiter=delimiter, encoding=encoding, label=label, project=project) as (scan, cols):
        try:
            con.execute(f"CREATE OR REPLACE TEMP VIEW {quote_ident(into)} AS SELECT {cols} FROM {scan} WHERE {where}")
            con.execute(f"SELECT * FROM {quote_ident(into)} LIMIT 0")
        except duckdb.Error as exc:
            raise SalesglassError(f"{label}: the `where` filter is wrong: {str(exc).splitlines()[0]}") from None
        try:
            yield lambda: csv_rejects(con)
        finally:
            con.execute(f"DROP VIEW IF EXISTS {quote_ident(into)}")


def _cell(value: object) -> str | None:
    from datetime import date, datetime

    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def excel_day(value: object, epoch: object) -> object:
    """A number in a sheet's time column as the time it stands for: Excel keeps a time as its day number
    (45356.416666666664 is 5 March 2024 10:00), and a cell formatted General or as a number shows it so —
    openpyxl then gives the number, not a date. `epoch`: the workbook's day 0 (1900 or, on old Macs, 1904).
    Any other value, and a number no date can be, as it is (then quarantined as no timestamp)."""
    from openpyxl.utils.datetime import from_excel

    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    try:
        return from_excel(value, epoch)
    except (OverflowError, ValueError):
        return value


def _filled(row: tuple) -> int:
    return sum(1 for v in row if v is not None and str(v).strip())


def header_row(rows: list[tuple]) -> int | None:
    """The header's index: the first row filled at least half as wide as the widest of the first rows.
    A 1C report saved to Excel puts its title, period and filters above the table, one cell each."""
    widths = [_filled(r) for r in rows[:50]]
    if not any(widths):
        return None
    need = max(1, (max(widths) + 1) // 2)
    return next(i for i, w in enumerate(widths) if w >= need)


def merged_ranges(path: Path, sheet_xml: str) -> list[tuple[int, int, int, int]]:
    """The sheet's merged cells as (first row, first column, last row, last column), 0-based. openpyxl's
    read-only mode does not give them: they are read from the sheet's XML (`<mergeCell ref="A2:A3"/>`)."""
    import zipfile
    from xml.etree.ElementTree import iterparse

    from openpyxl.utils.cell import range_boundaries

    out = []
    with zipfile.ZipFile(path) as archive, archive.open(sheet_xml.lstrip("/")) as fh:
        for _, el in iterparse(fh):
            if el.tag.endswith("}mergeCell") and el.get("ref"):
                c1, r1, c2, r2 = range_boundaries(str(el.get("ref")))
                if None not in (c1, r1, c2, r2):
                    out.append((int(r1 or 1) - 1, int(c1 or 1) - 1, int(r2 or 1) - 1, int(c2 or 1) - 1))
            el.clear()
    return out


def fill_merged(rows: list[list[object]], merges: list[tuple[int, int, int, int]], numbers_from: int = 0) -> None:
    """Every cell of a merged range gets the range's value (Excel keeps it in the first cell only): a
    partner typed once beside the orders it spans is each order's partner, not only the first one's. A
    number merged from row `numbers_from` on (the data) stays in its first cell: a total merged beside two
    order lines is theirs together, and repeated it would count twice (the other rows' empty amount is then
    quarantined as missing)."""
    for r1, c1, r2, c2 in merges:
        if r1 >= len(rows) or c1 >= len(rows[r1]):
            continue
        value = rows[r1][c1]
        if r1 >= numbers_from and isinstance(value, int | float) and not isinstance(value, bool):
            continue
        for r in range(r1, min(r2, len(rows) - 1) + 1):
            row = rows[r]
            row.extend([None] * (c2 + 1 - len(row)))
            for c in range(c1, c2 + 1):
                row[c] = value


def header_names(rows: list[list[object]], at: int, merges: list[tuple[int, int, int, int]]) -> tuple[list[str], int]:
    """The column names and the number of header rows from the header row `at`. A header cell merged down
    over the rows below it makes them header rows too (a two-level header: «Деньги» over «Оборот» and
    «Выручка»): a column is named by its labels top to bottom, «Деньги / Оборот». A name seen twice (a
    label merged across columns in a one-row header) names only its first column."""
    last = max([r2 for r1, _, r2, _ in merges if r1 == at and r2 > r1], default=at)
    width = max(len(r) for r in rows[at : last + 1])
    names: list[str] = []
    for i in range(width):
        parts: list[str] = []
        for r in rows[at : last + 1]:
            v = r[i] if i < len(r) else None
            text = str(v).strip() if v is not None else ""
            if text and text not in parts:
                parts.append(text)
        name = " / ".join(parts)
        names.append(name if name and name not in names else f"column{i}")
    return names, last - at + 1


def land_xlsx(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    into: str,
    *,
    sheet: str | None,
    label: str,
    where: str = "TRUE",
    amounts: Amounts | None = None,
    days: Amounts | None = None,
) -> tuple[int, list[Reject]]:
    """`amounts`: given the sheet's column names, those holding amounts (money, counts): a number merged
    down over data rows there stays in its first row; in any other column (a numeric partner id, an event
    number) it is each covered row's, as text is. Without it, no merged number of the data is repeated.
    `days`: given the column names, those holding times or dates: a number there is Excel's day number
    (`excel_day`)."""
    import openpyxl

    if not path.exists():
        raise ConfigError(f"{label}: file {path} does not exist")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise SalesglassError(f"{label}: cannot open {path} as an Excel workbook: {exc}") from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise ConfigError(f"{label}: sheet {sheet!r} is not in {path.name} (sheets: {', '.join(wb.sheetnames)})")
        ws = wb[sheet] if sheet is not None else wb.worksheets[0]
        rows = [list(r) for r in ws.iter_rows(min_row=1, min_col=1, values_only=True)]
        merges = merged_ranges(path, ws._worksheet_path)
        fill_merged(rows, merges)  # numbers aside: the labels decide where the header is
        at = header_row([tuple(r) for r in rows])
        header, height = header_names(rows, at, merges) if at is not None else ([], 1)
        top = (at or 0) + height
        fill_merged(rows, [m for m in merges if m[0] < top], numbers_from=top)
        if amounts is not None:  # the data's numbers merged outside the amounts: repeated, as text is
            summed = amounts(header)
            kept = {i for i, name in enumerate(header) if name in summed}
            ids = [m for m in merges if m[0] >= top and not kept & set(range(m[1], m[3] + 1))]
            fill_merged(rows, ids, numbers_from=len(rows))
        timed = {i for i, name in enumerate(header) if name in days(header)} if days is not None else set()
        epoch = wb.epoch
        body = [
            [_cell(excel_day(v, epoch) if i in timed else v) for i, v in enumerate(row)]
            for row in rows[(at or 0) + height :]
            if any(v is not None for v in row)
        ]
    finally:
        wb.close()
    width = len(header)
    cols = [pa.array([(r[i] if i < len(r) else None) for r in body], pa.string()) for i in range(width)]
    table = pa.table(cols, names=header)
    con.register("__xlsx_in", table)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {quote_ident(into)} AS SELECT * FROM __xlsx_in WHERE {where}")
    except duckdb.Error as exc:
        raise SalesglassError(f"{label}: the `where` filter is wrong: {str(exc).splitlines()[0]}") from None
    finally:
        con.unregister("__xlsx_in")
    return con.execute(f"SELECT count(*) FROM {quote_ident(into)}").fetchall()[0][0], []


def is_csv(path: Path) -> bool:
    return path.suffix.lower() in {".csv", ".txt", ".tsv"}


def land_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    into: str,
    *,
    sheet: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    label: str,
    where: str = "TRUE",
    project: Project | None = None,
    amounts: Amounts | None = None,
    days: Amounts | None = None,
) -> tuple[int, list[Reject]]:
    """Land a CSV/TXT/XLSX file, only rows passing `where` (DuckDB SQL); returns (rows, rejected lines)."""
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return land_xlsx(con, path, into, sheet=sheet, label=label, where=where, amounts=amounts, days=days)
    if is_csv(path):
        return land_csv(
            con, path, into, delimiter=delimiter, encoding=encoding, label=label, where=where, project=project
        )
    raise ConfigError(f"{label}: {path.name}: expected a .csv, .txt or .xlsx file")
