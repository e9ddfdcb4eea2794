"""Outputs of the published reports: files (Excel, CSV, Parquet), PostgreSQL for BI tools, digests.

They read the published report tables; nothing upstream imports them (`refresh` and the CLI call them)."""
