"""OAuth against the emulator: code exchange, rotation, refresh under a lock, crash between receive and persist."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesglass.sources.amocrm.auth import OAuthAuth, TokenStore
from salesglass.sources.amocrm.client import client_from_config
from salesglass.sources.amocrm.errors import AuthError
from salesglass.sources.amocrm.sync import run_sync
from tests.amocrm.conftest import FIXTURE_COMPANY, make_config, oauth_of

OAUTH = oauth_of(FIXTURE_COMPANY)


def oauth_config(tmp_path: Path, url: str):
    return make_config(
        tmp_path,
        url,
        token=None,
        amocrm={
            "auth": "oauth",
            "client_id": OAUTH["client_id"],
            "client_secret": OAUTH["client_secret"],
            "redirect_uri": OAUTH["redirect_uri"],
        },
    )


def authorize(cfg) -> TokenStore:
    from salesglass.sources.amocrm.auth import exchange_code

    store = TokenStore(cfg.resolve(cfg.amocrm.token_path))
    with _bare(cfg) as c:
        exchange_code(
            store,
            c.post_token,
            code=OAUTH["authorization_code"],
            client_id=OAUTH["client_id"],
            client_secret=OAUTH["client_secret"],
            redirect_uri=OAUTH["redirect_uri"],
        )
    return store


def _bare(cfg):
    from salesglass.sources.amocrm.client import AmoClient, ClientSettings

    amo = cfg.amocrm
    return AmoClient(
        ClientSettings(base_url=amo.base_url, rate_limit=amo.rate_limit, account_window=amo.account_window)
    )


def test_code_exchange_stores_owner_only_tokens_and_sync_works(tmp_path, emulator):
    cfg = oauth_config(tmp_path, emulator.url)
    store = authorize(cfg)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert set(json.loads(store.path.read_text())) >= {"access_token", "refresh_token", "expires_at"}
    summary = run_sync(cfg, progress=False)
    assert summary.loaded["deals"] == 9  # 3001-3006, 3008-3010 (3007: another pipeline)
    with pytest.raises(AuthError, match="work once"):  # an authorization code is single-use
        authorize(cfg)


def test_expired_access_token_is_refreshed_once_and_persisted_before_use(tmp_path, emulator):
    cfg = oauth_config(tmp_path, emulator.url)
    store = authorize(cfg)
    first = json.loads(store.path.read_text())
    emulator.tokens.expire_access_tokens()
    with client_from_config(cfg.amocrm, cfg.base_dir) as client:
        assert client.get("/api/v4/account")["id"] == 30000001
        assert client.stats.refreshes == 1
    second = json.loads(store.path.read_text())
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    # the old refresh token is dead for everyone (amoCRM's rotation), the emulator enforces it
    from salesglass.sources.amocrm.client import AmoClient, ClientSettings

    with AmoClient(ClientSettings(base_url=emulator.url)) as bare:
        status, body = bare.post_token(
            {
                "client_id": OAUTH["client_id"],
                "client_secret": OAUTH["client_secret"],
                "redirect_uri": OAUTH["redirect_uri"],
                "grant_type": "refresh_token",
                "refresh_token": first["refresh_token"],
            }
        )
    assert status == 401 and body["hint"] == "Token has been revoked"


def test_two_processes_hitting_401_together_refresh_only_once(tmp_path, emulator):
    cfg = oauth_config(tmp_path, emulator.url)
    authorize(cfg)
    issued = emulator.tokens.issued
    emulator.tokens.expire_access_tokens()
    clients = [client_from_config(cfg.amocrm, cfg.base_dir) for _ in range(2)]  # two token holders, one file
    results: list = []
    threads = [threading.Thread(target=lambda c=c: results.append(c.get("/api/v4/account")["id"])) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [30000001, 30000001]
    assert emulator.tokens.issued == issued + 1  # the second one re-read the file instead of burning the token
    for c in clients:
        c.close()


def test_crash_between_receiving_and_persisting_new_tokens_is_detected_clearly(tmp_path, emulator, monkeypatch):
    cfg = oauth_config(tmp_path, emulator.url)
    authorize(cfg)
    emulator.tokens.expire_access_tokens()

    class Killed(BaseException):
        pass

    def die(self, body):
        raise Killed  # amoCRM has rotated the refresh token; we die before writing the new one

    monkeypatch.setattr(OAuthAuth, "_persist", die)
    with pytest.raises(Killed), client_from_config(cfg.amocrm, cfg.base_dir) as client:
        client.get("/api/v4/account")
    monkeypatch.undo()
    with pytest.raises(AuthError, match="interrupted") as err:
        run_sync(cfg, progress=False)
    assert "salesglass amocrm auth --code" in str(err.value)
    secrets = json.loads(TokenStore(cfg.resolve(cfg.amocrm.token_path)).path.read_text())
    assert secrets["refresh_token"] not in str(err.value)


def test_crash_right_after_persisting_loses_nothing(tmp_path, emulator, monkeypatch):
    cfg = oauth_config(tmp_path, emulator.url)
    authorize(cfg)
    emulator.tokens.expire_access_tokens()
    real = OAuthAuth._persist

    class Killed(BaseException):
        pass

    def persist_then_die(self, body):
        real(self, body)
        raise Killed

    monkeypatch.setattr(OAuthAuth, "_persist", persist_then_die)
    with pytest.raises(Killed), client_from_config(cfg.amocrm, cfg.base_dir) as client:
        client.get("/api/v4/account")
    monkeypatch.undo()
    assert run_sync(cfg, progress=False).loaded["deals"] == 9  # 3001-3006, 3008-3010 (3007: another pipeline)


def test_rejected_long_lived_token_says_what_to_do(tmp_path, emulator):
    cfg = make_config(tmp_path, emulator.url)
    TokenStore(cfg.resolve(cfg.amocrm.token_path)).save({"long_lived_token": "revoked-token"})
    with pytest.raises(AuthError, match="long-lived token"):
        run_sync(cfg, progress=False)


def test_auth_command_never_prints_the_token(tmp_path, emulator):
    from salesglass.cli import app

    cfg_path = tmp_path / "salesglass.toml"
    cfg_path.write_text(f"""[amocrm]
