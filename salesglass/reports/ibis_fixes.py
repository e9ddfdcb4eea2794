"""One correction to Ibis's DuckDB SQL, applied when the reports package is imported.

Ibis compiles `epoch_seconds()` for DuckDB as `EPOCH(CAST(ts AS TIMESTAMP))`. For a TIMESTAMPTZ column
the cast goes through ICU with the session's time zone: on the 10 M sales of scale m it cost ~2 CPU-s,
where `EPOCH(ts)` costs 0.2 s — and it is also exact whatever the session's time zone (the build's is
UTC, where both give the same seconds). ClickHouse (`toRelativeSecondNum`) is unaffected.
"""

from __future__ import annotations

from ibis.backends.sql.compilers.duckdb import DuckDBCompiler


def _epoch_seconds(self, op, *, arg):
    return self.f.epoch(arg)


DuckDBCompiler.visit_ExtractEpochSeconds = _epoch_seconds
