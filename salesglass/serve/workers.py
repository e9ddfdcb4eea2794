"""Several dashboard processes on one port (`salesglass serve --workers N`).

One Python process renders one page at a time per core at best (the GIL); with many people looking at
once, pages queue. N worker processes (uvicorn's supervisor: it binds the port, starts them, restarts
one that dies) each open the published file read-only and answer requests side by side. What they
share lives on disk, so any worker serves any request:

- logins (the users file) and sessions (SQLite beside it: serve/sessions.py), so a browser logged in
  through one worker is logged in on all of them, and a logout ends the session everywhere;
- the session-signing key (created here, once, before the workers start: they would race to create it);
- the failed-login counters (a SQLite file beside the logins, serve/web/throttle.py), so N workers do
  not allow N times as many guesses;
- the published file: a new build is swapped in by rename, and each worker opens it on its next request.

The refresh scheduler runs once, in the supervising process; each worker takes amoCRM webhooks for
itself (a webhook's targeted refresh runs under the one refresh lock, so two never overlap).
Workers are spawned, not forked: they import the app by name and read the config file again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

ENV = "SALESGLASS_SERVE_WORKER"


def worker_settings(config: Path | None, cfg: Any, *, webhooks: bool) -> str:
    """What a worker needs to build the same app as the supervisor: the config file, and what the
    command line changed in it."""
    return json.dumps(
        {
            "config": str(Path(config).resolve()) if config else None,
            "cwd": os.getcwd(),
            "webhooks": webhooks,
            "workers": cfg.dashboard.workers,
        }
    )


def app() -> FastAPI:
    """The app of one worker process (uvicorn calls this by name in each worker it spawns)."""
    from salesglass.config import load_config
    from salesglass.serve.cli import serving

    settings = json.loads(os.environ[ENV])
    if settings["config"] is None:  # the demo defaults are taken from the folder `serve` ran in
        os.chdir(settings["cwd"])
    cfg = load_config(settings["config"])
    cfg.dashboard.workers = settings["workers"]
    served = serving(cfg, webhooks=settings["webhooks"])
    served.app.add_event_handler("shutdown", served.stop)
    return served.app
