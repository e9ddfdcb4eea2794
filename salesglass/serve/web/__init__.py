"""serve/web."""
