"""`salesglass generate`: write the simulated company (docs/simulated-company.md) into a folder.

Order of work: people → partners (platform milestones) → events/orders/refunds streamed into SQLite
(first sales fall out of them) → amoCRM deals that follow those milestones → plans → truth → manifest.
Same scale + seed + end date → the same bytes: every random draw comes from numpy Generators seeded by
(seed, component), nothing depends on time, hash order or dict order.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from salesglass.errors import SalesglassError
from salesglass.simulate import backoffice as bo
from salesglass.simulate.amocrm_files import build_deals, write_amocrm
from salesglass.simulate.common import dump_json, msk_midnight, msk_month_index
from salesglass.simulate.orders import build_sellers
from salesglass.simulate.partners import NONE, build_partners, inject_name_quirks
from salesglass.simulate.plans import month_list, write_plans
from salesglass.simulate.scales import Scale, get_scale
from salesglass.simulate.staff import build_staff
from salesglass.simulate.stream import order_chunks
from salesglass.simulate.truth import crm_quirks, write_truth

GENERATOR_VERSION = "3"  # 2: the running month's plan is a whole-month target; 3: event and refund
# ids of later chunks no longer reuse earlier chunks' numbers (scale l stopped on a repeated refund id)
Progress = Callable[[str, int, int], None]
DEFAULT_PROFILE = "biletoid"
PROFILES = {
    "biletoid": "«Билетоид», the demo: Moscow, amoCRM, a SQLite back-office with its own schema",
    "sibkassa": "«Сибкасса»: Novosibirsk (UTC+7), Kommo, other pipelines and field types, canonical CSV files",
}


def default_end() -> date:
    return datetime.now(UTC).date()


def ensure_company(
    out: Path,
    *,
    scale: str = "s",
    seed: int = 7,
    end: date | None = None,
    progress: Progress | None = None,
    profile: str = DEFAULT_PROFILE,
) -> Path:
    """Reuse `out` when its manifest says the same profile/scale/seed/end/version, else regenerate it cleanly.

    `progress(step, done, total)` is called during generation (steps "orders", "amocrm"), e.g. for a bar.
    """
    end = end or default_end()
    manifest = _read_manifest(out)
    if manifest and (
        manifest.get("profile", DEFAULT_PROFILE),
        manifest.get("scale"),
        manifest.get("seed"),
        manifest.get("end"),
        manifest.get("generator_version"),
    ) == (profile, scale, seed, end.isoformat(), GENERATOR_VERSION):
        return out
    return generate(out, scale, seed, end, progress=progress, profile=profile)


def check_company(profile: str, scale: str) -> Scale:
    """The scale preset, or SalesglassError naming a profile or scale that does not exist (said before any
    folder is made or anything printed)."""
    if profile not in PROFILES:
        raise SalesglassError(f"unknown profile {profile!r}: expected one of {', '.join(PROFILES)}")
    return get_scale(scale)


def generate(
    out: Path,
    scale: str = "s",
    seed: int = 7,
    end: date | None = None,
    progress: Progress | None = None,
    profile: str = DEFAULT_PROFILE,
) -> Path:
    """Generate the company of `profile` into `out` (replacing an earlier generated company there)."""
    sc = check_company(profile, scale)
    end = end or default_end()
    # "company/../company" names the folder it replaces through itself: once it was removed, the finished
    # company could not be moved in, and was left half-named beside it
    out = Path(out).resolve()
    if out.exists() and any(out.iterdir()) and _read_manifest(out) is None:
        raise SalesglassError(
            f"{out} is not empty and holds no generated company (no manifest.json); choose an empty or new folder"
        )
    tmp = out.parent / f".{out.name}.generating"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        if profile == "sibkassa":
            manifest = _sibkassa_into(tmp, sc, seed, end, progress or (lambda *_: None))
        else:
            manifest = _generate_into(tmp, sc, seed, end, progress or (lambda *_: None))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    del manifest
    return out


def _read_manifest(out: Path) -> dict | None:
    try:
        return json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _sibkassa_into(folder: Path, sc, seed: int, end_day: date, progress: Progress) -> dict:
    """The engine's company in a scratch folder, turned into Сибкасса (salesglass/simulate/sibkassa/)."""
    from salesglass.simulate.sibkassa import write_company
    from salesglass.simulate.sibkassa.zone import FIXED_SINCE

    if date(end_day.year - sc.years, end_day.month, 1) < FIXED_SINCE:
        raise SalesglassError(
            f"profile sibkassa: the history would start before {FIXED_SINCE} (Novosibirsk "
            "was UTC+6 until July 2016); choose a later --end or a smaller --scale"
        )
    engine = folder / ".engine"
    engine.mkdir()
    manifest = _generate_into(engine, sc, seed, end_day, progress)
    progress("sibkassa", 0, 1)
    result = write_company(engine, folder, manifest)
    shutil.rmtree(engine)
    progress("sibkassa", 1, 1)
    return result


MONEY_KEYS = ("turnover", "revenue", "cost", "tickets")  # summed per month and development manager


def _rng(seed: int, part: int) -> np.random.Generator:
    return np.random.default_rng([seed, part])


