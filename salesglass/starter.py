"""`salesglass init`: a commented starter config for a company's own data, plus its secret files.

The starter holds no demo values: every section says what to fill in and which command helps. It is
valid as written (a config with only a back-office, or with nothing yet, passes validation), so each
next command of the walk-through (`amocrm inspect`, `platform inspect --write`, `check`) can run on it.
Secrets given to `init` (a database password, an OAuth client secret) never go into the config: they
are written to an owner-only (0600) env file and the config names the variable instead.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from salesglass.errors import ConfigError, SalesglassError
from salesglass.private_files import open_private, private_folder

ENV_FILE = Path("secrets/salesglass.env")
PASSWORD_VAR = "SALESGLASS_PLATFORM_PASSWORD"
CLIENT_SECRET_VAR = "SALESGLASS_AMOCRM_CLIENT_SECRET"


@dataclass
class Answers:
    """What `init` was told (flags or prompts); everything optional."""

    amocrm_url: str | None = None
    auth: str = "long_lived"
    client_id: str | None = None
    client_secret: str | None = None
    redirect_uri: str | None = None
    platform_url: str | None = None  # a database URL, or a folder of CSV/XLSX files
    platform_password: str | None = None  # for a database URL that names a user without one (never a flag)
    timezone: str | None = None  # of the back-office's naive times; None: the account's zone (not written)


@dataclass
class Written:
    config: Path
    secrets: list[Path]
    env_vars: list[str]


def _s(value: object) -> str:
    return json.dumps(str(value), ensure_ascii=False)


def _is_database_url(value: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+]*://", value, re.I))


def split_password(url: str) -> tuple[str, str | None]:
    """(the URL with its password replaced by ${SALESGLASS_PLATFORM_PASSWORD}, the password or None).

    The password is cut by position — from the first `:` after the user to the last `@` — as pasted: a
    raw `/` or `@` in it (a generated password) is part of it, where a URL parser would end it there.
    Percent-encoded (`%40`), it is decoded: the file holds the password itself.
    """
    from urllib.parse import unquote

    from sqlalchemy.engine import make_url

    def refuse() -> ConfigError:
        return ConfigError(
            f"--platform-url: {url!r} is neither a database URL (postgresql://user@host/db, "
            "mysql+pymysql://…, sqlite:///file.sqlite) nor a folder"
        )

    scheme, _, rest = url.partition("://")
    at = rest.rfind("@")
    user, has_password, password = rest[:at].partition(":") if at >= 0 else ("", "", "")
    if not has_password or not password or password.startswith("${"):
        try:
            make_url(url)
        except Exception:
            raise refuse() from None
        return url, None
    kept = f"{scheme}://{user}:${{{PASSWORD_VAR}}}@{rest[at + 1 :]}"
    try:
        make_url(kept)
    except Exception:
        raise refuse() from None
    return kept, unquote(password)


def needs_password(url: str) -> bool:
    """A server database URL that names its user but no password (`postgresql://reader@db/shop`)."""
    if not _is_database_url(url) or url.lower().startswith("sqlite"):
        return False
    rest = url.partition("://")[2]
    at = rest.rfind("@")
    return at > 0 and ":" not in rest[:at]


def with_password(url: str, password: str | None) -> tuple[str, str | None]:
    """(the URL, the password to keep out of the config): a password given apart goes in as
    ${SALESGLASS_PLATFORM_PASSWORD}; one pasted into the URL is cut out of it (split_password)."""
    url, pasted = split_password(url)
    if pasted or not password:
        if password and pasted:
            raise ConfigError("--platform-password: the URL holds a password already; give it once")
        return url, pasted
    if not needs_password(url):
        raise ConfigError(
            f"--platform-password: {url!r} names no user to log in as "
            "(expected postgresql://USER@host/db or mysql+pymysql://USER@host/db)"
        )
    scheme, _, rest = url.partition("://")
    at = rest.rfind("@")
    return f"{scheme}://{rest[:at]}:${{{PASSWORD_VAR}}}@{rest[at + 1 :]}", password


def account_address(given: str) -> str:
    """The account's address as the API wants it, from what people paste: `yourco` (a subdomain) →
    https://yourco.amocrm.ru; a page copied from the browser (…amocrm.ru/leads/pipeline/1) → its root."""
    from salesglass.sources.amocrm.config import AMOCRM_HOSTS

    url = given.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        url = "https://" + url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?", host):  # "not a url" became a subdomain
        raise ConfigError(
            f"--amocrm-url: expected the account's address, e.g. https://yourco.amocrm.ru (or its subdomain, "
            f"yourco), got {given!r}"
        )
    if host and "." not in host and parts.port is None and host != "localhost":
        return f"https://{host}.amocrm.ru"
    if host.endswith(AMOCRM_HOSTS):
        return f"{parts.scheme}://{parts.netloc}"
    return url


