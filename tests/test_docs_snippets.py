"""What a newcomer copies from README.md and docs/ works as written.

Every TOML config snippet of the docs (a fenced ```toml block, indented in a list item too) is written
to a file and read by the real config loader (`load_config`, what every command runs). A snippet shows
the sections it sets, so it is a config of its own: every section is optional. A block without a
language that holds a `[section]` line is a config snippet too and must say ```toml (a shell command and
a config in one block cannot be pasted as either). An example that is wrong on purpose says so on the
line before its fence, `<!-- invalid-config: what is wrong -->`, and must then be refused.

Every relative link of README.md and docs/ (`[text](path)`, `[text](path#anchor)`, `[text](#anchor)`)
names a file of the repository, and its anchor a heading of that page; nothing points at ../shared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

from salesglass.config import load_config
from salesglass.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)[ \t]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)
SECTION = re.compile(r"^\s*\[\[?[A-Za-z_][\w.]*\]\]?\s*(#.*)?$", re.M)
INVALID = re.compile(r"<!--\s*invalid-config:\s*(?P<why>[^>]+?)\s*-->\s*$")
LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")


@dataclass
class Snippet:
    page: Path
    line: int
    lang: str
    text: str
    invalid: str | None  # why the example is wrong on purpose

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def fenced_blocks(page: Path) -> list[Snippet]:
    text = page.read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        indent = m.group("indent")
        body = "".join(
            line[len(indent) :] if line.startswith(indent) else line for line in m.group("body").splitlines(True)
        )
        before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = INVALID.search(before)
        line = text.count("\n", 0, m.start()) + 1
        out.append(Snippet(page, line, m.group("lang"), body, marker.group("why") if marker else None))
    return out


def config_snippets() -> list[Snippet]:
    return [s for page in PAGES for s in fenced_blocks(page) if s.lang == "toml"]


def test_the_docs_have_config_snippets():
    """The extraction finds the snippets (a regex that finds nothing would pass every check below)."""
    where = {s.where.split(":")[0] for s in config_snippets()}
    assert {"docs/refresh.md", "docs/amocrm.md", "docs/bi-tools.md", "docs/reports.md"} <= where


def _loads_or_is_refused(tmp_path: Path, text: str, *, refused: bool, what: str) -> None:
    """The config `text` loads as written, or (an example wrong on purpose) is refused with a ConfigError."""
    path = tmp_path / "salesglass.toml"
    path.write_text(text, encoding="utf-8")
    if refused:
        with pytest.raises(ConfigError):
            load_config(path)
        return
    try:
        load_config(path)
    except ConfigError as exc:
        pytest.fail(f"{what} does not load as written:\n{exc}\n---\n{text}")


@pytest.mark.parametrize("snippet", config_snippets(), ids=lambda s: s.where)
def test_a_config_snippet_loads_as_written(snippet: Snippet, tmp_path: Path):
    _loads_or_is_refused(tmp_path, snippet.text, refused=snippet.invalid, what=f"{snippet.where}: the config snippet")


def test_a_config_in_an_unlabelled_block_is_marked_toml():
    """A `[section]` line in a block with no language (or a shell block) is a config a reader will paste:
    it goes in a ```toml block of its own, where the test above checks it."""
    found = [
        s.where
        for page in PAGES
        for s in fenced_blocks(page)
        if s.lang in ("", "sh", "bash", "console", "text") and SECTION.search(s.text)
    ]
    assert not found, f"config sections outside a ```toml block: {found}"


def test_a_wrong_snippet_is_caught(tmp_path: Path):
    """The check can fail: a misspelt key and a bad value are refused by the loader the test uses."""
    page = tmp_path / "page.md"
    page.write_text(
        "```toml\n[refresh]\ninterval_minuts = 15\n```\n\n<!-- invalid-config: not a time -->\n"
        '```toml\n[refresh]\nnightly_at = "3am"\n```\n',
        encoding="utf-8",
    )
    first, second = fenced_blocks(page)
    assert (first.invalid, second.invalid) == (None, "not a time")
    for snippet in (first, second):
        path = tmp_path / "salesglass.toml"
        path.write_text(snippet.text, encoding="utf-8")
        with pytest.raises(ConfigError):
            load_config(path)


