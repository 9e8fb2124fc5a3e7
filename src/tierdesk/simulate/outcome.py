"""Figures of one run: SLA attainment, times, backlog, utilisation, cost and shares.

The SLA clocks come from `tierdesk.sla.clock_table_from_columns` and the times
from `tierdesk.metrics.table.duration_columns`, so a simulated ticket is
measured exactly as `tierdesk metrics` measures a real one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from tierdesk._sla_clocks import StatusCode
from tierdesk._sla_timeline import EventColumns
from tierdesk.metrics.table import duration_columns
from tierdesk.simulate.setup import PolicySetup, RawRun
from tierdesk.simulate.shifts import ShiftSchedule, policy_team_calendar
from tierdesk.sla import PolicyCalendars, clock_table_from_columns

HOUR = 3600.0
WEEK = 7 * 86_400.0
# 1970-01-05 was a Monday: weeks start on Mondays, 00:00 UTC.
_MONDAY = 4 * 86_400.0


@dataclass(frozen=True)
class Target:
    """A service-level goal per segment, such as 80% first response within 8h.

    `clock` is first_response or resolution; `within` is in business seconds.
    """

    clock: str
    within: float
    share: float


@dataclass(frozen=True)
class RunSummary:
    """One run's figures; `values` contains every scalar the comparison prints."""

    name: str
    values: dict[str, float]
    grid: NDArray[np.float64]
    backlog: NDArray[np.float64]
    waiting: dict[str, NDArray[np.float64]]
    weeks: NDArray[np.float64]
    weekly_first_response: NDArray[np.float64]
    weekly_resolution: NDArray[np.float64]
    # segment -> (tickets within the target's time, tickets)
    segment_within: dict[str, tuple[int, int]] = field(default_factory=dict)
    # team -> tickets outside the target's time that the team held
    misses_by_team: dict[str, int] = field(default_factory=dict)
    distribution: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    fallback_draws: dict[int, int] = field(default_factory=dict)


def summarise_run(
    run: RawRun,
    setup: PolicySetup,
    grid: NDArray[np.float64],
    span: tuple[float, float],
    target: Target | None = None,
) -> RunSummary:
    """Measure one run; `span` is the history's first and last arrival."""
    clocks = _clocks(run, setup)
    values: dict[str, float] = {"tickets": float(len(run.ticket_arrival))}
    values.update(_attainment(clocks))
    values.update(_times(clocks))
    values.update(_shares(run, setup))
    values.update(_costs(run, setup))
    values.update(_utilisation(run, setup, span))
    values["forced_closures"] = float(run.forced_closures)
    values["unresolved_at_end"] = float(np.count_nonzero(~run.ticket_done))

    backlog = _open_tickets(run.events, grid)
    inside = (grid >= span[0]) & (grid <= span[1])
    values["backlog_peak"] = float(backlog[inside].max()) if inside.any() else 0.0
    values["backlog_mean"] = float(backlog[inside].mean()) if inside.any() else 0.0
    waiting = _waiting(run, grid)
    weeks, first_response, resolution = _weekly(run, clocks, span)

    segment_within: dict[str, tuple[int, int]] = {}
    misses: dict[str, int] = {}
    if target is not None:
        segment_within, misses = _segment_within(run, setup, clocks, target)
    return RunSummary(
        name=setup.name,
        values=values,
        grid=grid,
        backlog=backlog,
        waiting=waiting,
        weeks=weeks,
        weekly_first_response=first_response,
        weekly_resolution=resolution,
        segment_within=segment_within,
        misses_by_team=misses,
        distribution={
            "first_response_business_h": clocks.first_response_business / HOUR,
            "resolution_business_h": clocks.resolution_business / HOUR,
        },
        fallback_draws=dict(run.fallback_draws),
    )


@dataclass(frozen=True)
class _Clocks:
    """Per-ticket clock results of one run, in arrival order."""

    first_response_status: NDArray[np.int8]
    resolution_status: NDArray[np.int8]
    first_response_business: NDArray[np.float64]
    first_response_calendar: NDArray[np.float64]
    resolution_business: NDArray[np.float64]
    resolution_calendar: NDArray[np.float64]


