"""SLA clocks of a ticket from its events: first response, next response and
resolution, and how long each tier held it, at any instant `now`.

The rules, which `docs/metrics.md` states in full:

- First response runs from creation to the first public reply by an agent, or
  until the ticket is solved or closed if that comes first.
- Next response runs in cycles after the first response: a cycle starts when
  the requester replies or the ticket is reopened, and stops at the next public
  agent reply or when the ticket is solved or closed.
- Resolution runs while the ticket is neither solved nor closed, so it resumes
  on reopen.
- Each tier's clock runs while that tier holds the unresolved ticket, so the
  tier clocks split the resolution clock between the tiers.
- No clock counts time in a pause status of the SLA policy. Business time is
  open time in the calendar of the team holding the ticket during each
  stretch, or in the SLA policy's calendar when it names one. Time before the
  first team assignment counts in the first team's calendar.
- Due and warning times are where counted time reaches the target (and
  `warning_share` of it), in the timezone of the team holding the ticket then.

`SlaTracker` takes one ticket's events as they happen; `clock_table` evaluates
many tickets at once with the vectorised calendar functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from tierdesk._sla_clocks import ClockColumns, StatusCode
from tierdesk._sla_table import (
    ClockTable,
    TicketInput,
    build_clock_table,
    build_clock_table_from_columns,
)
from tierdesk._sla_timeline import EventColumns
from tierdesk.calendar import BusinessCalendar
from tierdesk.events import Event
from tierdesk.policy.model import Policy, SlaPolicy, SlaTarget
from tierdesk.policy.types import ClockKind

__all__ = [
    "AlwaysOpenCalendars",
    "Calendars",
    "Clock",
    "ClockStatus",
    "ClockTable",
    "EventColumns",
    "PolicyCalendars",
    "SlaClocks",
    "SlaTracker",
    "TargetSelector",
    "TeamCalendar",
    "clock_table",
    "clock_table_from_columns",
    "compute_clocks",
]


class ClockStatus(StrEnum):
    """State of a clock at `now`; a clock with no target has none."""

    MET = "met"
    BREACHED = "breached"
    RUNNING = "running"
    PAUSED = "paused"


STATUS_BY_CODE: dict[int, ClockStatus | None] = {
    StatusCode.NONE: None,
    StatusCode.MET: ClockStatus.MET,
    StatusCode.BREACHED: ClockStatus.BREACHED,
    StatusCode.RUNNING: ClockStatus.RUNNING,
    StatusCode.PAUSED: ClockStatus.PAUSED,
}


@dataclass(frozen=True)
class TeamCalendar:
    """Calendar, timezone and tier that count the time of one team.

    `team` is the policy team id, or None for a team the policy does not know.
    """

    team: str | None
    tier: str | None
    timezone: ZoneInfo
    calendar: BusinessCalendar


class Calendars(Protocol):
    """Source of each team's calendar, and of calendars by id, for the clocks."""

    def team(self, name: str | None) -> TeamCalendar: ...

    def calendar(self, calendar_id: str) -> BusinessCalendar: ...


class PolicyCalendars:
    """Calendars of a policy's teams, built once each.

    A team name is a team id or matched by the policy's `team_patterns`. Time
    when no team has the ticket counts in the default routing rule's team. An
    unknown name counts 24x7 in UTC, and `unknown_teams` lists such names.
    """

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._calendars: dict[str, BusinessCalendar] = {}
        self._teams: dict[str | None, TeamCalendar] = {}
        self._fallback = TeamCalendar(
            None, None, ZoneInfo("UTC"), BusinessCalendar.always_open("UTC")
        )
        self._always_open: dict[str, BusinessCalendar] = {}

    def team(self, name: str | None) -> TeamCalendar:
        found = self._teams.get(name)
        if found is not None:
            return found
        if name is None:
            team = self.policy.teams_by_id.get(self.policy.routing.rules[-1].then.team)
        else:
            team = self.policy.team_named(name)
        if team is None:
            found = self._fallback
        else:
            if team.calendar is not None:
                calendar = self.calendar(team.calendar)
            else:
                calendar = self._always_open.setdefault(
                    team.timezone, BusinessCalendar.always_open(team.timezone)
                )
            found = TeamCalendar(team.id, team.tier, ZoneInfo(team.timezone), calendar)
        self._teams[name] = found
        return found

    def calendar(self, calendar_id: str) -> BusinessCalendar:
        if calendar_id not in self._calendars:
            spec = self.policy.calendars_by_id.get(calendar_id)
            if spec is None:
                known = ", ".join(self.policy.calendars_by_id) or "(none)"
                raise KeyError(
                    f"unknown calendar {calendar_id!r}; expected one of: {known}"
                )
            self._calendars[calendar_id] = BusinessCalendar(spec)
        return self._calendars[calendar_id]

    @property
    def unknown_teams(self) -> list[str]:
        return sorted(
            name
            for name, found in self._teams.items()
            if name is not None and found.team is None
        )


