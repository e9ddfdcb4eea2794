"""The names a real back-office gives its sales' columns — the canonical ones themselves (`turnover`, as
«Сибкасса»'s CSV writes them) and the English and Russian names met in the wild (`gmv`, `income`, `spend`,
`pcs`, `sale_date`, `дата_покупки`, `прибыль`, `издержки`, `шт`) — are each proposed for their canonical
column. `turnover` itself was not: «Сибкасса»'s sales got no turnover ("no amount column found") and
`salesglass check` then stopped with exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesglass.check import run_check
from salesglass.cli import app
from salesglass.config import load_config
from salesglass.sources.platform.inspect import inspect_source
from salesglass.sources.platform.propose import propose


def _column(choice) -> str | None:
    """The source column of a proposed choice or of a config's mapping (a name, or a table with `column`)."""
    v = getattr(choice, "value", choice)
    if isinstance(v, str) or v is None:
        return v
    return v.get("column") if isinstance(v, dict) else v.column


def test_the_sibkassa_csv_is_proposed_column_for_column_and_check_reads_it(generated_sibkassa_xs: Path, tmp_path: Path):
    folder = generated_sibkassa_xs / "backoffice"
    config = tmp_path / "salesglass.toml"
    config.write_text(f'[warehouse]\npath = "wh.duckdb"\n[platform]\nfolder = "{folder}"\n', encoding="utf-8")
    shown = CliRunner().invoke(app, ["platform", "inspect", "-c", str(config), "--write"])
    assert shown.exit_code == 0, shown.output
    # every time of «Сибкасса» carries its offset (+07:00): no zone is assumed, so none is named
    assert "naive times" not in shown.output
    cfg = load_config(config)
    sales = next(i for i in cfg.platform.inputs if i.target == "sales")
    # «Сибкасса» writes the canonical names: each column is its own source
    for canon in ("sale_id", "partner_id", "event_id", "sold_at", "tickets", "turnover", "revenue", "cost"):
        assert _column(sales.columns[canon]) == canon, (canon, sales.columns[canon])
    report = run_check(cfg, sample=None)
    assert report.errors == []  # was: "nothing maps to turnover of `sales`" (exit code 2)
    orders = next(ic for ic in report.inputs if ic.target == "sales")
    assert orders.loaded == orders.read > 3000
    # nor does check say times without an offset are read in Europe/Moscow: none is without one
    assert "sold_at: every time carries its offset: kept as written, no zone assumed" in orders.facts
    assert not [f for f in orders.facts if "without an offset" in f]
    # Novosibirsk's day seen in Moscow's zone: the account's zone is what to set, not the back-office's
    (zone,) = [w for w in orders.warnings if w.startswith("time zone:")]
    assert "the account's zone Europe/Moscow is probably not the company's" in zone
    assert "set [account] timezone" in zone and "[platform].timezone" not in zone


NAMES = {
    # canonical column → the source's name, one back-office per line of the parameters below
    "english": dict(sold_at="sale_date", tickets="pcs", turnover="gmv", revenue="income", cost="spend"),
    "english2": dict(sold_at="purchased_at", tickets="units", turnover="proceeds", revenue="net", cost="costs"),
    "russian": dict(sold_at="дата_покупки", tickets="шт", turnover="оборот", revenue="прибыль", cost="издержки"),
    "gross": dict(sold_at="order_date", tickets="items", turnover="gross_revenue", revenue="fee", cost="expenses"),
    "translit": dict(
        sold_at="data_zakaza", tickets="kolvo", turnover="valovaya_vyruchka", revenue="dohod", cost="izderzhki"
    ),
}


@pytest.mark.parametrize("names", NAMES.values(), ids=NAMES.keys())
def test_common_english_and_russian_names_map_to_their_canonical_columns(names: dict[str, str], tmp_path: Path):
    exports = tmp_path / "exports"
    exports.mkdir()
    head = ["id", "partner_id", names["sold_at"], names["tickets"], names["turnover"], names["revenue"], names["cost"]]
    rows = [
        f"{i},{1 + i % 5},2026-10-{1 + i % 28:02d} 12:{i % 60:02d}:00,{1 + i % 3},{1500 * (1 + i % 3)}.50,150.05,30.10"
        for i in range(40)
    ]
    (exports / "sales.csv").write_text(",".join(head) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    sales = propose(inspect_source(None, "exports", tmp_path)).input("sales")
    assert sales is not None
    assert {canon: _column(sales.columns[canon]) for canon in names} == names