def _amocrm_section(a: Answers) -> str:
    if not a.amocrm_url:
        return """
# ---------------------------------------------------------------------------------------------------
# [amocrm]: your amoCRM / Kommo account. Not connected yet: the back-office side works without it
# (`salesglass check` and `salesglass load` run on this file as it is). To connect, uncomment and fill in:
#   base_url  = "https://<subdomain>.amocrm.ru"   (or https://<subdomain>.kommo.com)
#   subdomain = "<subdomain>"
#   auth      = "long_lived"                       # a private integration's long-lived token
#   token_path = "secrets/amocrm-token.json"        # written 0600 by `salesglass amocrm auth`
# then: `salesglass amocrm auth --long-lived` and `salesglass amocrm inspect` (proposes the mapping).
# ---------------------------------------------------------------------------------------------------
# [amocrm]
"""
    from salesglass.sources.amocrm.config import AMOCRM_HOSTS

    url = account_address(a.amocrm_url)
    host = urlsplit(url).hostname or ""
    if host.endswith(AMOCRM_HOSTS):  # acme.amocrm.ru, acme.kommo.com: the account's name is in the address
        subdomain = f"subdomain = {_s(host.split('.')[0])}"
    else:  # an IP address, localhost (the emulator), a proxy: the address does not tell the account's name
        subdomain = (
            '# subdomain = "<subdomain>"   # your account\'s name (<subdomain>.amocrm.ru), for links to deals and\n'
            "#   the webhook's account check: this address does not tell it; `salesglass amocrm inspect` shows it"
        )
    oauth = ""
    if a.auth == "oauth":
        if not (a.client_id and a.redirect_uri):
            raise ConfigError(
                "--auth oauth needs --client-id and --redirect-uri (from your integration's "
                "settings in amoCRM); or use --auth long_lived"
            )
        oauth = (
            f"client_id = {_s(a.client_id)}\nredirect_uri = {_s(a.redirect_uri)}\n"
            f"# client_secret: read from the environment variable {CLIENT_SECRET_VAR}"
            + (f" (stored in {ENV_FILE}, 0600)" if a.client_secret else "")
            + "\n"
        )
    how = (
        "`salesglass amocrm auth --code CODE` (the code from the integration's page) stores the tokens"
        if a.auth == "oauth"
        else "`salesglass amocrm auth --long-lived` stores the token (paste it from the integration's page)"
    )
    return f"""
# ---------------------------------------------------------------------------------------------------
# [amocrm]: your amoCRM / Kommo account.
# 1. {how}
# 2. `salesglass amocrm inspect` prints your pipelines, statuses and fields and a proposed mapping
#    (pipelines, stages, [amocrm.fields], [amocrm.roles]): paste it at the end of this section.
# ---------------------------------------------------------------------------------------------------
[amocrm]
base_url = {_s(url)}
{subdomain}
auth = {_s(a.auth)}
token_path = "secrets/amocrm-token.json"   # 0600, never printed; keep it out of version control
{oauth}# pipelines = ["…"]   # which pipelines become deals (names or ids); empty = all
# stages = [ {{ status = "…", stage = "contract_signed" }}, … ]   # from `salesglass amocrm inspect`
"""


def _platform_section(a: Answers, url: str | None) -> str:
    head = """
# ---------------------------------------------------------------------------------------------------
# [platform]: your back-office (a database or a folder of CSV/XLSX exports), mapped input by input
# into the canonical `partners`, `sales`, `widget_installs` and `events` (optional) tables (docs/platform.md).
# `salesglass platform inspect` lists its tables and proposes the [[platform.inputs]] with the reason
# for every guess; `salesglass platform inspect --write` adds them to this file.
# Then `salesglass check` shows what would load, what would not and why — nothing is written.
# ---------------------------------------------------------------------------------------------------
[platform]
"""
    if url is None:
        where = (
            '# url = "postgresql://reader@db.internal:5432/backoffice"   # or mysql+pymysql://…, '
            "sqlite:///file.sqlite;\n#   a password as ${VAR}: read from the environment\n"
            '# folder = "exports"   # or: a folder of CSV/XLSX exports\n'
        )
    elif _is_database_url(url):
        where = f"url = {_s(url)}   # passwords as ${{VAR}}: read from the environment\n"
    else:
        where = f"folder = {_s(url)}   # CSV/XLSX exports; each input names its file with `path`\n"
    return (
        head
        + where
        + (
            f"timezone = {_s(a.timezone)}  # zone of naive timestamps in the back-office\n"
            if a.timezone
            # not written: a Moscow default here would read every naive time of a São Paulo or Almaty
            # back-office in Moscow's clock, moving the sales around midnight into the wrong day and month
            else '# timezone = "Europe/Moscow"  # zone of naive timestamps in the back-office; unset: the\n'
            "#   amoCRM account's own zone from the last sync (before any sync: Europe/Moscow)\n"
        )
        + "# [[platform.inputs]] go below (`salesglass platform inspect --write`)\n"
    )


