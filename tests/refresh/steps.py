"""Real refresh steps for tests: they write real DuckDB files the way sync and the report builder do.

Module-level functions, so the spawned worker process can import them by name.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from salesglass.warehouse import connect


def sync_step(cfg, label: str = "incremental", full: bool = False) -> None:
    """Stands in for sync: writes the warehouse (the worker is its only writer)."""
    con = connect(cfg.warehouse_path)
    con.execute("CREATE TABLE IF NOT EXISTS sync_log (label TEXT, full_run BOOLEAN)")
    con.execute("INSERT INTO sync_log VALUES (?, ?)", [label, full])
    con.close()


def build_step(cfg, label: str = "new", sleep_before_swap: float = 0.0) -> None:
    """Stands in for the report builder: a new file under a temporary name, then one os.replace."""
    published = Path(cfg.published_path)
    tmp = published.with_name(published.name + f".building-{os.getpid()}")
    con = connect(tmp)
    con.execute("CREATE OR REPLACE TABLE build_info AS SELECT ? AS label", [label])
    con.close()
    if sleep_before_swap:
        Path(str(published) + ".build-started").write_text(str(os.getpid()))
        time.sleep(sleep_before_swap)
    os.replace(tmp, published)


def failing_step(cfg) -> None:
    raise ValueError("amoCRM answered 403 Forbidden (account blocked)")


def published_label(path: Path) -> str:
    con = connect(path, read_only=True)
    try:
        return con.execute("SELECT label FROM build_info").fetchone()[0]
    finally:
        con.close()
