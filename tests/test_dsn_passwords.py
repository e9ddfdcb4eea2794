"""No command prints a database password, wherever the URL carries it: after `user:`, as a `?password=`
query parameter (libpq and SQLAlchemy both take one), or in a libpq `key=value` string given by mistake.

Every command that reaches a database from a URL is run as a user runs it, against a port nothing listens
on (the password is never checked there: what matters is what the message shows)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesglass.cli import app
from salesglass.errors import redact_url
from tests.outputs.conftest import make_published

SECRET = "T0p-secret"
CONFIG = f"""
[warehouse]
path = "w.duckdb"
published_path = "r.duckdb"

[platform]
url = "postgresql://reader@127.0.0.1:1/shop?connect_timeout=5&password={SECRET}"

[[platform.inputs]]
name = "partners"
target = "partners"
table = "partners"

[platform.inputs.columns]
partner_id = "id"
name = "name"

[publish]
postgres_url = "postgresql://bi@127.0.0.1:1/analytics?password={SECRET}&sslmode=disable"
"""


def _shown(args: list[str]) -> str:
    result = CliRunner().invoke(app, args, env={"COLUMNS": "400"})
    assert result.exit_code != 0, result.output  # nothing listens there: every one of them fails
    return result.output + (str(result.exception) if result.exception else "")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dsn")
    (folder / "salesglass.toml").write_text(CONFIG)
    make_published(folder / "r.duckdb")
    return folder


@pytest.mark.parametrize("command", [["platform", "inspect"], ["load"], ["check"], ["publish"], ["refresh", "--once"]])
def test_a_password_in_a_configured_url_is_never_shown(folder, command):
    shown = _shown([*command, "-c", str(folder / "salesglass.toml")])
    assert "127.0.0.1" in shown and SECRET not in shown, shown  # it says where, never the password


def test_no_file_a_failed_command_writes_holds_the_password(folder):
    """The refresh journal keeps each step's error (the dashboard shows it): the failed load's too."""
    _shown(["refresh", "--once", "-c", str(folder / "salesglass.toml")])
    written = [p for p in folder.rglob("*") if p.is_file() and p.name != "salesglass.toml"]
    assert any(p.name.endswith("refresh-runs.jsonl") for p in written), written
    assert [p.name for p in written if SECRET.encode() in p.read_bytes()] == []


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://bi:{SECRET}@127.0.0.1:1/analytics",
        f"postgresql://bi@127.0.0.1:1/analytics?password={SECRET}",
        f"postgresql://bi:{SECRET}@127.0.0.1:1/analytics?unknown_option=1",  # libpq refuses to parse it
        f"host=127.0.0.1 port=1 user=bi password={SECRET}",  # not a URL at all
        f"postgresql+psycopg://bi:{SECRET}@127.0.0.1:1/analytics",
        f"postgresql://bi:{SECRET}@[::1/analytics",  # libpq quotes a URI it cannot parse whole, password and all
        f"postgresql://bi:{SECRET}%2F%40x@[::1/analytics",  # … as written, percent-encoded
    ],
)
def test_a_password_in_a_publish_url_is_never_shown(folder, url):
    shown = _shown(["publish", url, "-c", str(folder / "salesglass.toml")])
    assert SECRET not in shown and any(where in shown for where in ("127.0.0.1", "host=", "[::1/")), shown


def test_redact_url_masks_the_password_whole_and_nothing_else():
    assert redact_url("postgresql://u:p@ss/w0rd@h:5432/db?sslmode=require") == (
        "postgresql://u:***@h:5432/db?sslmode=require"
    )
    assert redact_url("postgresql://u@h/db?sslmode=require&PASSWORD=x&application_name=a") == (
        "postgresql://u@h/db?sslmode=require&PASSWORD=***&application_name=a"
    )
    assert redact_url("host=h password='a b\\'c' user=u") == "host=h password=*** user=u"
    assert redact_url("postgresql://u@h/db") == "postgresql://u@h/db"
