"""Episode tests use the shared Temporal and worker fixtures of tests/conftest.py."""
