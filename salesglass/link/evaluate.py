"""How good is linking? Precision and recall of `deal_partner_links` against a truth file.

truth_links_csv: `deal_id,partner_id` — the true partner of every deal that has one (the simulated
company's truth/links.csv). Only deals present in the warehouse count.
"""

from __future__ import annotations

from pathlib import Path

import duckdb


def measure_linking(con: duckdb.DuckDBPyConnection, truth_links_csv: Path) -> tuple[float, float, dict[str, int]]:
    """(precision, recall, counts); counts: predicted, truth, correct, wrong_partner, extra, missed."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE __truth AS
                   SELECT CAST(deal_id AS BIGINT) AS deal_id, CAST(partner_id AS VARCHAR) AS partner_id
                   FROM read_csv(?, header = true, all_varchar = true)
                   WHERE CAST(deal_id AS BIGINT) IN (SELECT deal_id FROM deals)""",
        [str(truth_links_csv)],
    )
    row = con.execute("""
        SELECT count(l.deal_id) AS predicted, count(t.deal_id) AS truth,
               count(*) FILTER (WHERE l.partner_id = t.partner_id) AS correct,
               count(*) FILTER (WHERE l.partner_id <> t.partner_id) AS wrong_partner,
               count(*) FILTER (WHERE t.deal_id IS NULL) AS extra,
               count(*) FILTER (WHERE l.deal_id IS NULL) AS missed
        FROM deal_partner_links l FULL JOIN __truth t ON t.deal_id = l.deal_id""").fetchall()[0]
    con.execute("DROP TABLE __truth")
    counts = dict(zip(("predicted", "truth", "correct", "wrong_partner", "extra", "missed"), row, strict=True))
    precision = counts["correct"] / counts["predicted"] if counts["predicted"] else 1.0
    recall = counts["correct"] / counts["truth"] if counts["truth"] else 1.0
    return precision, recall, counts
