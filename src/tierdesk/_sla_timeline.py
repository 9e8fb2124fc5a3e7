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


# Codes of the columnar input: an event's kind and status are positions in these.
EVENT_KINDS: tuple[EventKind, ...] = tuple(EventKind)
STATUSES: tuple[TicketStatus, ...] = tuple(TicketStatus)
NO_STATUS = -1
# Actor codes of `EventColumns.actor`; an event without an actor is an agent's.
ACTOR_AGENT = 0
ACTOR_REQUESTER = 1
ACTOR_SYSTEM = 2


@dataclass(frozen=True)
class MarkArrays:
    """`TicketMarks` of many tickets as columns, one row per ticket.

    `status` contains positions in `STATUSES`, or `NO_STATUS`.
    """

    created: NDArray[np.float64]
    first_stretch: NDArray[np.int64]
    last_stretch: NDArray[np.int64]
    first_reply: NDArray[np.float64]
    first_reply_stretch: NDArray[np.int64]
    first_solved: NDArray[np.float64]
    first_solved_stretch: NDArray[np.int64]
    final_solved: NDArray[np.float64]
    final_solved_stretch: NDArray[np.int64]
    status: NDArray[np.int8]
    cycles: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.created)

    @classmethod
    def from_marks(cls, marks: list[TicketMarks]) -> MarkArrays:
        codes = {status: code for code, status in enumerate(STATUSES)}

        def floats(name: str) -> NDArray[np.float64]:
            return np.array([getattr(m, name) for m in marks], dtype=np.float64)

        def integers(name: str) -> NDArray[np.int64]:
            return np.array([getattr(m, name) for m in marks], dtype=np.int64)

        return cls(
            created=floats("created"),
            first_stretch=integers("first_stretch"),
            last_stretch=integers("last_stretch"),
            first_reply=floats("first_reply"),
            first_reply_stretch=integers("first_reply_stretch"),
            first_solved=floats("first_solved"),
            first_solved_stretch=integers("first_solved_stretch"),
            final_solved=floats("final_solved"),
            final_solved_stretch=integers("final_solved_stretch"),
            status=np.array(
                [codes.get(m.status, NO_STATUS) for m in marks], dtype=np.int8
            ),
            cycles=integers("cycles"),
        )

    def to_marks(self) -> list[TicketMarks]:
        columns = [
            self.created.tolist(),
            self.first_stretch.tolist(),
            self.last_stretch.tolist(),
            self.first_reply.tolist(),
            self.first_reply_stretch.tolist(),
            self.first_solved.tolist(),
            self.first_solved_stretch.tolist(),
            self.final_solved.tolist(),
            self.final_solved_stretch.tolist(),
            [STATUSES[code] if code >= 0 else None for code in self.status.tolist()],
            self.cycles.tolist(),
        ]
        rows = zip(*columns, strict=True)
        return [TicketMarks(ticket, *row) for ticket, row in enumerate(rows)]


@dataclass(frozen=True)
class EventColumns:
    """Events of many tickets as columns, the input of `timeline_from_columns`.

    Rows are in ticket order, and in (at, sequence) order within a ticket;
    tickets are numbered from 0 with no number skipped. `kind` and `status` are
    positions in `EVENT_KINDS` and `STATUSES` (`NO_STATUS` for an event that
    leaves the status as it was). `team` and `tier` index `team_names` and
    `tier_names`, whose element 0 is None for an event that names none.
    `pause_source`, when given, marks the events whose raw status may pause.
    """

    ticket: NDArray[np.int64]
    at: NDArray[np.float64]
    kind: NDArray[np.int8]
    team: NDArray[np.int64]
    tier: NDArray[np.int64]
    status: NDArray[np.int8]
    actor: NDArray[np.int8]
    team_names: list[str | None]
    tier_names: list[str | None]
    pause_source: NDArray[np.bool_] | None = None

    def __len__(self) -> int:
        return len(self.at)