def _plans_section() -> str:
    return """
# ---------------------------------------------------------------------------------------------------
# [plans]: management's monthly targets (CSV, XLSX or a SQL table/query). Columns: month, manager
# (amoCRM user id, e-mail or name; empty = the whole company), metric (turnover, revenue, margin,
# tickets, new_partners), realistic, optimistic. `salesglass platform inspect` proposes it when it
# finds a plans table. Leave it out until you have one.
# ---------------------------------------------------------------------------------------------------
# [plans]
# path = "plans.xlsx"
"""


def starter_config(a: Answers) -> tuple[str, dict[str, str]]:
    """(the config text, secrets to keep out of it: environment variable → value)."""
    env: dict[str, str] = {}
    url = a.platform_url
    if a.platform_password and not (url and _is_database_url(url)):
        raise ConfigError("--platform-password: only with a database URL in --platform-url")
    if url and _is_database_url(url):
        url, password = with_password(url, a.platform_password)
        if password:
            env[PASSWORD_VAR] = password
    if a.auth == "oauth" and a.client_secret:
        env[CLIENT_SECRET_VAR] = a.client_secret
    first_step = (
        "#   salesglass amocrm auth --code <code>     exchange the integration's code for tokens (a 0600 file)"
        if a.auth == "oauth"
        else "#   salesglass amocrm auth --long-lived      store the amoCRM token (a 0600 file)"
    )
    text = f"""# salesglass configuration, written by `salesglass init` on {date.today().isoformat()}.
# Every key: docs/configuration.md. Relative paths are taken from this file's folder.
# The way to a first build (README, "Use it with your own account"):
{first_step}
#   salesglass amocrm inspect                your pipelines and fields + a proposed [amocrm] mapping
#   salesglass platform inspect --write      your back-office's tables + the proposed [[platform.inputs]]
#   salesglass check                         a dry run: what would load, what would not, monthly totals
#   salesglass sync; salesglass load; salesglass link; salesglass build
#   salesglass users add you@company.ru --role admin; salesglass serve
{
        "# Secrets are not in this file: "
        + str(ENV_FILE)
        + " (0600) sets "
        + ", ".join(env)
        + "; load it before running (set -a; . "
        + str(ENV_FILE)
        + "; set +a)."
        + chr(10)
        if env
        else ""
    }
[warehouse]
path = "salesglass.duckdb"                      # raw layers + the canonical model (sync, load, link write it)
published_path = "salesglass-reports.duckdb"    # the reports the dashboard reads (build writes it)

[account]
# calendar periods use the amoCRM account's own time zone (`salesglass doctor` shows it); to override:
# timezone = {_s(a.timezone or "Europe/Moscow")}
currency = "RUB"
{_amocrm_section(a)}{_platform_section(a, url)}{_plans_section()}
# ---------------------------------------------------------------------------------------------------
# [dashboard]: `salesglass users add you@company.ru --role admin`, then `salesglass serve`.
# ---------------------------------------------------------------------------------------------------
[dashboard]
users_path = "salesglass-users.json"              # logins (argon2 hashes)
secret_path = ".salesglass/dashboard-secret"      # session-signing key (0600, created by init)
"""
    return text, env


def write_env_file(path: Path, env: dict[str, str]) -> None:
    """KEY='value' lines, owner-only from the first byte (the folder too)."""
    private_folder(path.parent)
    with os.fdopen(open_private(path), "w", encoding="utf-8") as f:
        for key, value in env.items():
            f.write(f"{key}='" + value.replace("'", "'\\''") + "'\n")


def write_starter(path: Path, a: Answers, *, force: bool = False) -> Written:
    """Write the starter config at `path` (and its secret files next to it); validates it first."""
    from salesglass.config import load_config, parse_config

    path = Path(path)
    if path.exists() and not force:
        raise SalesglassError(f"{path} exists; not overwritten (use --force to replace it)")
    text, env = starter_config(a)
    import tomllib

    parse_config(tomllib.loads(text), base_dir=path.resolve().parent, source=str(path))  # never write a bad file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    cfg = load_config(path)
    written: list[Path] = []
    if env:
        env_path = cfg.resolve(ENV_FILE)
        write_env_file(env_path, env)
        written.append(env_path)
    from salesglass.serve.web.auth import load_or_create_secret

    # the key's own file is owner-only, and a folder made for it too; a folder that was there is left as it is:
    # narrowing it (the project's own folder, when the key is kept there) locked a BI tool's group out of the
    # published reports file beside the key (docs/bi-tools.md)
    secret = cfg.resolve(cfg.dashboard.secret_path)
    load_or_create_secret(secret)
    written.append(secret)
    return Written(path, written, list(env))
