"""Seeds, parallel runs, scaled and resampled arrivals, and the intervals."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from tierdesk.events import Event, EventKind
from tierdesk.policy.model import Policy
from tierdesk.simulate.arrivals import COPY_JITTER, draw_arrivals
from tierdesk.simulate.history import HistoryInput, setup_policy
from tierdesk.simulate.replications import Settings, interval, run_replications
from tierdesk.simulate.staffing import parse_staffing

from .conftest import at, prepare, worked_ticket


def varied_history(count: int = 60) -> dict[str, list[Event]]:
    """Tickets over two weeks; a third move to the experts before they are solved."""
    draw = random.Random(7)
    histories = {}
    for number in range(count):
        ticket = f"V{number}"
        day = 4 + draw.randrange(10)
        hour = 9 + draw.random() * 7
        events = worked_ticket(ticket, at(day, hour), draw.uniform(0.2, 3))
        if draw.random() < 0.33:
            solved = events.pop()
            events += [
                Event(
                    ticket,
                    solved.at,
                    EventKind.TEAM_ASSIGNED,
                    actor="A1",
                    team="experts",
                    agent="A1",
                    status="open",
                    sequence=3,
                ),
                Event(
                    ticket,
                    solved.at.replace(day=solved.at.day + 1),
                    EventKind.SOLVED,
                    actor="B1",
                    team="experts",
                    agent="B1",
                    status="solved",
                    sequence=4,
                ),
            ]
        histories[ticket] = events
    return histories


@pytest.fixture
def history(policy: Policy) -> HistoryInput:
    return prepare(varied_history(), policy)


def _run(policy: Policy, history: HistoryInput, **settings: object):  # type: ignore[no-untyped-def]
    staffing = parse_staffing("teams: {desk: {agents: 1}, experts: {agents: 1}}")
    setup = setup_policy("current", policy, staffing, history)
    return run_replications([setup], history.created, Settings(**settings))["current"]


def test_same_seed_same_results(policy: Policy, history: HistoryInput) -> None:
    first = _run(policy, history, runs=3, seed=11, workers=1)
    again = _run(policy, history, runs=3, seed=11, workers=1)
    assert [s.values for s in first] == [s.values for s in again]
    assert [s.backlog.tolist() for s in first] == [s.backlog.tolist() for s in again]


def test_other_seed_other_results(policy: Policy, history: HistoryInput) -> None:
    first = _run(policy, history, runs=2, seed=11, workers=1)
    other = _run(policy, history, runs=2, seed=12, workers=1)
    assert [s.values for s in first] != [s.values for s in other]


def test_runs_differ_within_a_seed(policy: Policy, history: HistoryInput) -> None:
    runs = _run(policy, history, runs=2, seed=11, workers=1)
    assert runs[0].values != runs[1].values


def test_processes_give_serial_results(policy: Policy, history: HistoryInput) -> None:
    serial = _run(policy, history, runs=3, seed=5, workers=1)
    parallel = _run(policy, history, runs=3, seed=5, workers=2)
    assert [s.values for s in parallel] == [s.values for s in serial]


def test_scale_two_doubles_tickets(policy: Policy, history: HistoryInput) -> None:
    runs = _run(policy, history, runs=1, seed=1, workers=1, scale=2.0)
    assert runs[0].values["tickets"] == 2 * len(history.tickets)


def test_scale_two_raises_utilisation(policy: Policy, history: HistoryInput) -> None:
    base = _run(policy, history, runs=2, seed=1, workers=1)
    doubled = _run(policy, history, runs=2, seed=1, workers=1, scale=2.0)
    assert np.mean([s.values["utilisation:desk"] for s in doubled]) > np.mean(
        [s.values["utilisation:desk"] for s in base]
    )


def test_replay_scale_copies_and_jitters() -> None:
    created = np.arange(0.0, 100 * 86_400, 86_400)
    arrivals = draw_arrivals(
        created, scale=2.5, mode="replay", generator=np.random.default_rng(0)
    )
    copies = np.bincount(arrivals.source, minlength=len(created))
    assert set(copies.tolist()) <= {2, 3}
    assert abs(len(arrivals) - 250) < 25
    first = arrivals.copy == 0
    assert np.array_equal(np.sort(arrivals.at[first]), created)
    moved = arrivals.at[~first] - created[arrivals.source[~first]]
    assert np.all(np.abs(moved) <= COPY_JITTER)
    assert np.all(np.diff(arrivals.at) >= 0)


def test_replay_below_one_thins() -> None:
    created = np.arange(1000.0)
    arrivals = draw_arrivals(
        created, scale=0.5, mode="replay", generator=np.random.default_rng(0)
    )
    assert 430 < len(arrivals) < 570
    assert np.all(arrivals.copy == 0)


def test_resample_draws_with_replacement() -> None:
    created = np.arange(1000.0)
    arrivals = draw_arrivals(
        created, scale=1.5, mode="resample", generator=np.random.default_rng(0)
    )
    assert len(arrivals) == 1500
    assert len(np.unique(arrivals.source)) < 1000


def test_scale_must_be_positive() -> None:
    with pytest.raises(ValueError, match="scale must be above 0"):
        draw_arrivals(
            np.arange(3.0), scale=0, mode="replay", generator=np.random.default_rng()
        )


def test_interval_is_t_interval() -> None:
    found = interval([1.0, 2.0, 3.0])
    # t(0.975, 2) = 4.3027; standard error 1 / sqrt(3).
    assert found.mean == 2.0
    assert found.high - found.mean == pytest.approx(4.302653 / math.sqrt(3))


def test_interval_of_one_run_has_no_bounds() -> None:
    found = interval([4.0])
    assert found.mean == 4.0
    assert math.isnan(found.low)


def test_interval_ignores_nan() -> None:
    assert interval([1.0, float("nan"), 3.0]).runs == 2