def _clocks(run: RawRun, setup: PolicySetup) -> _Clocks:
    """Evaluate the clocks one SLA policy at a time, as `clock_table` requires."""
    count = len(run.ticket_arrival)
    routed = setup.routed
    calendars = PolicyCalendars(setup.policy)
    # A datetime keeps microseconds only, so the run's end, rounded down, could
    # fall before its last event; the next whole second cannot.
    now = datetime.fromtimestamp(math.floor(run.end) + 1, UTC)
    source = run.ticket_source
    sla_of_source = np.array(routed.sla_policy, dtype=object)
    result = {
        name: np.full(count, np.nan)
        for name in (
            "first_response_business",
            "first_response_calendar",
            "resolution_business",
            "resolution_calendar",
        )
    }
    statuses = {
        name: np.zeros(count, dtype=np.int8)
        for name in ("first_response_status", "resolution_status")
    }

    for sla_id in dict.fromkeys(routed.sla_policy):
        chosen = np.flatnonzero(sla_of_source[source] == sla_id)
        if not len(chosen):
            continue
        if len(chosen) == count:
            subset = run.events
        else:
            subset = _subset(run.events, chosen, count)
        table = clock_table_from_columns(
            subset,
            [str(i) for i in chosen],
            [routed.target[s] for s in source[chosen].tolist()],
            setup.policy.sla_policies_by_id[sla_id],
            calendars,
            now,
            tier_clocks=False,
        )
        durations = duration_columns(table, business=True)
        result["first_response_business"][chosen] = durations[
            "first_response_business_s"
        ]
        result["first_response_calendar"][chosen] = durations["first_response_s"]
        result["resolution_business"][chosen] = durations["final_resolution_business_s"]
        result["resolution_calendar"][chosen] = durations["final_resolution_s"]
        statuses["first_response_status"][chosen] = table.first_response.status
        statuses["resolution_status"][chosen] = table.resolution.status
    return _Clocks(**result, **statuses)


def _subset(
    events: EventColumns, chosen: NDArray[np.int64], count: int
) -> EventColumns:
    """Return the events of the chosen tickets, renumbered 0, 1, 2, ..."""
    number = np.full(count, -1, dtype=np.int64)
    number[chosen] = np.arange(len(chosen))
    keep = number[events.ticket] >= 0
    renumbered = number[events.ticket[keep]]
    order = np.argsort(renumbered, kind="stable")
    return EventColumns(
        ticket=renumbered[order],
        at=events.at[keep][order],
        kind=events.kind[keep][order],
        team=events.team[keep][order],
        tier=events.tier[keep][order],
        status=events.status[keep][order],
        actor=events.actor[keep][order],
        team_names=events.team_names,
        tier_names=events.tier_names,
    )


def _share(status: NDArray[np.int8]) -> float:
    met = np.count_nonzero(status == StatusCode.MET)
    breached = np.count_nonzero(status == StatusCode.BREACHED)
    return met / (met + breached) if met + breached else float("nan")


def _attainment(clocks: _Clocks) -> dict[str, float]:
    return {
        "first_response_within_target": _share(clocks.first_response_status),
        "resolved_within_target": _share(clocks.resolution_status),
    }


def _times(clocks: _Clocks) -> dict[str, float]:
    values = {}
    for name, seconds in (
        ("first_response_business", clocks.first_response_business),
        ("first_response_calendar", clocks.first_response_calendar),
        ("resolution_business", clocks.resolution_business),
        ("resolution_calendar", clocks.resolution_calendar),
    ):
        known = seconds[~np.isnan(seconds)] / HOUR
        for label, percent in (("median", 50), ("p90", 90)):
            values[f"{name}_{label}_h"] = (
                float(np.percentile(known, percent)) if len(known) else float("nan")
            )
    return values


def _shares(run: RawRun, setup: PolicySetup) -> dict[str, float]:
    policy = setup.policy
    count = len(run.ticket_arrival)
    if not count:
        return {}
    teams = policy.teams
    index = {team.id: number for number, team in enumerate(teams)}
    routed_team = np.array([index[t] for t in setup.routed.team], dtype=np.int64)
    first_team = routed_team[run.ticket_source]
    rank = {tier.id: tier.rank for tier in policy.tiers}
    tier_of_team = np.array([t.tier for t in teams], dtype=object)
    vendor = np.array([t.kind == "vendor" for t in teams])
    highest = np.full(count, -np.inf)
    highest_tier = np.full(count, "", dtype=object)

    vendor_mask = 0
    for number, team in enumerate(teams):
        held = (run.ticket_team_mask >> number) & 1 == 1
        better = held & (rank[team.tier] > highest)
        highest[better] = rank[team.tier]
        highest_tier[better] = team.tier
        if team.kind == "vendor":
            vendor_mask |= 1 << number

    values: dict[str, float] = {}
    first_tier = tier_of_team[first_team]
    for tier in policy.tiers:
        values[f"first_tier_share:{tier.id}"] = float(np.mean(first_tier == tier.id))
        values[f"highest_tier_share:{tier.id}"] = float(
            np.mean(highest_tier == tier.id)
        )
    values["vendor_routed_share"] = float(np.mean(vendor[first_team]))
    values["vendor_handled_share"] = float(
        np.mean((run.ticket_team_mask & vendor_mask) != 0)
    )
    solved = run.ticket_done
    values["one_touch_share"] = (
        float(np.count_nonzero(run.ticket_one_touch) / np.count_nonzero(solved))
        if solved.any()
        else float("nan")
    )
    return values


