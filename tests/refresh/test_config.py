"""The [refresh], [writeback], [publish] and [digest] sections: demo defaults parse, mistakes name the key."""

from __future__ import annotations

import tomllib

import pytest

from salesglass.config import parse_config
from salesglass.errors import ConfigError
from salesglass.refresh.config import WritebackConfig, demo_section


def test_demo_section_is_valid_config():
    cfg = parse_config(tomllib.loads(demo_section(None)))
    assert cfg.refresh.interval_minutes == 15 and cfg.refresh.nightly_at == "03:00"
    assert cfg.publish.schema_name == "salesglass" and cfg.digest.from_address == "salesglass@localhost"
    assert cfg.digest.weekday_index == 0


@pytest.mark.parametrize(
    "data, message",
    [
        ({"refresh": {"nightly_at": "3am"}}, '[refresh].nightly_at: expected a time of day as "HH:MM"'),
        ({"refresh": {"interval_minutes": 0}}, "[refresh].interval_minutes"),
        ({"refresh": {"webhook_secret": "short"}}, "[refresh].webhook_secret: expected at least 16 characters"),
        (
            {"publish": {"postgres_url": "mysql://x"}},
            "[publish].postgres_url: expected a URL starting with postgresql://",
        ),
        ({"publish": {"schema": "drop table"}}, "[publish].schema: expected a plain identifier"),
        ({"digest": {"weekday": "someday"}}, "[digest].weekday: expected a day name"),
        ({"digest": {"password_env": "hunter2 secret"}}, "[digest].password_env: expected the NAME of an environment"),
        ({"digest": {"head_of_sales": ["nobody"]}}, "'nobody' is not an e-mail address"),
        ({"digest": {"telegram": {"enabled": True}}}, "[digest].telegram: enabled = true needs chat_id"),
        ({"digest": {"smtp_pasword": "x"}}, "[digest].smtp_pasword is not a known setting"),
        # the default localhost:25 is rarely a mail server: enabling digests without naming one is an error
        ({"digest": {"enabled": True}}, "[digest]: enabled = true needs smtp_host"),
        # salesglass@localhost is refused by real mail servers, and only when the first digest is sent
        (
            {"digest": {"enabled": True, "smtp_host": "smtp.yandex.ru", "username": "reports"}},
            "[digest]: enabled = true needs from, the sender address",
        ),
    ],
)
def test_mistakes_name_the_key(data, message):
    with pytest.raises(ConfigError) as err:
        parse_config(data)
    assert message in str(err.value)


def test_writeback_needs_a_target_when_enabled():
    with pytest.raises(ValueError, match="enabled = true needs widget_installed_status"):
        WritebackConfig(enabled=True)
    wb = WritebackConfig(enabled=True, first_sale_status={"pipeline_id": 1, "status_id": 142})
    assert wb.batch_size == 50
    with pytest.raises(ValueError):
        WritebackConfig(batch_size=51)


def test_digest_on_a_mail_server_of_this_machine_is_written_out():
    """`smtp_host = "localhost"` written in the file is a choice (a local postfix) and is accepted."""
    cfg = parse_config({"digest": {"enabled": True, "smtp_host": "localhost", "from": "salesglass@localhost"}})
    assert (cfg.digest.smtp_host, cfg.digest.smtp_port, cfg.digest.from_address) == (
        "localhost",
        25,
        "salesglass@localhost",
    )


def test_the_digest_sender_is_the_smtp_login_when_that_is_an_e_mail_address():
    """Yandex, Mail.ru and Gmail send only as the account that logs in: `from` unwritten is that login."""
    digest = {"enabled": True, "smtp_host": "smtp.yandex.ru", "username": "reports@example.ru"}
    assert parse_config({"digest": digest}).digest.from_address == "reports@example.ru"
    written = parse_config({"digest": {**digest, "from": "sales@example.ru"}}).digest.from_address
    assert written == "sales@example.ru"
    assert parse_config({}).digest.from_address == "salesglass@localhost"  # digests off: nothing to check
