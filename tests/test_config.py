"""A wrong config gives one message per key, naming it and what is expected."""

import pytest

from salesglass.config import load_config, parse_config
from salesglass.errors import ConfigError


def test_defaults_work_for_the_demo():
    cfg = parse_config({})
    assert cfg.account.timezone is None  # unset: the amoCRM account's zone, else Europe/Moscow
    assert str(cfg.reports.bonus.first_sale_fixed) == "5000.00"


def test_wrong_keys_are_named(tmp_path):
    p = tmp_path / "salesglass.toml"
    p.write_text('[account]\ntimezone = "Mars/Olympus"\n[reports.bonus]\ngrowth_rate = "lots"\n[warehous]\n')
    with pytest.raises(ConfigError) as err:
        load_config(p)
    msg = str(err.value)
    assert "[account].timezone: unknown time zone 'Mars/Olympus'" in msg
    assert "[reports].bonus.growth_rate" in msg
    assert "[warehous] is not a known setting" in msg


def test_relative_paths_are_taken_from_the_config_folder(tmp_path):
    p = tmp_path / "sub" / "salesglass.toml"
    p.parent.mkdir()
    p.write_text('[warehouse]\npath = "data/wh.duckdb"\n')
    assert load_config(p).warehouse_path == tmp_path / "sub" / "data" / "wh.duckdb"


def test_bad_toml_is_a_clear_error(tmp_path):
    p = tmp_path / "salesglass.toml"
    p.write_text("[account\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(p)


def test_configuration_reference_is_generated_from_the_models():
    from pathlib import Path

    from salesglass.config_docs import render

    page = Path(__file__).parents[1] / "docs" / "configuration.md"
    assert page.read_text(encoding="utf-8") == render(), "run `salesglass config-docs` to refresh it"


def test_configuration_reference_explains_settings():
    from salesglass.config_docs import render

    text = render()
    assert "## [refresh]" in text and "`interval_minutes`" in text
    assert "calendar periods" in text  # the comment above [account].timezone became its meaning


def _empty_meanings(text: str) -> list[str]:
    """Keys of the reference tables whose meaning cell is empty."""
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    return [row.split("|")[1].strip() for row in rows if not row.rstrip().rstrip("|").split("|")[-1].strip()]


def test_every_config_key_has_a_meaning():
    from salesglass.config_docs import render

    assert _empty_meanings(render()) == []


def test_a_key_without_a_comment_is_an_empty_meaning_and_end_of_line_comments_count():
    from pydantic import BaseModel

    from salesglass.config_docs import _section

    class Probe(BaseModel):
        # above the key
        explained: int = 1
        trailing: int = 2  # at the end of its line
        silent: int = 3

    out: list[str] = []
    _section("probe", Probe, out)
    text = "\n".join(out)
    assert "| `explained` | int | `1` | above the key |" in text
    assert "| `trailing` | int | `2` | at the end of its line |" in text
    assert _empty_meanings(text) == ["`silent`"]


def test_a_build_memory_limit_that_is_not_a_size_is_named_in_the_error(tmp_path):
    from salesglass.config import parse_config
    from salesglass.errors import ConfigError

    assert (
        parse_config({"warehouse": {"build_memory_limit": " 3GB "}}, base_dir=tmp_path).warehouse.build_memory_limit
        == "3GB"
    )
    with pytest.raises(ConfigError, match="build_memory_limit") as err:
        parse_config({"warehouse": {"build_memory_limit": "lots"}}, base_dir=tmp_path)
    assert "'1GB' or '512MB'" in str(err.value)


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("warehouse", "path"),
        ("warehouse", "published_path"),
        ("amocrm", "token_path"),
        ("dashboard", "users_path"),
        ("refresh", "webhook_secret_file"),
    ],
)
def test_a_file_key_that_is_empty_or_a_folder_is_named(tmp_path, section, key):
    """`path = ""` meant the config's own folder; DuckDB, the token store and the logins then failed with
    a traceback ("Is a directory") deep inside a command. Now the key is named when the file is read."""
    (tmp_path / "a folder").mkdir()
    for value, said in (("", "an empty path"), ("a folder", f"the folder {tmp_path / 'a folder'}")):
        with pytest.raises(ConfigError) as err:
            parse_config({section: {key: value}}, base_dir=tmp_path, source="s.toml")
        assert str(err.value) == f"s.toml: [{section}].{key}: expected a file name, got {said}"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"dashboard": {"workers": True}}, "[dashboard].workers"),
        ({"amocrm": {"rate_limit": True}}, "[amocrm].rate_limit"),
        ({"reports": {"bonus": {"first_sale_fixed": False}}}, "[reports].bonus.first_sale_fixed"),
        ({"refresh": {"webhook_debounce_seconds": True}}, "[refresh].webhook_debounce_seconds"),
    ],
)
def test_true_or_false_where_a_number_belongs_is_an_error(data, key):
    """pydantic reads TOML's `true` as the number 1: `workers = true` silently meant one worker."""
    with pytest.raises(ConfigError) as err:
        parse_config(data, source="s.toml")
    assert str(err.value).startswith(f"s.toml: {key}: expected a number, not true/false, got ")


