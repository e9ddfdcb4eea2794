"""One name per report column: the dashboard, the Excel export and the CSV export take their headers
from reports/columns.py (COLUMN_LABELS), so «Signed, now selling» reads the same everywhere."""

from __future__ import annotations

import ast
from pathlib import Path

from salesglass.outputs.workbook import label
from salesglass.reports.columns import COLUMN_LABELS, REPORT_COLUMNS
from salesglass.serve.i18n import Formatter
from salesglass.serve.strings import STRINGS


def test_every_report_column_has_an_english_and_a_russian_header():
    columns = {c for table in REPORT_COLUMNS.values() for c in table}
    assert columns - COLUMN_LABELS.keys() == set()
    assert [c for c, (en, ru) in COLUMN_LABELS.items() if not en.strip() or not ru.strip()] == []


def test_the_excel_header_is_the_dashboards_header():
    assert label("signed_then_selling") == "Signed, now selling"
    for lang, at in (("en", 0), ("ru", 1)):
        t = Formatter(lang, "RUB").t
        assert t("signed_then_selling") == COLUMN_LABELS["signed_then_selling"][at]
    assert {c: label(c) for c in COLUMN_LABELS} == {c: en for c, (en, _) in COLUMN_LABELS.items()}


def test_the_page_strings_do_not_name_a_report_column_again():
    """A key in strings.py's own dict would silently win over the shared header."""
    path = Path(__file__).resolve().parents[1] / "salesglass" / "serve" / "strings.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    strings = next(n.value for n in tree.body if isinstance(n, ast.AnnAssign) and n.target.id == "STRINGS")
    own = {k.value for k in strings.keys if isinstance(k, ast.Constant)}
    assert own & COLUMN_LABELS.keys() == set()
    assert all(STRINGS[c] == COLUMN_LABELS[c] for c in COLUMN_LABELS)
