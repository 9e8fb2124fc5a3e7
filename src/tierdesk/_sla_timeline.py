"""A ticket's history as stretches: the time between consecutive events, each with
the ticket's state during it, so that clocks and metrics only add stretches up.

Every pair of consecutive events gives one stretch, zero-length ones included, so
each clock has a stretch to start and stop on. The last stretch of a ticket runs
from its last event to `now`.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from tierdesk.events import Event, EventKind, TicketStatus

# Bits of `StretchColumns.flags`.
PAUSED = 1  # the status is one that stops the clock
FIRST_RESPONSE = 2  # the first-response clock runs
UNRESOLVED = 4  # neither solved nor closed, so the resolution clock runs
LAST = 8  # the stretch from the ticket's last event to `now`

RESOLVED_STATUSES = frozenset({TicketStatus.SOLVED, TicketStatus.CLOSED})
# Actors that are not agents; any other actor of a public reply, or none, is one.
NOT_AGENTS = frozenset({"requester", "system"})


@dataclass
class StretchColumns:
    """Stretches of one or many tickets, in ticket then time order.

    Teams and tiers are stored as codes into `team_names` and `tier_names`, so
    the vectorised steps work on integers.
    """

    ticket: list[int] = field(default_factory=list)
    start: list[float] = field(default_factory=list)
    end: list[float] = field(default_factory=list)
    team: list[int] = field(default_factory=list)
    tier: list[int] = field(default_factory=list)
    flags: list[int] = field(default_factory=list)
    # Next-response cycle, numbered within the ticket from 0; -1 outside cycles.
    cycle: list[int] = field(default_factory=list)
    team_codes: dict[str | None, int] = field(default_factory=lambda: {None: 0})
    tier_codes: dict[str | None, int] = field(default_factory=lambda: {None: 0})

    def __len__(self) -> int:
        return len(self.start)

    @property
    def team_names(self) -> list[str | None]:
        return list(self.team_codes)

    @property
    def tier_names(self) -> list[str | None]:
        return list(self.tier_codes)

    def arrays(self) -> StretchArrays:
        return StretchArrays(
            ticket=np.asarray(self.ticket, dtype=np.int64),
            start=np.asarray(self.start, dtype=np.float64),
            end=np.asarray(self.end, dtype=np.float64),
            team=np.asarray(self.team, dtype=np.int64),
            tier=np.asarray(self.tier, dtype=np.int64),
            flags=np.asarray(self.flags, dtype=np.int64),
            cycle=np.asarray(self.cycle, dtype=np.int64),
            team_names=self.team_names,
            tier_names=self.tier_names,
        )


@dataclass(frozen=True)
class StretchArrays:
    """`StretchColumns` as numpy arrays."""

    ticket: NDArray[np.int64]
    start: NDArray[np.float64]
    end: NDArray[np.float64]
    team: NDArray[np.int64]
    tier: NDArray[np.int64]
    flags: NDArray[np.int64]
    cycle: NDArray[np.int64]
    team_names: list[str | None]
    tier_names: list[str | None]

    def has(self, flag: int) -> NDArray[np.bool_]:
        return (self.flags & flag) != 0


@dataclass(frozen=True)
class TicketMarks:
    """Instants of one ticket in epoch seconds, NaN when they did not happen.

    Each `*_stretch` is the index of the first stretch after that event, so the
    stretches before it add up to the time from creation to the event.
    """

    ticket: int
    created: float
    first_stretch: int
    last_stretch: int
    first_reply: float
    first_reply_stretch: int
    first_solved: float
    first_solved_stretch: int
    # The solve that started the ticket's last resolved period; NaN when that
    # period started with a close instead, or the ticket is unresolved.
    final_solved: float
    final_solved_stretch: int
    status: TicketStatus | None
    cycles: int


class TimelineBuilder:
    """Turn one ticket's events, in order, into stretches appended to `columns`."""

    def __init__(
        self,
        columns: StretchColumns,
        ticket: int,
        pause_statuses: Collection[str],
        pause_source_statuses: Collection[str] | None = None,
    ) -> None:
        self.columns = columns
        self.ticket = ticket
        self._pause_statuses = frozenset(pause_statuses)
        self._pause_sources = (
            None if pause_source_statuses is None else frozenset(pause_source_statuses)
        )
        self.first_stretch = len(columns)
        self.created = math.nan
        self.last_at: float | None = None
        self.status: TicketStatus | None = None
        self._team = 0
        self._tier = 0
        self._tier_name: str | None = None
        self._paused = False
        self._first_response = True
        self._cycle = -1
        # The flags of the state between events, kept up to date by `_update`.
        self._flags = FIRST_RESPONSE | UNRESOLVED
        # Events derived from one log record share one datetime object, so its
        # epoch seconds are computed once.
        self._moment: object = None
        self._seconds = 0.0
        self._append_ticket = columns.ticket.append
        self._append_start = columns.start.append
        self._append_end = columns.end.append
        self._append_team = columns.team.append
        self._append_tier = columns.tier.append
        self._append_flags = columns.flags.append
        self._append_cycle = columns.cycle.append
        self.cycles = 0
        # Stretches before the first team assignment, counted in that team's hours.
        self._without_team: list[int] = []
        self.first_reply = (math.nan, -1)
        self.first_solved = (math.nan, -1)
        self.final_solved = (math.nan, -1)

    def apply(self, event: Event, at: float | None = None) -> None:
        """Add the stretch up to `event`, then take the state the event leaves.

        `at` is the event time in epoch seconds, when the caller has it already.
        """
        if at is None:
            moment = event.at
            if moment is not self._moment:
                self._moment = moment
                self._seconds = moment.timestamp()
            at = self._seconds
        if self.last_at is None:
            # A zero-length stretch in the state before creation, so that clocks
            # stopped by the first event still have a stretch to stop on.
            self.created = at
            self._push(at, at, 0)
        elif at < self.last_at:
            raise ValueError(
                f"event {event.kind.value} of ticket {event.ticket_id!r} at "
                f"{event.at.isoformat()} is earlier than the event before it; "
                "apply events in (at, sequence) order"
            )
        else:
            self._push(self.last_at, at, 0)
        self._update(event, at)
        self.last_at = at

    def finish(self, now: float) -> TicketMarks:
        """Add the stretch from the last event to `now` and return the marks."""
        if self.last_at is None:
            raise ValueError("a ticket needs at least one event")
        if now < self.last_at:
            raise ValueError(
                f"now ({now}) is earlier than the ticket's last event ({self.last_at})"
            )
        self._push(self.last_at, now, LAST)
        return TicketMarks(
            ticket=self.ticket,
            created=self.created,
            first_stretch=self.first_stretch,
            last_stretch=len(self.columns) - 1,
            first_reply=self.first_reply[0],
            first_reply_stretch=self.first_reply[1],
            first_solved=self.first_solved[0],
            first_solved_stretch=self.first_solved[1],
            final_solved=self.final_solved[0],
            final_solved_stretch=self.final_solved[1],
            status=self.status,
            cycles=self.cycles,
        )

    def _push(self, start: float, end: float, extra: int) -> None:
        if self._team == 0:
            self._without_team.append(len(self.columns.start))
        self._append_ticket(self.ticket)
        self._append_start(start)
        self._append_end(end)
        self._append_team(self._team)
        self._append_tier(self._tier)
        self._append_flags(self._flags | extra)
        self._append_cycle(self._cycle)

    def _update(self, event: Event, at: float) -> None:
        columns = self.columns
        if event.team is not None:
            team = columns.team_codes.setdefault(event.team, len(columns.team_codes))
            if self._team == 0:
                for index in self._without_team:
                    columns.team[index] = team
                self._without_team.clear()
            self._team = team
        if event.tier != self._tier_name:
            self._tier_name = event.tier
            self._tier = columns.tier_codes.setdefault(
                event.tier, len(columns.tier_codes)
            )
        was_resolved = self.status in RESOLVED_STATUSES
        if event.status is not None:
            # Event.__post_init__ has made the status a TicketStatus.
            self.status = event.status  # type: ignore[assignment]
        self._paused = self.status in self._pause_statuses and (
            self._pause_sources is None or event.source_status in self._pause_sources
        )
        resolved = self.status in RESOLVED_STATUSES
        kind = event.kind
        reply = kind == EventKind.PUBLIC_REPLY
        agent_reply = reply and event.actor not in NOT_AGENTS
        stretch = len(columns.start)
        if agent_reply and self.first_reply[1] < 0:
            self.first_reply = (at, stretch)
        if kind == EventKind.SOLVED and self.first_solved[1] < 0:
            self.first_solved = (at, stretch)
        if resolved and not was_resolved:
            solve = kind == EventKind.SOLVED
            self.final_solved = (at, stretch) if solve else (math.nan, -1)

        if self._first_response:
            if agent_reply or resolved:
                self._first_response = False
        elif self._cycle >= 0:
            if agent_reply or resolved:
                self._cycle = -1
        elif not resolved and (
            kind == EventKind.REOPENED or (reply and event.actor == "requester")
        ):
            self._cycle = self.cycles
            self.cycles += 1
        flags = 0 if resolved else UNRESOLVED
        if self._paused:
            flags |= PAUSED
        if self._first_response:
            flags |= FIRST_RESPONSE
        self._flags = flags
