"""Dashboard logins: a small JSON file of e-mail, role and argon2 hash, kept next to the warehouse.

Not in the published DuckDB file (that one is replaced on every build). The file is written whole
through a temporary file and a rename, owner-only (0600), so a crash never leaves half a file.
A manager's login is tied to an amoCRM user by e-mail (`managers.email`).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import unicodedata
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from salesglass.errors import SalesglassError
from salesglass.private_files import keep_private
from salesglass.processes import replace_whole

Role = Literal["admin", "manager"]
ROLES: tuple[str, ...] = ("admin", "manager")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
MAX_EMAIL = 254  # RFC 5321's limit for a forward path
# a local part without spaces, quotes or separators; a domain of letters (any script), digits, hyphens, dots
_EMAIL = re.compile(r"[^\s@\"(),:;<>\[\]\\]+@[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)*")

_hasher = PasswordHasher()
# verifying against this keeps an unknown e-mail as slow as a wrong password (no user enumeration)
_DUMMY_HASH = _hasher.hash("not-a-real-password")
_lock = threading.Lock()


@dataclass
class User:
    email: str
    role: str
    password_hash: str
    # None = follow `[dashboard].managers_see_company_totals`
    see_company_totals: bool | None = None
    created_at: str = ""
    # bumped by logout, a password reset or a role change: sessions of an older version end (serve/sessions.py)
    session_version: int = 0

    def public(self) -> dict:
        d = asdict(self)
        d.pop("password_hash")
        return d


def normalise_email(email: str) -> str:
    return email.strip().lower()


class UserStore:
    """Read on every call (the CLI may change the file while the server runs)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def _load(self) -> list[User]:
        if not self.path.exists():
            return []
        # password hashes: a logins file others may read (an old version's, a restored backup) is narrowed
        keep_private(self.path, what="logins file")
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return [User(**u) for u in data.get("users", [])]

    def _save(self, users: list[User]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # password hashes: 0600 from creation; a write killed midway leaves a file the next write deletes
        text = json.dumps({"users": [asdict(u) for u in users]}, ensure_ascii=False, indent=1)
        replace_whole(self.path, text)

    def list(self) -> list[User]:
        return sorted(self._load(), key=lambda u: u.email)

    def get(self, email: str) -> User | None:
        email = normalise_email(email)
        return next((u for u in self._load() if u.email == email), None)

    def add(
        self, email: str, password: str, role: str, *, see_company_totals: bool | None = None, replace: bool = False
    ) -> User:
        email = self.check_new(email, role, replace=replace)
        check_password(password)
        with _lock:
            users = self._load()
            old = next((u for u in users if u.email == email), None)
            if old is not None and not replace:
                raise _exists(email)
            users = [u for u in users if u.email != email]
            created = datetime.now(UTC).isoformat(timespec="seconds")
            user = User(
                email,
                role,
                _hasher.hash(password),
                see_company_totals,
                created,
                # a new login must not match sessions of an earlier login of the same e-mail (removed,
                # then added again): a kept or stolen cookie would work again, with the new role
                session_version=old.session_version + 1 if old else secrets.randbelow(2**53),
            )
            users.append(user)
            self._save(users)
        return user

    def check_new(self, email: str, role: str, *, replace: bool = False) -> str:
        """The normalised e-mail of a login `add` would take, or SalesglassError saying why not: asked before
        the password is, so a typo in the e-mail or the role costs no password typed twice."""
        email = check_email(email)
        if role not in ROLES:
            raise SalesglassError(f"role must be one of {', '.join(ROLES)}, got {printable(role)!r}")
        if not replace and self.get(email) is not None:
            raise _exists(email)
        return email

    def check_known(self, email: str) -> None:
        """SalesglassError unless the login exists (asked before a new password is)."""
        if self.get(email) is None:
            raise SalesglassError(f"no user {printable(normalise_email(email))}")

    def remove(self, email: str) -> None:
        email = normalise_email(email)
        with _lock:
            users = self._load()
            if not any(u.email == email for u in users):
                raise SalesglassError(f"no user {printable(email)}")
            self._save([u for u in users if u.email != email])

    def set_password(self, email: str, password: str) -> None:
        """A new password; every open session of the login ends."""
        check_password(password)
        self._change(email, password_hash=_hasher.hash(password))

    def set_role(self, email: str, role: str) -> None:
        """A new role; every open session of the login ends (it logs in again with the new rights)."""
        if role not in ROLES:
            raise SalesglassError(f"role must be one of {', '.join(ROLES)}, got {printable(role)!r}")
        self._change(email, role=role)

    def end_sessions(self, email: str) -> None:
        """End every session of this login (logout ends them all, on every device)."""
        self._change(email)

    def _change(self, email: str, **fields: str) -> None:
        email = normalise_email(email)
        with _lock:
            users = self._load()
            for u in users:
                if u.email == email:
                    for name, value in fields.items():
                        setattr(u, name, value)
                    u.session_version += 1
                    self._save(users)
                    return
        raise SalesglassError(f"no user {printable(email)}")

    def set_company_totals(self, email: str, value: bool | None) -> None:
        email = normalise_email(email)
        with _lock:
            users = self._load()
            for u in users:
                if u.email == email:
                    u.see_company_totals = value
                    self._save(users)
                    return
        raise SalesglassError(f"no user {email}")

    def authenticate(self, email: str, password: str) -> User | None:
        """The user if the password matches; None otherwise (same cost either way)."""
        user = self.get(email)
        try:
            _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        return user


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)


