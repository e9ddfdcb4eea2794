"""Write-back (opt-in): move a deal in amoCRM when the platform sees its partner reach a milestone.

Managers see "widget installed" / "first ticket sold" in their CRM without doing anything. The moves
are planned set-based in SQL from the canonical tables: a linked deal whose partner reached the
milestone, whose current stage is earlier than the target's, in the target's pipeline, not deleted,
lost or won, and not already moved there by us (per `writeback_audit`: if a manager moved it back,
we respect that). Writes go in `PATCH /api/v4/leads` batches of at most 50 and are never retried
blindly: a failed batch is recorded as failed and the next run re-plans from fresh data (a sync in
between shows what really changed). Every attempt is one audit row: `pending` before the request,
then `ok` or `failed`, so even a crash mid-request leaves a trace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import duckdb

from salesglass.model.schema import STAGES

AUDIT_DDL = """
CREATE TABLE IF NOT EXISTS writeback_audit (
  run_id TEXT NOT NULL,
  deal_id BIGINT NOT NULL,
  pipeline_id BIGINT,
  from_status BIGINT,
  to_status BIGINT NOT NULL,
  reason TEXT,
  attempted_at TIMESTAMPTZ NOT NULL,
  result TEXT NOT NULL,     -- pending | ok | failed
  error TEXT,
  note TEXT                 -- added | failed: … | NULL when no note was asked for
)"""

TARGET_STAGES = ("widget_installed", "first_sale")  # the milestones the platform knows


class LeadsWriter(Protocol):
    """What the executor needs from an amoCRM client (the connector's client has it)."""

    def patch_leads(self, updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """PATCH /api/v4/leads with ≤ 50 items; returns `_embedded.leads` ({id, updated_at, request_id})."""
        ...


@dataclass(frozen=True)
class Move:
    deal_id: int
    pipeline_id: int
    from_status: int
    to_status: int
    target_stage: str
    reason: str


@dataclass
class WritebackSummary:
    planned: list[Move]
    dry_run: bool
    moved: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    run_id: str | None = None


def _targets(wb: Any) -> list[tuple[str, int, int, int]]:
    out = []
    for stage in TARGET_STAGES:
        target = getattr(wb, f"{stage}_status")
        if target is not None:
            out.append((stage, STAGES.index(stage) + 1, target.pipeline_id, target.status_id))
    return out


def _has_audit(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_name = 'writeback_audit'"
        ).fetchall()[0][0]
    )


def plan_moves(con: duckdb.DuckDBPyConnection, wb: Any) -> list[Move]:
    """The deals to move, one move per deal (the furthest milestone reached), ordered by deal id."""
    targets = _targets(wb)
    if not targets:
        return []
    target_rows = ", ".join("(?, ?, ?, ?)" for _ in targets)
    stage_rows = ", ".join(f"('{s}', {i})" for i, s in enumerate(STAGES, start=1))
    # already moved by us to this target or a later one (the deals table may not show it until the next sync)
    not_moved = (
        "AND NOT EXISTS (SELECT 1 FROM writeback_audit a JOIN targets done "
        "ON done.pipeline_id = a.pipeline_id AND done.status_id = a.to_status "
        "WHERE a.deal_id = d.deal_id AND a.result = 'ok' AND done.target_order >= t.target_order)"
        if _has_audit(con)
        else ""
    )
    sql = f"""
    WITH targets(target_stage, target_order, pipeline_id, status_id) AS (VALUES {target_rows}),
    stage_order(stage, stage_order) AS (VALUES {stage_rows}),
    first_sales AS (
      SELECT partner_id, min(sold_at) AS first_sale_at FROM sales
      WHERE tickets > 0 AND partner_id IS NOT NULL GROUP BY partner_id
    ),
    linked AS (
      SELECT d.*, coalesce(d.partner_id, l.partner_id) AS linked_partner_id
      FROM deals d LEFT JOIN deal_partner_links l ON l.deal_id = d.deal_id
    ),
    candidates AS (
      SELECT d.deal_id, d.pipeline_id, d.status_id AS from_status, t.status_id AS to_status,
             t.target_stage, t.target_order,
             CASE t.target_stage
               WHEN 'first_sale' THEN 'first ticket sold on the platform at '
                                      || strftime(fs.first_sale_at, '%Y-%m-%d %H:%M UTC')
               ELSE 'widget installed on the partner''s site at '
                    || strftime(p.widget_installed_at, '%Y-%m-%d %H:%M UTC')
             END || ' (partner ' || p.partner_id || ')' AS reason
      FROM linked d
      JOIN partners p ON p.partner_id = d.linked_partner_id
      LEFT JOIN first_sales fs ON fs.partner_id = p.partner_id
      JOIN stage_order so ON so.stage = d.stage
      JOIN targets t ON t.pipeline_id = d.pipeline_id
      WHERE NOT coalesce(d.is_deleted, false) AND NOT coalesce(d.is_lost, false)
        AND NOT coalesce(d.is_won, false) AND d.status_id NOT IN (142, 143)
        AND so.stage_order < t.target_order AND d.status_id <> t.status_id
        AND CASE t.target_stage WHEN 'first_sale' THEN fs.first_sale_at IS NOT NULL
                                ELSE p.widget_installed_at IS NOT NULL END
        {not_moved}
    )
    SELECT deal_id, pipeline_id, from_status, to_status, target_stage, reason FROM candidates
    QUALIFY row_number() OVER (PARTITION BY deal_id ORDER BY target_order DESC) = 1
    ORDER BY deal_id
    """
    params = [v for row in targets for v in row]
    return [Move(*row) for row in con.execute(sql, params).fetchall()]


def _now() -> datetime:
    return datetime.now(UTC)


def execute_moves(
    con: duckdb.DuckDBPyConnection,
    moves: Sequence[Move],
    writer: LeadsWriter,
    *,
    run_id: str,
    batch_size: int = 50,
    add_note: bool = False,
) -> WritebackSummary:
    """Send the moves in batches; every attempt is audited; a failed batch is not retried."""
    if not 1 <= batch_size <= 50:
        raise ValueError("batch_size must be 1..50 (amoCRM's safe PATCH size)")
    con.execute(AUDIT_DDL)
    summary = WritebackSummary(planned=list(moves), dry_run=False, run_id=run_id)
    for start in range(0, len(moves), batch_size):
        batch = list(moves[start : start + batch_size])
        con.executemany(
            "INSERT INTO writeback_audit VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', NULL, NULL)",
            [[run_id, m.deal_id, m.pipeline_id, m.from_status, m.to_status, m.reason, _now()] for m in batch],
        )
        updates = [{"id": m.deal_id, "pipeline_id": m.pipeline_id, "status_id": m.to_status} for m in batch]
        try:
            results = writer.patch_leads(updates)
            confirmed = {int(r["id"]) for r in results if r.get("id") is not None}
            errors = {m.deal_id: "not confirmed in amoCRM's answer" for m in batch if m.deal_id not in confirmed}
        except Exception as exc:
            text = f"{type(exc).__name__}: {exc}"[:1000]
            errors = {m.deal_id: text for m in batch}
        ok_ids = [m.deal_id for m in batch if m.deal_id not in errors]
        for deal_id, error in errors.items():
            con.execute(
                "UPDATE writeback_audit SET result = 'failed', error = ? WHERE run_id = ? AND deal_id = ?",
                [error, run_id, deal_id],
            )
        if ok_ids:
            con.execute(
                "UPDATE writeback_audit SET result = 'ok' WHERE run_id = ? AND deal_id IN "
                f"({', '.join('?' for _ in ok_ids)})",
                [run_id, *ok_ids],
            )
        summary.moved += ok_ids
        summary.failed.update(errors)
        if add_note and ok_ids:
            _add_notes(con, writer, [m for m in batch if m.deal_id in ok_ids], run_id)
    return summary


def _add_notes(con: duckdb.DuckDBPyConnection, writer: Any, moved: list[Move], run_id: str) -> None:
    """One note per moved deal; notes are not idempotent, so a failure is recorded, never re-sent."""
    add_notes = getattr(writer, "add_notes", None)
    if add_notes is None:
        outcome = "failed: the amoCRM client cannot add notes"
    else:
        notes = [
            {
                "entity_id": m.deal_id,
                "note_type": "common",
                "params": {"text": f"salesglass moved this deal: {m.reason}."},
            }
            for m in moved
        ]
        try:
            add_notes(notes)
            outcome = "added"
        except Exception as exc:
            outcome = f"failed: {type(exc).__name__}: {exc}"[:1000]
    ids = [m.deal_id for m in moved]
    con.execute(
        f"UPDATE writeback_audit SET note = ? WHERE run_id = ? AND deal_id IN ({', '.join('?' for _ in ids)})",
        [outcome, run_id, *ids],
    )


def run_writeback(
    cfg: Any, writer: LeadsWriter | None = None, *, dry_run: bool | None = None, wb: Any = None
) -> WritebackSummary:
    """Plan and (unless dry run) send the moves. The refresh step; `salesglass writeback` calls it too."""
    from salesglass.refresh.runner import new_run_id
    from salesglass.warehouse import connect

    wb = wb if wb is not None else getattr(cfg, "writeback", None)
    if wb is None:
        raise RuntimeError("no [writeback] section in this config")
    dry = wb.dry_run if dry_run is None else dry_run
    if not wb.enabled and not dry:
        return WritebackSummary(planned=[], dry_run=False)
    con = connect(cfg.warehouse_path, read_only=dry)
    try:
        moves = plan_moves(con, wb)
        if dry or not moves:
            return WritebackSummary(planned=moves, dry_run=dry)
        writer = writer if writer is not None else connector_writer(cfg)
        return execute_moves(con, moves, writer, run_id=new_run_id(), batch_size=wb.batch_size, add_note=wb.add_note)
    finally:
        con.close()


def connector_writer(cfg: Any) -> LeadsWriter:
    """The amoCRM connector's client (rate limit, auth, one retry policy for the whole app)."""
    try:
        from salesglass.sources.amocrm.client import client_from_config
    except ImportError as exc:
        raise RuntimeError("write-back needs the amoCRM connector (salesglass.sources.amocrm.client)") from exc
    return client_from_config(cfg.amocrm, cfg.base_dir)
