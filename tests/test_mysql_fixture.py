"""The MariaDB fixture gives a real server the other tests can rely on: utf8mb4 text survives a round trip."""

import pytest


@pytest.mark.mysql
def test_mariadb_server_answers(mysql_url):
    import sqlalchemy as sa

    engine = sa.create_engine(mysql_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1 + 1").scalar() == 2
            assert "MariaDB" in conn.exec_driver_sql("SELECT VERSION()").scalar()
            assert conn.exec_driver_sql("SELECT CONCAT('ООО «Ромашка» ', '🎫')").scalar() == "ООО «Ромашка» 🎫"
    finally:
        engine.dispose()