def timeline_from_columns(
    events: EventColumns, now: float, pause_statuses: Collection[str]
) -> tuple[StretchArrays, MarkArrays]:
    """Build the stretches and marks that `TimelineBuilder` builds, for all tickets.

    The results equal the builder's, event by event, but come from whole-column
    operations, so millions of events take seconds instead of minutes.
    """
    count = len(events)
    if count == 0:
        return _empty_timeline(events)
    ticket = events.ticket
    tickets = int(ticket[-1]) + 1
    sizes = np.bincount(ticket, minlength=tickets)
    if np.any(np.diff(ticket) < 0) or np.any(sizes == 0):
        raise ValueError(
            "event columns must list tickets 0, 1, 2, ... in order, each with at "
            "least one event"
        )
    first_event = np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)
    same_ticket = np.r_[False, ticket[1:] == ticket[:-1]]
    at = events.at
    if np.any(same_ticket & (at < np.r_[np.inf, at[:-1]])):
        raise ValueError(
            "events are not in time order within a ticket; sort them by (at, sequence)"
        )
    last_event = first_event + sizes - 1
    if np.any(at[last_event] > now):
        raise ValueError(f"now ({now}) is earlier than a ticket's last event")

    start_of = first_event[ticket]
    position = np.arange(count, dtype=np.int64)
    team_after = _carried(events.team, events.team > 0, position, start_of, 0)
    status_after = _carried(
        events.status, events.status != NO_STATUS, position, start_of, NO_STATUS
    )
    resolved_codes = [STATUSES.index(s) for s in RESOLVED_STATUSES]
    pause_codes = [code for code, s in enumerate(STATUSES) if s in pause_statuses]
    resolved = np.isin(status_after, resolved_codes)
    paused = np.isin(status_after, pause_codes)
    if events.pause_source is not None:
        paused &= events.pause_source
    kind = events.kind
    reply = kind == EVENT_KINDS.index(EventKind.PUBLIC_REPLY)
    agent_reply = reply & (events.actor == ACTOR_AGENT)
    solve = kind == EVENT_KINDS.index(EventKind.SOLVED)

    # The first-response clock runs until the first agent reply or resolution.
    ends_wait = agent_reply | resolved
    first_end = _first_per_ticket(ends_wait, ticket, tickets)
    first_response = ~_seen(ends_wait, position, start_of)
    # After that, a reopen or requester message starts a next-response cycle,
    # unless one runs; the next agent reply or resolution ends it.
    requester_reply = reply & (events.actor == ACTOR_REQUESTER)
    starts_cycle = (
        ~resolved
        & ((kind == EVENT_KINDS.index(EventKind.REOPENED)) | requester_reply)
        & (position > np.where(first_end[ticket] >= 0, first_end[ticket], count))
    )
    last_start = _latest(starts_cycle, position, start_of)
    last_end = _latest(ends_wait, position, start_of)
    in_cycle = last_start > last_end
    before = np.r_[False, in_cycle[:-1]] & same_ticket
    opened = starts_cycle & ~before
    opened_so_far = np.cumsum(opened)
    opened_before_ticket = (opened_so_far - opened)[first_event][ticket]
    cycle = np.where(in_cycle, opened_so_far - opened_before_ticket - 1, -1)
    cycles = np.bincount(ticket, opened, tickets).astype(np.int64)

    flags = np.where(resolved, 0, UNRESOLVED) | np.where(paused, PAUSED, 0)
    flags = flags | np.where(first_response, FIRST_RESPONSE, 0)

    first_team = _first_value(events.team, events.team > 0, ticket, tickets)
    stretch_count = count + tickets
    after = position + ticket + 1
    opening = first_event + np.arange(tickets, dtype=np.int64)
    is_last = np.zeros(count, dtype=bool)
    is_last[last_event] = True
    next_at = np.where(is_last, now, np.r_[at[1:], now])

    stretch_ticket = np.empty(stretch_count, dtype=np.int64)
    start = np.empty(stretch_count)
    end = np.empty(stretch_count)
    team = np.empty(stretch_count, dtype=np.int64)
    tier = np.empty(stretch_count, dtype=np.int64)
    stretch_flags = np.empty(stretch_count, dtype=np.int64)
    stretch_cycle = np.empty(stretch_count, dtype=np.int64)

    stretch_ticket[opening] = np.arange(tickets)
    start[opening] = at[first_event]
    end[opening] = at[first_event]
    team[opening] = first_team
    tier[opening] = 0
    stretch_flags[opening] = FIRST_RESPONSE | UNRESOLVED
    stretch_cycle[opening] = -1

    stretch_ticket[after] = ticket
    start[after] = at
    end[after] = next_at
    # Stretches before the first team assignment count in that team's hours.
    team[after] = np.where(team_after > 0, team_after, first_team[ticket])
    tier[after] = events.tier
    stretch_flags[after] = flags | np.where(is_last, LAST, 0)
    stretch_cycle[after] = cycle

    stretches = StretchArrays(
        ticket=stretch_ticket,
        start=start,
        end=end,
        team=team,
        tier=tier,
        flags=stretch_flags,
        cycle=stretch_cycle,
        team_names=list(events.team_names),
        tier_names=list(events.tier_names),
    )

    first_reply = _first_per_ticket(agent_reply, ticket, tickets)
    first_solved = _first_per_ticket(solve, ticket, tickets)
    resolved_before = np.r_[False, resolved[:-1]] & same_ticket
    became_resolved = resolved & ~resolved_before
    final = _last_per_ticket(became_resolved, ticket, tickets)
    final_solve = np.where(final >= 0, solve[np.maximum(final, 0)], False)
    final = np.where(final_solve, final, -1)
    marks = MarkArrays(
        created=at[first_event],
        first_stretch=opening,
        last_stretch=opening + sizes,
        first_reply=_at_or_nan(at, first_reply),
        first_reply_stretch=_stretch_or_none(after, first_reply),
        first_solved=_at_or_nan(at, first_solved),
        first_solved_stretch=_stretch_or_none(after, first_solved),
        final_solved=_at_or_nan(at, final),
        final_solved_stretch=_stretch_or_none(after, final),
        status=status_after[last_event].astype(np.int8),
        cycles=cycles,
    )
    return stretches, marks


