"""The client's manners on a real socket: limiter, 429 backoff, the 403 ban, faults, writes never resent."""

from __future__ import annotations

import json

import pytest

from salesglass.emulator.server import start_emulator
from salesglass.sources.amocrm import extract
from salesglass.sources.amocrm.client import client_from_config
from salesglass.sources.amocrm.errors import AccountBlocked, WriteUncertain
from salesglass.sources.amocrm.sync import run_sync
from tests.amocrm.conftest import EMULATOR_LIMITS, FIXTURE_COMPANY, make_config
from tests.amocrm.test_sync import EXPECTED_DEALS, EXPECTED_STAGES, deals, rows, stages


def test_an_html_403_stops_the_run_at_once(config, emulator):
    emulator.rate.banned = True
    before = emulator.rate.counts["requests"]
    with pytest.raises(AccountBlocked, match="blocked"):
        run_sync(config, progress=False)
    assert emulator.rate.counts["requests"] - before == 1  # not one retry into a ban


def test_a_patch_that_got_a_5xx_is_not_resent(config, emulator):
    emulator.set_faults(error_rate=1.0)
    with client_from_config(config.amocrm, config.base_dir) as client, pytest.raises(WriteUncertain, match="3002"):
        client.patch_leads([{"id": 3002, "pipeline_id": 7001, "status_id": 70014}])
    assert len(emulator.requests("PATCH")) == 1


def test_a_patch_that_timed_out_is_not_resent_and_says_to_reread(config, emulator):
    emulator.set_faults(timeout_rate=1.0, hang_seconds=1.5)  # applied, but the answer never comes
    with client_from_config(config.amocrm, config.base_dir) as client, pytest.raises(WriteUncertain, match="re-read"):
        client.patch_leads([{"id": 3002, "pipeline_id": 7001, "status_id": 70014}])
    assert len(emulator.requests("PATCH")) == 1
    assert emulator.state.leads[3002]["status_id"] == 70014


def test_patch_batches_of_at_most_50(config, emulator):
    ids = [3001, 3002, 3003, 3004, 3006, 3008, 3009] * 8  # 56 updates → 2 requests
    with client_from_config(config.amocrm, config.base_dir) as client:
        results = client.patch_leads([{"id": i, "price": 1000} for i in ids])
    assert len(results) == 56 and len(emulator.requests("PATCH")) == 2


def test_5xx_and_timeouts_at_10_percent_still_give_an_exact_copy(tmp_path, monkeypatch):
    monkeypatch.setattr(extract, "LIST_LIMIT", 2)  # more pages, more chances to fail
    handle = start_emulator(
        FIXTURE_COMPANY, **EMULATOR_LIMITS, error_rate=0.05, timeout_rate=0.05, hang_seconds=0.5, seed=45
    )
    try:
        cfg = make_config(tmp_path, handle.url)
        cfg = cfg.model_copy(update={"amocrm": cfg.amocrm.model_copy(update={"timeout": 0.25})})
        summary = run_sync(cfg, progress=False)
        assert handle.emulator.dice.counts["5xx"] >= 1 and handle.emulator.dice.counts["timeouts"] >= 1
        assert summary.retries == handle.emulator.dice.counts["5xx"] + handle.emulator.dice.counts["timeouts"]
        assert deals(cfg) == EXPECTED_DEALS and stages(cfg) == EXPECTED_STAGES
        raw = {r[0]: json.loads(r[1]) for r in rows(cfg, "SELECT id, data FROM raw_amocrm_leads")}
        assert raw == {i: handle.state.render("leads", x) for i, x in handle.state.leads.items() if not x["is_deleted"]}
    finally:
        handle.stop()


