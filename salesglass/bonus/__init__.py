"""Bonus periods a company can pay from: lifecycle, locked lines, adjustments, disputes, audit (docs/bonuses.md)."""
