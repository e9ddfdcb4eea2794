"""`[amocrm] development_pipelines` as pipeline ids for the build (BuildParams.development_pipelines).

Resolved once per build from the warehouse's canonical `pipelines` (at most 50 rows: config, not report
logic), so the reports filter deals by id in set-based SQL on every engine. No Ibis here: a build that
reuses its compiled SQL never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from salesglass.errors import ConfigError

if TYPE_CHECKING:
    import duckdb


def development_ids(refs: list[int | str], pipelines: list[tuple[int, str | None]]) -> tuple[int, ...]:
    """`[amocrm] development_pipelines` (ids or names) as pipeline ids, against the canonical `pipelines`
    (id, name) rows; a name no pipeline has (or has twice) is a ConfigError naming the key. An id is taken
    as it is: a pipeline deleted before the first sync that listed it still names its deals. Names match
    as the sync matches them (trimmed, case-insensitive)."""
    ids: set[int] = set()
    for n, ref in enumerate(refs):
        if isinstance(ref, int) or ref.strip().isdigit():
            ids.add(int(ref))
            continue
        found = [pid for pid, name in pipelines if (name or "").strip().casefold() == ref.strip().casefold()]
        key = f"[amocrm].development_pipelines[{n}]"
        if not found and not pipelines:
            raise ConfigError(
                f"{key}: no pipeline named {ref!r}: the warehouse knows no pipelines yet "
                "(run `salesglass sync` first, or give the pipeline's id)"
            )
        if not found:
            names = ", ".join(repr(name) for _, name in pipelines[:30])
            raise ConfigError(f"{key}: no pipeline named {ref!r} in the warehouse (there are: {names})")
        if len(found) > 1:
            raise ConfigError(
                f"{key}: {len(found)} pipelines are named {ref!r}; use the id ({', '.join(map(str, found))})"
            )
        ids.add(found[0])
    return tuple(sorted(ids))


def from_connection(refs: list[int | str], con: duckdb.DuckDBPyConnection) -> tuple[int, ...]:
    """`development_ids` against the `pipelines` table of an open DuckDB warehouse (none: no names yet)."""
    if not refs:
        return ()
    have = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'pipelines'").fetchall()
    rows: list[tuple[int, str | None]] = []
    if have[0][0]:
        got = con.execute("SELECT pipeline_id, name FROM pipelines ORDER BY sort, pipeline_id").fetchall()
        rows = [(int(r[0]), r[1]) for r in got]
    return development_ids(refs, rows)


def from_warehouse(refs: list[int | str], warehouse: Path) -> tuple[int, ...]:
    """`from_connection` on the warehouse file, opened read-only for the moment."""
    if not refs:
        return ()
    if not warehouse.exists():
        return development_ids(refs, [])
    from salesglass.warehouse import connect

    con = connect(warehouse, read_only=True)
    try:
        return from_connection(refs, con)
    finally:
        con.close()


def publish_flags(run: Callable[[str], Any], ids: tuple[int, ...]) -> None:
    """Mark the development pipelines in the build file's copy of `pipelines` (`is_development`), so that
    whoever reads the published file (the dashboard's drill-downs, your BI tool) leaves their deals out of
    the counts as the reports do. A development pipeline given by an id the table lacks (a warehouse synced
    before the table existed) gets a row of its own, without a name. Not the warehouse: the setting may
    change between syncs, and the mark must say what this build's reports used."""
    run("ALTER TABLE pipelines ADD COLUMN IF NOT EXISTS is_development BOOLEAN")
    if not ids:
        run("UPDATE pipelines SET is_development = FALSE")
        return
    listed = ", ".join(str(int(i)) for i in ids)
    run(
        f"INSERT INTO pipelines (pipeline_id) SELECT id FROM unnest([{listed}]) AS t(id) "
        "WHERE id NOT IN (SELECT pipeline_id FROM pipelines)"
    )
    run(f"UPDATE pipelines SET is_development = pipeline_id IN ({listed})")