def test_a_naive_client_gets_429_then_the_ban():
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    # amoCRM's own clock (7 requests per second, ban after 10 refusals within 10 s), not the fixture's 100×:
    # at 7 per 10 ms a loaded CI machine served 160 requests from 16 threads slower than the limit and none
    # was refused; at 7 per second the server only has to answer faster than 7 a second
    emulator = start_emulator(FIXTURE_COMPANY, rate_limit=7, rate_window=1.0, ban_after=10, ban_window=10.0)
    try:
        with httpx.Client(base_url=emulator.url, headers={"Authorization": "Bearer fixture-long-lived-token"}) as c:
            with ThreadPoolExecutor(max_workers=16) as pool:
                statuses = list(pool.map(lambda _: c.get("/api/v4/account").status_code, range(160)))
            blocked = c.get("/api/v4/account")
        assert 429 in statuses and 403 in statuses
        # the ban came only after `ban_after` refusals (the answers' list order is the submission order, not the
        # order in which 16 threads' requests reached the server, so it cannot show which came first)
        assert statuses.count(429) >= emulator.rate.ban_after == 10
        assert (
            blocked.status_code == 403
            and blocked.headers["content-type"] == "text/html"
            and b"nginx" in blocked.content
        )
        httpx.post(f"{emulator.url}/_emulator/reset-ban")
        assert (
            httpx.get(
                f"{emulator.url}/api/v4/account", headers={"Authorization": "Bearer fixture-long-lived-token"}
            ).status_code
            == 200
        )
    finally:
        emulator.stop()


def test_a_client_faster_than_the_limit_backs_off_and_is_never_banned(tmp_path):
    # amoCRM's own clock (7 requests per 1 s), not a faster one: a client only meets the limit if the machine
    # sends 8 requests within a window, and a loaded 2-core machine served ~20 a second (at the 20× clock,
    # 140/s, such a client met no limit and the test failed). The client is 100× over the limit (600/s) and
    # backs off on the limit's clock (1 s and more), so it meets at most one 429 per window: 20 requests are
    # 7 + 7 + 6, two 429s however fast the machine — and a ban after 3 catches a client that retries sooner
    # (the fast clock's 10 ms back-off would meet about six in its first second)
    slower = start_emulator(FIXTURE_COMPANY, rate_limit=7, rate_window=1.0, ban_after=3, ban_window=10.0)
    try:
        config = make_config(tmp_path, slower.url)
        # a client that believes amoCRM allows 600 a second
        fast = config.amocrm.model_copy(
            update={"rate_limit": 600.0, "account_limit": 600, "backoff_base": 1.0, "backoff_max": 3.0}
        )
        with client_from_config(fast, config.base_dir) as client:
            for _ in range(20):
                assert client.get("/api/v4/account")["id"] == 30000001
            assert 1 <= client.stats.rate_limited <= 2  # it did meet the limit, once a window at most …
        assert not slower.rate.banned  # … and backed off instead of hammering on
    finally:
        slower.stop()