class AlwaysOpenCalendars:
    """Every team open 24x7 in one timezone, for calendar time without a policy."""

    def __init__(self, timezone: str = "UTC") -> None:
        self._team = TeamCalendar(
            None, None, ZoneInfo(timezone), BusinessCalendar.always_open(timezone)
        )

    def team(self, name: str | None) -> TeamCalendar:
        return self._team

    def calendar(self, calendar_id: str) -> BusinessCalendar:
        return self._team.calendar


class TargetSelector:
    """Pick a ticket's SLA target from the segment and priority in its events.

    The values come from the event attributes named `segment_attribute` and
    `priority_attribute`: those of the first event that has them, or of the
    last one when the SLA policy has `reevaluate`. A priority matches the
    policy's priorities exactly, else ignoring case, else `default_priority`
    applies. Without a segment, only targets that name no segment apply.
    """

    def __init__(
        self,
        policy: Policy,
        sla: SlaPolicy,
        *,
        segment_attribute: str = "segment",
        priority_attribute: str = "priority",
    ) -> None:
        self.policy = policy
        self.sla = sla
        self.segment_attribute = segment_attribute
        self.priority_attribute = priority_attribute
        self._priorities = {p.casefold(): p for p in policy.priorities}

    def __call__(self, events: Sequence[Event]) -> SlaTarget | None:
        segment = self.value(events, self.segment_attribute)
        priority = self.priority(self.value(events, self.priority_attribute))
        for target in self.sla.targets:
            if target.segment in (None, segment) and target.priority in (
                None,
                priority,
            ):
                return target
        return None

    def value(self, events: Sequence[Event], attribute: str) -> str | None:
        ordered = reversed(events) if self.sla.reevaluate else iter(events)
        for event in ordered:
            value = event.attributes.get(attribute)
            if value not in (None, ""):
                return str(value)
        return None

    def priority(self, value: str | None) -> str:
        """Return the policy priority that `value` names, or the default one."""
        if value in self.policy.priorities:
            return value
        if value is not None and value.casefold() in self._priorities:
            return self._priorities[value.casefold()]
        return self.policy.default_priority


TargetRule = SlaTarget | None | Callable[[Sequence[Event]], SlaTarget | None]


@dataclass(frozen=True)
class Clock:
    """One clock at `now`.

    Durations are elapsed time: `elapsed_business` is open time in the
    calendars and `elapsed_calendar` wall time, both without paused time.
    `remaining` is negative once breached. `due_at` is None while a running
    clock is paused, because it depends on when the pause ends. Times are in
    the timezone of `team`, the team holding the ticket at the due time.
    """

    name: str
    target: timedelta | None
    time: ClockKind
    status: ClockStatus | None
    started_at: datetime
    stopped_at: datetime | None
    elapsed_business: timedelta
    elapsed_calendar: timedelta
    paused: timedelta
    remaining: timedelta | None
    due_at: datetime | None
    warning_at: datetime | None
    team: str | None
    tier: str | None

    @property
    def elapsed(self) -> timedelta:
        """Counted time in the target's terms: business or calendar."""
        if self.time == "business":
            return self.elapsed_business
        return self.elapsed_calendar


