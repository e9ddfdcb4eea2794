"""Which code built a file: a hash of salesglass's own source files.

The version number stays 0.1.0 across a `git pull`, so the refresh's build step (refresh/build_step.py) keys
on this hash to rebuild after an upgrade, the build records it in `build_info.code`, and the dashboard says
when the file it shows was built by another version (whose newer parts are missing).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent


@lru_cache(maxsize=4)
def code_fingerprint(root: Path | None = None) -> str:
    """A hash of salesglass's own source files: the version number stays 0.1.0 across a `git pull`, and an
    upgrade that changes how a report is computed must rebuild it even when no data changed (a few ms). The
    build writes it into `build_info.code`; the dashboard says when the file it shows was built by other code."""
    root = PACKAGE_ROOT if root is None else root
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()
