"""The menu's money pages (Bonuses, My statement) show the account currency's sign: a dollar account's
menu said ₽ beside amounts in $."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.dashboard.conftest import login


def icons(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-nav="([^"]+)"><span class="ico">([^<]*)</span>', html))


def test_the_menu_shows_the_account_currency(site, admin) -> None:
    from salesglass.serve.web.app import create_app

    assert {k: icons(admin.get("/sales").text)[k] for k in ("bonuses", "bonus/statement")} == {
        "bonuses": "₽",
        "bonus/statement": "₽",
    }
    dollars = site.model_copy(update={"account": site.account.model_copy(update={"currency": "USD"})})
    with TestClient(create_app(dollars), headers={"accept-language": "en-US,en;q=0.9"}) as client:
        shown = icons(login(client, "admin@demo.test").get("/sales").text)
    assert {k: shown[k] for k in ("bonuses", "bonus/statement")} == {"bonuses": "$", "bonus/statement": "$"}
    assert shown["sales"] == "▤"  # other pages keep their pictures
