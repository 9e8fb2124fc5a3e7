"""Build the clocks of many tickets at once: stretches, their business time per
calendar, and the first-response, resolution, next-response and tier clocks.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from tierdesk._sla_clocks import ClockColumns, Timing, evaluate_clocks
from tierdesk._sla_timeline import (
    FIRST_RESPONSE,
    UNRESOLVED,
    EventColumns,
    MarkArrays,
    StretchArrays,
    StretchColumns,
    TicketMarks,
    TimelineBuilder,
    timeline_from_columns,
)
from tierdesk.calendar import BusinessCalendar
from tierdesk.events import Event
from tierdesk.policy.model import SlaPolicy, SlaTarget

if TYPE_CHECKING:
    from tierdesk.sla import Calendars, TeamCalendar


@dataclass(frozen=True)
class TicketInput:
    """One ticket's events up to `now`, in order, and the SLA target in force."""

    ticket_id: str
    events: Sequence[Event]
    target: SlaTarget | None


@dataclass(frozen=True)
class ClockTable:
    """The clocks of many tickets at one `now`, as columns.

    Rows of `first_response` and `resolution` are tickets in input order. Rows
    of `next_response` are cycles, and rows of `tiers` are (ticket, tier) pairs.
    Each row has its ticket's position in `ticket`. Team and tier codes index
    `team_names` and `tier_names`.
    """

    sla: SlaPolicy
    now: float
    ticket_ids: list[str]
    targets: list[SlaTarget | None]
    mark_arrays: MarkArrays
    stretches: StretchArrays
    tiers_of_stretches: NDArray[np.int64]
    tier_names: list[str | None]
    team_calendars: list[TeamCalendar]
    timing: Timing
    first_response: ClockColumns
    resolution: ClockColumns
    next_response: ClockColumns
    tiers: ClockColumns
    tier_of_clock: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.ticket_ids)

    @cached_property
    def marks(self) -> list[TicketMarks]:
        """The marks of each ticket as objects, built on first use."""
        return self.mark_arrays.to_marks()

    @property
    def team_names(self) -> list[str | None]:
        return self.stretches.team_names

    def team_calendar(self, code: int) -> TeamCalendar:
        return self.team_calendars[code]

    def tier_name(self, code: int) -> str | None:
        return self.tier_names[code]

    def business_until(self, stretch: NDArray[np.int64]) -> NDArray[np.float64]:
        """Return each ticket's business seconds from creation to the start of
        `stretch` (one index per ticket), pauses included; NaN where it is -1.
        """
        totals = np.r_[0.0, np.cumsum(self.timing.business)]
        first = self.mark_arrays.first_stretch
        safe = np.where(stretch >= 0, stretch, first)
        result = totals[safe] - totals[first]
        return np.where(stretch >= 0, result, np.nan)


def build_clock_table(
    tickets: Iterable[TicketInput],
    sla: SlaPolicy,
    calendars: Calendars,
    now: float,
    pause_source_statuses: Collection[str] | None,
) -> ClockTable:
    columns = StretchColumns()
    ticket_ids: list[str] = []
    targets: list[SlaTarget | None] = []
    marks: list[TicketMarks] = []
    for index, ticket in enumerate(tickets):
        builder = TimelineBuilder(
            columns, index, sla.pause_statuses, pause_source_statuses
        )
        for event in ticket.events:
            builder.apply(event)
        marks.append(builder.finish(now))
        ticket_ids.append(ticket.ticket_id)
        targets.append(ticket.target)
    return _evaluate(
        columns.arrays(),
        MarkArrays.from_marks(marks),
        ticket_ids,
        targets,
        sla,
        calendars,
        now,
    )


def build_clock_table_from_columns(
    events: EventColumns,
    ticket_ids: list[str],
    targets: list[SlaTarget | None],
    sla: SlaPolicy,
    calendars: Calendars,
    now: float,
    *,
    tier_clocks: bool = True,
) -> ClockTable:
    """Build the clocks of tickets given as event columns, one target per ticket.

    Without `tier_clocks`, the table's tier clocks are left empty.
    """
    stretches, marks = timeline_from_columns(events, now, sla.pause_statuses)
    if len(marks) != len(ticket_ids) or len(targets) != len(ticket_ids):
        raise ValueError(
            f"expected one ticket id and one target per ticket: {len(marks)} "
            f"tickets, {len(ticket_ids)} ids, {len(targets)} targets"
        )
    return _evaluate(
        stretches,
        marks,
        ticket_ids,
        targets,
        sla,
        calendars,
        now,
        tier_clocks=tier_clocks,
    )