class VirtualTime:
    """A clock the test moves: sleeping moves it (plus however late the sleeper wakes), and so does work."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.late = 0.0  # how late the next wake-up comes

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds + self.late


def test_ten_thousand_sequential_requests_never_meet_a_429_at_amocrms_own_limit():
    """The limiter at the client's default (6/s) against the emulator's own rate rule at amoCRM's (7 per 1 s,
    ban after 10 × 429 within 10 s), both on one clock the test moves, so no machine's speed decides the
    outcome: 10 000 requests, one at a time, with what a busy machine and a network do to them — wake-ups up to
    half a second late, a thread delayed up to 0.3 s between its slot and its bytes leaving, answers from
    10 ms to 600 ms, and the way to amoCRM jittering by up to 75 ms. Not one 429, and no request waits longer
    than its slot (one interval after the previous send, and a second after the latest moment the seventh
    request before it may have arrived: its send plus how much longer than the fastest its answer took) plus
    its late wake-up."""
    import random

    from salesglass.emulator.guards import RateGuard
    from salesglass.sources.amocrm.limiter import RateLimiter

    t, rng = VirtualTime(), random.Random(7)
    limiter = RateLimiter(6.0, clock=t.clock, sleep=t.sleep)
    arrival = [0.0]
    guard = RateGuard(7, 1.0, 10, 10.0, clock=lambda: arrival[0])
    statuses, previous_send, done, fastest = [], float("-inf"), [], float("inf")  # done: (sent, answered)
    for _ in range(10_000):
        called = t.now
        # when the 7th request back stops counting (the 6 after it always end later: they were sent later and
        # arrived later, one at a time)
        seventh = max(done[-7][0], done[-7][1] - fastest) + 1.0 if len(done) >= 7 else called
        t.late = rng.choice([0.0, 0.0, 0.0, rng.uniform(0, 0.5)])  # a busy machine wakes threads late
        limiter.acquire()
        slot = max(called, previous_send + limiter.interval, seventh)
        assert t.now <= slot + t.late + 1e-9  # never held back needlessly
        t.now += rng.choice([0.0, 0.0, 0.0, rng.uniform(0, 0.3)])  # the thread waits for a core before sending
        sent_at = previous_send = limiter.sent()
        arrival[0] = t.now + 0.02 + rng.uniform(0, 0.075)  # the way to amoCRM: 20 ms and up to 75 ms of jitter
        statuses.append(guard.check())
        t.now = arrival[0] + rng.choice([0.0, 0.0, rng.uniform(0, 0.6)])  # amoCRM answers, at once or slowly
        limiter.done(sent_at)
        done.append((sent_at, t.now))
        fastest = min(fastest, t.now - sent_at)
    assert statuses == [200] * 10_000 and not guard.banned


def test_the_limiter_never_allows_more_than_seven_sends_in_any_second_at_rate_six():
    """Late wake-ups and late sends are made up, but never beyond the limit: on a clock the test moves (a busy
    machine's real sleeps would decide the outcome), 2 000 sends whose threads wake up to 2 intervals late."""
    import random

    from salesglass.sources.amocrm.limiter import RateLimiter

    t, rng = VirtualTime(), random.Random(1)
    limiter, sends = RateLimiter(6.0, clock=t.clock, sleep=t.sleep), []
    for _ in range(2000):
        t.late = rng.choice([0.0, 0.0, 0.0, 0.0, rng.uniform(0, 2 / 6)])
        limiter.acquire()
        t.now += rng.choice([0.0, 0.0, 0.0, 0.0, rng.uniform(0, 2 / 6)])  # a slow answer or a late send
        sends.append(limiter.sent())
        limiter.done(sends[-1])
    assert all(sends[i + 7] - sends[i] >= 1.0 for i in range(len(sends) - 7))  # ≤ 7 in any second
    assert (len(sends) - 1) / (sends[-1] - sends[0]) > 0.9 * 6 * 0.5  # and it does keep going


class Network:
    """Several requests in flight on a clock the test moves, as the sync keeps them (`in_flight` threads taking
    turns at the limiter): a thread sleeping in the limiter lets the network go on meanwhile — requests reach
    amoCRM (its own rate rule counts them as they arrive) and answers come back, freeing their threads."""

    def __init__(self, limiter_of, guard_of, seed: int) -> None:
        import heapq
        import random

        self.now, self.rng, self.heapq = 1000.0, random.Random(seed), heapq
        self.limiter, self.guard = limiter_of(self), guard_of(self)
        self.events: list = []  # (time, order, what, request's send time)
        self.ready: list[int] = []  # threads waiting for their turn at the limiter
        self.statuses: list[int] = []
        self.sends: list[float] = []
        self.out = self.most_out = 0  # requests without an answer yet, now and at most

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        late = self.rng.choice([0.0, 0.0, 0.0, self.rng.uniform(0, 0.05)])  # a busy machine wakes threads late
        self.run_until(self.now + seconds + late)

    def run_until(self, until: float) -> None:
        while self.events and self.events[0][0] <= until:
            self.now, _, what, sent_at = self.heapq.heappop(self.events)
            if what == "arrives":
                self.statuses.append(self.guard.check())
            else:  # the answer's status line is back: its thread takes the next request
                self.limiter.done(sent_at)
                self.ready.append(0)
                self.out -= 1
        self.now = max(self.now, until)

    def run(self, requests: int, in_flight: int, way_in, answer=None) -> None:
        """`requests` requests from `in_flight` threads; `way_in()` says how long each takes to reach amoCRM,
        `answer()` how long amoCRM takes to answer it (default 400 ± 100 ms), and the way back is 20 ms."""
        answer = answer or (lambda: 0.4 + self.rng.uniform(-0.1, 0.1))
        self.ready = [0] * in_flight
        while len(self.sends) < requests:
            if not self.ready:
                self.run_until(self.events[0][0])
                continue
            self.ready.pop()
            self.limiter.acquire()
            sent_at = self.limiter.sent()
            self.sends.append(sent_at)
            self.out += 1
            self.most_out = max(self.most_out, self.out)
            arrives = sent_at + way_in()
            answered = arrives + answer() + 0.02
            for when, what in ((arrives, "arrives"), (answered, "answered")):
                self.heapq.heappush(self.events, (when, len(self.sends), what, sent_at))
        self.run_until(float("inf"))


def test_a_request_held_on_the_way_in_does_not_earn_a_429_for_the_requests_sent_on_time_after_it():
    """Five requests in flight at the client's default (6/s) against the emulator's own rate rule at amoCRM's (7
    per 1 s, ban after 10 × 429 within 10 s), on a clock the test moves. The way to amoCRM takes 20 ms ± 10 ms,
    but one request in 40 loses a packet and arrives 200 to 300 ms late (TCP resends it after its retransmission
    timeout, at least 200 ms): it arrives next to the requests sent after it. Counting sends alone, the eighth
    of them arrives within one second of it — 7 / 6 s = 1.167 s after it was sent, less the delay — and amoCRM
    refuses it. Counting each request until a second after the latest moment it may have arrived (its answer
    came that much later than the fastest), 3 000 requests meet not one 429, and the pace stays near 6/s."""
    from salesglass.emulator.guards import RateGuard
    from salesglass.sources.amocrm.limiter import RateLimiter

    net = Network(
        lambda n: RateLimiter(6.0, tolerance=0.0, clock=n.clock, sleep=n.sleep),  # the client's settings in flight
        lambda n: RateGuard(7, 1.0, 10, 10.0, clock=n.clock),
        seed=3,
    )

    def way_in() -> float:
        lost = net.rng.random() < 1 / 40
        return 0.02 + net.rng.uniform(-0.01, 0.01) + (net.rng.uniform(0.2, 0.3) if lost else 0.0)

    net.run(3000, 5, way_in)
    assert len(net.statuses) == 3000
    assert net.statuses.count(429) == 0 and not net.guard.banned
    # 3 000 sends take at least 2 999 / 6 = 499.8 s on the grid; ~75 delayed ones hold the next sends back by
    # at most their delay (≤ 0.3 s each, ~22 s in all), and answers varying by 200 ms a little more
    assert (len(net.sends) - 1) / (net.sends[-1] - net.sends[0]) > 0.85 * 6


def test_the_client_tells_the_limiter_when_each_answer_came(config, emulator):
    """Each request counts against amoCRM's window from its send to its answer (limiter.py): after a timed-out
    request, a read and two refused ones (429, 503: a status line all the same), nothing is left counting as
    out — a request the client forgot to report would hold a place in the window for ever. The fastest answer
    is a real one's: a timeout's time says nothing of how fast amoCRM answers, and a refusal nothing worked on
    comes quicker than any real answer (here at once, the real one 300 ms late), which would make every later
    answer look delayed on the way in."""
    from salesglass.emulator.guards import Misbehaviour
    from salesglass.sources.amocrm.errors import AmoCRMError

    once = config.amocrm.model_copy(update={"max_retries": 0})
    with client_from_config(once, config.base_dir) as client:
        limiter = client.limiter
        emulator.set_faults(timeout_rate=1.0, hang_seconds=1.5)  # the client gives up after 1 s
        with pytest.raises(AmoCRMError, match="1 attempts"):
            client.get("/api/v4/account")
        assert limiter._out == [] and limiter._pending == 0 and limiter.fastest == float("inf")
        emulator.set_faults(slow_seconds=0.3)  # every real answer 300 ms late (a canned one comes at once)
        assert client.get("/api/v4/account")["id"] == 30000001
        assert limiter._out == [] and limiter._pending == 0 and 0.3 <= limiter.fastest < 1.0
        fastest = limiter.fastest
        for status in (429, 503):
            emulator.emulator.script.add(Misbehaviour("/api/v4/users", status=status))
            with pytest.raises(AmoCRMError, match=str(status)):
                client.get("/api/v4/users")
        assert limiter._out == [] and limiter._pending == 0 and limiter.fastest == fastest


def test_with_answers_slower_than_the_window_at_most_seven_requests_are_out():
    """A request without an answer may still arrive at any moment, so it counts against amoCRM's window all
    along: with 10 threads and answers taking 1.5 to 2.5 s (far more than the window), the eighth request
    waits for an answer instead of going out — at most 7 are out at once — and none meets a 429."""
    from salesglass.emulator.guards import RateGuard
    from salesglass.sources.amocrm.limiter import RateLimiter

    net = Network(
        lambda n: RateLimiter(6.0, tolerance=0.0, clock=n.clock, sleep=n.sleep),
        lambda n: RateGuard(7, 1.0, 10, 10.0, clock=n.clock),
        seed=4,
    )
    net.run(500, 10, lambda: 0.02 + net.rng.uniform(0, 0.3), lambda: net.rng.uniform(1.5, 2.5))
    assert len(net.statuses) == 500 and net.statuses.count(429) == 0
    assert net.most_out == 7
