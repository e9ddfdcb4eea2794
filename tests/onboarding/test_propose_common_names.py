"""The names a real back-office gives its sales' columns — the canonical ones themselves (`turnover`, as
«Сибкасса»'s CSV writes them) and the English and Russian names met in the wild (`gmv`, `income`, `spend`,
`pcs`, `sale_date`, `дата_покупки`, `прибыль`, `издержки`, `шт`) — are each proposed for their canonical
column. `turnover` itself was not: «Сибкасса»'s sales got no turnover ("no amount column found") and
`salesglass check` then stopped with exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesglass.check import run_check
from salesglass.config import load_config
from salesglass.sources.platform.inspect import inspect_source
from salesglass.sources.platform.propose import insert_into_config, propose


def _column(choice) -> str | None:
    v = choice.value
    return v if isinstance(v, str) or v is None else v.get("column")


def test_the_sibkassa_csv_is_proposed_column_for_column_and_check_reads_it(generated_sibkassa_xs: Path, tmp_path: Path):
    folder = generated_sibkassa_xs / "backoffice"
    proposal = propose(inspect_source(None, str(folder), tmp_path))
    sales = proposal.input("sales")
    assert sales is not None
    # «Сибкасса» writes the canonical names: each column is its own source
    for canon in ("sale_id", "partner_id", "event_id", "sold_at", "tickets", "turnover", "revenue", "cost"):
        assert _column(sales.columns[canon]) == canon, (canon, sales.columns[canon])
    config = tmp_path / "salesglass.toml"
    config.write_text(
        insert_into_config(f'[warehouse]\npath = "wh.duckdb"\n[platform]\nfolder = "{folder}"\n', proposal),
        encoding="utf-8",
    )
    report = run_check(load_config(config), sample=None)
    assert report.errors == []  # was: "nothing maps to turnover of `sales`" (exit code 2)
    orders = next(ic for ic in report.inputs if ic.target == "sales")
    assert orders.loaded == orders.read > 3000


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
