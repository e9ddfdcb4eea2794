"""Imports run one way: sources → model ← link ← reports ← serve / outputs (docs/architecture.md).

Every `import` in salesglass/ (also inside functions and `if TYPE_CHECKING:`) is checked against the
rooms below. Only the composition places may import across: the CLI modules (`salesglass/cli.py`,
`<room>/cli.py`), `refresh/` and `demo/`. A new module belongs to the room of its folder; a new room
must be added here, with what it may import, or this test fails and says so.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "salesglass"

# the foundation every room may use: errors, the warehouse engines, SQL quoting, the canonical model,
# the config (one file, validated; each room keeps its own section model in <room>/config.py)
FOUNDATION = {
    "__init__",
    "errors",
    "config_base",
    "config",
    "config_docs",
    "cli_options",
    "sql",
    "warehouse",
    "runs",
    "model",
    "safe_cells",
    "currency",  # the account currency's sign: one map for the dashboard, digests and exports
    "plural",  # "1 row" / "2 rows" (and Russian's three forms) in messages
    "private_files",  # who may read the files salesglass writes (owner-only; the published file group-readable)
    "plausible",  # the plausible range of dates (CLI --as-of and the dashboard filters)
    "account_zone",  # the account time zone, resolved from the config and the warehouse's synced account row
    "processes",  # whether a pid still lives (the refresh lock; a killed build's leftover files)
    "code_hash",  # which code built a file: the refresh's rebuild after an upgrade, build_info, the dashboard
}
# room → the rooms it may import (besides itself and the foundation)
MAY_IMPORT: dict[str, set[str]] = {
    "sources": set(),
    "link": set(),
    "reports": {"link"},
    "outputs": {"reports"},
    "serve": {"reports", "outputs", "bonus"},
    "bonus": {"reports", "outputs"},  # bonus periods: the state store, statements, payroll (docs/bonuses.md)
    "simulate": set(),  # the simulated company knows nothing of the product that reads it
    "emulator": set(),  # the amoCRM emulator serves a snapshot; it knows nothing of the connector
}
# may import any room, like the CLI modules (starter: `salesglass init`; check: `salesglass check`, both sources)
COMPOSERS = {"refresh", "demo", "starter", "check"}


def room_of(module: str) -> str:
    """`salesglass.sources.amocrm.sync` → "sources"; `salesglass.warehouse` → "warehouse"."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path, root: Path = PACKAGE) -> list[tuple[int, str]]:
    """(line, absolute module) for every salesglass import in the file, relative ones resolved."""
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            # `from salesglass import demo` imports the room `demo`, not the package
            targets = [f"{name}.{a.name}" for a in node.names] if name == "salesglass" else [name]
            found += [(node.lineno, t) for t in targets]
    return [(line, name) for line, name in found if name == "salesglass" or name.startswith("salesglass.")]


def is_composer(module: str) -> bool:
    parts = module.split(".")
    if is_config(module):
        return False  # refresh/config.py is a section model like any other, not a composer
    return parts[-1] in ("cli", "__main__") or room_of(module) in COMPOSERS


def is_config(module: str) -> bool:
    """A room's config section model: imported by salesglass/config.py, so it stays a leaf."""
    parts = module.split(".")
    return parts[-1] == "config" and len(parts) > 2 and parts[1] != "demo"  # demo/config.py: the demo's file


def violation(module: str, target: str) -> str | None:
    """Why `module` may not import `target`, or None when it may."""
    here, there = room_of(module), room_of(target)
    if is_composer(module):
        return None
    if is_composer(target):
        return f"{target} is part of a composing room (CLI, refresh, demo); only those may import it"
    if here == "sources" and there == "sources" and module.split(".")[:3] != target.split(".")[:3]:
        return "one source imports another (each source maps into the model on its own)"
    if here == there or there in FOUNDATION:
        return None
    if is_config(target) and (here in FOUNDATION or is_config(module)):
        return None  # salesglass/config.py gathers every room's section
    if here in FOUNDATION:
        return f"the foundation ({here}) imports the room {there}"
    if here not in MAY_IMPORT:
        return f"{here} is no known room: add it to MAY_IMPORT in tests/test_architecture.py"
    if there not in MAY_IMPORT[here]:
        allowed = ", ".join(sorted(MAY_IMPORT[here])) or "nothing but the foundation"
        return f"{here} may import {allowed}, not {there}"
    return None


def violations(root: Path = PACKAGE) -> list[str]:
    out = []
    for path in sorted(root.rglob("*.py")):
        module = module_name(path, root)
        for line, target in imported(path, root):
            why = violation(module, target)
            if why:
                out.append(f"{path.relative_to(root.parent)}:{line}: imports {target}: {why}")
    return out