def _generate_into(folder: Path, sc, seed: int, end_day: date, progress: Progress) -> dict:
    first_month = date(end_day.year - sc.years, end_day.month, 1)
    start, end = msk_midnight(first_month), msk_midnight(end_day + timedelta(days=1)) - 1
    staff = build_staff(_rng(seed, 1), sc, start, end)
    p = build_partners(_rng(seed, 2), sc, staff, start, end)
    injected = inject_name_quirks(_rng(seed, 3), p)
    digits = _rng(seed, 4).integers(0, 16, (2, 20))
    unknown = sorted("5f0c" + "".join("0123456789abcdef"[int(x)] for x in row) for row in digits)
    sellers = build_sellers(_rng(seed, 5), p, sc.orders, start, end, unknown)

    db = bo.Backoffice(folder / "backoffice.sqlite")
    db.insert("managers", bo.manager_rows(staff))
    n_months = len(month_list(first_month, end_day))
    cols = len(staff.all) + 1
    money = {k: np.zeros((n_months, cols)) for k in MONEY_KEYS}
    first_sale = np.full(p.n, np.iinfo(np.int64).max)
    first_vendor = np.full(p.n, np.iinfo(np.int64).max)
    dev_col = np.r_[p.account_manager + 1, 0]  # index -1 (pseudo-sellers) → column 0
    counts = {"events": 0, "orders": 0, "refund_requests": 0}
    test_orders: list[str] = []
    n_chunks = 0
    for chunk in order_chunks(seed, sellers, p, start, end, sc.chunk_orders):
        db.write_chunk(chunk)
        counts["events"] += len(chunk.events[0])
        counts["orders"] += chunk.n_orders
        counts["refund_requests"] += len(chunk.refunds[0])
        test_orders += chunk.test_order_ids
        real = chunk.sale_partner >= 0
        np.minimum.at(first_sale, chunk.sale_partner[real], chunk.sale_ts[real])
        by_agent = chunk.sale_vendor >= 0
        np.minimum.at(first_vendor, chunk.sale_vendor[by_agent], chunk.sale_ts[by_agent])
        sales = (chunk.sale_full, chunk.sale_core, chunk.sale_cost, chunk.sale_tickets)
        refunds = (-chunk.refund_full, -chunk.refund_core, -chunk.refund_cost, -chunk.refund_tickets)
        for ts, partner, amounts in (
            (chunk.sale_ts, chunk.sale_partner, sales),
            (chunk.refund_ts, chunk.refund_partner, refunds),
        ):
            # each amount into its month's cell of the partner's development manager (dev_col)
            month = np.clip(msk_month_index(ts, first_month), 0, n_months - 1)
            for key, values in zip(MONEY_KEYS, amounts, strict=True):
                np.add.at(money[key], (month, dev_col[partner]), values)
        n_chunks += 1
        progress("orders", counts["orders"], sc.orders)
    first_sale[first_sale == np.iinfo(np.int64).max] = NONE
    first_vendor[first_vendor == np.iinfo(np.int64).max] = NONE

    progress("amocrm", 0, 1)
    crm = build_deals(_rng(seed, 6), sc, staff, p, first_sale, first_vendor, start, end)
    partners, contracts, widgets = bo.partner_rows(_rng(seed, 7), p, staff, end)
    db.insert("partners", partners)
    db.insert("contracts", contracts)
    db.insert("widgets", widgets)
    marks = ",".join("?" * len(unknown))
    unknown = [
        r[0]
        for r in db.con.execute(f"SELECT DISTINCT org_id FROM orders WHERE org_id IN ({marks}) ORDER BY 1", unknown)
    ]
    db.close()
    crm_counts = write_amocrm(folder / "amocrm", _rng(seed, 8), crm, staff, start, end)

    new_partners = np.zeros((n_months, cols))
    have = first_sale != NONE
    np.add.at(
        new_partners,
        (np.clip(msk_month_index(first_sale[have], first_month), 0, n_months - 1), p.sale_manager[have] + 1),
        1,
    )
    plan_rows = write_plans(
        folder / "plans.xlsx",
        _rng(seed, 9),
        staff,
        month_list(first_month, end_day),
        money,
        new_partners,
        date(end_day.year, 12, 1),
        last_day=end_day,
    )

    injected.update(crm_quirks(crm, p, staff))
    injected.update(
        {
            "support_partner": {
                "description": "the shared account of small organizers served by support",
                "partner_ids": [p.ids[0]],
            },
            "support_orders_without_account": {
                "description": "orders sold by support with no account",
                "rule": "orders.org_id IS NULL",
            },
            "unknown_partner_orders": {
                "description": "orders (and their events) whose org_id is not in partners: "
                "accounts hard-deleted from the back-office",
                "org_ids": unknown,
            },
            "test_orders_below_100_rub": {
                "description": "done test orders of 10–99 ₽, one ticket, an hour after a "
                "first event went on sale (they count as that partner's "
                "first sale under the canonical rule)",
                "order_ids": sorted(test_orders),
            },
            "invitations": {"description": "0 ₽ invitations: not sales", "rule": "orders.is_invitation = 1"},
            "partner_inn_with_spaces": {
                "description": "back-office ИНН stored with spaces",
                "partner_ids": sorted(p.ids[i] for i in range(p.n) if (inn := p.inn_text[i]) and " " in inn),
            },
            "partners_without_inn": {
                "description": "back-office partners with no ИНН",
                "partner_ids": sorted(p.ids[i] for i in range(p.n) if not p.inn[i]),
            },
        }
    )
    links = write_truth(folder / "truth", crm, p, staff, first_sale, injected)
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "scale": sc.name,
        "seed": seed,
        "start": first_month.isoformat(),
        "end": end_day.isoformat(),
        "timezone": "Europe/Moscow",
        "currency": "RUB",
        "counts": {
            "managers": len(staff.all),
            "partners": p.n,
            "contracts": len(contracts),
            "widgets": len(widgets),
            **counts,
            **crm_counts,
            "truth_links": links,
            "plan_rows": plan_rows,
            "partners_with_first_sale": int(have.sum()),
            "order_chunks": n_chunks,
        },
    }
    dump_json(folder / "manifest.json", manifest)
    return manifest
