"""Data quality: how fresh each source is, what was quarantined and why, unlinked deals, link suggestions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from salesglass.reports.columns import TABLE_LABELS
from salesglass.serve.web.context import Ctx
from salesglass.serve.web.pages.common import drill, pipeline_names
from salesglass.serve.web.reasons import reason_label
from salesglass.serve.web.view import Col, Kpi, PageView, TableView
from salesglass.sql import quote_ident

KINDS = {
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "datetime",
    "TIMESTAMP": "datetime",
    "BIGINT": "int",
    "INTEGER": "int",
    "HUGEINT": "int",
    "DECIMAL(18,2)": "money",
}


def _generic(ctx: Ctx, key: str, title: str, table: str, order: str = "") -> TableView | None:
    """Show a table whose exact columns we do not own (build_info, refresh_status, report_data_quality)."""
    if not ctx.snap.has(table):
        return None
    types = ctx.snap.once(
        f"columns:{table}",
        lambda: ctx.q.rows(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
            [table],
        ),
    )
    rows = ctx.q.rows(f"SELECT * FROM {quote_ident(table)} {order} LIMIT 500")
    # words the dashboard knows (sources, reasons) are shown translated ("label"); names and ids stay as they are
    labelled = {"source", "entity", "reason", "timezone_source"}
    cols = [
        Col(
            c["column_name"],
            capital(ctx.t(c["column_name"])),  # a header starts with a capital ("built" is the pill's word)
            "label" if c["column_name"] in labelled else KINDS.get(c["data_type"], "text"),
        )
        for c in types
    ]
    # a value the same on every row (build_info: as_of, built_at, time zone, engine) is said once, above
    same = [c for c in cols if len(rows) > 1 and len({str(r[c.key]) for r in rows}) == 1] if len(cols) > 2 else []
    note = " · ".join(f"{c.label}: {ctx.fmt.cell(c.kind, rows[0][c.key])}" for c in same)
    return TableView(key, title, [c for c in cols if c not in same], rows, note=note or None)


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def refresh_runs(ctx: Ctx, limit: int = 20) -> TableView:
    """The last refreshes from the refresh journal (a file next to the warehouse, not the published
    reports: a refresh that failed, or whose worker was killed, never publishes anything, yet must show)."""
    from salesglass.runs import read_runs, runs_path_for

    t = ctx.t
    zone = ZoneInfo(ctx.snap.timezone)

    def local(iso: str | None) -> datetime | None:
        return datetime.fromisoformat(iso).astimezone(zone) if iso else None

    rows = []
    for run in read_runs(runs_path_for(ctx.cfg.warehouse_path), limit=limit):
        result = (
            "refresh_skipped"
            if run.skipped
            else {True: "refresh_ok", False: "refresh_failed", None: "refresh_running"}[run.ok]
        )
        steps = " → ".join(s.step + ("" if s.ok else " ✗" if s.ok is False else " …") for s in run.steps)
        rows.append(
            {
                "started": local(run.started),
                "finished": local(run.finished),
                "trigger": run.trigger or "—",
                "result": result,
                "steps": steps or "—",
                "error": run.error or "",
            }
        )
    return TableView(
        "refresh_runs",
        t("table_refresh_runs"),
        [
            Col("started", t("refresh_started"), "datetime"),
            Col("finished", t("refresh_finished"), "datetime"),
            Col("trigger", t("refresh_trigger")),
            Col("result", t("refresh_result"), "label"),
            Col("steps", t("refresh_steps")),
            Col("error", t("refresh_error")),
        ],
        rows,
        empty=t("no_refresh_runs"),
    )


def build(ctx: Ctx) -> PageView:
    t = ctx.t
    view = PageView(t("page_quality"))
    view.kpis = kpis(ctx, read_counts(ctx))
    view.tables.append(refresh_runs(ctx))
    for tv in (
        named_tables(ctx, _generic(ctx, "build_info", t("table_build_info"), "build_info")),
        _generic(ctx, "refresh_status", t("table_refresh_status"), "refresh_status", "ORDER BY 1"),
        _generic(ctx, "data_quality", t("table_data_quality"), "report_data_quality", "ORDER BY 1, 2, 3"),
        quarantine_table(ctx),
        suggestions_table(ctx),
        suggestions_table(ctx, lost=True),
    ):
        if tv is not None:
            view.tables.append(tv)
    return view


def named_tables(ctx: Ctx, tv: TableView | None) -> TableView | None:
    """The build's tables by what they hold, in the page's language (reports/columns.py: TABLE_LABELS);
    a table without a label keeps its own name."""
    if tv is not None:
        en = ctx.fmt.lang == "en"
        for r in tv.rows:
            label = TABLE_LABELS.get(r.get("table_name") or "")
            if label is not None:
                r["table_name"] = label[0 if en else 1]
    return tv


@dataclass
class Counts:
    quarantined: int  # rows set aside by validation
    unlinked: int  # live deals without a partner nor a "no partner" mark, created by the end of the as_of day
    # (as its list and the report)
    suggestions: int  # proposed deal → partner links
    possible: int | None = None  # of them, confidence `possible` (None: a file without the review columns)


def read_counts(ctx: Ctx) -> Counts:
    has, q = ctx.snap.has, ctx.q
    # the published deals are the warehouse's as it is now: one created after the as_of day (a build
    # `--as-of` an earlier day) is not in report_data_quality's count nor in the list this number opens
    end = datetime.combine(ctx.snap.as_of + timedelta(days=1), time.min, ZoneInfo(ctx.snap.timezone)).astimezone(UTC)
    unlinked = (
        "SELECT count(*) FROM deals WHERE partner_id IS NULL AND NOT coalesce(is_deleted, FALSE) AND created_at < ?"
    )
    if has("link_rejections"):  # a deal marked "no partner" in the overrides file is decided, not to act on
        unlinked += " AND deal_id NOT IN (SELECT deal_id FROM link_rejections WHERE partner_id IS NULL)"
    return Counts(
        quarantined=q.scalar("SELECT count(*) FROM quarantine") if has("quarantine") else 0,
        unlinked=q.scalar(unlinked, [end]) if has("deals") else 0,
        suggestions=q.scalar("SELECT count(*) FROM link_suggestions") if has("link_suggestions") else 0,
        possible=q.scalar("SELECT count(*) FROM link_suggestions WHERE confidence = 'possible'")
        if has("link_suggestions", "confidence")
        else None,
    )


def kpis(ctx: Ctx, n: Counts) -> list[Kpi]:
    t, f = ctx.t, ctx.fmt
    return [
        Kpi(
            t("built_at"),
            f.day(ctx.snap.built_at) if ctx.snap.built_at else "—",
            sub=f"{t('as_of')}: {f.day(ctx.snap.as_of)}",
        ),
        Kpi(
            t("quarantined_rows"),
            f.number(n.quarantined),
            tone="bad" if n.quarantined else "good",
            link=drill(ctx, "quarantine"),
        ),
        Kpi(
            t("unlinked_deals"),
            f.number(n.unlinked),
            tone="bad" if n.unlinked else "good",
            link=drill(ctx, "deals", basis="unlinked"),
        ),
        Kpi(
            t("link_suggestions"),
            f.number(n.suggestions),
            sub=f"{t('confidence_possible')}: {f.number(n.possible)}" if n.possible is not None else None,
        ),
    ]


def quarantine_table(ctx: Ctx) -> TableView | None:
    """What was set aside, grouped by source, entity and reason, with a few sample keys and the rows."""
    if not ctx.snap.has("quarantine"):
        return None
    t = ctx.t
    rows = ctx.q.rows(
        """SELECT source, entity, reason, count(*) AS rows, max(seen_at) AS last_seen,
                  string_agg(coalesce(source_key, '?'), ', ' ORDER BY source_key) FILTER (WHERE rn <= 3) AS samples
           FROM (SELECT *, row_number() OVER (PARTITION BY source, entity, reason ORDER BY seen_at DESC) AS rn
                 FROM quarantine)
           GROUP BY source, entity, reason ORDER BY rows DESC, source, entity, reason"""
    )
    for r in rows:
        r["_link_rows"] = drill(ctx, "quarantine", source=r["source"], entity=r["entity"], reason=r["reason"])
        r["reason"] = reason_label(t, r["reason"], pipeline_names(ctx))  # the drill-down shows the text as written, too
    return TableView(
        "quarantine",
        t("table_quarantine"),
        [
            Col("source", t("source"), "label"),
            Col("entity", t("entity"), "label"),
            Col("reason", t("reason")),
            Col("rows", t("rows"), "int"),
            Col("last_seen", t("last_seen"), "datetime"),
            Col("samples", t("sample_keys")),
        ],
        rows,
    )


SHOWN = 100  # suggestion rows per table; the rest are in `salesglass doctor --export`


def suggestions_table(ctx: Ctx, *, lost: bool = False) -> TableView | None:
    """Proposals to link an unlinked deal to a partner, the likeliest first, each with why and how sure.

    A fuzzy name match alone is weak evidence (common names repeat), so the table says what matched,
    the deal's state, and what speaks against the pair: a lost deal, a partner already linked to another
    deal by override, account id or ИНН, several candidates on either side. The lost deals' pairs (all
    weak, and most of the list on a large company) are a table of their own below, shown when there are
    any, so the open and won deals' pairs are not buried under them."""
    if not ctx.snap.has("link_suggestions"):
        return None
    t = ctx.t
    reviewed = ctx.snap.has("link_suggestions", "confidence")
    if lost and not reviewed:
        return None
    total = 0
    if reviewed:
        where = "s.deal_state = 'lost'" if lost else "s.deal_state IS DISTINCT FROM 'lost'"
        total = ctx.q.scalar(f"SELECT count(*) FROM link_suggestions s WHERE {where}")
        if lost and not total:
            return None
        rows = ctx.q.rows(f"""SELECT s.* FROM link_suggestions s WHERE {where}
                              ORDER BY s.confidence = 'weak', s.score DESC, s.deal_id LIMIT {SHOWN}""")
    else:  # a file linked by a version before the review columns
        rows = ctx.q.rows(f"""SELECT s.deal_id, s.deal_name, s.partner_id, s.partner_name, s.score
                              FROM link_suggestions s ORDER BY s.score DESC, s.deal_id LIMIT {SHOWN}""")
    for r in rows:
        r["_amo_deal_id"] = ctx.amo_url(r["deal_id"])
        r["_link_partner_name"] = drill(ctx, "partners", partner=r["partner_id"])
        r["why"] = _why(ctx, r)
        r["confidence"] = t(f"confidence_{r['confidence']}") if r.get("confidence") else None
    # a file linked before the review columns has no confidence: no column of "—" on every row, but once
    # how to get it
    confidence = [Col("confidence", t("confidence"), hint=t("confidence_hint"))] if reviewed else []
    notes = [] if reviewed else [t("suggestions_no_confidence")]
    if total > len(rows):
        notes.append(t("suggestions_shown").format(shown=ctx.fmt.number(len(rows)), total=ctx.fmt.number(total)))
    return TableView(
        "suggestions_lost" if lost else "suggestions",
        t("table_suggestions_lost" if lost else "table_suggestions"),
        [
            Col("deal_id", t("deal_id")),
            Col("deal_name", t("deal")),
            Col("partner_id", t("partner_id")),
            Col("partner_name", t("partner")),
            *confidence,
            Col("why", t("why")),
        ],
        rows,
        note=" ".join(notes) or None,
    )


