"""The other languages' suites run once per session under pytest-xdist: in the controller, whose
outcomes the workers read (tests/background_suites.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from asyncconf.transports.base import Unavailable
from background_suites import BackgroundSuites, Step, Suite


def _suites(log: list[str]) -> list[Suite]:
    def passing() -> list[Step]:
        log.append("ran")
        return [Step([sys.executable, "-c", "print('suite output')"])]

    def refused() -> list[Step]:
        raise Unavailable("no such runtime here")

    return [Suite("t.py::passes", passing), Suite("t.py::refused", refused)]


@dataclass
class Pair:
    """An xdist controller's suites and a worker's that follows them, each logging what it ran."""

    controller_log: list[str] = field(default_factory=list)
    worker_log: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.controller = BackgroundSuites(_suites(self.controller_log))
        self.worker = BackgroundSuites(_suites(self.worker_log))
        self.worker.follow(self.controller.publish())


@pytest.fixture
def pair() -> Iterator[Pair]:
    made = Pair()
    yield made
    made.controller.stop()


def test_a_worker_takes_the_controllers_outcome_and_runs_nothing_itself(pair: Pair) -> None:
    pair.worker.start({"t.py::passes", "t.py::refused"})  # a worker never starts them
    pair.controller.start({"t.py::passes", "t.py::refused"})
    outcome = pair.worker.result("t.py::passes", timeout_s=60)
    assert (outcome.returncode, outcome.output.strip()) == (0, "suite output")
    with pytest.raises(Unavailable, match="no such runtime here"):  # a skip stays a skip, with its reason
        pair.worker.result("t.py::refused", timeout_s=60)
    assert (pair.controller_log, pair.worker_log) == (["ran"], [])


def test_a_suite_the_controller_did_not_start_runs_in_the_worker(pair: Pair) -> None:
    pair.controller.start({"t.py::refused"})  # selected without the other
    assert pair.worker.result("t.py::passes", timeout_s=60).returncode == 0
    assert (pair.controller_log, pair.worker_log) == ([], ["ran"])


def test_the_controllers_folder_is_gone_when_the_session_ends() -> None:
    controller = BackgroundSuites(_suites([]))
    folder = controller.publish()
    controller.start({"t.py::passes"})
    controller.result("t.py::passes", timeout_s=60)
    controller.stop()
    assert not folder.exists()
