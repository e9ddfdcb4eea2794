"""A new published version is opened and warmed in the background, so no user's request is the cold one.

At scale l the first request after a (re)open took ~1 s (DuckDB importing its Python helpers on the first
parameterised query, the first read of each table, the partners' first sales derived from every sale)."""

from __future__ import annotations

import time

from tests.dashboard.conftest import make_config
from tests.dashboard.fixture import write_published


def _wait(cond, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return False


def test_each_new_build_is_opened_and_warmed_before_any_request(tmp_path) -> None:
    from salesglass.serve.web.app import create_app

    cfg = make_config(tmp_path)
    state = create_app(cfg).state.sg
    stop = state.keep_warm(interval_seconds=0.05)
    try:
        time.sleep(0.3)  # nothing published yet: the warmer waits for it
        assert state.published._snap is None
        write_published(cfg.published_path)
        assert _wait(lambda: state.published._snap is not None and state.published._snap.warmed)
        first = state.published._snap
        assert first.as_of.isoformat() == "2026-03-15"
        assert first._managers and 101 in first._managers  # read once, before any page asks
        assert first._first_sales is not None  # this file has no first_sales: derived now, not on a drill
        write_published(cfg.published_path, extra_sql="UPDATE build_info SET as_of = DATE '2026-03-20';")
        assert _wait(lambda: state.published._snap is not first and state.published._snap.warmed)
        assert state.published._snap.as_of.isoformat() == "2026-03-20"
    finally:
        stop()
