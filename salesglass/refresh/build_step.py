"""The refresh's build step: rebuild and publish the reports only when what they are built from changed.

What a build reads: the warehouse's data (each step that changes it stamps `warehouse_changes`, see
`salesglass.warehouse.note_change`), the day it is built as of, the configuration, the bonus state file
(approvals made on the dashboard) and this version of salesglass (its source files: an upgrade
rebuilds). Their fingerprint is kept next to the published file after every build the refresh makes
(`<published>.inputs.json`, with the published file's size and time, so a file replaced by anything
else is rebuilt). When the fingerprint is the same, the published file already holds exactly what a
build would write: nothing is built or published, and the step says so. `salesglass build` by hand
always builds.

The check imports neither Ibis nor the report steps: a refresh that finds nothing to do costs
milliseconds here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from salesglass.code_hash import PACKAGE_ROOT as _PACKAGE_ROOT
from salesglass.code_hash import code_fingerprint
from salesglass.processes import replace_whole
from salesglass.reports.publish import file_state  # light: no Ibis, no report steps

NO_CHANGE = "no change since the last build: nothing rebuilt, nothing published"


@dataclass
class BuildOutcome:
    """What the step did; `changed` and `note` go into the refresh's run log (runner.run_refresh)."""

    built: bool
    as_of: date
    note: str | None = None
    summary: Any = None  # the BuildSummary when it built

    @property
    def changed(self) -> bool:
        return self.built


def stamp_path(published: Path) -> Path:
    return published.with_name(published.name + ".inputs.json")


PACKAGE_ROOT = _PACKAGE_ROOT  # a test points it at another tree (an upgrade)


def inputs_fingerprint(cfg: Any, as_of: date) -> str:
    """One hash of everything a build of `as_of` reads (see the module doc)."""
    from salesglass import __version__
    from salesglass.warehouse import change_stamps, connect

    con = connect(cfg.warehouse_path, read_only=True)
    try:
        stamps = change_stamps(con)
    finally:
        con.close()
    what = {
        "data": stamps,
        "as_of": as_of.isoformat(),
        # the sections a build reads itself (the others reach it through the data their steps change)
        "config": cfg.model_dump(mode="json", include={"warehouse", "account", "reports"}),
        "amocrm_timezone": getattr(getattr(cfg, "amocrm", None), "timezone", None),
        "bonus_state": file_state(cfg.bonus_state_path),
        "version": __version__,
        "code": code_fingerprint(PACKAGE_ROOT),
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()


def _stored(published: Path) -> dict[str, Any]:
    try:
        value = json.loads(stamp_path(published).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def up_to_date(cfg: Any, fingerprint: str) -> bool:
    """Whether the published file is the one the last refresh built from these very inputs."""
    stored = _stored(cfg.published_path)
    return (
        bool(stored)
        and stored.get("inputs") == fingerprint
        and stored.get("published") == file_state(cfg.published_path)
        and stored.get("published") is not None
    )


def remember(cfg: Any, fingerprint: str) -> None:
    """Keep the fingerprint of the build just published (written whole, then renamed into place)."""
    replace_whole(
        stamp_path(cfg.published_path),
        json.dumps({"inputs": fingerprint, "published": file_state(cfg.published_path)}),
        legacy=(".{name}.{pid}.tmp",),  # the name before it carried the host
    )


def build_if_changed(
    cfg: Any, *, as_of: date | None = None, progress: bool = False, full: bool = False
) -> BuildOutcome:
    """`run_build`, unless the published reports were built from exactly these inputs already; it redoes
    only the steps whose inputs changed, or (`full`, the nightly run) every step."""
    from salesglass.account_zone import resolve_zone

    day = as_of or resolve_zone(cfg).today()
    fingerprint = inputs_fingerprint(cfg, day) if cfg.warehouse_path.exists() else ""
    if fingerprint and up_to_date(cfg, fingerprint):
        return BuildOutcome(built=False, as_of=day, note=NO_CHANGE)
    from salesglass.reports.build import run_build

    summary = run_build(cfg, as_of=day, progress=progress, full=full)
    if fingerprint:
        remember(cfg, fingerprint)
    return BuildOutcome(built=True, as_of=day, summary=summary)