def _costs(run: RawRun, setup: PolicySetup) -> dict[str, float]:
    """Handling cost: each team that held a ticket charges its cost_per_ticket once."""
    count = len(run.ticket_arrival)
    cost = np.zeros(count)
    for index, team in enumerate(setup.policy.teams):
        held = (run.ticket_team_mask >> index) & 1
        cost += held * team.cost_per_ticket
    total = float(cost.sum())
    return {
        "cost_total": total,
        "cost_per_ticket": total / count if count else float("nan"),
    }


def _utilisation(
    run: RawRun, setup: PolicySetup, span: tuple[float, float]
) -> dict[str, float]:
    """Share of on-shift places (agents x capacity) that held tickets, per team,
    between the first and last arrival; open hours only."""
    values: dict[str, float] = {}
    start, end = span
    staff_cost = 0.0
    any_rate = False
    for index, team in enumerate(setup.policy.teams):
        calendar = policy_team_calendar(setup.policy, team.id)
        chosen = run.hold_team == index
        low = np.clip(run.hold_start[chosen], start, end)
        high = np.clip(run.hold_end[chosen], start, end)
        occupied = (
            float(calendar.between_seconds(low, high).sum()) if chosen.any() else 0.0
        )
        staffing = setup.staffing.teams.get(team.id)
        places = 0.0
        agent_seconds = 0.0
        window = calendar.window(start, end)
        for group in staffing.agent_groups() if staffing is not None else []:
            seconds = ShiftSchedule(
                group, window, ZoneInfo(team.timezone)
            ).agent_seconds(start, end)
            agent_seconds += seconds
            places += seconds * (group.capacity or 1)
        values[f"utilisation:{team.id}"] = occupied / places if places else float("nan")
        values[f"agent_hours:{team.id}"] = agent_seconds / HOUR
        if staffing is not None and staffing.cost_per_agent_hour is not None:
            any_rate = True
            staff_cost += agent_seconds / HOUR * staffing.cost_per_agent_hour
    if any_rate:
        values["staff_cost_total"] = staff_cost
    return values


def _open_tickets(
    events: EventColumns, grid: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Return unresolved tickets at each grid instant."""
    from tierdesk._sla_timeline import EVENT_KINDS
    from tierdesk.events import EventKind

    kind = events.kind
    opened = (kind == EVENT_KINDS.index(EventKind.CREATED)) | (
        kind == EVENT_KINDS.index(EventKind.REOPENED)
    )
    closed = (kind == EVENT_KINDS.index(EventKind.SOLVED)) | (
        kind == EVENT_KINDS.index(EventKind.CLOSED)
    )
    up = np.searchsorted(np.sort(events.at[opened]), grid, side="right")
    down = np.searchsorted(np.sort(events.at[closed]), grid, side="right")
    return (up - down).astype(np.float64)


def _waiting(run: RawRun, grid: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
    """Return tickets waiting for an agent, per team, at each grid instant."""
    result = {}
    for index, team in enumerate(run.teams):
        chosen = run.wait_team == index
        up = np.searchsorted(np.sort(run.wait_entered[chosen]), grid, side="right")
        down = np.searchsorted(np.sort(run.wait_picked[chosen]), grid, side="right")
        result[team] = (up - down).astype(np.float64)
    return result


def _weekly(
    run: RawRun, clocks: _Clocks, span: tuple[float, float]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Return the start of every week in the span and its two within-target shares,
    NaN for a week without decided clocks."""
    week = np.floor((run.ticket_arrival - _MONDAY) / WEEK)
    first, last = (np.floor((np.array(span) - _MONDAY) / WEEK)).tolist()
    weeks = np.arange(first, last + 1)
    first_response = np.array(
        [_share(clocks.first_response_status[week == w]) for w in weeks]
    )
    resolution = np.array([_share(clocks.resolution_status[week == w]) for w in weeks])
    return weeks * WEEK + _MONDAY, first_response, resolution


def _segment_within(
    run: RawRun, setup: PolicySetup, clocks: _Clocks, target: Target
) -> tuple[dict[str, tuple[int, int]], dict[str, int]]:
    """Count tickets within the target's time per segment, and misses per team.

    A first-response miss counts against the ticket's first team, where first
    responses happen; a resolution miss against every team that held it.
    """
    if target.clock == "first_response":
        seconds = clocks.first_response_business
    else:
        seconds = clocks.resolution_business
    segments = np.array(setup.routed.segment, dtype=object)[run.ticket_source]
    within = np.nan_to_num(seconds, nan=np.inf) <= target.within
    result = {}
    for segment in dict.fromkeys(setup.routed.segment):
        chosen = segments == segment
        result[segment] = (int(np.count_nonzero(within & chosen)), int(chosen.sum()))
    misses = {}
    first_team = np.array(setup.routed.team, dtype=object)[run.ticket_source]
    for index, team in enumerate(setup.policy.teams):
        if target.clock == "first_response":
            held = first_team == team.id
        else:
            held = (run.ticket_team_mask >> index) & 1 == 1
        misses[team.id] = int(np.count_nonzero(held & ~within))
    return result, misses
