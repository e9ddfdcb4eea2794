"""Dashboard logins: a small JSON file of e-mail, role and argon2 hash, kept next to the warehouse.

Not in the published DuckDB file (that one is replaced on every build). The file is written whole
through a temporary file and a rename, owner-only (0600), so a crash never leaves half a file.
A manager's login is tied to an amoCRM user by e-mail (`managers.email`).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from salesglass.errors import SalesglassError

Role = Literal["admin", "manager"]
ROLES: tuple[str, ...] = ("admin", "manager")
MIN_PASSWORD = 8

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
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return [User(**u) for u in data.get("users", [])]

    def _save(self, users: list[User]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".users-", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"users": [asdict(u) for u in users]}, f, ensure_ascii=False, indent=1)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def list(self) -> list[User]:
        return sorted(self._load(), key=lambda u: u.email)

    def get(self, email: str) -> User | None:
        email = normalise_email(email)
        return next((u for u in self._load() if u.email == email), None)

    def add(
        self, email: str, password: str, role: str, *, see_company_totals: bool | None = None, replace: bool = False
    ) -> User:
        email = normalise_email(email)
        if "@" not in email:
            raise SalesglassError(f"{email!r} is not an e-mail address")
        if role not in ROLES:
            raise SalesglassError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        _check_password(password)
        with _lock:
            users = self._load()
            if any(u.email == email for u in users) and not replace:
                raise SalesglassError(f"user {email} already exists (use `salesglass users reset-password`)")
            users = [u for u in users if u.email != email]
            user = User(
                email, role, _hasher.hash(password), see_company_totals, datetime.now(UTC).isoformat(timespec="seconds")
            )
            users.append(user)
            self._save(users)
        return user

    def remove(self, email: str) -> None:
        email = normalise_email(email)
        with _lock:
            users = self._load()
            if not any(u.email == email for u in users):
                raise SalesglassError(f"no user {email}")
            self._save([u for u in users if u.email != email])

    def set_password(self, email: str, password: str) -> None:
        email = normalise_email(email)
        _check_password(password)
        with _lock:
            users = self._load()
            for u in users:
                if u.email == email:
                    u.password_hash = _hasher.hash(password)
                    self._save(users)
                    return
        raise SalesglassError(f"no user {email}")

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


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise SalesglassError(f"password too short: at least {MIN_PASSWORD} characters")
