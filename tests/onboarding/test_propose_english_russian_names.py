"""Column names met onboarding real back-offices: `registered_at` (MariaDB partners) is the partner's
creation time, and `izmenen` ("changed", a transliterated PostgreSQL back-office) grows on every change.
Neither was recognised: partners loaded without `created_at`, and the orders had no watermark, so every
refresh read the whole table."""

from __future__ import annotations

from pathlib import Path

from salesglass.sources.platform.inspect import inspect_source
from salesglass.sources.platform.propose import propose

PARTNERS = "partner_id;company_name;partner_type;registered_at\n" + "".join(
    f"{i};Company {i};{'organizer' if i % 2 else 'agent'};2026-09-{i:02d} 10:00\n" for i in range(1, 11)
)
ORDERS = "id;kontragent_id;summa;bilety;data_oplaty;izmenen\n" + "".join(
    f"{i};{1 + i % 10};1500,50;2;2026-10-{1 + i % 28:02d} 12:00;2026-10-{1 + i % 28:02d} 12:05\n" for i in range(40)
)


def test_registered_at_is_the_creation_time_and_izmenen_the_watermark(tmp_path: Path):
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "partners.csv").write_text(PARTNERS, encoding="utf-8")
    (exports / "zakazy.csv").write_text(ORDERS, encoding="utf-8")
    proposal = propose(inspect_source(None, "exports", tmp_path))
    assert proposal.input("partners").columns["created_at"].value == "registered_at"
    assert proposal.input("sales").watermark == "izmenen"
