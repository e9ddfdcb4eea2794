"""sources/platform."""
