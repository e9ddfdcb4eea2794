"""An incremental refresh at scale m, per step, next to one full build; and a webhook's way to the screen.

    python bench/refresh.py [--company /tmp/tz-m] [--workdir /tmp/refresh-m] [--rate 50] [--change 0.01]

1. Prepares the company once (`WORKDIR/base`): `bench/pipeline.py`'s full sync, load, link and build
   (or `--base-from DIR`: a copy of another bench's warehouse of the same company), then one refresh
   that finds nothing new, so the base holds the state every later refresh keeps.
2. Each run starts from a fresh copy of that base (`WORKDIR/run`) and an emulator restarted from the
   company's snapshot (own process, real socket, rate limit RAISED to --rate for the bench), and times:
   - one full build (`salesglass build`), the yardstick;
   - after --change of the leads changed in the emulator: one incremental refresh (sync, load, link,
     build), per step from the run log, in a process of its own like the scheduler's worker;
   - a refresh right after it, with nothing new anywhere: it should rebuild and publish nothing;
   - webhook to screen: the dashboard (`salesglass serve`'s wiring, webhooks on, the default debounce)
     in its own process, the emulator sending amoCRM's webhooks to it; one open deal is moved to won and
     the clock runs until the published build has it and until its drill-down page shows it won.
Target (issue 20): the refresh ≤ 2 × one build; webhook to screen ≤ 15 s.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "bench-refresh-webhook-secret-0123456789"
ADMIN = ("bench@example.com", "bench-password-123")
FILES = ("salesglass.duckdb", "salesglass-reports.duckdb", "salesglass-reports.duckdb.inputs.json")


def _emulator(company: str, rate: int, urls, stop) -> None:
    from salesglass.emulator.server import start_emulator

    handle = start_emulator(Path(company), rate_limit=rate, ban_after=10 * rate)
    urls.put(handle.url)
    stop.wait()
    handle.stop()


def config(workdir: Path, url: str, rate: float, as_of: str, debounce: float | None = None):
    """The demo config of the company, pointed at the emulator with the bench's raised rate limit."""
    from salesglass.config import load_config

    cfg = load_config(workdir / "salesglass.toml")
    from pydantic import SecretStr

    refresh = {"reports_as_of": date.fromisoformat(as_of), "webhook_secret": SecretStr(SECRET), "nightly_at": ""}
    # the product's default debounce, whatever the (older) demo config says
    refresh["webhook_debounce_seconds"] = (
        debounce if debounce is not None else type(cfg.refresh).model_fields["webhook_debounce_seconds"].default
    )
    # model_copy skips the ≤ 7/s check a user config gets
    return cfg.model_copy(
        update={
            "amocrm": cfg.amocrm.model_copy(update={"base_url": url, "rate_limit": rate}),
            "refresh": cfg.refresh.model_copy(update=refresh),
        }
    )


def child(args: argparse.Namespace) -> dict:
    """One measured thing in its own process; its figures are the last JSON line it prints."""
    started = time.perf_counter()
    cfg = config(args.workdir, args.url, args.rate, args.as_of)
    fig: dict = {}
    if args.step == "build":
        from salesglass.reports.build import run_build

        # the yardstick: a full build (every step, from a copy of the warehouse)
        s = run_build(cfg, as_of=date.fromisoformat(args.as_of), progress=False, full=True)
        fig["steps"] = {k: round(v, 2) for k, v in s.step_seconds.items()}
    elif args.step == "refresh":
        import resource

        from salesglass.refresh.runner import Step, default_steps, run_refresh
        from salesglass.runs import Journal, runs_path_for

        fig["imports"] = time.perf_counter() - started
        cpu: dict[str, float] = {}
        step_run = Step.run

        def timed(self, cfg, *, full: bool = False):  # CPU seconds of this process (all threads) per step
            before = resource.getrusage(resource.RUSAGE_SELF)
            try:
                return step_run(self, cfg, full=full)
            finally:
                after = resource.getrusage(resource.RUSAGE_SELF)
                cpu[self.name] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime

        Step.run = timed  # type: ignore[method-assign]
        result = run_refresh(cfg, default_steps(cfg), trigger="bench")
        assert result.ok, result.error
        events = [e for e in Journal(runs_path_for(cfg.warehouse_path)).events() if e["run_id"] == result.run_id]
        fig["steps"] = {
            e["step"]: {
                "seconds": e["at"] - e["started"],
                "cpu": cpu.get(e["step"]),
                "changed": e.get("changed"),
                "note": e.get("note"),
            }
            for e in events
            if e["event"] == "step_finished"
        }
        fig["notes"], fig["changed"] = result.notes, result.changed
    elif args.step == "authorize":
        from salesglass.sources.amocrm.client import authorize

        company = Path(json.loads((args.workdir / "bench.json").read_text())["company"])
        authorize(cfg, json.loads((company / "amocrm" / "oauth.json").read_text())["authorization_code"])
    fig["seconds"] = time.perf_counter() - started
    return fig