def _why(ctx: Ctx, r: dict) -> str:
    """What matched and what speaks against the pair, in the reader's language."""
    t = ctx.t
    if "matched" not in r:
        return t("why_name_score").format(score=f"{r['score']:.0f}")
    parts = [t(f"why_{r['matched']}") if r["matched"] else t("why_name")]
    if r["matched"] not in ("inn", "initials"):  # their score says the rule held, not how alike the names are
        parts.append(
            t("why_same_words") if r["score"] >= 100 else t("why_name_score").format(score=f"{r['score']:.0f}")
        )
    if r["deal_state"] == "lost":
        closed = r["closed_at"].date().isoformat() if r["closed_at"] else "?"
        parts.append(t("why_lost").format(date=closed))
    elif r["deal_state"] == "won":
        parts.append(t("why_won"))
    if r["partner_linked_deal_id"] is not None:
        parts.append(
            t("why_partner_linked").format(
                deal=r["partner_linked_deal_id"], method=t(f"method_{r['partner_linked_by']}")
            )
        )
    if (r["deal_candidates"] or 0) > 1:
        parts.append(t("why_deal_candidates").format(n=r["deal_candidates"]))
    if (r["partner_candidates"] or 0) > 1:
        parts.append(t("why_partner_candidates").format(n=r["partner_candidates"]))
    return "; ".join(parts)