def printable(text: str) -> str:
    """Text safe to print on a terminal or a page: control characters shown as escapes, never raw."""
    return "".join(
        ch
        if unicodedata.category(ch) not in ("Cc", "Cf")
        else f"\\x{ord(ch):02x}"
        if ord(ch) < 256
        else f"\\u{ord(ch):04x}"
        for ch in text
    )


def _exists(email: str) -> SalesglassError:
    return SalesglassError(f"user {email} already exists (use `salesglass users reset-password`)")


def check_email(email: str) -> str:
    """The e-mail, normalised (trimmed, lower case), or SalesglassError saying what is wrong with it.

    The same rule for `salesglass users …` and the admin page: at most MAX_EMAIL characters, no control
    characters or spaces, one `@` between a local part and a domain of letters, digits, dots and hyphens.
    """
    if len(email) > MAX_EMAIL:
        raise SalesglassError(f"e-mail too long: at most {MAX_EMAIL} characters")
    if _has_control(email):
        raise SalesglassError("e-mail must not contain control characters")
    email = normalise_email(email)
    if not _EMAIL.fullmatch(email):
        raise SalesglassError(f"{printable(email)!r} is not an e-mail address (like name@example.com)")
    return email


def check_password(password: str) -> None:
    """At least MIN_PASSWORD and at most MAX_PASSWORD characters, not only spaces, no control characters."""
    if len(password) < MIN_PASSWORD:
        raise SalesglassError(f"password too short: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise SalesglassError(f"password too long: at most {MAX_PASSWORD} characters")
    if not password.strip():
        raise SalesglassError("password must not be only spaces")
    if _has_control(password):
        raise SalesglassError("password must not contain control characters")


# ---- which amoCRM user a manager login is ------------------------------------------------------------------
# The dashboard ties a manager's login to the amoCRM user whose e-mail it is (trimmed, any letter case; of two
# with one e-mail the active one, then the smaller id): the same rule as the scope of every page (web/app.py).


def amocrm_users(published_path: Path) -> list[dict] | None:
    """The amoCRM users of the last build (`managers`: manager_id, name, email, is_active), by name; None when
    nothing is published yet (or the file has no managers table)."""
    from salesglass.warehouse import open_published

    if not Path(published_path).exists():
        return None
    con = open_published(published_path)
    try:
        if not con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'managers'").fetchall():
            return None
        q = con.execute("SELECT manager_id, name, email, is_active FROM managers ORDER BY name, manager_id")
        cols = [d[0] for d in q.description]
        return [dict(zip(cols, row, strict=True)) for row in q.fetchall()]
    finally:
        con.close()


def amocrm_user_of(email: str, managers: list[dict]) -> dict | None:
    """The amoCRM user a manager login `email` shows the figures of, or None (the login sees no figures)."""
    email = normalise_email(email)
    same = [m for m in managers if normalise_email(m.get("email") or "") == email]
    return min(same, key=lambda m: (not m.get("is_active"), m["manager_id"])) if same else None


def near_emails(email: str, managers: list[dict], n: int = 3) -> list[dict]:
    """amoCRM users whose e-mail looks like a mistyped `email`: the same name before the @ at another domain,
    or a name before the @ one or two letters away (anya@ → anna@). What the admin probably meant when a
    manager's login matches no amoCRM user."""
    from difflib import SequenceMatcher

    local, _, domain = normalise_email(email).partition("@")
    scored = []
    for m in managers:
        other_local, _, other_domain = normalise_email(m.get("email") or "").partition("@")
        if not other_local:
            continue
        score = SequenceMatcher(None, local, other_local).ratio() + (0.1 if other_domain == domain else 0)
        if score >= 0.8:
            scored.append((-score, m["manager_id"], m))
    return [m for *_, m in sorted(scored, key=lambda x: x[:2])[:n]]
