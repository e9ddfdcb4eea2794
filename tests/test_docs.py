"""The docs hold together: every page the code and the docs point at is in this repository, and every
config key has a meaning in docs/configuration.md.

A reference is any `something.md` (or `docs/…`) in code, tests, benchmarks, docs, README and
pyproject.toml. Pages a user of the open-source project does not have (`../shared`, `spec/…`, the
team's briefs) are dangling: their contract is written into docs/model.md and docs/reports.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ["salesglass", "tests", "bench", "docs", "README.md", "CONTRIBUTING.md", "CHANGELOG.md", "pyproject.toml"]
SUFFIXES = {".py", ".md", ".toml", ".html", ".js", ".cfg", ".txt"}
# `docs/x.md`, `spec/x.md`, `../shared/…`, or a bare `x.md`
REFERENCE = re.compile(r"(?<![\w./-])((?:\.\./)*(?:[\w-]+/)*[\w-]+\.md)\b")


def scanned_files() -> list[Path]:
    out: list[Path] = []
    for name in SCANNED:
        path = ROOT / name
        if path.is_file():
            out.append(path)
        elif path.is_dir():
            out += [p for p in sorted(path.rglob("*")) if p.suffix in SUFFIXES and "vendor" not in p.parts]
    return [p for p in out if p.name not in ("test_docs.py", "test_docs_snippets.py")]  # their probes dangle


# pages being written this session by another change; remove an entry as soon as its page exists
PROMISED: set[str] = set()


def resolves(ref: str, where: Path, root: Path = ROOT) -> bool:
    """A reference resolves to a file of the repository: as written from the root, next to the file
    that names it, or (a bare page name) in docs/."""
    if "shared/" in ref or ref.startswith("spec/"):
        return False
    if ref in PROMISED:
        return True
    candidates = [root / ref, where.parent / ref]
    if "/" not in ref:
        candidates.append(root / "docs" / ref)
    return any(c.resolve().is_file() and root in c.resolve().parents for c in candidates)


def dangling(files: list[Path], root: Path = ROOT) -> list[str]:
    out = []
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            for ref in REFERENCE.findall(line):
                if not resolves(ref, path, root):
                    out.append(f"{path.relative_to(root)}:{n}: {ref}")
    return out


def probe_repository(tmp_path: Path, text: str) -> Path:
    """A page in a small copy of the repository's layout (README.md, docs/model.md, docs/reports.md), not in
    the repository itself: a probe written into docs/ was read, and vanished under, the other test process
    scanning docs/ at the same moment (FileNotFoundError under pytest -n 2)."""
    (tmp_path / "docs").mkdir()
    for name in ("README.md", "docs/model.md", "docs/reports.md"):
        (tmp_path / name).write_text("# a page\n", encoding="utf-8")
    page = tmp_path / "docs" / "__probe.md"
    page.write_text(text, encoding="utf-8")
    return page


def test_a_promised_page_is_still_missing():
    """PROMISED is for pages not written yet: once one exists, its entry must go."""
    assert [ref for ref in PROMISED if (ROOT / ref).exists()] == []


def test_every_doc_reference_resolves_inside_the_repository():
    found = dangling(scanned_files())
    assert not found, "references to pages this repository does not have:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "text", ["see spec/reports.md", "(../shared/docs/stack.md)", "docs/nowhere.md", "as amocrm-api.md §6 says"]
)
def test_a_dangling_reference_is_found(tmp_path: Path, text: str):
    page = probe_repository(tmp_path.resolve(), f"line one\n{text}\n")  # in docs/, so a relative reference is tried too
    assert dangling([page], page.parents[1]) == [f"docs/__probe.md:2: {REFERENCE.findall(text)[0]}"]


def test_a_reference_that_exists_is_fine(tmp_path: Path):
    page = probe_repository(tmp_path.resolve(), "docs/model.md, reports.md, ../README.md\n")
    assert dangling([page], page.parents[1]) == []
