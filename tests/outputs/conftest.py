"""Serve-area fixtures for publishing and digests: a small published reports file, made by hand."""

from __future__ import annotations

from pathlib import Path

from salesglass.warehouse import connect, init_canonical


def make_published(path: Path, *, label: str = "v1", extra_sales: int = 0) -> Path:
    """A published DuckDB file like the report builder's: canonical copies, report tables, build_info."""
    con = connect(path)
    init_canonical(con)
    con.execute("""INSERT INTO managers VALUES
        (11, 'Анна Петрова', 'anna@example.ru', 'development', true),
        (12, 'Борис Иванов', 'boris@example.ru', 'development', true),
        (13, 'Вера Сидорова', NULL, 'development', true),
        (21, 'Глеб Орлов', 'gleb@example.ru', 'sales', true)""")
    con.execute("""INSERT INTO partners VALUES
        ('p1', 'ООО \"Театр, на Неглинной\"', 'organizer', '7701234567', TIMESTAMPTZ '2025-01-10 09:00:00+03',
         NULL, TIMESTAMPTZ '2025-02-01 12:00:00+03', 11, false),
        ('p2', 'Кассы Севера', 'operator', NULL, NULL, NULL, NULL, 12, false)""")
    con.execute("""INSERT INTO pipelines VALUES (7004411, 'Продажи', 1, true, false, true, false),
        (7004412, '<b>Партнёры</b> 🤝 «Юг», "опт"', 2, false, true, true, false)""")
    sales = [
        (
            f"s{i}",
            "p1",
            f"2026-0{1 + i % 3}-1{i % 9} 10:00:00+03",
            2 + i,
            f"{1000 + i}.{i % 100:02d}",
            f"{100 + i}.05",
            f"{10 + i}.10",
            "widget",
        )
        for i in range(40 + extra_sales)
    ]
    sales.append(("r1", "p1", "2026-03-02 10:00:00+03", -1, "-1500.50", "-150.05", "-15.00", "widget"))
    con.executemany(
        "INSERT INTO sales VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?)",
        [(s, p, t, n, tu, r, c, ch) for s, p, t, n, tu, r, c, ch in sales],
    )
    con.execute("""CREATE TABLE report_declining_partners (as_of DATE, partner_id TEXT, name TEXT, kind TEXT,
        development_manager_id BIGINT, baseline_28d DECIMAL(18,2), recent_28d DECIMAL(18,2),
        decline_pct DECIMAL(9,2))""")
    con.execute("""INSERT INTO report_declining_partners VALUES
        (DATE '2026-03-15', 'p1', 'ООО \"Театр, на Неглинной\"', 'organizer', 11, 1234567.89, 370370.37, 70.00),
        (DATE '2026-03-15', 'p2', 'Кассы Севера', 'operator', 11, 45000.00, 30000.00, 33.33),
        (DATE '2026-03-15', 'p3', 'Без менеджера', 'organizer', NULL, 20000.00, 0.00, 100.00),
        (DATE '2026-03-15', 'p4', 'Нет почты', 'organizer', 13, 15000.00, 5000.00, 66.67)""")
    con.execute("""CREATE TABLE report_plan_fact (period_type TEXT, period_start DATE, manager_id BIGINT, metric TEXT,
        fact DECIMAL(18,2), plan_realistic DECIMAL(18,2), plan_optimistic DECIMAL(18,2), forecast DECIMAL(18,2),
        is_complete BOOLEAN)""")
    con.execute("""INSERT INTO report_plan_fact VALUES
        ('month', DATE '2026-03-01', NULL, 'turnover', 1500000.50, 3000000.00, 3600000.00, 3100001.03, false),
        ('month', DATE '2026-03-01', NULL, 'margin', 120000.00, 250000.00, NULL, 248000.00, false),
        ('month', DATE '2026-03-01', NULL, 'margin_pct', 8.00, 8.33, NULL, 8.00, false),
        ('month', DATE '2026-03-01', NULL, 'tickets', 5210, 10000, 12000, 10767, false),
        ('month', DATE '2026-02-01', NULL, 'turnover', 2750000.00, 2500000.00, 3000000.00, 2750000.00, true),
        ('month', DATE '2026-01-01', NULL, 'turnover', 1.00, 1.00, 1.00, 1.00, true),
        ('month', DATE '2026-03-01', 11, 'turnover', 900000.00, 1000000.00, NULL, 1860000.00, false),
        ('quarter', DATE '2026-01-01', NULL, 'turnover', 4250000.50, 8000000.00, NULL, 7000000.00, false)""")
    con.execute(
        "CREATE TABLE build_info AS SELECT ? AS label, DATE '2026-03-15' AS as_of, "
        "TIMESTAMPTZ '2026-03-15 21:00:00+00' AS built_at",
        [label],
    )
    con.close()
    return path
