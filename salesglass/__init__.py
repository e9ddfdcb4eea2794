"""salesglass: amoCRM / Kommo pipeline + your own platform database → one set of exact sales reports."""

__version__ = "0.1.0"