def test_flags_still_take_true_and_false():
    cfg = parse_config({"dashboard": {"secure_cookies": True}, "writeback": {"enabled": False}})
    assert cfg.dashboard.secure_cookies is True and cfg.writeback.enabled is False


def test_an_empty_dashboard_host_is_refused():
    """An empty listen address makes the server listen on every address of the machine."""
    with pytest.raises(ConfigError, match=r"\[dashboard\]\.host"):
        parse_config({"dashboard": {"host": ""}})


def test_a_list_item_is_named_by_its_index_and_what_was_given_is_said_once():
    """`[reports].bonus.changes.0.valid_from: expected a month like "2026-12", got '2026-13', got '2026-13'`
    became one readable line."""
    with pytest.raises(ConfigError) as err:
        parse_config({"reports": {"bonus": {"changes": [{"valid_from": "2026-13"}]}}}, source="s.toml")
    assert (
        str(err.value)
        == "s.toml: [reports].bonus.changes[0].valid_from: expected a month like \"2026-12\", got '2026-13'"
    )


def test_a_config_saved_by_windows_notepad_reads(tmp_path):
    """Notepad saves UTF-8 with a byte-order mark and CRLF line ends: the config was "not valid TOML:
    Invalid statement (at line 1, column 1)", with nothing to see at line 1."""
    p = tmp_path / "salesglass.toml"
    p.write_bytes('\ufeff[account]\r\ntimezone = "Asia/Vladivostok"\r\n'.encode())
    assert load_config(p).account.timezone == "Asia/Vladivostok"


def test_a_config_holding_a_secret_is_made_owner_only(tmp_path, caplog):
    """A webhook secret or a database password written into salesglass.toml by hand (an editor saves 0644)
    was readable by every local user; a config naming only ${VARIABLES} is left as it is."""
    import os
    import stat

    texts = {
        "hook.toml": '[refresh]\nwebhook_secret = "0123456789abcdef0123"\n',
        "url.toml": '[platform]\nurl = "postgresql://reader:Pa$$w0rd@db.internal/shop"\n',
        "vars.toml": '[platform]\nurl = "postgresql://reader:${SALESGLASS_PLATFORM_PASSWORD}@db.internal/shop"\n',
        "query.toml": '[publish]\npostgres_url = "postgresql://bi@db.internal/x?sslmode=require&password=Pa$$w0rd"\n',
        "query-var.toml": '[publish]\npostgres_url = "postgresql://bi@db.internal/x?password=${PG_PASSWORD}"\n',
    }
    for name, text in texts.items():
        (tmp_path / name).write_text(text)
        os.chmod(tmp_path / name, 0o644)
        with caplog.at_level("WARNING"):
            load_config(tmp_path / name)
    modes = {name: oct(stat.S_IMODE((tmp_path / name).stat().st_mode)) for name in texts}
    assert modes == {
        "hook.toml": "0o600",
        "url.toml": "0o600",
        "vars.toml": "0o644",
        "query.toml": "0o600",
        "query-var.toml": "0o644",
    }
    assert caplog.text.count("config file holding a password or secret") == 3
    assert "Pa$$w0rd" not in caplog.text and "0123456789abcdef0123" not in caplog.text
