"""`salesglass init`: a starter config that validates, keeps secrets out, and never overwrites by accident."""

from __future__ import annotations

import stat
import subprocess
import sys
import tomllib
from pathlib import Path

from salesglass.config import load_config


def _run(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "salesglass", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        **({"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}),
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_bare_starter_config_validates_and_holds_no_demo_values(tmp_path):
    res = _run("init", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    path = tmp_path / "salesglass.toml"
    cfg = load_config(path)
    assert cfg.platform.inputs == [] and cfg.platform.url is None
    assert "amocrm" not in tomllib.loads(path.read_text())  # not connected yet: commented out
    text = path.read_text()
    for demo_value in ("127.0.0.1:8765", "backoffice.sqlite", "full_kop", "org_id", "demo"):
        assert demo_value not in text
    for helper in ("salesglass platform inspect --write", "salesglass amocrm inspect", "salesglass check"):
        assert helper in text
    assert _mode(tmp_path / ".salesglass" / "dashboard-secret") == 0o600


def test_flags_fill_the_common_answers_and_the_password_goes_to_a_0600_file(tmp_path):
    res = _run(
        "init",
        "cfg/sg.toml",
        "--amocrm-url",
        "https://acme.amocrm.ru",
        "--auth",
        "long_lived",
        "--platform-url",
        "postgresql://reader:s3cr3t@db.internal:5432/backoffice",
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    path = tmp_path / "cfg" / "sg.toml"
    text = path.read_text()
    assert "s3cr3t" not in text and "s3cr3t" not in res.stdout
    cfg = load_config(path)
    assert cfg.amocrm.base_url == "https://acme.amocrm.ru" and cfg.amocrm.subdomain == "acme"
    assert cfg.amocrm.auth == "long_lived"
    assert cfg.platform.url == "postgresql://reader:${SALESGLASS_PLATFORM_PASSWORD}@db.internal:5432/backoffice"
    env = tmp_path / "cfg" / "secrets" / "salesglass.env"
    assert env.read_text() == "SALESGLASS_PLATFORM_PASSWORD='s3cr3t'\n"
    assert _mode(env) == 0o600 and _mode(env.parent) == 0o700


def test_oauth_needs_its_ids_and_keeps_the_client_secret_out(tmp_path):
    res = _run("init", "--amocrm-url", "acme.kommo.com", "--auth", "oauth", cwd=tmp_path)
    assert res.returncode == 2 and "--client-id" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "salesglass.toml").exists()
    res = _run(
        "init",
        "--amocrm-url",
        "acme.kommo.com",
        "--auth",
        "oauth",
        "--client-id",
        "abc",
        "--redirect-uri",
        "https://example.org/cb",
        "--client-secret",
        "topsecret",
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    cfg = load_config(tmp_path / "salesglass.toml")
    assert (cfg.amocrm.auth, cfg.amocrm.client_id, cfg.amocrm.client_secret) == ("oauth", "abc", None)
    assert cfg.amocrm.base_url == "https://acme.kommo.com"
    assert "topsecret" not in (tmp_path / "salesglass.toml").read_text()
    assert "SALESGLASS_AMOCRM_CLIENT_SECRET='topsecret'" in (tmp_path / "secrets" / "salesglass.env").read_text()
    # the next step is the OAuth one (it said `amocrm auth --long-lived`, which OAuth refuses)
    said = " ".join(res.stdout.split())
    assert "next: salesglass amocrm auth --code <code>" in said and "--long-lived" not in said
    assert "--long-lived" not in (tmp_path / "salesglass.toml").read_text()


def test_the_client_secret_can_come_from_standard_input_instead_of_the_process_list(tmp_path):
    """`--client-secret topsecret` is visible to every user of the machine in `ps`; `-` reads it from stdin."""
    oauth = ("--auth", "oauth", "--client-id", "abc", "--redirect-uri", "https://example.org/cb")
    res = _run("init", "--amocrm-url", "acme", *oauth, "--client-secret", "-", cwd=tmp_path, stdin="from-stdin\n")
    assert res.returncode == 0, res.stderr
    assert "from-stdin" not in res.stdout + res.stderr + (tmp_path / "salesglass.toml").read_text()
    env = tmp_path / "secrets" / "salesglass.env"
    assert env.read_text() == "SALESGLASS_AMOCRM_CLIENT_SECRET='from-stdin'\n" and _mode(env) == 0o600
    empty = _run("init", "other.toml", "--amocrm-url", "acme", *oauth, "--client-secret", "-", cwd=tmp_path, stdin="")
    assert empty.returncode == 2 and "--client-secret" in empty.stderr and "Traceback" not in empty.stderr
    assert not (tmp_path / "other.toml").exists()


def test_the_back_office_password_need_not_be_on_the_command_line(tmp_path):
    """README's `init --platform-url 'postgresql://reader:PASSWORD@…'` put the password in the process list
    and the shell's history; the URL can name the user only, the password coming from standard input.
    (In-process: a subprocess per case costs seconds.)"""
    from typer.testing import CliRunner

    from salesglass.cli import app
    from salesglass.errors import ConfigError

    password = "Pa$$ w0rd:@/x"
    url = "postgresql://reader@db.internal:5432/shop"
    config = tmp_path / "salesglass.toml"
    res = CliRunner().invoke(
        app, ["init", str(config), "--platform-url", url, "--platform-password", "-"], input=password + "\n"
    )
    assert res.exit_code == 0, res.output
    assert password not in res.output + config.read_text()
    env = tmp_path / "secrets" / "salesglass.env"
    assert env.read_text() == "SALESGLASS_PLATFORM_PASSWORD='Pa$$ w0rd:@/x'\n" and _mode(env) == 0o600
    cfg = load_config(config)
    assert cfg.platform.url == "postgresql://reader:${SALESGLASS_PLATFORM_PASSWORD}@db.internal:5432/shop"
    # a password typed as the flag's value is refused (a plain message: main() prints it), nothing written
    other = tmp_path / "other.toml"
    typed = CliRunner().invoke(app, ["init", str(other), "--platform-url", url, "--platform-password", "hunter22"])
    assert isinstance(typed.exception, ConfigError) and "process list" in str(typed.exception)
    assert not other.exists()


def test_a_folder_of_files_and_no_overwrite_without_force(tmp_path):
    assert _run("init", "--platform-url", "exports", cwd=tmp_path).returncode == 0
    path = tmp_path / "salesglass.toml"
    assert load_config(path).platform.folder == "exports"
    path.write_text(path.read_text() + "\n# my own note\n")
    res = _run("init", cwd=tmp_path)
    assert res.returncode == 2 and "--force" in res.stderr
    assert "# my own note" in path.read_text()
    assert _run("init", "--force", cwd=tmp_path).returncode == 0
    assert "# my own note" not in path.read_text()


def test_on_a_terminal_without_flags_init_asks(tmp_path):
    import os
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "salesglass", "init"],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        text=True,
    )
    os.close(slave)
    os.write(master, b"https://acme.amocrm.ru\nsqlite:///backoffice.sqlite\n")
    out, err = proc.communicate(timeout=120)
    assert "amoCRM address" in out
    os.close(master)
    assert proc.returncode == 0, err
    cfg = load_config(tmp_path / "salesglass.toml")
    assert cfg.amocrm.base_url == "https://acme.amocrm.ru"
    assert cfg.platform.url == "sqlite:///backoffice.sqlite"


def test_an_account_address_as_people_paste_it(tmp_path):
    """A subdomain alone, or a page copied from the browser's address bar: `init` wrote
    base_url = "https://acme" (no such host) or kept the page's path (every API call then missed)."""
    from salesglass.config import parse_config
    from salesglass.errors import ConfigError
    from salesglass.starter import Answers, write_starter

    for n, (given, address, subdomain) in enumerate(
        (
            ("acme", "https://acme.amocrm.ru", "acme"),
            ("https://acme.amocrm.ru/leads/pipeline/7001?skip=0", "https://acme.amocrm.ru", "acme"),
            ("acme.kommo.com/", "https://acme.kommo.com", "acme"),
            # the emulator stays as given; its address tells no account name (it wrote subdomain = "127"): the
            # line is left for the user, the default stands
            ("http://127.0.0.1:8765", "http://127.0.0.1:8765", "demo"),
            ("http://localhost:8765", "http://localhost:8765", "demo"),
        )
    ):
        done = write_starter(tmp_path / f"{subdomain}-{n}.toml", Answers(amocrm_url=given))
        cfg = load_config(done.config)
        assert (cfg.amocrm.base_url, cfg.amocrm.subdomain) == (address, subdomain), given
    # written by hand into the config, the page's path is named
    try:
        parse_config({"amocrm": {"base_url": "https://acme.amocrm.ru/leads/pipeline/7001"}}, source="s.toml")
    except ConfigError as exc:
        said = str(exc)
    assert said.startswith(
        "s.toml: [amocrm].base_url: expected the account's address without a path, i.e. https://acme.amocrm.ru"
    )


def test_init_narrows_the_keys_own_file_and_a_folder_it_makes_never_a_folder_that_was_there(tmp_path):
    """`init` made the folder holding the dashboard's key owner-only even when it was there before: a folder
    shared with a BI tool's group (setgid, group-readable: docs/bi-tools.md) was locked to its owner, and the
    group could no longer reach the published reports file in it. The key's own file is what must be private."""
    import os

    project = tmp_path / "project"
    project.mkdir()
    kept = project / ".salesglass"
    kept.mkdir()
    for folder in (project, kept):
        folder.chmod(0o2750)  # the owner's, its group may read (setgid: new files get the folder's group)
    assert _run("init", cwd=project).returncode == 0
    assert (_mode(project), _mode(kept), _mode(kept / "dashboard-secret")) == (0o2750, 0o2750, 0o600)

    from salesglass.starter import Answers, write_starter

    old = os.umask(0o022)  # a library call, not the `salesglass` command: the process's own umask
    try:
        write_starter(tmp_path / "fresh" / "salesglass.toml", Answers())
    finally:
        os.umask(old)
    assert _mode(tmp_path / "fresh") == 0o755  # the project folder: as the umask makes it
    assert _mode(tmp_path / "fresh" / ".salesglass") == 0o700  # made for the key: owner-only from the start
    assert _mode(tmp_path / "fresh" / ".salesglass" / "dashboard-secret") == 0o600
