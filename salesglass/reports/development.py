"""`[amocrm] development_pipelines` as pipeline ids for the build (BuildParams.development_pipelines).

Resolved once per build from the warehouse's canonical `pipelines` (at most 50 rows: config, not report
logic), so the reports filter deals by id in set-based SQL on every engine. No Ibis here: a build that
reuses its compiled SQL never imports it.
"""

from __future__ import annotations

from pathlib import Path

from salesglass.errors import ConfigError


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
        if not found:
            names = ", ".join(repr(name) for _, name in pipelines[:30]) or "none: run `salesglass sync` first"
            raise ConfigError(f"{key}: no pipeline named {ref!r} in the warehouse (there are: {names})")
        if len(found) > 1:
            raise ConfigError(
                f"{key}: {len(found)} pipelines are named {ref!r}; use the id ({', '.join(map(str, found))})"
            )
        ids.add(found[0])
    return tuple(sorted(ids))


def from_warehouse(refs: list[int | str], warehouse: Path) -> tuple[int, ...]:
    """`development_ids` against the warehouse file's `pipelines` table (none: no names known yet)."""
    if not refs:
        return ()
    rows: list[tuple[int, str | None]] = []
    if warehouse.exists():
        from salesglass.warehouse import connect

        con = connect(warehouse, read_only=True)
        try:
            have = con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'pipelines'"
            ).fetchall()[0][0]
            if have:
                rows = [
                    (int(r[0]), r[1])
                    for r in con.execute(
                        "SELECT pipeline_id, name FROM pipelines ORDER BY sort, pipeline_id"
                    ).fetchall()
                ]
        finally:
            con.close()
    return development_ids(refs, rows)
