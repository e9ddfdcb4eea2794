"""What the build sends to ClickHouse: the canonical tables, without the columns no published copy holds."""

from __future__ import annotations

import tempfile
from pathlib import Path
from types import SimpleNamespace

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from salesglass.reports.clickhouse import push_canonical
from salesglass.sql import quote_ident, quote_lit
from salesglass.warehouse import connect, init_canonical

RAW = '{"name": "Анна Петрова", "phone": "+7 999 123-45-67", "comment": "звонить после 18"}'


class ChdbClient:
    """The two calls push_canonical makes on clickhouse-connect's client, made on a real chdb session."""

    def __init__(self, session) -> None:
        self.session = session

    def command(self, sql: str) -> None:
        self.session.query(sql)

    def insert_arrow(self, table: str, rows: pa.Table) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "rows.parquet"
            pq.write_table(rows, path)
            self.session.query(f"INSERT INTO {quote_ident(table)} SELECT * FROM file({quote_lit(str(path))}, Parquet)")


@pytest.mark.clickhouse
def test_clickhouse_gets_no_raw_text_of_quarantined_rows(tmp_path):
    """`quarantine.raw` (a rejected row's whole text: names, phones, comments) was withheld from the
    published file and PostgreSQL but still copied to the ClickHouse server at each build, though no report
    reads it. The reason, source and key still go: data quality counts them."""
    from chdb import session

    warehouse = tmp_path / "salesglass.duckdb"
    con = connect(warehouse)
    init_canonical(con)
    con.execute(
        "INSERT INTO quarantine (source, entity, source_key, reason, raw, seen_at) "
        f"VALUES ('platform:orders', 'sales', 'o-17', 'missing sold_at', {quote_lit(RAW)}, now())"
    )
    con.close()
    s = session.Session()
    try:
        rows = push_canonical(SimpleNamespace(con=ChdbClient(s)), str(warehouse))
        assert rows["quarantine"] == 1
        columns = str(s.query("SELECT name FROM system.columns WHERE table = 'quarantine' ORDER BY position", "CSV"))
        kept = str(s.query("SELECT * FROM quarantine", "CSV"))
    finally:
        s.close()
    assert '"raw"' not in columns.split() and '"reason"' in columns.split()
    assert "missing sold_at" in kept and "o-17" in kept
    assert "Анна" not in kept and "+7 999" not in kept
