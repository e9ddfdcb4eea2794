"""Sources: each maps one outside system into the canonical model and knows nothing of reports."""
