"""The simulated company, generated and run through the real pipeline exactly as `salesglass demo --no-serve` does:
generate → amoCRM emulator on a real socket + OAuth code exchange + full sync → load the back-office and plans
→ link deals to partners → build and publish every report as of the company's last day.

Only the clocks differ: the emulator and the client run amoCRM's rate limit 100× faster, with the same
client:emulator ratio (6:7) and ban rule as tests/amocrm (see tests/amocrm/conftest.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from salesglass.config import Config, load_config

END = date(2026, 11, 27)  # the company's last day; reports are built as of it
SEED = 7
CLOCK = 100  # amoCRM's clock runs 100× faster in tests
EMULATOR_LIMITS = {"rate_limit": 7, "rate_window": 1.0 / CLOCK, "ban_after": 10, "ban_window": 10.0 / CLOCK}
# the generator's own statement of the stage mapping (docs/simulated-company.md, "amoCRM ids the config
# maps"): amoCRM status id → canonical stage, written down here, not read from salesglass's config code
STAGE_OF = {
    61390122: "negotiation",
    61390126: "proposal",
    61390130: "proposal",
    61390134: "contract_signed",
    61390138: "widget_installed",
    61390158: "negotiation",
    61390162: "contract_signed",
    61390166: "widget_installed",
    52004818: "negotiation",
    142: "first_sale",
}


@dataclass(frozen=True)
class Built:
    """A company that went through the whole pipeline."""

    company: Path  # the generated files (amocrm/, backoffice.sqlite, plans.xlsx, truth/)
    config_path: Path
    cfg: Config
    as_of: date

    @property
    def truth(self) -> Path:
        return self.company / "truth"

    def injected(self) -> dict:
        return json.loads((self.truth / "injected.json").read_text(encoding="utf-8"))


def generate_company(out: Path, scale: str, profile: str = "biletoid") -> Path:
    """The company of `profile` and `scale` (seed 7, ending END) in `out`, reused when already there."""
    from salesglass.simulate.generate import ensure_company

    return ensure_company(out, scale=scale, seed=SEED, end=END, profile=profile)


def fast_amocrm(cfg: Config, *, timeout: float = 5.0) -> Config:
    """The same config with the client's rate and back-off scaled like the emulator's."""
    # one request at a time: at a 100× clock a thread waking a few ms late is a whole request interval, so
    # requests in flight could reach the emulator bunched; tests/amocrm/test_latency.py runs them at amoCRM's own clock
    fast = cfg.amocrm.model_copy(
        update={
            "rate_limit": 6.0 * CLOCK,
            "account_window": 1.0 / CLOCK,
            "in_flight": 1,
            "backoff_base": 1.0 / CLOCK,
            "backoff_max": 60.0 / CLOCK,
            "timeout": timeout,
        }
    )
    return cfg.model_copy(update={"amocrm": fast})


def demo_amocrm_config(root: Path, company: Path, url: str) -> Config:
    """The demo's [amocrm] section for `company` (as `salesglass demo` writes it) pointed at the emulator at
    `url`, a warehouse in `root`, the client's clock scaled like the emulator's, and the OAuth code exchanged
    for tokens, as `salesglass demo` does after starting the emulator."""
    import tomllib

    from salesglass.config import parse_config
    from salesglass.demo.config import amocrm_section
    from salesglass.sources.amocrm.client import authorize

    root.mkdir(parents=True, exist_ok=True)
    data = tomllib.loads(amocrm_section(company))
    data["amocrm"].update(base_url=url)
    data["warehouse"] = {"path": "wh.duckdb"}
    cfg = fast_amocrm(parse_config(data, base_dir=root))
    authorize(cfg, json.loads((company / "amocrm" / "oauth.json").read_text(encoding="utf-8"))["authorization_code"])
    return cfg


def build_company(
    root: Path,
    scale: str,
    *,
    profile: str = "biletoid",
    company: Path | None = None,
    account_timezone: str | None = None,
) -> Built:
    """Generate `scale` of `profile` under root/company (or use `company`), write the demo config, sync,
    load, link and build. `account_timezone` adds `[account] timezone = …` to the config."""
    from salesglass.demo.amocrm import PLACEHOLDER
    from salesglass.demo.config import demo_config_text
    from salesglass.emulator.server import start_emulator
    from salesglass.link.run import run_link
    from salesglass.reports.build import run_build
    from salesglass.sources.amocrm.client import authorize
    from salesglass.sources.amocrm.sync import run_sync
    from salesglass.sources.platform.load import run_load

    company = company or generate_company(root / "company", scale, profile)
    config_path = root / "salesglass.toml"
    handle = start_emulator(company, **EMULATOR_LIMITS)
    try:
        text = demo_config_text(company.resolve(), profile)
        if account_timezone is not None:
            assert "[account]\n" in text and "\ntimezone =" not in text
            text = text.replace("[account]\n", f'[account]\ntimezone = "{account_timezone}"\n', 1)
        assert PLACEHOLDER in text, "the demo config no longer carries the emulator placeholder"
        config_path.write_text(text.replace(PLACEHOLDER, f'base_url = "{handle.url}"'), encoding="utf-8")
        cfg = load_config(config_path)
        sync_cfg = fast_amocrm(cfg)
        if cfg.amocrm.auth == "oauth":
            oauth = json.loads((company / "amocrm" / "oauth.json").read_text(encoding="utf-8"))
            authorize(sync_cfg, oauth["authorization_code"])
        summary = run_sync(sync_cfg, progress=False)
        assert summary.rate_limited == 0, summary
    finally:
        handle.stop()
    run_load(cfg, full=True, progress=False)
    run_link(cfg)
    run_build(cfg, as_of=END, progress=False)
    return Built(company=company, config_path=config_path, cfg=cfg, as_of=END)