# prose that names a setting inline: "`[account] timezone = "Asia/Novosibirsk"`", "`reports_as_of = …` in `[refresh]`"
INLINE = [
    re.compile(r"`\[(?P<section>[a-z_.]+)\] (?P<setting>[a-z_]+ = [^`]+)`"),
    re.compile(r"`(?P<setting>[a-z_]+ = [^`]+)`[^`\n]{0,12}`\[(?P<section>[a-z_.]+)\]`"),
]
# inline settings that describe a condition rather than a config to paste (with why they do not load alone)
CONDITIONS = {"[writeback] enabled = true": "enabled needs a target status too: the ```toml block of refresh.md"}


def inline_settings() -> list[tuple[str, str]]:
    """(where, `[section]\nkey = value`) of every setting written inline in README.md and docs/."""
    out = []
    for page in PAGES:
        for n, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            for rx in INLINE:
                for m in rx.finditer(line):
                    out.append((f"{page.relative_to(ROOT)}:{n}", f"[{m.group('section')}]\n{m.group('setting')}\n"))
    return out


def test_the_docs_have_inline_settings():
    assert len(inline_settings()) >= 5


@pytest.mark.parametrize(("where", "text"), inline_settings(), ids=[w for w, _ in inline_settings()])
def test_an_inline_setting_loads_as_written(where: str, text: str, tmp_path: Path):
    refused = " ".join(text.split("\n", 1)).strip() in CONDITIONS
    _loads_or_is_refused(tmp_path, text, refused=refused, what=f"{where}: `{text.strip()}`")