def _empty_timeline(events: EventColumns) -> tuple[StretchArrays, MarkArrays]:
    floats = np.empty(0)
    codes = np.empty(0, dtype=np.int64)
    stretches = StretchArrays(
        ticket=codes,
        start=floats,
        end=floats,
        team=codes,
        tier=codes,
        flags=codes,
        cycle=codes,
        team_names=list(events.team_names),
        tier_names=list(events.tier_names),
    )
    marks = MarkArrays(
        created=floats,
        first_stretch=codes,
        last_stretch=codes,
        first_reply=floats,
        first_reply_stretch=codes,
        first_solved=floats,
        first_solved_stretch=codes,
        final_solved=floats,
        final_solved_stretch=codes,
        status=np.empty(0, dtype=np.int8),
        cycles=codes,
    )
    return stretches, marks


def _carried(
    values: NDArray[np.integer],
    present: NDArray[np.bool_],
    position: NDArray[np.int64],
    start_of: NDArray[np.int64],
    missing: int,
) -> NDArray[np.int64]:
    """Return each row's latest present value within its ticket, else `missing`."""
    latest = _latest(present, position, start_of)
    found = latest >= 0
    return np.where(found, values[np.maximum(latest, 0)], missing).astype(np.int64)


def _latest(
    present: NDArray[np.bool_],
    position: NDArray[np.int64],
    start_of: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Return the row of each row's latest present row in its ticket, else -1."""
    latest = np.maximum.accumulate(np.where(present, position, -1))
    return np.where(latest >= start_of, latest, -1)


def _seen(
    present: NDArray[np.bool_],
    position: NDArray[np.int64],
    start_of: NDArray[np.int64],
) -> NDArray[np.bool_]:
    return _latest(present, position, start_of) >= 0


def _first_per_ticket(
    present: NDArray[np.bool_], ticket: NDArray[np.int64], tickets: int
) -> NDArray[np.int64]:
    """Return each ticket's first row where `present` holds, else -1."""
    rows = np.flatnonzero(present)
    result = np.full(tickets, -1, dtype=np.int64)
    owners, first = np.unique(ticket[rows], return_index=True)
    result[owners] = rows[first]
    return result


def _last_per_ticket(
    present: NDArray[np.bool_], ticket: NDArray[np.int64], tickets: int
) -> NDArray[np.int64]:
    """Return each ticket's last row where `present` holds, else -1."""
    rows = np.flatnonzero(present)
    result = np.full(tickets, -1, dtype=np.int64)
    result[ticket[rows]] = rows
    return result


def _first_value(
    values: NDArray[np.int64],
    present: NDArray[np.bool_],
    ticket: NDArray[np.int64],
    tickets: int,
) -> NDArray[np.int64]:
    rows = _first_per_ticket(present, ticket, tickets)
    return np.where(rows >= 0, values[np.maximum(rows, 0)], 0).astype(np.int64)


def _at_or_nan(at: NDArray[np.float64], rows: NDArray[np.int64]) -> NDArray[np.float64]:
    return np.where(rows >= 0, at[np.maximum(rows, 0)], np.nan)


def _stretch_or_none(
    after: NDArray[np.int64], rows: NDArray[np.int64]
) -> NDArray[np.int64]:
    return np.where(rows >= 0, after[np.maximum(rows, 0)], -1)
