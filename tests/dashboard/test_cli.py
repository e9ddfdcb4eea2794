"""`salesglass users …`: passwords from stdin or a hidden prompt, never echoed or stored in clear."""

from __future__ import annotations

from typer.testing import CliRunner

from salesglass.cli import app
from salesglass.serve.users import UserStore


def _config(tmp_path):
    path = tmp_path / "salesglass.toml"
    path.write_text('[dashboard]\nusers_path = "logins.json"\n', encoding="utf-8")
    return path


def test_users_add_list_reset_remove(tmp_path) -> None:
    cfg = _config(tmp_path)
    run = CliRunner().invoke
    r = run(
        app,
        ["users", "add", "Head@Acme.ru", "--role", "admin", "--password-stdin", "-c", str(cfg)],
        input="s3cret-pass\n",
    )
    assert r.exit_code == 0, r.output
    assert "s3cret-pass" not in r.output
    r = run(
        app, ["users", "add", "anna@acme.ru", "--company-totals", "-c", str(cfg)], input="anna-pass-1\nanna-pass-1\n"
    )  # interactive prompt with confirmation
    assert r.exit_code == 0, r.output
    assert "anna-pass-1" not in r.output
    store = UserStore(tmp_path / "logins.json")
    assert store.authenticate("head@acme.ru", "s3cret-pass") is not None
    assert store.get("anna@acme.ru").see_company_totals is True
    listed = run(app, ["users", "list", "-c", str(cfg)]).output
    assert "head@acme.ru" in listed and "anna@acme.ru" in listed and "argon2" not in listed
    assert (
        run(
            app, ["users", "reset-password", "anna@acme.ru", "--password-stdin", "-c", str(cfg)], input="new-pass-22\n"
        ).exit_code
        == 0
    )
    assert store.authenticate("anna@acme.ru", "anna-pass-1") is None
    assert store.authenticate("anna@acme.ru", "new-pass-22") is not None
    assert run(app, ["users", "remove", "anna@acme.ru", "-c", str(cfg)]).exit_code == 0
    assert store.get("anna@acme.ru") is None


def test_users_errors_are_plain_messages(tmp_path) -> None:
    cfg = _config(tmp_path)
    r = CliRunner().invoke(
        app, ["users", "add", "x@y.z", "--role", "boss", "--password-stdin", "-c", str(cfg)], input="long-enough-1\n"
    )
    assert r.exit_code != 0 and "role must be one of admin, manager" in str(r.exception)
    r = CliRunner().invoke(app, ["users", "remove", "ghost@y.z", "-c", str(cfg)])
    assert "no user ghost@y.z" in str(r.exception)


def test_ensure_demo_users_creates_both_logins(tmp_path) -> None:
    from salesglass.demo.logins import ensure_demo_users
    from tests.dashboard.conftest import make_config

    cfg = make_config(tmp_path)
    ensure_demo_users(cfg, admin=("admin@demo", "demo-admin-1"), manager=("anna@demo.test", "demo-anna-1"))
    ensure_demo_users(cfg, admin=("admin@demo", "demo-admin-2"), manager=("anna@demo.test", "demo-anna-1"))
    store = UserStore(cfg.resolve(cfg.dashboard.users_path))
    assert store.authenticate("admin@demo", "demo-admin-2").role == "admin"
    assert store.authenticate("anna@demo.test", "demo-anna-1").role == "manager"


def test_a_taken_port_is_reported_before_anything_is_ready(tmp_path) -> None:
    """`make demo` with port 8000 taken: one clear error naming --port, before any work or printed URL."""
    import socket
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("salesglass")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        demo = subprocess.run(
            [str(exe), "demo", "--dir", str(tmp_path / "demo"), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        serve = subprocess.run(
            [str(exe), "serve", "--no-refresh", "--no-webhooks", "--port", str(port), "-c", str(_config(tmp_path))],
            capture_output=True,
            text=True,
            timeout=60,
        )
    for r in (demo, serve):
        assert r.returncode == 2, r.stdout + r.stderr
        assert f"port {port} on 127.0.0.1 is taken" in r.stderr and "--port" in r.stderr
        assert "Traceback" not in r.stderr and "http://" not in r.stdout
    assert not (tmp_path / "demo" / "company").exists()  # nothing generated first


def test_users_say_which_amocrm_user_a_manager_login_shows(tmp_path) -> None:
    """The admin sets up a team: each manager login is told whose figures it shows; a mistyped e-mail is named
    with the amoCRM user meant; `users list` names the active amoCRM users nobody logs in as yet.
    Fixture's amoCRM users: Anna Petrova 101 anna@, Boris Ivanov 102 boris@, Vera Gone 103 vera@ (left)."""
    from tests.dashboard.fixture import write_published

    path = tmp_path / "salesglass.toml"
    path.write_text('[dashboard]\nusers_path = "logins.json"\n[warehouse]\npublished_path = "pub.duckdb"\n')
    cfg = str(path)
    run = CliRunner().invoke

    def add(email: str) -> str:
        r = run(app, ["users", "add", email, "--password-stdin", "-c", cfg], input="long-enough-1\n")
        assert r.exit_code == 0, r.output
        return " ".join(r.output.split())

    assert "Nothing is built yet" in add("anna@demo.test")  # before the first build nothing can be checked
    write_published(tmp_path / "pub.duckdb")
    assert "shows the figures of amoCRM user Boris Ivanov (#102)" in add("boris@demo.test")
    said = add("Anya@Demo.test")
    assert "No amoCRM user has the e-mail anya@demo.test: this login sees no figures" in said
    assert "Did you mean anna@demo.test (Anna Petrova)?" in said and "vera" not in said
    assert "Vera Gone (#103) deactivated in amoCRM" in add("vera@demo.test")
    listed = run(app, ["users", "list", "-c", cfg]).output
    rows = {line.split("│")[1].strip(): line for line in listed.splitlines() if line.startswith("│ ") and "@" in line}
    assert "Anna Petrova" in rows["anna@demo.test"] and "none: sees no" in rows["anya@demo.test"]
    assert "active amoCRM users" not in listed  # Anna and Boris have logins, Vera has left
    assert run(app, ["users", "remove", "boris@demo.test", "-c", cfg]).exit_code == 0
    listed = " ".join(run(app, ["users", "list", "-c", cfg]).output.split())
    assert "active amoCRM users without a login: Boris Ivanov <boris@demo.test>" in listed