def run_child(step: str, workdir: Path, url: str, rate: float, as_of: str) -> dict:
    cmd = [sys.executable, __file__, "--step", step, "--workdir", str(workdir), "--url", url]
    cmd += ["--rate", str(rate), "--as-of", as_of]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{step} failed:\n{out}")
    fig = json.loads(out.strip().splitlines()[-1])
    fig.update(peak_gib=usage.ru_maxrss / 2**20, cpu=usage.ru_utime + usage.ru_stime)
    return fig


def _post(url: str, body: dict) -> dict:
    import httpx

    r = httpx.post(url, json=body, timeout=120)
    r.raise_for_status()
    return r.json()


class Emulator:
    """The emulator in a process of its own, restarted from the company's snapshot."""

    def __init__(self, company: Path, rate: float) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.urls, self.stop_event = ctx.Queue(), ctx.Event()
        self.process = ctx.Process(
            target=_emulator, args=(str(company), int(rate), self.urls, self.stop_event), daemon=True
        )
        started = time.perf_counter()
        self.process.start()
        self.url = self.urls.get(timeout=900)
        self.up_seconds = time.perf_counter() - started

    def stop(self) -> None:
        self.stop_event.set()
        self.process.join(timeout=30)


def prepare(args: argparse.Namespace, as_of: str) -> Path:
    """WORKDIR/base: the company synced, loaded, linked and built, then settled by one refresh."""
    from salesglass.demo.config import demo_config_text

    base = args.workdir / "base"
    if (base / "settled").exists():
        return base
    base.mkdir(parents=True, exist_ok=True)
    (base / "bench.json").write_text(json.dumps({"company": str(args.company.resolve())}))
    if not (base / "salesglass.toml").exists():
        (base / "salesglass.toml").write_text(demo_config_text(args.company.resolve()), encoding="utf-8")
    if not (base / "salesglass.duckdb").exists():
        if args.base_from:
            print(f"copying the warehouse of {args.base_from}", flush=True)
            shutil.copyfile(args.base_from / "salesglass.duckdb", base / "salesglass.duckdb")
        else:
            cmd = [sys.executable, str(ROOT / "bench" / "pipeline.py"), "--company", str(args.company)]
            cmd += ["--workdir", str(base), "--rate", str(args.rate), "--only", "sync,load,link"]
            subprocess.run(cmd, check=True, cwd=ROOT)
    emulator = Emulator(args.company, args.rate)
    try:
        run_child("authorize", base, emulator.url, args.rate, as_of)
        fig = run_child("refresh", base, emulator.url, args.rate, as_of)
        print(f"settled the base with one refresh in {fig['seconds']:.1f} s", flush=True)
    finally:
        emulator.stop()
    (base / "settled").write_text("")
    return base


