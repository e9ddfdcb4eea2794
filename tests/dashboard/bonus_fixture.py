"""The dashboard fixture file plus an adjustment line and the published bonus rules (bonus close tests).

Anna (101) in March 2026: first_sale P2 5000.00, acquisition_share P1 1000.00, and a clawback of −200.00
correcting February (a refund) → 5800.00. Boris (102): growth P2 200.00.
"""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import published_site

EXTRA = """
ALTER TABLE report_bonus_lines ADD COLUMN baseline DECIMAL(18,2);
ALTER TABLE report_bonus_lines ADD COLUMN corrects_month DATE;
ALTER TABLE report_bonus_lines ADD COLUMN corrects_rule TEXT;
ALTER TABLE report_bonus_lines ADD COLUMN cause TEXT;
INSERT INTO report_bonus_lines VALUES ('2026-03-01', 101, 'sales', 'clawback', 'P1', 1001, -2000.00, 0.10, NULL,
  -200.00, NULL, '2026-02-01', 'acquisition_share', '=refund R-9 of 2026-02-20 (revenue -2000.00)');
CREATE TABLE report_bonus_rules (month DATE, rules TEXT);
INSERT INTO report_bonus_rules VALUES ('2026-02-01', '{"growth_rate": "0.05"}'),
                                      ('2026-03-01', '{"growth_rate": "0.05"}');
"""


@pytest.fixture
def bonus_site(tmp_path):
    return published_site(tmp_path, EXTRA)
