"""The PostgreSQL fixture gives a real server the other tests can rely on."""

import pytest


@pytest.mark.postgres
def test_postgres_server_answers(postgres_url):
    import psycopg

    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT 1 + 1").fetchone() == (2,)