@dataclass(frozen=True)
class SlaClocks:
    """Every clock of one ticket at `now`."""

    ticket_id: str
    now: datetime
    sla_policy: str
    target: SlaTarget | None
    first_response: Clock
    resolution: Clock
    next_responses: tuple[Clock, ...]
    tiers: tuple[Clock, ...]

    @property
    def next_response(self) -> Clock | None:
        """The latest next-response cycle, or None before the first one."""
        return self.next_responses[-1] if self.next_responses else None

    def tier(self, tier: str) -> Clock | None:
        return next((clock for clock in self.tiers if clock.name == tier), None)


def clock_table(
    histories: Iterable[tuple[str, Sequence[Event]]],
    sla: SlaPolicy,
    calendars: Calendars,
    now: datetime,
    target: TargetRule,
    *,
    pause_source_statuses: Collection[str] | None = None,
) -> ClockTable:
    """Evaluate the clocks of many tickets at `now`, as columns.

    Events after `now` are ignored, and tickets created after it left out.
    `pause_source_statuses`, when given, limits pauses to those raw statuses.
    """
    rule = _target_rule(target)
    tickets = (
        TicketInput(ticket_id, events, rule(events))
        for ticket_id, events in _until(histories, now)
    )
    return build_clock_table(
        tickets, sla, calendars, _seconds(now), pause_source_statuses
    )


def clock_table_from_columns(
    events: EventColumns,
    ticket_ids: list[str],
    targets: list[SlaTarget | None],
    sla: SlaPolicy,
    calendars: Calendars,
    now: datetime,
    *,
    tier_clocks: bool = True,
) -> ClockTable:
    """Evaluate the clocks of tickets whose events are columns, at `now`.

    The same clocks as `clock_table`, for callers such as the simulator that
    produce millions of events and know each ticket's target. Every event must
    be at or before `now`, and pause statuses are the SLA policy's. Without
    `tier_clocks`, the tier clocks are left empty, which saves a sort.
    """
    return build_clock_table_from_columns(
        events,
        ticket_ids,
        targets,
        sla,
        calendars,
        _seconds(now),
        tier_clocks=tier_clocks,
    )


def compute_clocks(
    events: Sequence[Event],
    sla: SlaPolicy,
    calendars: Calendars,
    now: datetime,
    target: TargetRule,
    *,
    pause_source_statuses: Collection[str] | None = None,
) -> SlaClocks:
    """Evaluate one ticket's clocks at `now` from its events in order."""
    tracker = SlaTracker(
        sla, calendars, target, pause_source_statuses=pause_source_statuses
    )
    for event in events:
        if event.at > now:
            break
        tracker.apply(event)
    return tracker.clocks(now)


class SlaTracker:
    """One ticket's clocks, fed its events as they happen.

    `apply` takes each event in (at, sequence) order; `clocks` evaluates at any
    `now` not before the last event, and may be called between events. Each
    `clocks` call re-reads every applied event, so its cost grows with the
    history; `clock_table` evaluates many tickets in one pass.
    """

    def __init__(
        self,
        sla: SlaPolicy,
        calendars: Calendars,
        target: TargetRule,
        *,
        pause_source_statuses: Collection[str] | None = None,
    ) -> None:
        self.sla = sla
        self.calendars = calendars
        self._rule = _target_rule(target)
        self._pause_sources = pause_source_statuses
        self.events: list[Event] = []

    def apply(self, event: Event) -> None:
        if self.events:
            previous = self.events[-1]
            if event.ticket_id != previous.ticket_id:
                raise ValueError(
                    f"event of ticket {event.ticket_id!r} applied to the clocks of "
                    f"ticket {previous.ticket_id!r}"
                )
            if event.order_key < previous.order_key:
                raise ValueError(
                    f"event at {event.at.isoformat()} is earlier than the last one "
                    f"applied ({previous.at.isoformat()}); apply events in order"
                )
        self.events.append(event)

    def clocks(self, now: datetime) -> SlaClocks:
        if not self.events:
            raise ValueError("no events applied yet; apply the creation event first")
        if now < self.events[-1].at:
            raise ValueError(
                f"now ({now.isoformat()}) is before the last event applied "
                f"({self.events[-1].at.isoformat()})"
            )
        ticket_id = self.events[0].ticket_id
        table = build_clock_table(
            [TicketInput(ticket_id, self.events, self._rule(self.events))],
            self.sla,
            self.calendars,
            _seconds(now),
            self._pause_sources,
        )
        return ticket_clocks(table, 0, now)