def _evaluate(
    stretches: StretchArrays,
    marks: MarkArrays,
    ticket_ids: list[str],
    targets: list[SlaTarget | None],
    sla: SlaPolicy,
    calendars: Calendars,
    now: float,
    *,
    tier_clocks: bool = True,
) -> ClockTable:
    team_calendars = [calendars.team(name) for name in stretches.team_names]
    tier_names = list(stretches.tier_names)
    tiers = _resolve_tiers(stretches, team_calendars, tier_names)
    timing = _timing(stretches, team_calendars, sla, calendars)
    count = len(ticket_ids)

    # Many tickets share a few target objects, so each is read once.
    distinct: dict[int, int] = {}
    distinct_targets: list[SlaTarget | None] = []
    for target in targets:
        if id(target) not in distinct:
            distinct[id(target)] = len(distinct_targets)
            distinct_targets.append(target)
    which = np.fromiter(
        (distinct[id(target)] for target in targets), dtype=np.int64, count=count
    )

    def seconds(name: str) -> NDArray[np.float64]:
        values = [getattr(t, name) if t is not None else None for t in distinct_targets]
        per_target = np.array(
            [v.total_seconds() if v is not None else np.nan for v in values]
        )
        return per_target[which] if count else np.empty(0)

    per_target = np.array([t is None or t.time == "business" for t in distinct_targets])
    business = per_target[which] if count else np.empty(0, dtype=bool)
    warning = sla.warning_share
    ticket = stretches.ticket
    first_response = evaluate_clocks(
        stretches,
        tiers,
        timing,
        np.where(stretches.has(FIRST_RESPONSE), ticket, -1),
        seconds("first_response"),
        business,
        warning,
    )
    unresolved = stretches.has(UNRESOLVED)
    resolution = evaluate_clocks(
        stretches,
        tiers,
        timing,
        np.where(unresolved, ticket, -1),
        seconds("resolution"),
        business,
        warning,
    )

    cycles = marks.cycles
    cycle_base = np.r_[0, np.cumsum(cycles)[:-1]] if count else cycles
    cycle_ticket = np.repeat(np.arange(count), cycles)
    next_response = evaluate_clocks(
        stretches,
        tiers,
        timing,
        np.where(stretches.cycle >= 0, cycle_base[ticket] + stretches.cycle, -1),
        seconds("next_response")[cycle_ticket],
        business[cycle_ticket],
        warning,
    )

    held = unresolved & (tiers > 0) & tier_clocks
    keys = ticket * len(tier_names) + tiers
    unique_keys, inverse = np.unique(keys[held], return_inverse=True)
    tier_group = np.full(len(ticket), -1, dtype=np.int64)
    tier_group[held] = inverse
    tier_of_clock = unique_keys % len(tier_names) if len(tier_names) else unique_keys
    tier_targets = {t.tier: t for t in sla.tier_targets}
    chosen = [tier_targets.get(tier_names[code]) for code in tier_of_clock]
    tier_clocks = evaluate_clocks(
        stretches,
        tiers,
        timing,
        tier_group,
        np.array([t.held.total_seconds() if t else np.nan for t in chosen]),
        np.array([t is None or t.time == "business" for t in chosen], dtype=bool),
        warning,
    )
    return ClockTable(
        sla=sla,
        now=now,
        ticket_ids=ticket_ids,
        targets=targets,
        mark_arrays=marks,
        stretches=stretches,
        tiers_of_stretches=tiers,
        tier_names=tier_names,
        team_calendars=team_calendars,
        timing=timing,
        first_response=first_response,
        resolution=resolution,
        next_response=next_response,
        tiers=tier_clocks,
        tier_of_clock=tier_of_clock.astype(np.int64),
    )


def _resolve_tiers(
    stretches: StretchArrays,
    team_calendars: Sequence[TeamCalendar],
    tier_names: list[str | None],
) -> NDArray[np.int64]:
    """Return each stretch's tier code: the event's tier, else the team's tier."""
    codes = {name: code for code, name in enumerate(tier_names)}
    team_tier = np.array(
        [codes.setdefault(found.tier, len(codes)) for found in team_calendars],
        dtype=np.int64,
    )
    tier_names[:] = list(codes)
    missing = stretches.tier == 0
    return np.where(missing, team_tier[stretches.team], stretches.tier)


def _timing(
    stretches: StretchArrays,
    team_calendars: Sequence[TeamCalendar],
    sla: SlaPolicy,
    calendars: Calendars,
) -> Timing:
    """Count each stretch's open time in the SLA policy's or its team's calendar."""
    if sla.calendar is not None:
        unique: list[BusinessCalendar] = [calendars.calendar(sla.calendar)]
        calendar_index = np.zeros(len(stretches.start), dtype=np.int64)
    else:
        positions: dict[int, int] = {}
        unique = []
        for found in team_calendars:
            if id(found.calendar) not in positions:
                positions[id(found.calendar)] = len(unique)
                unique.append(found.calendar)
        of_team = np.array(
            [positions[id(found.calendar)] for found in team_calendars],
            dtype=np.int64,
        )
        calendar_index = of_team[stretches.team]
    business = np.zeros(len(stretches.start))
    for index, calendar in enumerate(unique):
        chosen = calendar_index == index
        if chosen.any():
            business[chosen] = calendar.between_seconds(
                stretches.start[chosen], stretches.end[chosen]
            )
    return Timing(business, calendar_index, unique)
