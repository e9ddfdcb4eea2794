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


COVERAGE_KINDS = ("linked_before_first_sale", "linked_after_first_sale", "wrong_partner", "missed", "no_deal")


def first_sale_coverage(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> dict[str, int]:
    """Does a linked deal account for each partner with a first sale? Counts of partners, by the truth.

    truth_dir holds `links.csv` (deal_id,partner_id) and `partners.csv` (partner_id,…,first_sale_at),
    as the simulated company's truth/ does. Counted: the partners of the warehouse whose truth
    `first_sale_at` is set; their truth deals are the non-deleted deals of the warehouse that
    links.csv gives them. Each partner falls in exactly one of COVERAGE_KINDS, the first that applies:

    - linked_before_first_sale: one of its deals created at or before its first sale is linked to it;
    - linked_after_first_sale: only deals created after the first sale are linked to it (a deal logged
      afterwards, a development deal);
    - wrong_partner: none is linked to it, and one of its deals is linked to another partner;
    - missed: it has deals, none of them linked;
    - no_deal: the CRM holds no deal of it (a self-serve partner).

    Plus `credited_wrongly`: partners counted that a deal of another partner (or of none) is linked to.
    """
    con.execute(
        """CREATE OR REPLACE TEMP TABLE __truth_links AS
           SELECT CAST(t.deal_id AS BIGINT) AS deal_id, CAST(t.partner_id AS VARCHAR) AS partner_id
           FROM read_csv(?, header = true, all_varchar = true) t""",
        [str(truth_dir / "links.csv")],
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE __truth_first_sales AS
           SELECT t.partner_id, CAST(t.first_sale_at AS TIMESTAMPTZ) AS first_sale_at
           FROM read_csv(?, header = true, all_varchar = true) t
           WHERE NULLIF(t.first_sale_at, '') IS NOT NULL AND t.partner_id IN (SELECT partner_id FROM partners)""",
        [str(truth_dir / "partners.csv")],
    )
    row = con.execute("""
        WITH per_partner AS (
          SELECT f.partner_id,
                 count(d.deal_id) AS deals,
                 count(d.deal_id) FILTER (WHERE l.partner_id = f.partner_id) AS linked,
                 count(d.deal_id) FILTER (WHERE l.partner_id = f.partner_id AND d.created_at <= f.first_sale_at)
                   AS linked_before,
                 count(d.deal_id) FILTER (WHERE l.partner_id <> f.partner_id) AS elsewhere,
                 (SELECT count(*) FROM deal_partner_links w LEFT JOIN __truth_links wt USING (deal_id)
                  WHERE w.partner_id = f.partner_id AND wt.partner_id IS DISTINCT FROM f.partner_id) AS foreign_deals
          FROM __truth_first_sales f
          LEFT JOIN __truth_links t ON t.partner_id = f.partner_id
          LEFT JOIN deals d ON d.deal_id = t.deal_id AND NOT coalesce(d.is_deleted, false)
          LEFT JOIN deal_partner_links l ON l.deal_id = d.deal_id
          GROUP BY f.partner_id)
        SELECT count(*),
               count(*) FILTER (WHERE linked_before > 0),
               count(*) FILTER (WHERE linked > 0 AND linked_before = 0),
               count(*) FILTER (WHERE linked = 0 AND elsewhere > 0),
               count(*) FILTER (WHERE deals > 0 AND linked = 0 AND elsewhere = 0),
               count(*) FILTER (WHERE deals = 0),
               count(*) FILTER (WHERE foreign_deals > 0)
        FROM per_partner""").fetchall()[0]
    con.execute("DROP TABLE __truth_links")
    con.execute("DROP TABLE __truth_first_sales")
    return dict(zip(("partners", *COVERAGE_KINDS, "credited_wrongly"), row, strict=True))


def measure_suggestions(con: duckdb.DuckDBPyConnection, truth_links_csv: Path) -> list[tuple[str, str, int, int, int]]:
    """The suggestions against the truth, by confidence and deal state: (confidence, deal_state, suggestions,
    right, on a deal that has a true partner). A right suggestion names the deal's true partner."""
    rows = con.execute(
        """WITH truth AS (SELECT CAST(deal_id AS BIGINT) AS deal_id, CAST(partner_id AS VARCHAR) AS partner_id
                          FROM read_csv(?, header = true, all_varchar = true))
           SELECT s.confidence, s.deal_state, count(*), count(*) FILTER (WHERE t.partner_id = s.partner_id),
                  count(t.deal_id)
           FROM link_suggestions s LEFT JOIN truth t ON t.deal_id = s.deal_id
           GROUP BY ALL ORDER BY ALL""",
        [str(truth_links_csv)],
    ).fetchall()
    return [(str(a), str(b), int(n), int(r), int(k)) for a, b, n, r, k in rows]
