"""The account currency's sign is the same on the dashboard, in the digests and in `salesglass export`'s
workbook: the dashboard used to show a Belarusian account's money as `1 234,50 BYN` while its digest said
`1 234,50 Br`, and the workbook always said ₽ whatever the currency."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pyarrow as pa
import pytest

from salesglass.config import parse_config
from salesglass.errors import ConfigError
from salesglass.outputs.digest_text import format_money
from salesglass.outputs.workbook import write_xlsx
from salesglass.serve.i18n import Formatter

# written out by hand: what a reader of each account expects to see after an amount
SIGNS = {"RUB": "₽", "USD": "$", "EUR": "€", "KZT": "₸", "BYN": "Br", "GEL": "₾", "BRL": "R$", "INR": "₹", "UZS": "UZS"}


@pytest.mark.parametrize("code", SIGNS)
def test_the_dashboard_and_the_digest_show_the_same_sign(code):
    sign = SIGNS[code]
    assert Formatter("ru", code).money(Decimal("1234.50")) == f"1\u202f234,50\u00a0{sign}"
    assert format_money(Decimal("1234.50"), code) == f"1 234,50 {sign}"  # e-mail: plain spaces


@pytest.mark.parametrize(
    ("code", "number_format"),
    [("RUB", "#,##0.00 ₽"), ("USD", "#,##0.00 $"), ("BYN", '#,##0.00 "Br"'), ("BRL", '#,##0.00 "R$"')],
)
def test_the_workbook_shows_the_account_currency(code, number_format):
    table = pa.table({"turnover": pa.array([Decimal("6200.00")], pa.decimal128(18, 2))})
    stream = io.BytesIO()
    write_xlsx({"summary": table}, stream, currency=code)
    ws = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))["summary"]
    assert (ws["A2"].value, ws["A2"].number_format) == (6200.0, number_format)


def test_the_account_currency_is_a_three_letter_code():
    assert parse_config({"account": {"currency": "usd"}}).account.currency == "USD"
    with pytest.raises(ConfigError) as err:
        parse_config({"account": {"currency": "рубли"}})
    assert "[account].currency: " in str(err.value) and "3-letter ISO 4217 currency code" in str(err.value)
