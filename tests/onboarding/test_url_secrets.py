"""A back-office password that is not URL-safe: `salesglass init` moves it to secrets/salesglass.env as is,
the config says `${SALESGLASS_PLATFORM_PASSWORD}`, and the URL must still work and never show it."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from urllib.parse import quote

import pytest

from salesglass.config import load_config
from salesglass.errors import ConfigError
from salesglass.sources.platform.sql_reader import resolve_url, safe_url
from salesglass.starter import Answers, write_starter

PASSWORD = "Pa$$ w0rd:@/x%41"  # what a password generator hands out: $, space, :, @, /, %


def _env_file(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in shlex.split(path.read_text(), comments=True))


def test_a_password_variable_is_percent_encoded_into_the_url(monkeypatch):
    monkeypatch.setenv("PW", PASSWORD)
    monkeypatch.setenv("WHOLE_URL", "postgresql://u:p%40ss@db.internal/shop")
    assert resolve_url("postgresql://reader:${PW}@db.internal:5432/shop", Path(".")) == (
        "postgresql://reader:Pa%24%24%20w0rd%3A%40%2Fx%2541@db.internal:5432/shop"
    )
    # a variable holding the whole URL is the URL as written
    assert resolve_url("${WHOLE_URL}", Path(".")) == "postgresql://u:p%40ss@db.internal/shop"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://reader:{PASSWORD}@db.internal:5432/shop",  # written raw into the config
        f"postgresql://reader:{quote(PASSWORD, safe='')}@db.internal:5432/shop",
        f"mysql+pymysql://reader:{PASSWORD}@db.internal/shop?charset=utf8mb4",
    ],
)
def test_no_part_of_a_password_is_shown_in_messages(url):
    """SQLAlchemy's parser stops the password at its first `@`: the rest ("/x%41") was printed."""
    shown = safe_url(url)
    assert shown.startswith(url.split("://")[0] + "://reader:***@db.internal")
    for piece in ("w0rd", "/x", "%41", "Pa$$"):
        assert piece not in shown


@pytest.mark.postgres
def test_init_with_such_a_password_then_inspect_reads_the_back_office(postgres_url, tmp_path, monkeypatch):
    """The walkthrough a stranger follows: `init --platform-url` with the password percent-encoded, load
    the env file, `platform inspect`. The password came back raw into the URL and broke it ("connection to
    server on socket /var/run/postgresql… failed": host and database were read out of the password)."""
    from salesglass.sources.platform.inspect import inspect_source

    user_host_db = postgres_url.split("://", 1)[1]  # postgres@127.0.0.1:port/salesglass (trust login)
    user, host_db = user_host_db.split("@", 1)
    given = f"postgresql://{user}:{quote(PASSWORD, safe='')}@{host_db}"
    done = write_starter(tmp_path / "salesglass.toml", Answers(platform_url=given))
    env = _env_file(tmp_path / "secrets" / "salesglass.env")
    assert env == {"SALESGLASS_PLATFORM_PASSWORD": PASSWORD}
    assert PASSWORD not in done.config.read_text() and quote(PASSWORD, safe="") not in done.config.read_text()
    for name, value in env.items():
        monkeypatch.setitem(os.environ, name, value)
    cfg = load_config(done.config)
    catalog = inspect_source(cfg.platform.url, None, tmp_path)
    assert catalog.source == f"postgresql://{user}:***@{host_db}"


def test_an_unset_password_variable_says_how_to_load_the_secrets_file(tmp_path, monkeypatch):
    """A new shell after `salesglass init`: the variable init moved the password into is not set. The
    error said only that; it now names the file init wrote and the line that loads it."""
    done = write_starter(
        tmp_path / "salesglass.toml", Answers(platform_url=f"postgresql://reader:{quote(PASSWORD, safe='')}@db/x")
    )
    assert done.env_vars == ["SALESGLASS_PLATFORM_PASSWORD"]
    monkeypatch.delenv("SALESGLASS_PLATFORM_PASSWORD", raising=False)
    url = load_config(tmp_path / "salesglass.toml").platform.url
    with pytest.raises(ConfigError) as err:
        resolve_url(url, tmp_path)
    assert str(err.value) == (
        "[platform].url refers to ${SALESGLASS_PLATFORM_PASSWORD}, but that environment variable is not set; "
        "secrets/salesglass.env sets it: load it in this shell first with "
        "`set -a; . secrets/salesglass.env; set +a`"
    )
    with pytest.raises(ConfigError) as other:  # a variable of the user's own: no file to point at
        resolve_url("postgresql://reader:${MY_OWN_PW}@db/x", tmp_path)
    assert str(other.value).endswith("but that environment variable is not set")


@pytest.mark.parametrize("password", ["ab/cd", "a@b", "p:q", "Pa$$ w0rd:@/x"])
def test_init_takes_a_raw_password_whole(tmp_path, password):
    """A password pasted raw into `--platform-url`, as README's example invites: a `/` crashed init with an
    IndexError traceback, and an `@` silently cut it (the file held `a`, the host became `b@db.internal`)."""
    done = write_starter(
        tmp_path / "salesglass.toml", Answers(platform_url=f"postgresql://reader:{password}@db.internal:5432/shop")
    )
    assert _env_file(tmp_path / "secrets" / "salesglass.env") == {"SALESGLASS_PLATFORM_PASSWORD": password}
    assert done.env_vars == ["SALESGLASS_PLATFORM_PASSWORD"]
    cfg = load_config(tmp_path / "salesglass.toml")
    assert cfg.platform.url == "postgresql://reader:${SALESGLASS_PLATFORM_PASSWORD}@db.internal:5432/shop"
