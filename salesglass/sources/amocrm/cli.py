"""Commands of this area: `salesglass sync`, `salesglass amocrm auth`, `salesglass amocrm inspect`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from salesglass.cli_options import ConfigOption
from salesglass.plural import plural

console = Console()
amocrm_app = typer.Typer(
    help="amoCRM / Kommo account: authorize, inspect pipelines and fields.",
    no_args_is_help=True,
    suggest_commands=False,
)


def configured(cfg):  # Config -> Config
    """The config, when it says which amoCRM account to use. A config file written for the back-office first
    (`salesglass init` without --amocrm-url) has no [amocrm]: the defaults would point at the demo's emulator
    on 127.0.0.1 and fail only after retries, or store a token for no account."""
    from salesglass.errors import ConfigError

    if not cfg.names_amocrm:
        raise ConfigError(
            "[amocrm]: this config names no amoCRM account yet; uncomment its [amocrm] section and set "
            "base_url (https://<subdomain>.amocrm.ru or .kommo.com) and subdomain"
        )
    return cfg


def register(app: typer.Typer) -> None:
    app.command("sync")(sync)
    app.add_typer(amocrm_app, name="amocrm")


def sync(
    config: ConfigOption = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Re-read everything from amoCRM and map every lead and company again, instead of only what changed.",
        ),
    ] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show progress bars.")] = True,
) -> None:
    """Copy the amoCRM account into the warehouse (incremental after the first run) and map it.

    Only the leads and companies whose records or events changed since the last sync are mapped again
    into deals, companies and stages; a changed [amocrm] mapping maps everything again by itself.

    Changes: the warehouse's amoCRM tables (the published reports only change at the next `build`) and, when
    amoCRM hands out a new OAuth token, the token file; the account itself is only read.

    \b
    Examples:
      salesglass sync -c demo/salesglass.toml
      salesglass sync -c demo/salesglass.toml --full --no-progress
    """
    from salesglass.config import load_config
    from salesglass.sources.amocrm.sync import run_sync
    from salesglass.warehouse import none_left_if_failed

    cfg = configured(load_config(config))
    with none_left_if_failed(cfg.warehouse_path):
        summary = run_sync(cfg, full=full, progress=progress)
    console.print(summary.render(), highlight=False)


@amocrm_app.command("auth")
def auth(
    config: ConfigOption = None,
    code: Annotated[
        str | None,
        typer.Option("--code", help="OAuth authorization code (lives 20 minutes, works once) to exchange for tokens."),
    ] = None,
    long_lived: Annotated[
        bool,
        typer.Option(
            "--long-lived", help="Store a long-lived token read from standard input (hidden prompt on a terminal)."
        ),
    ] = False,
) -> None:
    """Store amoCRM credentials in [amocrm] token_path (owner-only file; the token is never printed).

    The step after `salesglass init --amocrm-url …`, before the first `sync`. Changes: the token file only.

    \b
    Examples:
      salesglass amocrm auth -c salesglass.toml --long-lived
      salesglass amocrm auth -c salesglass.toml --code def50200a1b2c3
    """
    from salesglass.config import load_config
    from salesglass.errors import SalesglassError
    from salesglass.sources.amocrm.auth import TokenStore, store_long_lived
    from salesglass.sources.amocrm.client import authorize

    cfg = configured(load_config(config))
    if bool(code) == long_lived:
        raise SalesglassError("give exactly one of --code CODE (OAuth) or --long-lived")
    if long_lived:
        import getpass

        store = TokenStore(cfg.resolve(cfg.amocrm.token_path))
        token = getpass.getpass("long-lived token: ") if sys.stdin.isatty() else sys.stdin.read()
        store_long_lived(store, token)
        path = store.path
    else:
        path = authorize(cfg, code or "")
    console.print(f"amoCRM credentials stored in {path} (owner-only)")


@amocrm_app.command("inspect")
def inspect(config: ConfigOption = None) -> None:
    """Print the account's pipelines, statuses and custom fields with ids, and a proposed mapping (TOML).

    To fill in the config's [amocrm] section. Changes: nothing (reads the account; paste what fits).

    \b
    Examples:
      salesglass amocrm inspect -c salesglass.toml
      salesglass amocrm inspect -c demo/salesglass.toml
    """
    from rich.table import Table

    from salesglass.config import load_config
    from salesglass.sources.amocrm import extract
    from salesglass.sources.amocrm.client import client_from_config
    from salesglass.sources.amocrm.propose import propose
    from salesglass.sources.amocrm.sync import _groups

    cfg = configured(load_config(config))
    with client_from_config(cfg.amocrm, cfg.base_dir) as client:
        lists = extract.read_account_lists(client, "datetime_settings,users_groups")
    account, users, pipelines = lists.account, lists.users, lists.pipelines
    lead_fields, company_fields = lists.lead_fields, lists.company_fields
    tz = ((account.get("_embedded") or {}).get("datetime_settings") or {}).get("timezone")
    console.print(
        f"account {account.get('name')!r} (id {account.get('id')}), time zone {tz}, "
        f"currency {account.get('currency')}; {len(users)} {plural(len(users), 'user')}"
    )
    named = str(account.get("subdomain") or "")
    if named and ("subdomain" not in cfg.amocrm.model_fields_set or named.lower() != cfg.amocrm.subdomain.lower()):
        # (with no key, 'demo' is only the default: "the config says 'demo'" sent people looking for it)
        said = (
            f"the config says {escape(repr(cfg.amocrm.subdomain))}"
            if "subdomain" in cfg.amocrm.model_fields_set
            else "the config sets none"
        )
        console.print(
            f"[yellow]this account's subdomain is {escape(repr(named))}, {said}:[/] "
            f'set subdomain = "{escape(named)}" under {escape("[amocrm]")} '
            "(links to deals use it; webhooks from another subdomain are refused)",
            highlight=False,
        )
    currency = str(account.get("currency") or "").upper()
    if currency and currency != cfg.account.currency:  # init writes RUB: a BRL account showed its money in ₽
        console.print(
            f"[yellow]this account's currency is {escape(repr(currency))}, the config says "
            f"{escape(repr(cfg.account.currency))}:[/] "
            f'set currency = "{escape(currency)}" under {escape("[account]")} (every amount is shown in it)',
            highlight=False,
        )
    t = Table("pipeline id", "pipeline", "status id", "status", "sort", title="Pipelines and statuses")
    for p in pipelines:
        for s in (p.get("_embedded") or {}).get("statuses") or []:
            name = p["name"] + (" (archived)" if p.get("is_archive") else "")
            t.add_row(str(p["id"]), escape(name), str(s["id"]), escape(s["name"]), str(s.get("sort")))
    console.print(t)
    for title, fields in (("Lead custom fields", lead_fields), ("Company custom fields", company_fields)):
        ft = Table("field id", "name", "type", "values (enum id: value)", title=title)
        for f in fields:
            enums = ", ".join(f"{e['id']}: {e['value']}" for e in f.get("enums") or [])
            ft.add_row(str(f["id"]), escape(f["name"]), f.get("type", ""), escape(enums))
        console.print(ft)
    console.rule(escape("proposed mapping — paste under [amocrm] and check every line"))
    print(propose(pipelines, lead_fields, company_fields, _groups(account, users), development_hint=True))