def fresh_copy(base: Path, run: Path, backoffice: Path | None = None) -> None:
    if run.exists():
        shutil.rmtree(run)
    run.mkdir(parents=True)
    for name in (*FILES, "salesglass.toml", "bench.json"):
        if (base / name).exists():
            shutil.copy2(base / name, run / name)  # copy2: the inputs stamp compares the file's time
    if backoffice is not None:  # the same back-office elsewhere (e.g. a copy with an index on updated_at)
        toml = (run / "salesglass.toml").read_text(encoding="utf-8")
        toml = re.sub(r'(?m)^url = "sqlite:///[^"]*"', f'url = "sqlite:///{backoffice.resolve()}"', toml, count=1)
        (run / "salesglass.toml").write_text(toml, encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(workdir: str, url: str, rate: float, as_of: str, port: int) -> None:
    """The dashboard with webhooks, as `salesglass serve --webhooks` wires it (no scheduled refresh)."""
    import uvicorn

    from salesglass.serve.cli import serving

    cfg = config(Path(workdir), url, rate, as_of)
    served = serving(cfg, webhooks=True)
    uvicorn.run(served.app, host="127.0.0.1", port=port, log_level="warning")


def webhook_to_screen(run: Path, emulator: Emulator, rate: float, as_of: str, poll: float) -> dict:
    """Move one open, linked deal to won in the emulator; seconds until it is published and on the page."""
    import httpx

    from salesglass.serve.users import UserStore
    from salesglass.warehouse import open_published
    from tests.refresh.live_stack import table_rows  # the dashboard's tables, row by row

    cfg = config(run, emulator.url, rate, as_of)
    import contextlib

    from salesglass.errors import SalesglassError

    with contextlib.suppress(SalesglassError):  # a former measurement on this run folder made the login
        UserStore(cfg.resolve(cfg.dashboard.users_path)).add(*ADMIN, "admin")
    con = open_published(cfg.published_path)
    deal_id, partner_id, pipeline_id = con.execute(
        """SELECT deal_id, partner_id, pipeline_id FROM deals
           WHERE partner_id IS NOT NULL AND NOT is_won AND NOT is_lost AND NOT coalesce(is_deleted, FALSE)
           ORDER BY deal_id LIMIT 1"""
    ).fetchone()
    con.close()
    port = _free_port()
    ctx = multiprocessing.get_context("spawn")
    # not a daemon: the webhook's refresh runs in a worker process of its own, as in production
    server = ctx.Process(target=_serve, args=(str(run), emulator.url, rate, as_of, port), daemon=False)
    server.start()
    base = f"http://127.0.0.1:{port}"
    try:
        http = httpx.Client(base_url=base, timeout=60, headers={"Accept-Language": "en"})
        deadline = time.monotonic() + 120
        while True:
            try:
                http.get("/health")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        form = http.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        http.post("/login", data={"email": ADMIN[0], "password": ADMIN[1], "next": "/", "csrf_token": token})
        page = f"/drill/deals?basis=all&partner={partner_id}"

        def shows_won() -> bool:
            rows = table_rows(http.get(page).text).get("deals", [])
            return any(
                r.get("deal_id", "").strip() == str(deal_id) and r.get("status", "").strip() == "Won" for r in rows
            )

        assert not shows_won(), "the deal shows won before it was moved"
        built_before = http.get("/health").json().get("built_at")
        _post(f"{emulator.url}/_emulator/webhooks", {"url": f"{base}/hooks/amocrm/{SECRET}"})
        t0 = time.time()
        moved = _post(f"{emulator.url}/_emulator/move", {"lead_id": deal_id, "status_id": 142})
        published = screen = None
        while time.time() - t0 < 180:
            if published is None and http.get("/health").json().get("built_at") != built_before:
                published = time.time() - t0
            if published is not None and shows_won():
                screen = time.time() - t0
                break
            time.sleep(poll)
        sent = httpx.get(f"{emulator.url}/_emulator/webhooks").json()["sent"]
        hook = sent[0]["at"] - t0 if sent else None
        from salesglass.runs import Journal, runs_path_for

        events = Journal(runs_path_for(cfg.warehouse_path)).events()
        hooked = [e for e in events if e["event"] == "run_started" and e.get("trigger") == "webhook"]
        steps, cpu = {}, {}
        if hooked:
            run_id = hooked[-1]["run_id"]
            mine = [e for e in events if e["run_id"] == run_id]
            steps = {"worker started": mine[0]["at"] - t0}
            steps.update({e["step"]: e["at"] - e["started"] for e in mine if e["event"] == "step_finished"})
            cpu = {e["step"]: e["cpu"] for e in mine if e["event"] == "step_finished" and "cpu" in e}
        return {
            "build": _build_record(run),
            "deal_id": deal_id,
            "pipeline_id": pipeline_id,
            "moved": moved,
            "webhook_answered": hook,
            "published": published,
            "screen": screen,
            "debounce": cfg.refresh.webhook_debounce_seconds,
            "steps": steps,
            "cpu": cpu,  # CPU seconds of the worker process per step
            "load": os.getloadavg(),
        }
    finally:
        server.terminate()
        server.join(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--company", type=Path, default=Path("/tmp/tz-m"))
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/refresh-m"))
    ap.add_argument("--base-from", type=Path, help="copy this bench folder's warehouse instead of syncing")
    ap.add_argument("--rate", type=float, default=50.0, help="requests/s, emulator and client (amoCRM: 7)")
    ap.add_argument("--change", type=float, default=0.01, help="share of the leads changed before the refresh")
    ap.add_argument("--poll", type=float, default=0.25, help="seconds between looks at the dashboard")
    ap.add_argument("--no-webhook", action="store_true", help="skip the webhook-to-screen measurement")
    ap.add_argument("--backoffice", type=Path, help="read this copy of the back-office SQLite file instead")
    ap.add_argument(
        "--webhook-only",
        type=int,
        metavar="N",
        help="measure only webhook to screen, N times, on WORKDIR/run as a former run left it (each time "
        "the next open, linked deal is moved; the emulator restarted from the snapshot)",
    )
    ap.add_argument("--step")
    ap.add_argument("--url", default="")
    ap.add_argument("--as-of", default="")
    args = ap.parse_args()
    if args.step:
        print(json.dumps(child(args), default=str))
        return
    manifest = json.loads((args.company / "manifest.json").read_text(encoding="utf-8"))
    as_of = manifest["end"]
    print(
        f"company {args.company}: scale {manifest['scale']}, {manifest['counts']['leads']:,} leads, "
        f"{manifest['counts']['orders']:,} orders; {os.cpu_count()} cores, load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}",
        flush=True,
    )
    if args.webhook_only:
        webhook_only(args, as_of)
        return
    base = prepare(args, as_of)
    run = args.workdir / "run"
    fresh_copy(base, run, args.backoffice)
    emulator = Emulator(args.company, args.rate)
    figs: dict = {}
    try:
        print(f"emulator up in {emulator.up_seconds:.1f} s (rate limit RAISED to {args.rate:g}/s)", flush=True)
        run_child("authorize", run, emulator.url, args.rate, as_of)
        figs["build"] = run_child("build", run, emulator.url, args.rate, as_of)
        print(f"one full build: {figs['build']['seconds']:.1f} s", flush=True)
        changed = _post(f"{emulator.url}/_emulator/advance", {"change_fraction": args.change, "seconds": 3600})
        print(
            f"changed {len(changed['lead_ids'])} leads: "
            + ", ".join(f"{k} {changed[k]}" for k in ("moved", "added", "edited", "deleted")),
            flush=True,
        )
        figs["refresh"] = run_child("refresh", run, emulator.url, args.rate, as_of)
        figs["refresh_build"] = _build_record(run)
        figs["unchanged"] = run_child("refresh", run, emulator.url, args.rate, as_of)
        if not args.no_webhook:
            figs["webhook"] = webhook_to_screen(run, emulator, args.rate, as_of, args.poll)
    finally:
        emulator.stop()
    report(figs)


def webhook_only(args: argparse.Namespace, as_of: str) -> None:
    """Webhook to screen, repeated: the run folder keeps its published file and the build's record."""
    run = args.workdir / "run"
    if not (run / "salesglass-reports.duckdb").exists():
        raise SystemExit(f"no run in {run}: run the whole bench once first")
    times = []
    for i in range(args.webhook_only):
        emulator = Emulator(args.company, args.rate)
        try:
            run_child("authorize", run, emulator.url, args.rate, as_of)
            load = " ".join(f"{x:.1f}" for x in os.getloadavg())
            w = webhook_to_screen(run, emulator, args.rate, as_of, args.poll)
        finally:
            emulator.stop()
        times.append(w["screen"])
        print(
            f"run {i + 1}: load average before {load}; deal {w['deal_id']} on the page {_s(w['screen'])} "
            f"(published {_s(w['published'])}); " + _steps(w),
            flush=True,
        )
        _say_build("its build", w.get("build", {}))
    print(f"on the page after: {', '.join(_s(t) for t in times)} (target ≤ 15 s)")


def report(figs: dict) -> None:
    build = figs["build"]["seconds"]
    print(f"\n{'wall s (CPU s)':<30}{'1 % changed':>16}{'no change':>16}")
    for step in figs["refresh"]["steps"]:
        a = figs["refresh"]["steps"][step]
        b = figs["unchanged"]["steps"].get(step, {"seconds": float("nan"), "cpu": float("nan")})
        print(f"{step:<30}{a['seconds']:8.2f} ({a['cpu']:5.2f}){b['seconds']:8.2f} ({b['cpu']:5.2f})")
    for label, key in (("imports (process start → steps)", "imports"), ("whole process", "seconds")):
        print(f"{label:<30}{figs['refresh'][key]:12.2f}{figs['unchanged'][key]:12.2f}")
    print(f"{'CPU s':<30}{figs['refresh']['cpu']:12.2f}{figs['unchanged']['cpu']:12.2f}")
    print(f"{'peak GiB':<30}{figs['refresh']['peak_gib']:12.2f}{figs['unchanged']['peak_gib']:12.2f}")
    ratio = figs["refresh"]["seconds"] / build
    print(
        f"one full build {build:.2f} s (CPU {figs['build']['cpu']:.1f} s, peak {figs['build']['peak_gib']:.2f} GiB); "
        f"refresh after the change = {ratio:.2f} × one build (target ≤ 2 ×)"
    )
    _say_build("the build after the change", figs.get("refresh_build", {}))
    print(f"no-change refresh said: {'; '.join(figs['unchanged']['notes']) or '(nothing)'}")
    if "webhook" in figs:
        w = figs["webhook"]
        print(
            f"webhook to screen (deal {w['deal_id']} moved to won, debounce {w['debounce']:g} s): webhook answered "
            f"{_s(w['webhook_answered'])}, published {_s(w['published'])}, on the page {_s(w['screen'])} "
            "(target ≤ 15 s)"
        )
        print("  the webhook's refresh: " + _steps(w))
        _say_build("its build", w.get("build", {}))
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(json.dumps(figs, default=str))


def _build_record(run: Path) -> dict:
    """What the last build ran (seconds) and kept, from the record it leaves next to the published file."""
    from salesglass.reports.incremental import record_path

    try:
        record = json.loads(record_path(run / "salesglass-reports.duckdb").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {"ran": record.get("seconds", {}), "cpu": record.get("cpu", {}), "kept": record.get("kept", [])}


def _steps(w: dict) -> str:
    """The webhook refresh's steps: wall seconds (CPU seconds of the worker process)."""
    cpu = w.get("cpu", {})
    return (
        ", ".join(f"{k} {v:.1f} s" + (f" ({cpu[k]:.2f} CPU s)" if k in cpu else "") for k, v in w["steps"].items())
        + f"; load average after {' '.join(f'{x:.1f}' for x in w.get('load', ()))}"
    )


def _say_build(label: str, record: dict) -> None:
    ran = sorted(record.get("ran", {}).items(), key=lambda kv: -kv[1])
    cpu = record.get("cpu", {})
    print(
        f"  {label} ran: " + ", ".join(f"{k} {v:.2f} s" + (f" ({cpu[k]:.2f} CPU)" if k in cpu else "") for k, v in ran)
    )
    print(f"  and kept {len(record.get('kept', []))} steps: " + ", ".join(record.get("kept", [])))


def _s(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


if __name__ == "__main__":
    main()
