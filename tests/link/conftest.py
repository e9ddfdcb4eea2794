"""A hand-made linking fixture: canonical partners, amoCRM companies and deals covering every rule."""

from __future__ import annotations

import pytest

PARTNERS = """
  ('p1', 'ООО «Ромашка»', 'organizer', '7701234567', NULL),
  ('p2', 'Театр Луны', 'organizer', '5001112223', 101),
  ('p3', 'ИП Иванов', 'organizer', '111', NULL),
  ('p4', 'Иванов Групп', 'organizer', '111', NULL),
  ('p5', 'Арт-Кафе', 'organizer', NULL, NULL),
  ('p6', 'Арт Кафе, ООО', 'organizer', NULL, NULL),
  ('p7', 'Кассир.ру', 'operator', NULL, NULL),
  ('p8', 'Филармония', 'organizer', NULL, NULL),
  ('p9', 'Большой концертный зал', 'organizer', NULL, NULL)"""
COMPANIES = """
  (1, 'Ромашка', NULL, NULL, 201),
  (2, 'ТЕАТР ЛУНЫ', '500-111-2223', NULL, 202),
  (3, 'Иванов', '111', NULL, 203),
  (4, 'Арт Кафе', NULL, NULL, 204),
  (5, 'Kassir', NULL, ' P7 ', 205),
  (6, 'Филармониа', NULL, NULL, 206),
  (7, 'Кассир', NULL, NULL, 207)"""
# deal_id, name, company_id, platform_account_id, client_kind, created_at
DEALS = """
  (1, 'Ромашка', 1, NULL, 'operator', '2024-01-01'),
  (2, 'Театр', 2, NULL, NULL, '2024-01-01'),
  (3, 'Иванов', 3, NULL, NULL, '2024-01-01'),
  (4, 'Кафе', 4, NULL, NULL, '2024-01-01'),
  (5, 'Кассир', 5, NULL, NULL, '2024-01-01'),
  (6, 'Филармония сделка', NULL, ' P8 ', NULL, '2024-01-01'),
  (7, 'Ромашка 2', 1, 'p2', NULL, '2024-01-01'),
  (8, 'Филармониа', 6, NULL, NULL, '2024-01-01'),
  (9, 'Кафе 2', 4, NULL, NULL, '2024-01-01'),
  (10, 'Ромашка 3', 1, NULL, NULL, '2024-01-01'),
  (11, 'Театр 2', 2, NULL, NULL, '2024-01-01'),
  (14, 'Кассир 2', 7, 'p7', NULL, '2024-02-01')"""
OVERRIDES = "deal_id,partner_id,note\n9,p6,checked by hand\n10,,not a client\n11,p99,typo\nabc,p1,\n"


@pytest.fixture
def linked_world(warehouse, tmp_path):
    con = warehouse
    con.execute(f"INSERT INTO partners (partner_id, name, kind, inn, development_manager_id) VALUES {PARTNERS}")
    con.execute(
        f"INSERT INTO companies (company_id, name, inn, platform_account_id, responsible_user_id) VALUES {COMPANIES}"
    )
    con.execute(
        f"INSERT INTO deals (deal_id, name, company_id, platform_account_id, client_kind, created_at) VALUES {DEALS}"
    )
    con.execute("INSERT INTO deal_stages VALUES (5, 'first_sale', '2024-03-01', 'amocrm')")
    (tmp_path / "overrides.csv").write_text(OVERRIDES, encoding="utf-8")
    return con
