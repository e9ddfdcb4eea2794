"""The `salesglass` command. Thin: each command parses its options and calls one step.

Commands live next to the code they drive (`simulate/cli.py`, `sources/amocrm/cli.py`, …); each of
those modules has a `register(app)` that adds its commands here. Heavy imports happen inside the
commands, so `salesglass --help` stays instant.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated, Any, cast

import click
import typer
import typer.core
from rich.console import Console

from salesglass.errors import SalesglassError

HELP = (
    "Sales analytics for amoCRM / Kommo + your own back-office. "
    "Try it: `salesglass demo`; your own company: `salesglass init`."
)

# What each command leaves when Ctrl-C stops it (said in one line, exit code 130): each writes its result under
# a temporary name and renames it into place when whole, or in transactions rolled back on any interruption
INTERRUPTED = {
    "build": "the published reports are the previous build's, unchanged (the half-built file was removed)",
    "refresh": "the published reports are the last good ones, unchanged; the run is recorded as interrupted",
    "export": "an earlier export at --out is as it was; nothing half-written was left",
    "sync": "the records copied so far are kept for the next sync; the mapped deals and the published "
    "reports are as they were",
    "load": "the inputs loaded so far are kept; the one in progress was rolled back; the published reports "
    "are as they were",
    "link": "the links were rolled back to the last run's; the published reports are as they were",
    "publish": "the PostgreSQL schema BI tools read is as it was (the half-copied one was dropped)",
    "generate": "an earlier company at --out is as it was (the half-written one was removed)",
    "init": "nothing was written (the config and its secrets are written after the last answer)",
    "check": "nothing was written (a check only reads)",
    "bonus": "the bonus state is as it was or wholly changed (each step is one transaction); an earlier file "
    "at --out is as it was",
    "doctor": "nothing was written; an earlier file at --export is as it was",
    "platform": "the config file is as it was (--write replaces it in one step, when whole)",
    "forecast": "nothing was written (a backtest only reads)",
    "users": "the logins file is as it was or wholly changed (it is replaced in one step), never half-written",
    "serve": "the dashboard stopped; the published reports are the last good ones",
    "demo": "the demo stopped; what it finished stays in its folder (`salesglass demo` again goes on from it)",
}


class _Salesglass(typer.core.TyperGroup):
    """The root command: Ctrl-C in any command is one line saying what was left as it was, and exit code 130
    (as a shell reports SIGINT), not click's blank line and "Aborted!" with exit code 1. A path given as an
    empty string is refused in every command (`_refuse_empty_paths`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _refuse_empty_paths(self)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.BadParameter as bad:  # a subcommand's option out of its range or not a number
            raise SalesglassError(bad_value_message(bad)) from None
        except (KeyboardInterrupt, click.exceptions.Abort) as stop:  # Abort: Ctrl-C (or Ctrl-D) at a prompt
            name = ctx.invoked_subcommand or ""
            if isinstance(stop, click.exceptions.Abort):
                Console(stderr=True).print()  # off the line of the question, which ends in "^C"
            _say("Interrupted:", INTERRUPTED.get(name, f"`salesglass {name}` stopped before it finished"))
            sys.exit(130)


class _NonEmptyPath:
    """Mixed into a command's path type: `""` (an unset shell variable, `--out "$DIR"`) is refused. Python reads
    `Path("")` as the current folder, so `backup ""` wrote the backup there and `init ""` said ". exists"."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            cast(click.ParamType, self).fail("expected a file or folder name, got an empty one", param, ctx)
        return super().convert(value, param, ctx)  # type: ignore[misc]


_NON_EMPTY: dict[type[click.Path], type[click.Path]] = {}


def _refuse_empty_paths(command: click.Command) -> None:
    """Every path parameter of `command` and its subcommands refuses an empty value (one place for all)."""
    for param in command.params:
        kind = param.type
        if isinstance(kind, click.Path) and not isinstance(kind, _NonEmptyPath):
            base = type(kind)
            if base not in _NON_EMPTY:
                _NON_EMPTY[base] = type(f"NonEmpty{base.__name__}", (_NonEmptyPath, base), {})
            refusing: click.Path = object.__new__(_NON_EMPTY[base])
            refusing.__dict__.update(kind.__dict__)  # the same settings (exists=, dir_okay=, …)
            param.type = refusing
    for sub in getattr(command, "commands", {}).values():
        _refuse_empty_paths(sub)


app = typer.Typer(
    cls=_Salesglass,
    name="salesglass",
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # click itself says "Did you mean 'build'?"; typer's own suggestion said it a second time. Every group
    # (users, bonus, amocrm, platform, forecast) turns typer's off too
    suggest_commands=False,
)
# soft_wrap: a line the user copies (`next: salesglass … -c <path>`) stays whole when piped or logged, not cut at 80
console = Console(soft_wrap=True)

# commands a newcomer does not start with: listed last, under their own heading in `salesglass --help`
FOR_CONTRIBUTORS = "For contributors and tests"
_CONTRIBUTOR_COMMANDS = ("generate", "emulate-amocrm", "model-docs", "config-docs")


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        console.print(f"salesglass {version('salesglass')}", highlight=False)
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """`salesglass --help` says HELP (the Typer's own help wins over this docstring)."""


@app.command("init")
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the config.")] = Path("salesglass.toml"),
    amocrm_url: Annotated[
        str | None,
        typer.Option(help="Your account, e.g. https://example.amocrm.ru (leave out to set up the back-office first)."),
    ] = None,
    auth: Annotated[str, typer.Option(help="long_lived (a private integration's token) or oauth.")] = "long_lived",
    client_id: Annotated[str | None, typer.Option(help="OAuth only: the integration's id.")] = None,
    client_secret: Annotated[
        str | None,
        typer.Option(
            help="OAuth only: kept in a 0600 env file, not the config. '-' reads it from standard input "
            "(a secret typed on the command line is visible to other users in the process list); "
            "left out on a terminal, it is asked for without echo."
        ),
    ] = None,
    redirect_uri: Annotated[str | None, typer.Option(help="OAuth only: the integration's redirect URI.")] = None,
    platform_url: Annotated[
        str | None,
        typer.Option(
            help="Your back-office: a database URL "
            "(postgresql://…, mysql+pymysql://…, sqlite:///…) "
            "or a folder of CSV/XLSX files. Leave the password out of it (postgresql://reader@host/db): "
            "see --platform-password."
        ),
    ] = None,
    platform_password: Annotated[
        str | None,
        typer.Option(
            help="Only '-': read the back-office password from standard input (after the client secret, when "
            "both are '-'). Left out on a terminal while --platform-url names a user without a password, it is "
            "asked for without echo. A password in the URL or typed as a flag shows in the process list."
        ),
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(
            help="Zone of the back-office's timestamps written without an offset (IANA name). "
            "Leave out when it is the amoCRM account's own zone (read at each sync; Europe/Moscow before any)."
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write a commented starter config for your own amoCRM account and back-office.

    Every section says what to fill in and which command helps; nothing from the demo. Without flags
    on a terminal it asks; with flags it runs unattended. The back-office password is asked for without
    echo (with --platform-password - it is read from standard input).

    Changes: writes PATH (refused if it exists, unless --force) and, for secrets, owner-only files beside it
    (secrets/salesglass.env, .salesglass/); nothing else.

    \b
    Examples:
      salesglass init
      salesglass init --amocrm-url https://yourco.amocrm.ru --platform-url postgresql://reader@db/shop
      salesglass init company/salesglass.toml --platform-url ./exports --timezone Europe/Moscow
    """
    from salesglass.errors import ConfigError
    from salesglass.starter import Answers, write_starter

    if auth not in ("long_lived", "oauth"):
        raise ConfigError(f"--auth: expected long_lived or oauth, got {auth!r}")
    from salesglass.config_base import known_time_zone

    try:
        if timezone is not None:
            known_time_zone(timezone)
    except ValueError as exc:
        raise ConfigError(f"--timezone: {exc}") from None
    _no_stray_oauth_flags(auth, client_id=client_id, client_secret=client_secret, redirect_uri=redirect_uri)
    _no_login_in_address(amocrm_url)
    if sys.stdin.isatty() and amocrm_url is None and platform_url is None:
        amocrm_url = (
            typer.prompt("amoCRM address (https://<subdomain>.amocrm.ru; empty: later)", default="", show_default=False)
            or None
        )
        platform_url = (
            typer.prompt(
                "back-office database URL without its password, or folder of files (empty: later)",
                default="",
                show_default=False,
            )
            or None
        )
    if auth == "oauth" and not amocrm_url:
        raise ConfigError(
            "--auth oauth: expected --amocrm-url too (the account the integration authorizes); "
            "without it the OAuth settings would be left out of the file"
        )
    _no_login_in_address(amocrm_url)
    client_secret = _client_secret(client_secret, auth)
    platform_password = _platform_password(platform_password, platform_url)
    done = write_starter(
        path,
        Answers(
            amocrm_url=amocrm_url,
            auth=auth,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            platform_url=platform_url,
            platform_password=platform_password,
            timezone=timezone,
        ),
        force=force,
    )
    console.print(f"wrote {done.config}", highlight=False)
    for secret in done.secrets:
        console.print(f"  secret file {secret} (owner-only)", highlight=False)
    if done.env_vars:
        console.print(
            f"  load it before other commands: set -a; . secrets/salesglass.env; set +a ({', '.join(done.env_vars)})",
            highlight=False,
        )
    how = "--code <code>" if auth == "oauth" else "--long-lived"
    nxt = f"salesglass amocrm auth {how}" if amocrm_url else "salesglass platform inspect"
    console.print(f"next: {nxt} -c {done.config} (the steps are listed at the top of the file)", highlight=False)


@app.command("model-docs")
def model_docs(out: Annotated[Path, typer.Option(help="Where to write the page.")] = Path("docs/model.md")) -> None:
    """Write docs/model.md from the canonical schema definition (for contributors, after a model change).

    Changes: writes --out only.

    \b
    Examples:
      salesglass model-docs
      salesglass model-docs --out /tmp/model.md
    """
    from salesglass.model.docs import render

    out.write_text(render(), encoding="utf-8")
    console.print(f"wrote {out}")


@app.command("config-docs")
def config_docs(
    out: Annotated[Path, typer.Option(help="Where to write the page.")] = Path("docs/configuration.md"),
) -> None:
    """Write docs/configuration.md (every config key, its default and meaning) from the config models.

    For contributors, after a settings change. Changes: writes --out only.

    \b
    Examples:
      salesglass config-docs
      salesglass config-docs --out /tmp/configuration.md
    """
    from salesglass.config_docs import render

    out.write_text(render(), encoding="utf-8")
    console.print(f"wrote {out}")


def _register_all() -> None:
    from salesglass import check as check_cli
    from salesglass.bonus import cli as bonus_cli
    from salesglass.demo import cli as demo_cli
    from salesglass.emulator import cli as emulator_cli
    from salesglass.link import cli as link_cli
    from salesglass.refresh import cli as refresh_cli
    from salesglass.reports import cli as reports_cli
    from salesglass.reports.forecast import cli as forecast_cli
    from salesglass.serve import cli as serve_cli
    from salesglass.simulate import cli as simulate_cli
    from salesglass.sources.amocrm import cli as amocrm_cli
    from salesglass.sources.platform import cli as platform_cli

    for module in (
        demo_cli,
        simulate_cli,
        emulator_cli,
        amocrm_cli,
        platform_cli,
        check_cli,
        link_cli,
        reports_cli,
        forecast_cli,
        serve_cli,
        refresh_cli,
        bonus_cli,
    ):
        module.register(app)
    for command in app.registered_commands:
        if command.name in _CONTRIBUTOR_COMMANDS:
            command.rich_help_panel = FOR_CONTRIBUTORS


_register_all()


def bad_value_message(bad: click.BadParameter) -> str:
    """One line naming the option and what it takes, for a value click refused while parsing (`--months 0`,
    `--workers 0`, `--port abc`): click's usage box said "0 is not in the range 3<=x<=60", unlike every other
    refusal ("error: --as-of must be a date like …")."""
    param = bad.param
    if param is None:
        return bad.format_message()
    opts = [o for o in param.opts if o.startswith("--")] or param.opts
    name = max(opts, key=len) if isinstance(param, click.Option) else param.human_readable_name
    if isinstance(bad, click.MissingParameter):
        names: list[str] = []
        ctx = bad.ctx
        while ctx is not None and ctx.parent is not None:  # the root's own name is "python -m salesglass" there
            names.insert(0, ctx.info_name or "")
            ctx = ctx.parent
        return f"missing {name} (see `salesglass {' '.join([*names, '--help'])}`)"
    found = re.match(r"(?s)(.+?) is not (?:in the range|a valid)", bad.message)
    got = f", got {found.group(1)}" if found else ""
    kind = param.type
    if isinstance(kind, click.IntRange | click.FloatRange):
        number = "a whole number" if isinstance(kind, click.IntRange) else "a number"
        low, high = kind.min, kind.max
        if low is not None and high is not None:
            return f"{name}: expected {number} from {low} to {high}{got}"
        if low is not None:
            return f"{name}: expected {number} of {low} or more{got}"
        return f"{name}: expected {number} of {high} or less{got}"
    if kind is click.INT:
        return f"{name}: expected a whole number{got}"
    if kind is click.FLOAT:
        return f"{name}: expected a number{got}"
    return f"{name}: {bad.message}"


def _no_stray_oauth_flags(auth: str, **given: str | None) -> None:
    """--client-id, --client-secret and --redirect-uri belong to --auth oauth: with a long-lived token they
    were dropped without a word (and a secret kept in the env file for nothing)."""
    from salesglass.errors import ConfigError

    stray = [f"--{name.replace('_', '-')}" for name, value in given.items() if value is not None]
    if stray and auth != "oauth":
        raise ConfigError(
            f"{', '.join(stray)}: only with --auth oauth (a long-lived token, --auth {auth}, needs none of them)"
        )


def _no_login_in_address(url: str | None) -> None:
    """The account's address carries no user or password: amoCRM is authorized by `salesglass amocrm auth`,
    and the config file would keep a password pasted into it in clear."""
    from urllib.parse import urlsplit

    from salesglass.errors import ConfigError

    if url and "@" in urlsplit(url if "://" in url else f"https://{url}").netloc:
        raise ConfigError(
            "--amocrm-url: expected the account's address without a user or password, e.g. "
            "https://example.amocrm.ru (the token is stored by `salesglass amocrm auth`)"
        )


def _client_secret(given: str | None, auth: str) -> str | None:
    """`-` reads the OAuth client secret from standard input, and a terminal is asked without echo, so the
    secret need not appear in the process list or the shell's history."""
    from salesglass.errors import ConfigError

    if given == "-":
        secret = sys.stdin.readline().strip()
        if not secret:
            raise ConfigError("--client-secret -: standard input held no secret (expected it on the first line)")
        return secret
    if given is None and auth == "oauth" and sys.stdin.isatty():
        return (
            typer.prompt(
                "OAuth client secret (not shown; empty: later)", default="", show_default=False, hide_input=True
            )
            or None
        )
    return given


def _platform_password(given: str | None, url: str | None) -> str | None:
    """The back-office password, never from the command line itself: `-` reads standard input, a terminal
    is asked without echo when the URL names a user but no password (the process list and the shell's
    history showed a password pasted into --platform-url)."""
    from salesglass.errors import ConfigError
    from salesglass.starter import needs_password

    if given is not None and given != "-":
        raise ConfigError(
            "--platform-password: expected '-' (read it from standard input); "
            "a password typed on the command line is visible to other users in the process list"
        )
    if given == "-":
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise ConfigError("--platform-password -: standard input held no password (expected it on a line)")
        return password
    if url and needs_password(url) and sys.stdin.isatty():
        return (
            typer.prompt(
                "back-office database password (not shown; empty: none)",
                default="",
                show_default=False,
                hide_input=True,
            )
            or None
        )
    return None


def _say_error(message: str) -> None:
    _say("error:", message)


def _say(label: str, message: str) -> None:
    err = Console(stderr=True)
    err.print(label, style="bold red", end=" ")
    # "[section].key" must print as written; a long path stays whole (no line break inserted at 80 columns)
    err.print(message, highlight=False, markup=False, soft_wrap=True)


def os_error_message(exc: OSError) -> str:
    """One line for a file or folder the system refused: what is wrong, and with which path."""
    what = exc.strerror or str(exc)
    if exc.filename is None:
        return what
    path = f"{exc.filename} -> {exc.filename2}" if exc.filename2 is not None else str(exc.filename)
    return f"{path}: {what}"


def main() -> None:
    """Entry point: user-facing errors become one red message and exit code 2, never a traceback.

    A path the system refuses (a folder where a file belongs, a missing folder, no permission, a full disk)
    is one of those too, whichever command met it: it names the path and the reason.

    Every file a command writes — DuckDB's files and write-ahead logs, exports, journals — is owner-only
    (salesglass/private_files.py); the published reports file is made group-readable where it is built.
    """
    from salesglass.private_files import private_by_default

    private_by_default()
    try:
        try:
            app()
        except SalesglassError as exc:
            _say_error(str(exc))
            sys.exit(2)
        except OSError as exc:
            _say_error(os_error_message(exc))
            sys.exit(2)
    except KeyboardInterrupt:  # before a command began, or a Ctrl-C while an error or the above is printed
        sys.exit(130)


if __name__ == "__main__":
    main()
