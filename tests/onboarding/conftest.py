"""Back-offices the code did not grow up with, each in its own shape, written out by hand.

(2) `ru_postgres`: PostgreSQL with transliterated Russian names, money as decimal rubles, timestamps
with time zone, refunds as negative rows of the orders table, a status text column, a test-order
flag, and a plans table.
(3) `files_backoffice`: a folder with a cp1251 `;`-separated CSV of sales (1C-style: dd.mm.yyyy dates,
"1 234,50" amounts, an «Итого» line) and an XLSX of partners.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

RU_SCHEMA = """
CREATE TABLE kontragenty (
  id               integer PRIMARY KEY,
  naimenovanie     text NOT NULL,
  inn              text,
  tip              text NOT NULL,            -- организатор / агент
  data_registracii timestamptz NOT NULL,
  data_dogovora    timestamptz,
  email_menedzhera text
);
CREATE TABLE zakazy (
  nomer          text PRIMARY KEY,
  kontragent_id  integer REFERENCES kontragenty(id),
  meropriyatie   text,
  data_oplaty    timestamptz,
  kolichestvo    integer NOT NULL,           -- negative on a refund row
  summa          numeric(12,2) NOT NULL,     -- rubles; negative on a refund row
  komissiya      numeric(12,2) NOT NULL,
  rashody        numeric(12,2) NOT NULL,
  status         text NOT NULL,              -- оплачен / возврат / отменён / ожидает оплаты
  testovyj       boolean NOT NULL DEFAULT false
);
CREATE TABLE vidzhety (
  id             integer PRIMARY KEY,
  kontragent_id  integer NOT NULL REFERENCES kontragenty(id),
  sajt           text NOT NULL,
  data_ustanovki timestamptz                -- NULL: never installed
);
CREATE TABLE plan_prodazh (
  mesyac          date NOT NULL,
  menedzher       text,                      -- e-mail; empty = the whole company
  pokazatel       text NOT NULL,             -- оборот / выручка
  realistichnyj   numeric(14,2) NOT NULL,
  optimistichnyj  numeric(14,2) NOT NULL
);
INSERT INTO plan_prodazh VALUES
  ('2026-09-01', NULL, 'оборот', 100000, 150000),
  ('2026-09-01', NULL, 'выручка', 10000, 15000),
  ('2026-10-01', NULL, 'оборот', 120000, 180000);
INSERT INTO kontragenty VALUES
  (1, 'ООО «Весна»', '7707083893', 'организатор', '2026-08-01 10:00:00+03', '2026-08-05 12:00:00+03',
   'ivanova@firma.ru'),
  (2, 'ИП Петров П. П.',    '500100732259', 'организатор', '2026-08-10 09:30:00+03', NULL,                     NULL),
  (3, 'АО «Билеты везде»', '77 3605 0003', 'агент', '2026-08-15 15:00:00+03', '2026-08-20 11:00:00+03',
   'sidorov@firma.ru');
INSERT INTO zakazy VALUES
  ('Z-1', 1,    'E-10', '2026-09-03 19:15:00+03',  2,  3000.00,  300.00, 45.50, 'оплачен', false),
  ('Z-2', 1,    'E-10', '2026-09-04 12:00:00+03',  1,  1500.00,  150.00, 22.75, 'оплачен', false),
  ('Z-3', 2,    'E-20', '2026-10-01 00:30:00+03',  4,  8000.50,  800.05, 120.00, 'оплачен', false),
  ('Z-4', 1,    'E-10', '2026-10-02 10:00:00+03', -1, -1500.00, -150.00, -22.75, 'возврат', false),
  ('Z-5', 3,    'E-30', '2026-10-05 18:00:00+03',  3,  4500.00,  450.00, 70.00, 'отменён', false),
  ('Z-6', 2,    'E-20', '2026-10-06 18:00:00+03',  1,  1000.00,  100.00, 15.00, 'оплачен', true),
  ('Z-7', 2,    'E-20', NULL,                      2,  2000.00,  200.00, 30.00, 'ожидает оплаты', false),
  ('Z-8', NULL, 'E-40', '2026-11-11 11:11:00+03',  1,   700.00,   70.00, 10.00, 'оплачен', false);
INSERT INTO vidzhety VALUES
  (100, 1, 'vesna.ru',   '2026-08-20 08:00:00+03'),
  (101, 3, 'bilety.ru',  NULL),
  (102, 1, 'vesna2.ru',  '2026-09-01 09:00:00+03');
"""


def fresh_database(postgres_url: str, name: str, sql: str) -> str:
    """Database `name` created anew on the session's PostgreSQL server and filled by `sql`; returns its URL."""
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as pg:
        pg.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        pg.execute(f"CREATE DATABASE {name}")
    url = postgres_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute(sql)
    return url


@pytest.fixture
def ru_postgres(postgres_url: str) -> str:
    """A fresh database `onboard_ru` on the session's PostgreSQL server; yields its URL."""
    return fresh_database(postgres_url, "onboard_ru", RU_SCHEMA)


SALES_CSV = """Номер;Дата;Код контрагента;Мероприятие;Количество;Сумма;Комиссия;Расходы;Статус
П-1;05.10.2026 14:30;K001;Концерт «Весна»;2;3 000,00;300,00;45,50;Оплачен
П-2;06.10.2026 20:05;K002;Спектакль;1;1 250,50;125,05;18,00;Оплачен
П-3;07.10.2026 11:00;K001;Концерт «Весна»;1;1 500,00;150,00;22,75;Отменен
П-4;08.11.2026 09:45;K001;Концерт «Весна»;-1;-1 500,00;-150,00;-22,75;Возврат
П-5;10.11.2026 16:20;;Ёлка;3;900,00;90,00;13,50;Оплачен
Итого;;;;6;5 150,50;515,05;77,00;
"""


@pytest.fixture
def files_backoffice(tmp_path: Path) -> Path:
    """The folder `exports` under tmp_path with prodazhi.csv (cp1251, `;`) and kontragenty.xlsx."""
    import openpyxl

    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "prodazhi.csv").write_bytes(SALES_CSV.replace("\n", "\r\n").encode("cp1251"))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Контрагенты"
    ws.append(["Код", "Наименование", "ИНН", "Тип", "Дата регистрации", "Менеджер"])
    ws.append(["K001", "ООО «Весна»", "7707083893", "Организатор", datetime(2026, 9, 1, 10, 0), "ivanova@firma.ru"])
    ws.append(["K002", "Театр «Рампа»", "0274062111", "Организатор", datetime(2026, 9, 2, 11, 30), None])
    ws.append(["K003", "ООО «Кассы»", "7830002293", "Оператор", datetime(2026, 9, 3, 12, 0), "petrov@firma.ru"])
    wb.save(folder / "kontragenty.xlsx")
    return folder
