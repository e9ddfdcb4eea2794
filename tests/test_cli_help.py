"""Every command's `--help` shows a newcomer what it changes and commands to copy, and every such command
parses: an option renamed or a value made invalid breaks this test, not the reader's first try.

The examples are parsed by the command line's own parser (click, under typer) without running anything:
`make_context` reads the options and checks their types and ranges, as a real run would first."""

from __future__ import annotations

import inspect
import re
import shlex

import click
import pytest
import typer.main
from typer.testing import CliRunner

from salesglass.cli import app

ROOT = typer.main.get_command(app)


def _leaves() -> list:
    def walk(cmd: click.Command, path: tuple[str, ...]):
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                yield from walk(sub, (*path, name))
        else:
            yield path, cmd

    return [pytest.param(path, cmd, id=" ".join(path)) for path, cmd in walk(ROOT, ())]


def examples(cmd: click.Command) -> list[str]:
    """The lines of the help's "Examples:" paragraph (its last; `\\b` keeps its lines apart in `--help`)."""
    text = inspect.cleandoc(cmd.help or "")
    _, found, tail = text.partition("\n\n\b\nExamples:\n")
    return [line.strip() for line in tail.splitlines() if line.strip()] if found else []


def parse(line: str) -> click.Context:
    """The context `salesglass …` on this line runs with (after a `|`, the command the pipe feeds; before a `<`)."""
    words = shlex.split(line)
    if "|" in words:
        words = words[len(words) - words[::-1].index("|") :]
    if "<" in words:
        words = words[: words.index("<")]
    assert words[0] == "salesglass", line
    cmd: click.Command = ROOT
    ctx = ROOT.make_context("salesglass", words[1:])
    while isinstance(cmd, click.Group):
        name, sub, rest = cmd.resolve_command(ctx, [*ctx._protected_args, *ctx.args])
        assert sub is not None and name is not None, line
        cmd, ctx = sub, sub.make_context(name, rest, parent=ctx)
    return ctx


@pytest.mark.parametrize(("path", "command"), _leaves())
def test_every_command_says_what_it_changes_and_shows_examples_that_parse(path, command):
    """Most `--help` texts had no example: a newcomer guessed the option names and the paths."""
    assert "Changes: " in (command.help or ""), f"{' '.join(path)}: the help does not say what the command changes"
    lines = examples(command)
    assert lines, f"{' '.join(path)}: no Examples: paragraph"
    for line in lines:
        ctx = parse(line)
        assert ctx.command_path == "salesglass " + " ".join(path), line  # an example of this very command
        if any("--config" in getattr(p, "opts", ()) for p in command.params):  # a newcomer has two: theirs, the demo's
            assert re.search(r" (-c|--config) \S+", line), f"{line}: say which config (-c)"


def test_the_examples_are_shown_one_a_line_as_written():
    """`--help` keeps the paragraph's lines (`\\b`; typer joins a paragraph's lines otherwise): each example
    can be copied whole. One command stands for all (rendering every command's help costs seconds)."""
    build = ROOT.commands["build"]
    shown = CliRunner().invoke(app, ["build", "--help"], env={"COLUMNS": "200"}, catch_exceptions=False).output
    said = [line.strip(" │") for line in shown.splitlines()]
    assert examples(build) and all(line in said for line in ["Examples:", *examples(build)]), shown


def test_a_renamed_option_in_an_example_is_caught():
    """The check above fails for an option the command does not have, and for a value out of its range."""
    with pytest.raises(click.NoSuchOption):
        parse("salesglass build -c demo/salesglass.toml --asof 2026-11-30")
    with pytest.raises(click.BadParameter):
        parse("salesglass serve -c demo/salesglass.toml --port 70000")
    with pytest.raises(click.UsageError):
        parse("salesglass bonus aprove 2026-11 -c demo/salesglass.toml")
