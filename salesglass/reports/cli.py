"""Commands of this area: `salesglass build` and `salesglass export`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from salesglass.cli_options import ConfigOption, parse_day, require_as_of_in_data, require_warehouse


def register(app: typer.Typer) -> None:
    @app.command("build")
    def build(
        config: ConfigOption = None,
        as_of: Annotated[
            str | None,
            typer.Option(
                "--as-of",
                help="Compute the reports as of this date (YYYY-MM-DD, account time zone); facts after "
                "it are ignored, so a build is reproducible. Default: today.",
            ),
        ] = None,
        full: Annotated[
            bool,
            typer.Option(
                "--full",
                help="Run every step from a fresh copy of the warehouse. Default: start from the last "
                "published file and redo only the steps whose input tables or settings changed since.",
            ),
        ] = False,
    ) -> None:
        """Compute every report from the canonical model and publish them (the old file stays until done).

        Changes: the published reports file ([warehouse] published_path), replaced whole at the end (the
        dashboard and exports keep reading the previous one until then); the warehouse is only read.

        \b
        Examples:
          salesglass build -c demo/salesglass.toml
          salesglass build -c demo/salesglass.toml --as-of 2026-11-30
          salesglass build -c demo/salesglass.toml --full
        """
        from salesglass.config import load_config
        from salesglass.reports.build import run_build

        day = parse_day("--as-of", as_of)
        cfg = load_config(config)
        require_warehouse(cfg, config)  # before the build's heading; naming the steps this config has
        require_as_of_in_data(cfg, day)
        run_build(cfg, as_of=day, full=full)

    @app.command("export")
    def export(
        config: ConfigOption = None,
        format: Annotated[
            str,
            typer.Option(
                "--format", "-f", help="xlsx (one workbook, a sheet per report), csv or parquet (a file per report)."
            ),
        ] = "xlsx",
        out: Annotated[
            Path | None,
            typer.Option(
                "--out",
                "-o",
                help="Where to write: the .xlsx file, or the folder for csv / parquet. "
                "Default, here: salesglass-reports-<as_of>.xlsx, or the folder salesglass-reports-<as_of>-csv "
                "or -parquet.",
            ),
        ] = None,
    ) -> None:
        """Write every published report table to Excel, CSV or Parquet.

        Changes: writes --out only (the published reports are only read).

        \b
        Examples:
          salesglass export -c demo/salesglass.toml
          salesglass export -c demo/salesglass.toml --out reports.xlsx
          salesglass export -c demo/salesglass.toml --format csv --out reports/
        """
        from rich.console import Console

        from salesglass.config import load_config
        from salesglass.outputs.export import export_reports

        cfg = load_config(config)
        _out_fits_format(out, format)
        written = export_reports(cfg.published_path, format, out, cfg.account.currency)
        Console().print(f"wrote {written}")


def _out_fits_format(out: Path | None, fmt: str) -> None:
    """`export -o reports.csv` wrote an Excel workbook named .csv; `-f csv -o reports.csv` made a folder of
    that name. An --out whose ending names another format is refused, saying which one fits."""
    from salesglass.errors import SalesglassError

    ending = out.suffix.lower() if out is not None else ""
    if fmt == "xlsx" and ending in (".csv", ".parquet"):
        raise SalesglassError(
            f"--out {out}: --format xlsx writes one workbook ending in .xlsx; "
            f"for {ending[1:]} files give --format {ending[1:]} and a folder as --out"
        )
    if fmt in ("csv", "parquet") and ending in (".xlsx", ".csv", ".parquet"):
        raise SalesglassError(
            f"--out {out}: --format {fmt} writes a file per report into a folder; give a folder (e.g. reports/)"
            + (", or --format xlsx for one workbook" if ending == ".xlsx" else "")
        )