# ------------------------------------------------------------------------------------------------ links
def anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces to hyphens."""
    out = set()
    in_fence = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        if in_fence or not line.startswith("#"):
            continue
        title = line.lstrip("#").strip().lower()
        title = re.sub(r"[`*_]", "", title)
        out.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return out


def broken_links(pages: list[Path], root: Path = ROOT) -> list[str]:
    out = []
    for page in pages:
        in_fence = False
        for n, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith("```"):
                in_fence = not in_fence
            if in_fence:
                continue
            for m in LINK.finditer(line):
                target = m.group("target")
                if re.match(r"^[a-z]+:", target):  # https:, mailto:
                    continue
                file, _, anchor = target.partition("#")
                where = f"{page.relative_to(root)}:{n}: {target}"
                dest = (page.parent / file).resolve() if file else page
                if "shared/" in file or root not in (dest, *dest.parents):
                    out.append(where + " (outside the repository)")
                elif not dest.exists():
                    out.append(where + " (no such file)")
                elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                    out.append(where + " (no such heading)")
    return out


def test_every_relative_link_of_the_docs_resolves():
    assert broken_links(PAGES) == []


def test_a_broken_link_is_found(tmp_path: Path):
    # a small copy of the repository's layout, not the repository: a probe written into docs/ was read, and
    # vanished under, the other test process scanning docs/ at the same moment (pytest -n 2)
    root = tmp_path.resolve()
    (root / "docs").mkdir()
    for name, text in [
        ("README.md", "# Read me\n"),
        ("docs/model.md", "# Model\n"),
        ("docs/refresh.md", "# Refresh\n"),
    ]:
        (root / name).write_text(text, encoding="utf-8")
    page = root / "docs" / "__probe_links.md"
    page.write_text(
        "# A title, with `code`\n[ok](#a-title-with-code) [ok](model.md) [ok](../README.md)\n"
        "[gone](nowhere.md) [shared](../shared/docs/stack.md) [anchor](refresh.md#no-such-part)\n"
        "```\n[not a link](inside-a-fence.md)\n```\n",
        encoding="utf-8",
    )
    assert [b.split(": ", 1)[1] for b in broken_links([page], root)] == [
        "nowhere.md (no such file)",
        "../shared/docs/stack.md (outside the repository)",
        "refresh.md#no-such-part (no such heading)",
    ]


# ------------------------------------------------------------------------------- hand-written key tables
def key_tables(page: Path) -> list[list[list[str]]]:
    """Every table of `page` whose first header cell is `key`: its rows, cells stripped."""
    tables: list[list[list[str]]] = []
    rows: list[list[str]] = []
    for line in [*page.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
            continue
        if rows and rows[0][0] == "key":
            tables.append([r for r in rows[2:]])  # past the header and its |---| line
        rows = []
    return tables


def named_keys(cell: str) -> set[str]:
    """`table` / `query` / `path` → {table, query, path}; `[[platform.inputs]]` → {inputs}; plain `host`."""
    names = re.findall(r"`([^`]+)`", cell) or [cell]
    return {re.sub(r"[\[\]]", "", n).split(".")[-1] for n in names}


def _documented(page: str) -> list[set[str]]:
    return [set().union(*(named_keys(r[0]) for r in t)) for t in key_tables(ROOT / "docs" / page)]


def _model_keys(model) -> set[str]:
    return {f.alias or name for name, f in model.model_fields.items()}


def test_the_hand_written_key_tables_list_every_key_and_only_real_ones():
    """docs/dashboard.md and docs/platform.md explain their sections in tables of their own (with examples
    docs/configuration.md does not have); each table names exactly the keys its section has — a key the
    code gained is not left out (`[platform] folder` was), a key it lost is not still described."""
    from salesglass.config import Config
    from salesglass.sources.platform.config import ColumnSpec, InputSpec

    cfg = Config()
    expected = {
        "dashboard.md": [_model_keys(type(cfg.dashboard))],
        "platform.md": [
            _model_keys(type(cfg.platform)),
            _model_keys(InputSpec),
            _model_keys(ColumnSpec),
            _model_keys(type(cfg.linking)),
        ],
    }
    for page, models in expected.items():
        assert _documented(page) == models, page


def test_the_dashboard_table_gives_the_real_defaults():
    from salesglass.config import Config

    dashboard = Config().dashboard
    (table,) = key_tables(ROOT / "docs" / "dashboard.md")
    for key, default, _ in table:
        value = getattr(dashboard, key)
        shown = str(value).lower() if isinstance(value, bool) else '""' if value == "" else str(value)
        assert default == shown, f"[dashboard] {key}: the docs say {default}, the code has {value!r}"


# ------------------------------------------------------------------------------- commands and options
# `salesglass <command> [<subcommand>] <arguments and options>` up to the end of the code span or line: a
# backtick, a pipe, `;`, `&`, `)` or a shell comment ends it (the next command, or prose about it)
COMMAND_LINE = re.compile(r"(?<![\w/.-])salesglass ([a-z][\w-]*(?: [^`|;&)\n#]*)?)")
OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def command_lines(pages: list[Path], root: Path = ROOT) -> list[tuple[str, list[str], list[str], click.Command]]:
    """(where, command path, the words after it, the click command) of each command line of the pages.
    Prose ("salesglass reads one TOML file") names no command and is skipped."""
    import typer

    from salesglass.cli import app

    top = typer.main.get_command(app)
    out = []
    for page in pages:
        for n, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            for m in COMMAND_LINE.finditer(line):
                words, cmd, path = m.group(1).split(), top, list[str]()
                for word in words:
                    sub = getattr(cmd, "commands", {}).get(word)
                    if sub is None:
                        break
                    cmd, path = sub, [*path, word]
                if path:
                    out.append((f"{page.relative_to(root)}:{n}", path, words[len(path) :], cmd))
    return out


def unknown_commands(pages: list[Path], root: Path = ROOT) -> list[str]:
    """Each command line of the pages that names a subcommand or an option the CLI does not have."""
    out = []
    for at, path, rest, cmd in command_lines(pages, root):
        where = f"{at}: salesglass {' '.join(path)}"
        if getattr(cmd, "commands", None) and rest and re.fullmatch(r"[a-z][a-z-]*", rest[0]):
            out.append(f"{where}: no command {rest[0]!r}")
        known = {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)} | {"--help"}
        out += [f"{where}: no option {o}" for o in OPTION.findall(" ".join(rest)) if o not in known]
    return out


def test_every_command_and_option_the_docs_name_exists():
    """A newcomer types the commands of README.md and docs/ as written: each names a command, subcommand
    and options the CLI has (a renamed option is not left behind in a page)."""
    assert len(command_lines(PAGES)) >= 150  # the extraction finds them (README and docs name ~190)
    assert unknown_commands(PAGES) == []


def test_a_wrong_command_or_option_is_found(tmp_path: Path):
    """The check can fail, and skips prose: a misspelt option, subcommand and negated flag are found."""
    page = tmp_path / "page.md"
    page.write_text(
        "salesglass reads one file. `salesglass build --as-off 2026-01-01` then `salesglass bonus aprove 2026-11`\n"
        "```\nsalesglass demo --no-serv --scale m   # a comment --not-an-option\n"
        "salesglass users add a@b.ru --role admin | salesglass forecast backtest -p month\n```\n",
        encoding="utf-8",
    )
    assert [f.split(": ", 1)[1] for f in unknown_commands([page], tmp_path)] == [
        "salesglass build: no option --as-off",
        "salesglass bonus: no command 'aprove'",
        "salesglass demo: no option --no-serv",
    ]
