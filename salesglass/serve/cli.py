"""Commands of this area: `salesglass serve` and `salesglass users …`; `register` adds them to the app.

`serve` is the composition root of a running installation: it starts the dashboard, the refresh
scheduler and the amoCRM webhooks together (`serving`). The web app itself knows none of them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from salesglass.cli_options import ConfigOption, first_steps, names_a_source

if TYPE_CHECKING:
    from fastapi import FastAPI

    from salesglass.serve.users import UserStore

console = Console()
users_app = typer.Typer(
    help="Manage dashboard logins (stored in [dashboard].users_path, argon2-hashed).",
    no_args_is_help=True,
    suggest_commands=False,
)


def require_free_port(host: str, port: int) -> None:
    """Fail before anything is printed as ready when the dashboard's port is taken (uvicorn would only say
    `[Errno 98] address already in use` after the URL and logins were on screen)."""
    import errno
    import socket

    from salesglass.errors import SalesglassError

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is no conflict
        try:
            s.bind((host, port))
        except socket.gaierror as exc:  # not an address, nor a name this machine resolves
            raise SalesglassError(
                f"cannot listen on {host!r}: {exc.strerror or exc}. Give --host (or [dashboard].host) an "
                "address of this machine, e.g. 127.0.0.1"
            ) from None
        except OSError as exc:
            if exc.errno == errno.EADDRNOTAVAIL:
                raise SalesglassError(
                    f"cannot listen on {host}: it is not an address of this machine. Give --host (or "
                    "[dashboard].host) one of its addresses, e.g. 127.0.0.1"
                ) from None
            raise SalesglassError(
                f"port {port} on {host} is taken ({exc.strerror or exc}): another program (or another "
                f"salesglass) listens there. Choose a free port with --port, e.g. --port {port + 1}."
            ) from None


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")


def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Listen address (default: [dashboard].host).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port (default: [dashboard].port).")] = None,
    refresh: Annotated[
        bool,
        typer.Option(
            "--refresh/--no-refresh",
            help="Keep the data fresh while serving: sync, load, link and build every "
            "[refresh].interval_minutes (full reconciliation nightly) in a worker process.",
        ),
    ] = True,
    webhooks: Annotated[
        bool,
        typer.Option(
            "--webhooks/--no-webhooks",
            help="Accept amoCRM webhooks at /hooks/amocrm/<secret> "
            "(`salesglass webhook-info` shows the URL) and re-fetch the leads they name.",
        ),
    ] = True,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Dashboard processes answering side by side (default: [dashboard].workers, 1). More than 1 "
            "uses more CPU cores when many people look at once; logins and sessions work across all of them.",
        ),
    ] = None,
) -> None:
    """Start the web dashboard (login required; reads the published report file) and keep it fresh.

    Runs until Ctrl+C. Changes: with --refresh (the default) the warehouse and the published reports, every
    [refresh] interval_minutes, as `salesglass refresh` does; logins and sessions as people use it.

    \b
    Examples:
      salesglass serve -c demo/salesglass.toml
      salesglass serve -c demo/salesglass.toml --port 8001 --no-refresh --no-webhooks
      salesglass serve -c salesglass.toml --host 0.0.0.0 --workers 4
    """
    from salesglass.config import load_config
    from salesglass.serve.users import UserStore

    cfg = load_config(config)
    if host:
        cfg.dashboard.host = host
    if port:
        cfg.dashboard.port = port
    if workers:
        cfg.dashboard.workers = workers
    require_free_port(cfg.dashboard.host, cfg.dashboard.port)
    if not UserStore(cfg.resolve(cfg.dashboard.users_path)).list():
        console.print(
            "[yellow]No dashboard users yet:[/] add one with `salesglass users add you@example.com --role admin`."
        )
    if not cfg.published_path.exists():
        console.print("[yellow]No reports yet:[/] the pages say so until `salesglass build` publishes them.")
    if refresh and not names_a_source(cfg):
        # a fresh `salesglass init` file: the scheduler would publish empty reports every interval, as if all
        # were well
        console.print(f"[yellow]Not refreshing:[/] {escape(first_steps(cfg, config))}.", highlight=False)
        refresh = False
    many = f", {cfg.dashboard.workers} worker processes" if cfg.dashboard.workers > 1 else ""
    try:  # Ctrl+C is how the dashboard is stopped: exit code 0, whenever it comes once this is said
        console.print(f"dashboard on http://{cfg.dashboard.host}:{cfg.dashboard.port}/{many} (Ctrl+C stops it)")
        if refresh:
            console.print(f"refreshing every {cfg.refresh.interval_minutes} min; runs: `salesglass refresh-status`")
        if cfg.dashboard.workers > 1:
            run_workers(cfg, config, refresh=refresh, webhooks=webhooks)
        else:
            run_server(cfg, refresh=refresh, webhooks=webhooks)
    except KeyboardInterrupt:
        pass
    console.print("dashboard stopped")


def _shown(text: str) -> str:
    """Text from a logins file or the command line, safe for the terminal: no raw control characters, no markup."""
    from salesglass.serve.users import printable

    return escape(printable(text))


def _read_password(password_stdin: bool) -> str:
    """From stdin (one line) or an interactive prompt; never echoed, never an argument. A prompt that reads
    nothing (no terminal, stdin empty or closed: cron, `< /dev/null`) says how to give it, not a bare "Aborted."."""
    import click

    from salesglass.errors import SalesglassError

    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    try:
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    except click.exceptions.Abort:
        raise SalesglassError(
            "no password given: type it at the prompt, or pipe it in with --password-stdin "
            "(printf '%s\\n' \"$PASSWORD\" | salesglass users … --password-stdin)"
        ) from None


def _store(config: Path | None) -> UserStore:
    from salesglass.config import load_config
    from salesglass.serve.users import UserStore

    cfg = load_config(config)
    return UserStore(cfg.resolve(cfg.dashboard.users_path))


def _amocrm_users(config: Path | None) -> list[dict] | None:
    """The amoCRM users of the last build, or None before the first build."""
    from salesglass.config import load_config
    from salesglass.serve.users import amocrm_users

    return amocrm_users(load_config(config).published_path)


def _amocrm_user_text(email: str, managers: list[dict] | None) -> str:
    """Whose figures a manager login shows, as `users list` and `users add` say it."""
    from salesglass.serve.users import amocrm_user_of

    if managers is None:
        return "? (nothing built yet)"
    m = amocrm_user_of(email, managers)
    if m is None:
        return "[red]none: sees no figures[/]"
    return _shown(f"{m['name'] or m['email']} (#{m['manager_id']})") + (
        "" if m["is_active"] else " [yellow]deactivated in amoCRM[/]"
    )


def _say_amocrm_user(email: str, managers: list[dict] | None) -> None:
    """After adding a manager login: which amoCRM user it shows, or why it will show nothing."""
    from salesglass.serve.users import amocrm_user_of, near_emails

    if managers is None:
        console.print(
            "[yellow]Nothing is built yet[/], so the amoCRM user of this login cannot be checked: after "
            "`salesglass build`, `salesglass users list` shows it."
        )
        return
    m = amocrm_user_of(email, managers)
    if m is not None:
        console.print(f"shows the figures of amoCRM user {_amocrm_user_text(email, managers)}")
        return
    near = near_emails(email, managers)
    console.print(
        f"[yellow]No amoCRM user has the e-mail {_shown(email)}[/]: this login sees no figures (its pages say "
        "so) until one does. A manager's login must be the e-mail of their amoCRM user."
        + (
            " Did you mean "
            + " or ".join(_shown(f"{n['email']} ({n['name']})") for n in near)
            + "? Remove this login and add that e-mail."
            if near
            else " `salesglass users list` names the amoCRM users without a login."
        )
    )


PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")]


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Argument(help="Login e-mail; for a manager, the e-mail of their amoCRM user.")],
    role: Annotated[
        str, typer.Option(help="admin (sees everything, manages users) or manager (own figures).")
    ] = "manager",
    company_totals: Annotated[
        bool | None,
        typer.Option(
            "--company-totals/--no-company-totals",
            help="Let this manager see company-wide totals (default: [dashboard].managers_see_company_totals).",
        ),
    ] = None,
    password_stdin: PasswordStdin = False,
    config: ConfigOption = None,
) -> None:
    """Add a dashboard login.

    The password is asked for twice without echo, or read from standard input with --password-stdin.
    Changes: the logins file ([dashboard] users_path) only.

    \b
    Examples:
      salesglass users add head@yourco.ru --role admin -c demo/salesglass.toml
      salesglass users add anna@yourco.ru -c demo/salesglass.toml --no-company-totals
      printf '%s\\n' "$PASSWORD" | salesglass users add anna@yourco.ru -c demo/salesglass.toml --password-stdin
    """
    store = _store(config)
    store.check_new(email, role)
    user = store.add(email, _read_password(password_stdin), role, see_company_totals=company_totals)
    console.print(f"added {_shown(user.email)} ({role})")
    if user.role == "manager":
        _say_amocrm_user(user.email, _amocrm_users(config))


@users_app.command("list")
def users_list(config: ConfigOption = None) -> None:
    """List dashboard logins (never their passwords), with the amoCRM user whose figures each manager sees,
    and the amoCRM users no login shows yet.

    Changes: nothing.

    \b
    Examples:
      salesglass users list -c demo/salesglass.toml
    """
    from salesglass.serve.users import amocrm_user_of

    users = _store(config).list()
    managers = _amocrm_users(config)
    table = Table("role", "amoCRM user", "company totals", "created")
    # an e-mail is wrapped whole on a narrow terminal, never cut with "…" (it is what the other commands take)
    table.columns.insert(0, Column("e-mail", overflow="fold"))
    for u in users:  # control characters escaped, never printed raw (an old file may hold any)
        table.add_row(
            _shown(u.email),
            _shown(u.role),
            _amocrm_user_text(u.email, managers) if u.role == "manager" else "—",
            *(
                _shown(str(v))
                for v in ({None: "default", True: "yes", False: "no"}.get(u.see_company_totals, "?"), u.created_at[:10])
            ),
        )
    console.print(table)
    if managers is None:
        console.print("Nothing is built yet: after `salesglass build` this list names each manager's amoCRM user.")
        return
    tied = (amocrm_user_of(u.email, managers) for u in users)  # an admin login of an amoCRM user is one too
    shown = {m["manager_id"] for m in tied if m is not None}
    without = [m for m in managers if m["is_active"] and m["manager_id"] not in shown]
    if without:
        console.print(
            "active amoCRM users without a login: "
            + ", ".join(_shown(f"{m['name']} <{m['email'] or 'no e-mail in amoCRM'}>") for m in without)
        )


@users_app.command("remove")
def users_remove(email: Annotated[str, typer.Argument(help="Login to remove.")], config: ConfigOption = None) -> None:
    """Remove a dashboard login (its open sessions stop working at once).

    Changes: the logins file and its sessions only.

    \b
    Examples:
      salesglass users remove anna@yourco.ru -c demo/salesglass.toml
    """
    _store(config).remove(email)
    console.print(f"removed {_shown(email)}")


@users_app.command("reset-password")
def users_reset(
    email: Annotated[str, typer.Argument(help="Login whose password to set.")],
    password_stdin: PasswordStdin = False,
    config: ConfigOption = None,
) -> None:
    """Set a new password for a login (asked for twice without echo, or --password-stdin).

    Changes: the logins file; the login's open sessions end.

    \b
    Examples:
      salesglass users reset-password anna@yourco.ru -c demo/salesglass.toml
      salesglass users reset-password anna@yourco.ru --password-stdin -c demo/salesglass.toml < new-password.txt
    """
    store = _store(config)
    store.check_known(email)
    store.set_password(email, _read_password(password_stdin))
    console.print(f"password of {_shown(email)} changed; its open sessions have ended")


@users_app.command("set-role")
def users_set_role(
    email: Annotated[str, typer.Argument(help="Login whose role to change.")],
    role: Annotated[str, typer.Argument(help="admin (sees everything, manages users) or manager (own figures).")],
    config: ConfigOption = None,
) -> None:
    """Change a login's role; its open sessions end (it logs in again with the new rights).

    Changes: the logins file and the login's sessions only.

    \b
    Examples:
      salesglass users set-role anna@yourco.ru admin -c demo/salesglass.toml
    """
    _store(config).set_role(email, role)
    console.print(f"{_shown(email)} is now {_shown(role)}; its open sessions have ended")


@users_app.command("logout")
def users_logout(email: Annotated[str, typer.Argument(help="Login to log out.")], config: ConfigOption = None) -> None:
    """End every open session of a login (a lost laptop, a shared computer); the password stays.

    Changes: the login's sessions only.

    \b
    Examples:
      salesglass users logout anna@yourco.ru -c demo/salesglass.toml
    """
    _store(config).end_sessions(email)
    console.print(f"every session of {_shown(email)} has ended")


class Serving:
    """The dashboard app with what keeps it fresh: the webhook queue and the refresh scheduler."""

    def __init__(self, app: FastAPI, queue: Any = None, refresher: Any = None, warmer: Any = None) -> None:
        self.app, self.queue, self.refresher, self.warmer = app, queue, refresher, warmer

    def stop(self) -> None:
        if self.warmer is not None:
            self.warmer()
        if self.queue is not None:
            self.queue.stop()
        if self.refresher is not None:
            self.refresher.stop()


def serving(
    cfg: Any,
    *,
    refresh: bool = False,
    webhooks: bool = False,
    refresh_interval_seconds: float | None = None,
    run_at_start: bool = False,
) -> Serving:
    """What `salesglass serve` runs, minus the HTTP server: `serving(cfg, …).app` for uvicorn (tests,
    benchmarks and `run_server` use this one wiring). `stop()` ends the webhook queue and the scheduler."""
    from salesglass.serve.web.app import create_app

    app = create_app(cfg)
    # each new build is opened and warmed in the background, before a user's request would pay for it
    warmer = app.state.sg.keep_warm()
    queue = refresher = None
    if webhooks:
        from salesglass.refresh.webhooks import make_webhook_router

        router, queue = make_webhook_router(cfg)
        app.include_router(router)
    if refresh:
        from salesglass.refresh.scheduler import start_background_refresh

        refresher = start_background_refresh(cfg, run_at_start=run_at_start, interval_seconds=refresh_interval_seconds)
    return Serving(app, queue, refresher, warmer)


def run_server(
    cfg: Any, *, refresh: bool = False, webhooks: bool = False, refresh_interval_seconds: float | None = None
) -> None:
    """Serve the dashboard with uvicorn until interrupted.

    With `refresh`, the data keeps itself fresh meanwhile: the scheduler runs sync → load → link →
    build in worker processes every `[refresh] interval_minutes` (nightly in full) and swaps the
    published file, which the pages pick up. With `webhooks`, amoCRM's webhook URL
    `/hooks/amocrm/<secret>` is served too and triggers a targeted re-fetch of the leads it names.
    """
    import uvicorn

    served = serving(cfg, refresh=refresh, webhooks=webhooks, refresh_interval_seconds=refresh_interval_seconds)
    try:
        uvicorn.run(served.app, **server_options(cfg))
    finally:
        served.stop()


WORKER_ENV = "SALESGLASS_SERVE_WORKER"


def run_workers(cfg: Any, config: Path | None, *, refresh: bool = False, webhooks: bool = False) -> None:
    """Serve with `[dashboard].workers` processes on one port until interrupted.

    One Python process renders one page at a time per core at best (the GIL); with many people looking
    at once, pages queue. uvicorn's supervisor binds the port, spawns the workers and restarts one that
    dies; each worker (`worker_app`) opens the published file read-only and picks up a new build on its
    next request. What they share lives on disk, so any worker serves any request: logins and sessions
    (SQLite beside the logins file) — a logout ends the session everywhere; the session-signing key
    (created here, once, before the workers would race to create it); the failed-login counters (a SQLite
    file beside the logins, so N workers allow no more guesses than one). The refresh scheduler runs once,
    here; each worker takes amoCRM webhooks itself (targeted refreshes take the one refresh lock in turn).
    """
    import json
    import os

    import uvicorn

    from salesglass.serve.web.auth import load_or_create_secret

    load_or_create_secret(cfg.resolve(cfg.dashboard.secret_path))
    refresher = None
    if refresh:
        from salesglass.refresh.scheduler import start_background_refresh

        refresher = start_background_refresh(cfg, run_at_start=False)
    # spawned workers read the config file again: they get its path and what the command line changed
    os.environ[WORKER_ENV] = json.dumps(
        {
            "config": str(Path(config).resolve()) if config else None,
            "cwd": os.getcwd(),
            "webhooks": webhooks,
            "workers": cfg.dashboard.workers,
        }
    )
    try:
        uvicorn.run(
            "salesglass.serve.cli:worker_app", factory=True, workers=cfg.dashboard.workers, **server_options(cfg)
        )
    finally:
        if refresher is not None:
            refresher.stop()


def worker_app() -> FastAPI:
    """The app of one worker process of `run_workers` (uvicorn calls it by name in each worker)."""
    import contextlib
    import json
    import os
    from collections.abc import AsyncIterator

    from salesglass.config import load_config

    settings = json.loads(os.environ[WORKER_ENV])
    if settings["config"] is None:  # the demo defaults are taken from the folder `serve` ran in
        os.chdir(settings["cwd"])
    cfg = load_config(settings["config"])
    cfg.dashboard.workers = settings["workers"]
    served = serving(cfg, webhooks=settings["webhooks"])

    @contextlib.asynccontextmanager
    async def stop_on_shutdown(_app: Any) -> AsyncIterator[None]:
        """The worker's webhook queue and warm-up thread end with it (Starlette 1.0 has no event handlers)."""
        try:
            yield
        finally:
            served.stop()

    served.app.router.lifespan_context = stop_on_shutdown
    return served.app


def server_options(cfg: Any) -> dict[str, Any]:
    """uvicorn's settings for the dashboard. Proxy headers are read inside the app, from
    `[dashboard].trusted_proxies` only: uvicorn's own default believes X-Forwarded-For from any local client."""
    return {
        "host": cfg.dashboard.host,
        "port": cfg.dashboard.port,
        "log_level": "info",
        "access_log": False,
        "proxy_headers": False,
    }