base_url = "{emulator.url}"
auth = "oauth"
token_path = "secrets/tok.json"
client_id = "{OAUTH["client_id"]}"
client_secret = "{OAUTH["client_secret"]}"
redirect_uri = "{OAUTH["redirect_uri"]}"
""")
    result = CliRunner().invoke(app, ["amocrm", "auth", "--code", OAUTH["authorization_code"], "-c", str(cfg_path)])
    assert result.exit_code == 0, result.output
    tokens = json.loads((tmp_path / "secrets" / "tok.json").read_text())
    assert tokens["access_token"] not in result.output and tokens["refresh_token"] not in result.output
    assert stat.S_IMODE((tmp_path / "secrets" / "tok.json").stat().st_mode) == 0o600


def test_auth_long_lived_reads_stdin_and_stores_it_owner_only(tmp_path, emulator):
    from salesglass.cli import app

    cfg_path = tmp_path / "salesglass.toml"
    cfg_path.write_text(f'[amocrm]\nbase_url = "{emulator.url}"\ntoken_path = "secrets/tok.json"\n')
    result = CliRunner().invoke(
        app, ["amocrm", "auth", "--long-lived", "-c", str(cfg_path)], input=OAUTH["long_lived_token"] + "\n"
    )
    assert result.exit_code == 0 and OAUTH["long_lived_token"] not in result.output
    stored = tmp_path / "secrets" / "tok.json"
    assert json.loads(stored.read_text()) == {"long_lived_token": OAUTH["long_lived_token"]}
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600


def test_inspect_prints_section_names_as_written(tmp_path, emulator):
    """`amocrm inspect` says where to paste its proposal: «[amocrm]» must survive the terminal markup."""
    from salesglass.cli import app

    cfg_path = tmp_path / "salesglass.toml"
    cfg_path.write_text(
        f'[account]\ncurrency = "USD"\n[amocrm]\nbase_url = "{emulator.url}"\ntoken_path = "secrets/tok.json"\n'
    )
    CliRunner().invoke(
        app, ["amocrm", "auth", "--long-lived", "-c", str(cfg_path)], input=OAUTH["long_lived_token"] + "\n"
    )
    result = CliRunner().invoke(app, ["amocrm", "inspect", "-c", str(cfg_path)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "paste under [amocrm] and check every line" in result.output
    # the account keeps roubles, the config says dollars (init writes RUB whatever the account): say so
    assert "the config says 'USD': set currency = \"RUB\" under [account]" in " ".join(result.output.split())


def test_a_token_file_others_can_read_is_made_owner_only_on_use(tmp_path, caplog):
    """A token file put in place by hand or restored from a backup (0644) stayed readable by every user of
    the machine, sync after sync. Its first use now makes it 0600 and says so (never the token)."""
    path = tmp_path / "secrets" / "amocrm-token.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"long_lived_token": "tok-do-not-print"}))
    path.chmod(0o644)
    with caplog.at_level("WARNING", logger="salesglass.amocrm"):
        assert TokenStore(path).load() == {"long_lived_token": "tok-do-not-print"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert f"the token file {path} was readable by others (mode 644): made it owner-only (0600)" in caplog.text
    assert "tok-do-not-print" not in caplog.text
    caplog.clear()
    TokenStore(path).load()  # already owner-only: nothing to say
    assert caplog.text == ""


def test_init_with_the_emulators_address_keeps_it_and_inspect_tells_the_subdomain(tmp_path, emulator):
    """`init --amocrm-url http://127.0.0.1:PORT` wrote subdomain = "127" (the first part of the IP address):
    links to deals went to https://127.amocrm.ru and the webhook check refused the account's own webhooks.
    The address is kept as the base URL, the subdomain left for the user, and `amocrm inspect` names it."""
    import tomllib

    from salesglass.cli import app
    from salesglass.config import load_config

    cfg_path = tmp_path / "salesglass.toml"
    res = CliRunner().invoke(app, ["init", str(cfg_path), "--amocrm-url", emulator.url])
    assert res.exit_code == 0, res.output
    assert "subdomain" not in tomllib.loads(cfg_path.read_text())["amocrm"]
    assert load_config(cfg_path).amocrm.base_url == emulator.url
    CliRunner().invoke(
        app, ["amocrm", "auth", "--long-lived", "-c", str(cfg_path)], input=OAUTH["long_lived_token"] + "\n"
    )
    result = CliRunner().invoke(app, ["amocrm", "inspect", "-c", str(cfg_path)], terminal_width=300)
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    # no subdomain key: 'demo' is only the default, not something the config says
    assert "this account's subdomain is 'fixture', the config sets none: " in out and "'demo'" not in out
    assert 'set subdomain = "fixture" under [amocrm]' in out


def test_a_429_on_the_token_endpoint_is_waited_out_and_the_refresh_goes_through(tmp_path, emulator):
    cfg = oauth_config(tmp_path, emulator.url)
    store = authorize(cfg)
    first = json.loads(store.path.read_text())
    emulator.tokens.expire_access_tokens()
    emulator.misbehave("/oauth2/access_token", status=429, body=b"Too Many Requests", times=2)
    with client_from_config(cfg.amocrm, cfg.base_dir) as client:
        assert client.get("/api/v4/account")["id"] == 30000001  # not "token refresh failed: HTTP 429"
    assert emulator.emulator.script.used == [("/oauth2/access_token", "429")] * 2
    stored = json.loads(store.path.read_text())
    assert stored["refresh_token"] != first["refresh_token"] and "refresh_started_at" not in stored
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_a_token_answer_sent_a_trickle_at_a_time_fails_the_refresh_in_time_and_is_never_resent(tmp_path, emulator):
    cfg = oauth_config(tmp_path, emulator.url)
    authorize(cfg)
    emulator.tokens.expire_access_tokens()
    emulator.misbehave("/oauth2/access_token", trickle=0.02, trickle_bytes=16)  # ~0.7 s for the whole answer
    amo = cfg.amocrm.model_copy(update={"timeout": 0.25})
    with client_from_config(amo, cfg.base_dir) as client, pytest.raises(AuthError, match=r"token endpoint: .*deadline"):
        client.get("/api/v4/account")
    # it may have rotated the refresh token: never sent again (the emulator's tokens say what happened)
    assert [r[1] for r in emulator.requests("POST")] == ["/oauth2/access_token"] * 2  # the code, the refresh


def test_a_token_endpoint_with_no_account_any_more_says_so_and_keeps_the_refresh_token(tmp_path, emulator):
    # a renamed account: its old address has no token endpoint for it (404); the refresh token was not used
    cfg = oauth_config(tmp_path, emulator.url)
    authorize(cfg)
    emulator.tokens.expire_access_tokens()
    body = json.dumps({"title": "Not Found", "status": 404, "detail": "Account not found"}).encode()
    emulator.misbehave("/oauth2/access_token", status=404, body=body)
    with client_from_config(cfg.amocrm, cfg.base_dir) as client, pytest.raises(AuthError, match="base_url") as err:
        client.get("/api/v4/account")
    assert "HTTP 404: there is no account at base_url any more (renamed in amoCRM?)" in str(err.value)
    # base_url put right (here: the emulator answers again): the same refresh token works, no new authorization
    with client_from_config(cfg.amocrm, cfg.base_dir) as client:
        assert client.get("/api/v4/account")["id"] == 30000001