def ticket_clocks(table: ClockTable, ticket: int, now: datetime) -> SlaClocks:
    """Return the clocks of the table's `ticket`-th ticket as objects."""
    target = table.targets[ticket]
    basis: ClockKind = target.time if target is not None else "business"

    def rows(columns: ClockColumns) -> list[int]:
        return [int(i) for i in (columns.ticket == ticket).nonzero()[0]]

    def clock(name: str, columns: ClockColumns, row: int, time: ClockKind) -> Clock:
        return _clock(table, name, columns, row, time)

    tier_rows = rows(table.tiers)
    return SlaClocks(
        ticket_id=table.ticket_ids[ticket],
        now=now,
        sla_policy=table.sla.id,
        target=target,
        first_response=clock(
            "first_response", table.first_response, rows(table.first_response)[0], basis
        ),
        resolution=clock(
            "resolution", table.resolution, rows(table.resolution)[0], basis
        ),
        next_responses=tuple(
            clock("next_response", table.next_response, row, basis)
            for row in rows(table.next_response)
        ),
        tiers=tuple(
            clock(
                table.tier_name(int(table.tier_of_clock[row])),
                table.tiers,
                row,
                "business" if table.tiers.business_time[row] else "calendar",
            )
            for row in tier_rows
        ),
    )


def _clock(
    table: ClockTable, name: str, columns: ClockColumns, row: int, time: ClockKind
) -> Clock:
    team_code = int(columns.due_team[row])
    if team_code < 0:
        team_code = int(columns.last_team[row])
    holder = table.team_calendar(team_code)
    zone = holder.timezone
    target = columns.target[row]
    tier_code = int(columns.due_tier[row])
    if tier_code < 0:
        tier_code = int(columns.last_tier[row])
    return Clock(
        name=name,
        target=None if math.isnan(target) else timedelta(seconds=float(target)),
        time=time,
        status=STATUS_BY_CODE[int(columns.status[row])],
        started_at=datetime.fromtimestamp(float(columns.started[row]), zone),
        stopped_at=_datetime(columns.stopped[row], zone),
        elapsed_business=timedelta(seconds=float(columns.elapsed_business[row])),
        elapsed_calendar=timedelta(seconds=float(columns.elapsed_calendar[row])),
        paused=timedelta(seconds=float(columns.paused[row])),
        remaining=None
        if math.isnan(target)
        else timedelta(seconds=float(target - columns.used[row])),
        due_at=_datetime(columns.due[row], zone),
        warning_at=_datetime(columns.warning[row], zone),
        team=table.team_names[team_code],
        tier=table.tier_name(tier_code),
    )


def _datetime(seconds: float, zone: ZoneInfo) -> datetime | None:
    if math.isnan(seconds):
        return None
    return datetime.fromtimestamp(float(seconds), zone)


def _seconds(moment: datetime) -> float:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"naive datetime {moment.isoformat()}; pass a timezone-aware `now`, "
            "for example with tzinfo=datetime.UTC"
        )
    return moment.timestamp()


def _target_rule(target: TargetRule) -> Callable[[Sequence[Event]], SlaTarget | None]:
    if callable(target):
        return target
    return lambda events: target


def _until(
    histories: Iterable[tuple[str, Sequence[Event]]], now: datetime
) -> Iterable[tuple[str, Sequence[Event]]]:
    for ticket_id, events in histories:
        if not events or events[0].at > now:
            continue
        if events[-1].at > now:
            events = [event for event in events if event.at <= now]
        yield ticket_id, events
