"""sources/amocrm."""
