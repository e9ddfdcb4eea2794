"""What amoCRM's window in the limiter costs and saves, on a clock the script moves (no machine's speed in it).

Run: python bench/amocrm_limiter.py [--requests 3000] [--seeds 3]
Five requests in flight from the limiter at the client's default pace (6/s), against the emulator's own rate
rule at amoCRM's (7 per 1 s), as tests/amocrm/test_client.py drives them: for several spreads of amoCRM's
answering time, with and without one request in 40 held 200-300 ms on the way in (a lost packet resent after
TCP's retransmission timeout). "pace only" is the limiter as it was before amoCRM's window (the grid alone:
the window made too wide to bind); "with the window" is the limiter as it is. The 429s are counted, not
backed off from (a real client would then go on 20% slower); pace = sends per second over the run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from salesglass.emulator.guards import RateGuard
from salesglass.sources.amocrm.limiter import RateLimiter
from tests.amocrm.test_client import Network

ANSWERS = {  # amoCRM's answering time: (lowest, highest) seconds, uniform
    "20-70 ms": (0.02, 0.07),
    "300-500 ms": (0.3, 0.5),
    "200-600 ms": (0.2, 0.6),
    "100-900 ms": (0.1, 0.9),
}


def run(window: bool, answers: tuple[float, float], lost: float, seed: int, requests: int) -> tuple[float, int]:
    limit = 7 if window else 10**9
    net = Network(
        lambda n: RateLimiter(6.0, tolerance=0.0, limit=limit, clock=n.clock, sleep=n.sleep),
        lambda n: RateGuard(7, 1.0, 10**9, 10.0, clock=n.clock),  # no ban: count every 429
        seed=seed,
    )

    def way_in() -> float:
        late = net.rng.random() < lost
        return 0.02 + net.rng.uniform(-0.01, 0.01) + (net.rng.uniform(0.2, 0.3) if late else 0.0)

    net.run(requests, 5, way_in, lambda: net.rng.uniform(*answers))
    return (len(net.sends) - 1) / (net.sends[-1] - net.sends[0]), net.statuses.count(429)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()
    print(f"{args.requests} requests, 5 in flight, pace 6/s, amoCRM 7 per 1 s; mean of {args.seeds} seeds")
    print(f"{'answers':<12}{'held on the way in':<20}{'pace only':>22}{'with the window':>22}")
    for name, answers in ANSWERS.items():
        for lost in (0.0, 1 / 40):
            cells = []
            for window in (False, True):
                runs = [run(window, answers, lost, seed, args.requests) for seed in range(args.seeds)]
                pace = sum(r[0] for r in runs) / len(runs)
                cells.append(f"{pace:.2f}/s {sum(r[1] for r in runs):>4} × 429")
            held = "1 in 40, 200-300 ms" if lost else "none"
            print(f"{name:<12}{held:<20}{cells[0]:>22}{cells[1]:>22}")


if __name__ == "__main__":
    main()
