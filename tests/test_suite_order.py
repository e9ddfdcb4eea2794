"""The suite's own running order: `make test` keeps each module in one of two processes (`--dist loadscope`)."""

from __future__ import annotations

import pytest


def test_modules_are_handed_out_in_the_order_the_suite_puts_them(request: pytest.FixtureRequest) -> None:
    """xdist's scheduler (the real one, on this run's options) hands out a module of one long test that comes
    first before a module of many short ones: tests/conftest.py puts the long modules first so that neither
    process is left running one while the other is done."""
    from xdist.scheduler import LoadScopeScheduling

    class Process:  # what the scheduler calls on a test process: here it only records what it is given
        shutting_down = False

        def __init__(self) -> None:
            self.given: list[int] = []

        def send_runtest_some(self, indexes: list[int]) -> None:
            self.given += indexes

        def shutdown(self) -> None:
            pass

    class Run:  # this run's options, with the one test process `-n 1` would start
        option = request.config.option

        def getvalue(self, name: str) -> object:
            return ["1*popen"] if name == "tx" else request.config.getvalue(name)

    collection = ["tests/long.py::test_walk", *(f"tests/short.py::test_{i}" for i in range(9))]
    scheduler = LoadScopeScheduling(Run())  # type: ignore[arg-type]
    process = Process()
    scheduler.add_node(process)  # type: ignore[arg-type]
    scheduler.add_node_collection(process, collection)  # type: ignore[arg-type]
    scheduler.schedule()
    assert [collection[i] for i in process.given] == collection
