"""Stints read from a hand-built history: waits, pauses, moves, reopens, censoring."""

from __future__ import annotations

import math

from tierdesk.events import Event, EventKind
from tierdesk.policy.model import Policy
from tierdesk.simulate.behaviour import FALLBACKS, LearningOptions, learn_behaviour
from tierdesk.simulate.stints import MOVED, PENDING, SOLVED, WORK

from .conftest import at

HOUR = 3600.0
QUEUED = "Awaiting Assignment"


def _event(when, kind, sequence, **fields) -> Event:  # type: ignore[no-untyped-def]
    return Event("X", when, kind, sequence=sequence, **fields)


def _history() -> list[Event]:
    # Monday 4 March 2024; desk and experts both work 09:00-17:00 UTC.
    return [
        _event(
            at(4, 9), EventKind.CREATED, 0, actor="requester", team="desk", status="new"
        ),
        _event(
            at(4, 9),
            EventKind.STATUS_CHANGED,
            1,
            actor="system",
            team="desk",
            status="open",
            source_status=QUEUED,
        ),
        _event(
            at(4, 10),
            EventKind.AGENT_ASSIGNED,
            2,
            actor="A1",
            team="desk",
            agent="A1",
            status="open",
            source_status="In Progress",
        ),
        _event(
            at(4, 10.5), EventKind.PUBLIC_REPLY, 3, actor="A1", team="desk", agent="A1"
        ),
        _event(
            at(4, 11),
            EventKind.STATUS_CHANGED,
            4,
            actor="A1",
            team="desk",
            agent="A1",
            status="pending",
            source_status="Wait - User",
        ),
        _event(
            at(4, 14),
            EventKind.STATUS_CHANGED,
            5,
            actor="A1",
            team="desk",
            agent="A1",
            status="open",
            source_status="In Progress",
        ),
        _event(
            at(4, 15),
            EventKind.TEAM_ASSIGNED,
            6,
            actor="A1",
            team="experts",
            agent="A1",
            status="open",
            source_status=QUEUED,
        ),
        _event(
            at(5, 9.5),
            EventKind.AGENT_ASSIGNED,
            7,
            actor="B1",
            team="experts",
            agent="B1",
            status="open",
            source_status="In Progress",
        ),
        _event(
            at(5, 11.5),
            EventKind.SOLVED,
            8,
            actor="B1",
            team="experts",
            agent="B1",
            status="solved",
            source_status="Resolved",
        ),
        _event(
            at(5, 13.5),
            EventKind.REOPENED,
            9,
            actor="requester",
            team="experts",
            agent="B1",
            status="open",
            source_status="In Progress",
        ),
        _event(
            at(5, 14.5),
            EventKind.SOLVED,
            10,
            actor="B1",
            team="experts",
            agent="B1",
            status="solved",
            source_status="Resolved",
        ),
    ]


def _learn(policy: Policy, histories: list[list[Event]]):  # type: ignore[no-untyped-def]
    options = LearningOptions(queued_statuses=[QUEUED], min_samples=1)
    return learn_behaviour(histories, ["question"] * len(histories), policy, options)


def test_three_stints_found(policy: Policy) -> None:
    stints = _learn(policy, [_history()]).stints
    assert stints.team == ["desk", "experts", "experts"]
    assert stints.entry.tolist() == [True, False, False]


def test_wait_until_pickup_is_latency(policy: Policy) -> None:
    stints = _learn(policy, [_history()]).stints
    # Desk: queued 09:00-10:00. Experts: 15:00-17:00 and 09:00-09:30 next day.
    assert stints.latency.tolist() == [HOUR, 2.5 * HOUR, 0.0]


def test_reply_offset_counts_work_after_pickup(policy: Policy) -> None:
    stints = _learn(policy, [_history()]).stints
    assert stints.reply_offset[0] == 0.5 * HOUR
    assert math.isnan(stints.reply_offset[1])


def test_held_part_alternates_work_and_pause(policy: Policy) -> None:
    stints = _learn(policy, [_history()]).stints
    first, count = int(stints.segment_first[0]), int(stints.segment_count[0])
    kinds = stints.segment_kind[first : first + count].tolist()
    seconds = stints.segment_seconds[first : first + count].tolist()
    assert kinds == [WORK, PENDING, WORK]
    assert seconds == [HOUR, 3 * HOUR, HOUR]


def test_outcomes_and_reopen(policy: Policy) -> None:
    stints = _learn(policy, [_history()]).stints
    assert stints.outcome.tolist() == [MOVED, SOLVED, SOLVED]
    assert stints.destination == ["experts", None, None]
    assert stints.reopen_delay[1] == 2 * HOUR
    assert stints.reopen_team[1] == "experts"
    assert math.isnan(stints.reopen_delay[2])


def test_move_up_a_tier_is_escalation(policy: Policy) -> None:
    behaviour = _learn(policy, [_history()])
    assert behaviour.escalated(0)
    assert not behaviour.escalated(1)


def test_open_ticket_is_censored(policy: Policy) -> None:
    unfinished = _history()[:6]
    behaviour = _learn(policy, [_history(), [e for e in unfinished]])
    assert behaviour.censored == 1
    assert len(behaviour.stints) == 3


def test_unknown_log_team_counts_as_default_team(policy: Policy) -> None:
    renamed = [
        Event(
            e.ticket_id,
            e.at,
            e.kind,
            actor=e.actor,
            team="night-shift" if e.team == "desk" else e.team,
            agent=e.agent,
            status=e.status,
            source_status=e.source_status,
            sequence=e.sequence,
        )
        for e in _history()
    ]
    behaviour = _learn(policy, [renamed])
    assert behaviour.unknown_teams["night-shift"] == 1
    assert behaviour.stints.team[0] == "desk"


def test_pool_of_enough_stints_is_its_own(policy: Policy) -> None:
    behaviour = _learn(policy, [_history()])
    behaviour.min_samples = 2
    stints, level = behaviour.pool("question", "experts", "escalation", "later")
    assert stints.tolist() == [1, 2]
    assert level == 0


def test_pool_of_too_few_falls_back(policy: Policy) -> None:
    behaviour = _learn(policy, [_history()])
    behaviour.min_samples = 2
    # One desk stint is too few at every desk and frontline level, so the
    # last level, every stint, gives the draws.
    stints, level = behaviour.pool("question", "desk", "frontline", "entry")
    assert stints.tolist() == [0, 1, 2]
    assert level == len(FALLBACKS) - 1
