"""Stints: the periods one team holds an unresolved ticket, read from its events.

A stint starts at creation, at a reopen, or when another team takes the ticket,
and ends when the ticket is solved, closed or moved to another team. It has a
wait (until an agent of the team picks the ticket up) and a held part, which
alternates work and pauses. The simulator resamples whole stints, so what
happens inside one stint keeps its history's correlations.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from tierdesk._sla_timeline import NOT_AGENTS, RESOLVED_STATUSES
from tierdesk.events import Event, EventKind, TicketStatus

SOLVED = 0
CLOSED = 1
MOVED = 2
# Segment kinds of a stint's held part.
WORK = 0
PENDING = 1
ON_HOLD = 2
PAUSE_KIND = {TicketStatus.PENDING: PENDING, TicketStatus.ON_HOLD: ON_HOLD}


@dataclass(frozen=True)
class Instant:
    """A ticket's state after all its events at one time, and what those events did."""

    at: float
    team: str | None
    status: TicketStatus | None
    source_status: str | None
    agent: str | None
    agent_reply: bool
    solved: bool
    reopened: bool


@dataclass
class RawStint:
    """One stint with instants in epoch seconds; the learner converts them."""

    ticket: int
    team: str | None
    entry: bool
    start: float
    pickup: float
    end: float
    outcome: int
    destination: str | None
    first_reply: float
    # (start, end, kind) pieces of the held part, kind WORK or a pause kind.
    pieces: list[tuple[float, float, int]] = field(default_factory=list)
    reopen_at: float = math.nan
    reopen_team: str | None = None


@dataclass
class StintScan:
    """Stints of many tickets, and the ones that could not be used."""

    stints: list[RawStint] = field(default_factory=list)
    # Stints still open when the history ends; their length is unknown.
    censored: int = 0
    tickets_without_team: int = 0


def instants(events: Sequence[Event]) -> list[Instant]:
    """Collapse a sorted history into one state per distinct time.

    Importers turn one log record into several events at one time, and the
    state between them can be stale (a team change may show the previous raw
    status), so only the state after the last event of each time counts.
    """
    result: list[Instant] = []
    team: str | None = None
    status: TicketStatus | None = None
    source: str | None = None
    agent: str | None = None
    index = 0
    while index < len(events):
        moment = events[index].at
        reply = solved = reopened = False
        while index < len(events) and events[index].at == moment:
            event = events[index]
            if event.team is not None:
                team = event.team
            if event.status is not None:
                status = TicketStatus(event.status)
            source = event.source_status if event.source_status is not None else source
            agent = event.agent
            kind = event.kind
            reply |= kind == EventKind.PUBLIC_REPLY and event.actor not in NOT_AGENTS
            solved |= kind == EventKind.SOLVED
            reopened |= kind == EventKind.REOPENED
            index += 1
        result.append(
            Instant(
                moment.timestamp(), team, status, source, agent, reply, solved, reopened
            )
        )
    return result


def scan_stints(
    histories: Sequence[Sequence[Event]],
    *,
    pause_statuses: Collection[str],
    pause_source_statuses: Collection[str] | None,
    queued_statuses: Collection[str],
) -> StintScan:
    """Split every history into stints.

    The wait ends at the first time the ticket has an agent, a status other than
    `new`, and a raw status not in `queued_statuses`. Pauses are the statuses in
    `pause_statuses`, limited to `pause_source_statuses` when given.
    """
    scan = StintScan()
    for number, events in enumerate(histories):
        _scan_ticket(
            number,
            instants(events),
            scan,
            frozenset(pause_statuses),
            None if pause_source_statuses is None else frozenset(pause_source_statuses),
            frozenset(queued_statuses),
        )
    return scan


def _scan_ticket(
    ticket: int,
    states: list[Instant],
    scan: StintScan,
    pause_statuses: frozenset[str],
    pause_sources: frozenset[str] | None,
    queued: frozenset[str],
) -> None:
    first_team = next((s.team for s in states if s.team is not None), None)
    if first_team is None:
        scan.tickets_without_team += 1
        return
    first_reply = next((s.at for s in states if s.agent_reply), math.nan)
    current: RawStint | None = None
    held_from = -1
    ended: list[RawStint] = []
    for position, state in enumerate(states):
        team = state.team or first_team
        resolved = state.status in RESOLVED_STATUSES
        if current is not None and (resolved or team != current.team):
            _close(current, states, held_from, position, pause_statuses, pause_sources)
            if team != current.team:
                current.outcome = MOVED
                current.destination = team
            else:
                current.outcome = _resolution(state)
            ended.append(current)
            if team != current.team and resolved:
                # Moved and resolved at one time: the new team resolves it at once.
                ended.append(
                    RawStint(
                        ticket=ticket,
                        team=team,
                        entry=False,
                        start=state.at,
                        pickup=state.at,
                        end=state.at,
                        outcome=_resolution(state),
                        destination=None,
                        first_reply=first_reply,
                    )
                )
            current = None
        if current is None and not resolved:
            if ended and ended[-1].outcome != MOVED:
                ended[-1].reopen_at = state.at
                ended[-1].reopen_team = team
            current = RawStint(
                ticket=ticket,
                team=team,
                entry=not ended,
                start=state.at,
                pickup=math.nan,
                end=math.nan,
                outcome=-1,
                destination=None,
                first_reply=first_reply,
            )
            held_from = -1
        if current is not None and held_from < 0 and _picked_up(state, queued):
            held_from = position
            current.pickup = state.at
    if current is not None:
        scan.censored += 1
    scan.stints.extend(ended)


def _resolution(state: Instant) -> int:
    return CLOSED if state.status == TicketStatus.CLOSED else SOLVED


def _picked_up(state: Instant, queued: frozenset[str]) -> bool:
    return (
        state.agent is not None
        and state.status not in (None, TicketStatus.NEW)
        and state.source_status not in queued
    )


def _close(
    stint: RawStint,
    states: list[Instant],
    held_from: int,
    end: int,
    pause_statuses: frozenset[str],
    pause_sources: frozenset[str] | None,
) -> None:
    """Set the stint's end and cut its held part into work and pause pieces."""
    stint.end = states[end].at
    if held_from < 0:
        # No agent picked it up: it left the team straight from the queue.
        stint.pickup = stint.end
        return
    for position in range(held_from, end):
        state = states[position]
        paused = state.status in pause_statuses and (
            pause_sources is None or state.source_status in pause_sources
        )
        kind = PAUSE_KIND.get(state.status, WORK) if paused else WORK  # type: ignore[arg-type]
        low, high = state.at, states[position + 1].at
        if stint.pieces and stint.pieces[-1][2] == kind:
            stint.pieces[-1] = (stint.pieces[-1][0], high, kind)
        else:
            stint.pieces.append((low, high, kind))


@dataclass(frozen=True)
class StintArrays:
    """Stints as columns; business seconds are counted in the stint team's hours."""

    ticket: NDArray[np.int64]
    team: list[str | None]
    entry: NDArray[np.bool_]
    start_at: NDArray[np.float64]
    pickup_at: NDArray[np.float64]
    end_at: NDArray[np.float64]
    latency: NDArray[np.float64]
    reply_offset: NDArray[np.float64]
    outcome: NDArray[np.int8]
    destination: list[str | None]
    reopen_delay: NDArray[np.float64]
    reopen_team: list[str | None]
    segment_first: NDArray[np.int64]
    segment_count: NDArray[np.int64]
    segment_kind: NDArray[np.int8]
    segment_seconds: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.ticket)
