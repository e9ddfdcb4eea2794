"""A Russian statement says why a clawback / true-up line exists in Russian: the build writes its causes in
English (reports/bonus_close.py); the statement translates the build's own words, never an admin's text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from salesglass.bonus.statement import cause_text
from salesglass.serve.bonus_strings import BONUS_STRINGS
from salesglass.serve.web.bonus_close import statement_line


def ru(key: str, **kw: object) -> str:
    return BONUS_STRINGS[key][1].format(**kw) if key in BONUS_STRINGS else key


def rub(value: Decimal) -> str:  # as the page's money: Russian decimal comma
    return f"{value:.2f}".replace(".", ",") + " ₽"


def test_the_builds_causes_in_russian() -> None:
    # each English text as the build writes it (tests/reports/test_bonus_close.py's lines)
    said = {
        "refund r-oct of 2026-10-20 (revenue -1200.00)": "возврат r-oct от 2026-10-20 (выручка -1200,00 ₽)",
        "sale s-oct moved to 2026-11 (revenue 6000.00)": "продажа s-oct перенесена в 2026-11 (выручка 6000,00 ₽)",
        "sale s 1 removed (revenue 10.00); sale s2 of 2026-10-02 (revenue 5.00) and 2 more": (
            "продажа s 1 удалена (выручка 10,00 ₽); продажа s2 от 2026-10-02 (выручка 5,00 ₽) и ещё 2"
        ),
        "deal 202 linked to partner P2": "сделка 202 привязана к партнёру P2",
        "deal 7 no longer credits partner P 9 to this manager": (
            "сделка 7 больше не засчитывает партнёра P 9 этому менеджеру"
        ),
        "partner P1 now credited via deal 5 (was deal 4)": "партнёр P1 теперь засчитан по сделке 5 (была сделка 4)",
        "partner P1 now credited to this manager (was manager 3)": (
            "партнёр P1 теперь засчитан этому менеджеру (был менеджер 3)"
        ),
        "partner P1 now credited to manager 2": "партнёр P1 теперь засчитан менеджеру 2",
        "partner P1 no longer credited to this manager": "партнёр P1 больше не засчитан этому менеджеру",
        "partner P1 newly credited to this manager": "партнёр P1 впервые засчитан этому менеджеру",
        "recomputed: base 5000.00 → 8000.00": "пересчёт: база 5000,00 ₽ → 8000,00 ₽",
        # not the build's words: as it is
        "refund r-1 of yesterday (revenue -1.00)": "refund r-1 of yesterday (revenue -1.00)",
    }
    assert {en: cause_text(en, ru, rub) for en in said} == said


def test_the_statement_translates_a_clawback_but_not_what_an_admin_typed() -> None:
    line = {"rule": "clawback", "amount": Decimal("-60.00"), "corrects_month": date(2026, 10, 1)}
    line |= {"corrects_rule": "growth", "partner_id": "P1", "deal_id": None}
    shown = statement_line(ru, line | {"cause": "refund r-late of 2026-10-31 (revenue -1200.00)"}, rub)
    assert shown["cause"] == "возврат r-late от 2026-10-31 (выручка -1200,00 ₽)"
    typed = "sale s1 moved to 2026-11 (revenue 1.00)"  # an admin's reason that happens to read like the build's
    manual = statement_line(ru, line | {"rule": "manual", "corrects_rule": None, "cause": typed}, rub)
    assert manual["cause"] == typed
