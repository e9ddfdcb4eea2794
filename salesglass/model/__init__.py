"""The canonical model: one schema definition that drives DDL, validation and docs/model.md."""

from salesglass.model.schema import CANONICAL, STAGES, TABLES, Column, Kind, Table

__all__ = ["CANONICAL", "STAGES", "TABLES", "Column", "Kind", "Table"]
