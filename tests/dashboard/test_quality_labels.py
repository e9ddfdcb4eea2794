"""The data-quality page speaks the reader's language: quarantine reasons by code with RU/EN labels (the raw
text kept in the drill-down), and the build's tables by what they hold rather than their internal names."""

from __future__ import annotations

import pytest

from salesglass.model.schema import TABLES
from salesglass.model.validate import _problems
from salesglass.serve.i18n import Formatter
from salesglass.serve.web.reasons import reason_code, reason_label
from tests.dashboard.conftest import published_app, signed_in


def every_loader_reason() -> list[str]:
    """Every reason text the loaders can write today (the checks of each canonical column, the constants)."""
    from salesglass.sources.amocrm import field_values as fv
    from salesglass.sources.platform import plans
    from salesglass.sources.platform.load import UNKNOWN_MANAGER

    texts = [why for t in TABLES.values() for col in t.columns for _, why in _problems(col, col.name)]
    texts += [fv.COLD_UNREADABLE, fv.KIND_BOTH, fv.ACCOUNT_NOT_WHOLE, fv.INN_DIGITS, UNKNOWN_MANAGER]
    texts += [plans.UNKNOWN, plans.AMBIGUOUS, fv.ENUM_UNKNOWN.format(field="Тип клиента", field_id=8001, enum=80199)]
    return texts


def test_every_reason_a_loader_writes_has_a_code() -> None:
    texts = every_loader_reason()
    assert len(texts) > 20
    assert [t for t in texts if reason_code(t) is None] == []


@pytest.mark.parametrize(
    ("text", "lang", "shown"),
    [
        ("bad tickets: not a valid integer", "ru", "Билеты: не читается как целое число"),
        ("bad tickets: not a valid integer", "en", "Tickets: not a valid whole number"),
        ("missing created_at", "ru", "Создана: не заполнено"),
        ("bad price: more than 2 decimal places", "en", "Budget: more than 2 decimal places"),
        (
            "status 142 of pipeline 7 does not exist in the account (deleted status?)",
            "ru",
            "статуса 142 воронки 7 больше нет в amoCRM (у сделки нет этапа, пока его не вернут)",
        ),
        ("override: unknown partner", "ru", "ручная связь: такого партнёра нет"),
        (
            "value of field «Тип клиента» (8001) is enum id 80199, not one of the field's values, "
            "sent without its text (deal kept, value unknown)",
            "ru",
            "поле «Тип клиента» (8001): вариант с id 80199 не из списка поля и пришёл без текста "
            "(сделка загружена, значение неизвестно)",
        ),
        ("something no loader writes", "ru", "something no loader writes"),  # shown as written
    ],
)
def test_reason_labels(text: str, lang: str, shown: str) -> None:
    assert reason_label(Formatter(lang, "RUB").t, text) == shown


BUILD = """
ALTER TABLE build_info ADD COLUMN table_name TEXT;
ALTER TABLE build_info ADD COLUMN row_count BIGINT;
DELETE FROM build_info;
INSERT INTO build_info VALUES ('2026-03-15', '2026-03-15 06:00:00+00', 'Europe/Moscow', 'duckdb', 'test', 'deals', 5),
 ('2026-03-15', '2026-03-15 06:00:00+00', 'Europe/Moscow', 'duckdb', 'test', 'acquiring_deals', 3),
 ('2026-03-15', '2026-03-15 06:00:00+00', 'Europe/Moscow', 'duckdb', 'test', 'report_funnel', 12);
DELETE FROM quarantine;
INSERT INTO quarantine VALUES
 ('platform', 'sales', 'x1', 'bad tickets: not a valid integer', '{"tickets": "many"}', '2026-03-14 08:00:00+00'),
 ('amocrm', 'deals', '77', 'missing created_at', '{"id": 77}', '2026-03-14 08:02:00+00');
"""


def test_quality_page_names_tables_and_reasons_in_the_page_language(tmp_path) -> None:
    app = published_app(tmp_path, BUILD)
    with signed_in(app, lang="ru") as c:
        html = c.get("/quality").text
        assert "Сделки, которые привели партнёра" in html and "Отчёт: воронка" in html
        assert "acquiring_deals" not in html and ">report_funnel<" not in html
        assert "Билеты: не читается как целое число" in html and "Создана: не заполнено" in html
        # the drill-down shows the label and, beside it, the text the loader wrote (it filters on that text)
        drawer = c.get("/drill/quarantine?source=platform&entity=sales&reason=bad+tickets%3A+not+a+valid+integer").text
        assert "Билеты: не читается как целое число" in drawer and "bad tickets: not a valid integer" in drawer
        assert "1 строк" in drawer or "строк: 1" in drawer
    with signed_in(app) as c:
        html = c.get("/quality").text
        assert "Deals that brought a partner" in html and "Tickets: not a valid whole number" in html


