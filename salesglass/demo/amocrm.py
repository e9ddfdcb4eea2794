"""What `salesglass demo` does with amoCRM: start the emulator, authorize like a real integration, sync."""

from __future__ import annotations

import json
from pathlib import Path

from salesglass.emulator.server import EmulatorHandle, start_emulator
from salesglass.sources.amocrm.sync import SyncSummary, run_sync

PLACEHOLDER = 'base_url = "http://127.0.0.1:8765"'  # what amocrm_section (propose_from_snapshot) writes


def demo_sync(
    company: Path, config_path: Path, *, port: int = 0, progress: bool = True
) -> tuple[EmulatorHandle, SyncSummary]:
    """Serve `company`'s amoCRM on a free port, point the demo config at it, exchange the snapshot's
    authorization code for tokens (the OAuth flow a real integration does once) and run a full sync.

    Returns the running emulator (the caller stops it, or keeps it for the live mode: `handle.advance()`
    then `run_sync(cfg)` again) and the sync summary.
    """
    from salesglass.config import load_config
    from salesglass.sources.amocrm.client import authorize

    handle = start_emulator(Path(company), port=port)
    try:
        text = config_path.read_text(encoding="utf-8")
        if PLACEHOLDER in text:
            config_path.write_text(text.replace(PLACEHOLDER, f'base_url = "{handle.url}"'), encoding="utf-8")
        cfg = load_config(config_path)
        if cfg.amocrm.base_url != handle.url:  # a config written by hand: use the emulator all the same
            cfg = cfg.model_copy(update={"amocrm": cfg.amocrm.model_copy(update={"base_url": handle.url})})
        if cfg.amocrm.auth == "oauth":
            oauth = json.loads((Path(company) / "amocrm" / "oauth.json").read_text(encoding="utf-8"))
            authorize(cfg, oauth["authorization_code"])
        summary = run_sync(cfg, progress=progress)
    except BaseException:
        handle.stop()
        raise
    return handle, summary
