"""Сибкасса's people are the engine's, with e-mails of its own domain (the demo's were `@biletoid.ru`, so the
Сибкасса demo printed a Билетоид manager's login): amoCRM users, the partners' development managers and the
plans' managers, one rule for all three so that they still name the same person."""

from __future__ import annotations

from salesglass.simulate.staff import DOMAIN as ENGINE_DOMAIN

DOMAIN = "sibkassa.ru"


def email(value: str | None) -> str | None:
    """`a.ivanova@biletoid.ru` → `a.ivanova@sibkassa.ru`; any other value as it is (empty, None)."""
    if value and value.endswith("@" + ENGINE_DOMAIN):
        return value[: -len(ENGINE_DOMAIN)] + DOMAIN
    return value