def test_every_table_a_build_publishes_has_a_label() -> None:
    """The data-quality page lists every table of the last build; one without a label shows its internal
    name (forecast_wide, forecast_cases) among the words a head of sales reads."""
    from salesglass.reports.columns import TABLE_LABELS
    from salesglass.reports.registry import DERIVED, all_reports

    published = set(TABLES) | set(DERIVED) | set(all_reports())
    published -= {"report_data_quality"}  # not in the build's table list: the page shows its rows instead
    missing = sorted(t for t in published if t not in TABLE_LABELS)
    assert missing == []
    assert [t for t, (en, ru) in TABLE_LABELS.items() if not en.strip() or not ru.strip()] == []


SUGGESTIONS = """
DELETE FROM link_suggestions;
INSERT INTO link_suggestions VALUES
 (1004, 'P4', 100.0, 'Сергей Макаров', 'ИП Макаров Сергей', 'deal_name', 'lost', '2025-02-12 10:00:00+00',
  1001, 'inn', 1, 2, 'weak'),
 (1003, 'P4', 96.0, 'ООО «Макаров и Ко»', 'ИП Макаров Сергей', 'company_name', 'open', NULL,
  1001, 'inn', 1, 2, 'weak'),
 (1002, 'P3', 100.0, 'Игорь Белов', 'ИП Белов Игорь', 'deal_name', 'open', NULL, NULL, NULL, 1, 1, 'possible');
"""


def test_suggestions_say_why_and_how_sure_possible_first(tmp_path, monkeypatch) -> None:
    """A reviewer sees a confidence word and the reasons for and against each pair, not a bare 100,0."""
    app = published_app(tmp_path, SUGGESTIONS)
    with signed_in(app, lang="ru") as c:
        html = c.get("/quality").text
        assert "возможно: 1" in html  # the KPI: 3 suggestions, 1 of them possible
        table = html[html.index("Возможные связи (проверить)") :]
        # open and won deals' pairs, possible first; the lost deal's pair in a table of its own below them
        lost = table.index("Возможные связи проигранных сделок")
        assert table.index("Игорь Белов") < table.index("ООО «Макаров и Ко»") < lost < table.index("Сергей Макаров")
        assert "возможно" in table and "слабо" in table
        assert "название сделки ≈ имя партнёра; те же слова в другом порядке или форме" in table
        assert "название компании ≈ имя партнёра; имена похожи на 96\u00a0%" in table
        assert "сделка проиграна 2025-02-12" in table
        assert "партнёр уже связан со сделкой 1001 (ИНН)" in table
        assert "неоднозначно: партнёр предложен для 2 сделок" in table
    with signed_in(app) as c:
        html = c.get("/quality").text
        assert "deal lost 2025-02-12; partner already linked to deal 1001 by ИНН" in html
        assert "The first" not in html
        # a long list says how much is not shown and where the rest is
        monkeypatch.setattr("salesglass.serve.web.pages.quality.SHOWN", 1)
        html = c.get("/quality").text
        assert "The first 1 of 2; all of them: <code>salesglass doctor --export FILE</code>." in html
        assert "Игорь Белов" in html and "ООО «Макаров и Ко»" not in html


OLD_SUGGESTIONS = """
DROP TABLE link_suggestions;
CREATE TABLE link_suggestions (deal_id BIGINT, partner_id VARCHAR, score DOUBLE, deal_name VARCHAR,
                               partner_name VARCHAR);
INSERT INTO link_suggestions VALUES (1004, 'P4', 91.5, 'Unlinked deal', 'Support organizers');
"""


def test_suggestions_of_a_file_linked_before_the_review_columns_still_render(tmp_path) -> None:
    with signed_in(published_app(tmp_path, OLD_SUGGESTIONS)) as c:
        resp = c.get("/quality")
        assert resp.status_code == 200
        table = resp.text[resp.text.index("Fuzzy link suggestions (review)") :]
        assert "Unlinked deal" in table and "names 92\u00a0% alike" in table
        # no confidence in the file: no column of "—" on every row, but once how to get it
        table = table[: table.index("</section>")]
        assert "Confidence" not in table and 'data-col="confidence"' not in table
        assert table.count("How sure each suggestion is: shown once this version makes them again") == 1
        assert "<code>salesglass refresh</code>" in table