def test_imports_run_one_way():
    found = violations()
    assert not found, "imports against the arrows:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("module", "target"),
    [
        ("salesglass.reports.export", "salesglass.serve.export"),  # a report reaching into serving
        ("salesglass.link.doctor", "salesglass.reports.data_quality"),  # linking reaching into reports
        ("salesglass.serve.web.app", "salesglass.refresh.scheduler"),  # the web app composing steps
        ("salesglass.sources.platform.load", "salesglass.refresh.lock"),  # a source knowing the refresh
        ("salesglass.sources.amocrm.demo", "salesglass.emulator.server"),  # a source knowing the emulator
        ("salesglass.sources.platform.plans", "salesglass.sources.amocrm.client"),  # one source knowing another
        ("salesglass.simulate.democonfig", "salesglass.link.config"),  # the simulator knowing the product
        ("salesglass.warehouse", "salesglass.reports.base"),  # the foundation knowing a room
        ("salesglass.serve.web.pages.quality", "salesglass.refresh.status"),
        ("salesglass.outputs.digest", "salesglass.serve.web.app"),
        ("salesglass.reports.build", "salesglass.reports.cli"),
        ("salesglass.sources.platform.check", "salesglass.sources.amocrm.resolve"),  # the dry run is per source
        ("salesglass.sources.platform.check", "salesglass.check"),
        ("salesglass.newroom.thing", "salesglass.reports.base"),
    ],
)
def test_each_wrong_way_import_of_issue_19_is_refused(module: str, target: str):
    assert violation(module, target) is not None


@pytest.mark.parametrize(
    ("module", "target"),
    [
        ("salesglass.serve.web.pages.sales", "salesglass.reports.columns"),
        ("salesglass.outputs.publish", "salesglass.reports.columns"),
        ("salesglass.reports.build", "salesglass.warehouse"),
        ("salesglass.sources.amocrm.mapping", "salesglass.model.schema"),
        ("salesglass.config", "salesglass.sources.platform.config"),
        ("salesglass.refresh.scheduler", "salesglass.outputs.digest"),
        ("salesglass.serve.cli", "salesglass.refresh.scheduler"),
        ("salesglass.demo.cli", "salesglass.serve.web.app"),
        ("salesglass.check", "salesglass.sources.amocrm.resolve"),  # `salesglass check` runs both sources
        ("salesglass.check", "salesglass.sources.platform.check"),
    ],
)
def test_the_arrows_allow_these(module: str, target: str):
    assert violation(module, target) is None


def test_a_wrong_way_import_in_a_file_is_found(tmp_path: Path):
    """The file walk itself: a relative import from a source into refresh/ is resolved and refused."""
    root = tmp_path / "salesglass"
    (root / "sources" / "platform").mkdir(parents=True)
    (root / "sources" / "platform" / "load.py").write_text(
        "def f():\n    from ...refresh.lock import RefreshLock\n", encoding="utf-8"
    )
    found = violations(root)
    assert len(found) == 1 and "salesglass.refresh.lock" in found[0] and "load.py:2" in found[0]


# Every file mode salesglass sets is set in salesglass/private_files.py (owner-only, the published file
# group-readable): a chmod, an `os.open` or `mkdir` with a mode, or an octal mode written anywhere else gave
# files modes of their own before (the lockouts file, the starter's secrets, the refresh lock: 0644).
MODES_ONLY_IN = "private_files.py"
_SETS_A_MODE = {"chmod", "fchmod", "lchmod", "umask", "copymode", "copystat"}
_OCTAL = re.compile(r"\b0[oO][0-7]{3,4}\b")


def modes_set(path: Path, root: Path = PACKAGE) -> list[str]:
    """`file:line: what` for every place in `path` that sets a file's mode itself."""
    text = path.read_text(encoding="utf-8")
    where = path.relative_to(root.parent)
    found = [
        f"{where}:{n}: octal mode {m.group()}"
        for n, line in enumerate(text.splitlines(), 1)
        for m in _OCTAL.finditer(line)
    ]
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        owner = getattr(getattr(node.func, "value", None), "id", None)
        has_mode = any(k.arg == "mode" for k in node.keywords)
        if (
            name in _SETS_A_MODE
            or (name == "mkdir" and has_mode)
            or (name == "open" and owner == "os" and (len(node.args) > 2 or has_mode))
        ):
            found.append(f"{where}:{node.lineno}: {ast.unparse(node.func)}(…)")
    return found


def test_file_modes_are_set_in_private_files_only():
    found = [hit for path in sorted(PACKAGE.rglob("*.py")) if path.name != MODES_ONLY_IN for hit in modes_set(path)]
    assert not found, "set the mode with salesglass/private_files.py instead:\n" + "\n".join(found)


def test_a_mode_set_by_hand_is_found(tmp_path: Path):
    root = tmp_path / "salesglass"
    root.mkdir()
    (root / "lockouts.py").write_text(
        "import os\nfd = os.open(p, os.O_CREAT | os.O_WRONLY, 384)\nos.chmod(p, 0o600)\nq.mkdir(mode=448)\n",
        encoding="utf-8",
    )
    found = modes_set(root / "lockouts.py", root)
    assert [hit.split(": ", 1)[0].rsplit(":", 1)[1] for hit in found] == ["3", "2", "3", "4"]
