"""End-to-end tests on the simulated company: generated, synced through the amoCRM emulator (OAuth), loaded,
linked and built exactly as `salesglass demo --no-serve` does (tests/simulated.py, fixtures in tests/conftest.py),
then checked against the company's own files and truth (recall: `pytest tests/pipeline -s`)."""
