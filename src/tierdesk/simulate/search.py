"""Find the fewest agents per team that meet a service-level goal in every segment.

Erlang C gives the starting point from the load each team receives in a pilot
run with unlimited staff. The simulator then raises the teams whose tickets
miss the goal until every segment meets it, and lowers each team in turn, by
bisection, to the fewest agents that still meet it. Every evaluation uses the
same seeds, so two plans differ only by their staffing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from tierdesk.simulate.arrivals import draw_arrivals
from tierdesk.simulate.engine import run_once
from tierdesk.simulate.erlang import servers_needed
from tierdesk.simulate.outcome import RunSummary, Target
from tierdesk.simulate.replications import Settings, run_replications
from tierdesk.simulate.setup import PolicySetup, RunOptions
from tierdesk.simulate.shifts import policy_team_calendar
from tierdesk.simulate.staffing import StaffingPlan, TeamStaffing

HOUR = 3600.0
# Growth of the teams that miss the goal, per round, until it is met.
GROWTH = 1.25
# Most passes of bisection over the teams.
PASSES = 3
# Whether a plan meets the goal, its share per segment, and its runs.
Evaluation = tuple[bool, dict[str, float], list[RunSummary]]


@dataclass(frozen=True)
class Estimate:
    """Erlang C's view of one team from the pilot run."""

    team: str
    arrivals_per_open_hour: float
    hold_hours: float
    load: float
    capacity: int
    agents: int


@dataclass(frozen=True)
class SearchResult:
    """The plan found, what it achieves per segment, and how it was found."""

    plan: StaffingPlan
    estimates: list[Estimate]
    shares: dict[str, float]
    met: bool
    evaluations: int
    summaries: list[RunSummary]


def estimate_staffing(
    setup: PolicySetup, created: np.ndarray, target: Target, capacity: dict[str, int]
) -> list[Estimate]:
    """Estimate agents per team with Erlang C from a pilot run without waits.

    The pilot staffs every team with one agent per ticket, so nothing queues.
    It gives each team's mean hold time, and its arrival rate per open hour
    between the 10th and 90th percentiles of its pickups. That window keeps a
    thin tail of early tickets from diluting the rate of the busy period.
    """
    count = len(created)
    pilot_plan = StaffingPlan(
        id="pilot",
        teams={
            team.id: TeamStaffing(agents=max(count, 1), capacity=1)
            for team in setup.policy.teams
        },
    )
    pilot = replace(setup, staffing=pilot_plan)
    arrivals = draw_arrivals(
        created, scale=1.0, mode="replay", generator=np.random.default_rng(0)
    )
    raw = run_once(pilot, arrivals, np.random.default_rng(1), RunOptions())
    estimates = []
    for index, team in enumerate(setup.policy.teams):
        chosen = raw.hold_team == index
        if not chosen.any():
            continue
        calendar = policy_team_calendar(setup.policy, team.id)
        starts = raw.hold_start[chosen]
        hold = calendar.between_seconds(starts, raw.hold_end[chosen])
        hold_hours = max(float(np.mean(hold)) / HOUR, 1 / 60)
        low, high = np.percentile(starts, [10, 90])
        inside = int(np.count_nonzero((starts >= low) & (starts <= high)))
        open_hours = float(calendar.between_seconds(low, high + 1)) / HOUR
        rate = inside / max(open_hours, 1.0)
        load = rate * hold_hours
        places = servers_needed(load, hold_hours, target.within / HOUR, target.share)
        team_capacity = capacity.get(team.id, 1)
        estimates.append(
            Estimate(
                team=team.id,
                arrivals_per_open_hour=rate,
                hold_hours=hold_hours,
                load=load,
                capacity=team_capacity,
                agents=max(1, math.ceil(places / team_capacity)),
            )
        )
    return estimates


def find_staffing(
    setup: PolicySetup,
    created: np.ndarray,
    target: Target,
    settings: Settings,
    *,
    capacity: dict[str, int],
    rates: dict[str, float],
    max_agents: int,
    progress: Callable[[str], None] = lambda line: None,
) -> SearchResult:
    """Search the fewest agents per team that meet `target` in every segment."""
    settings = replace(settings, target=target)
    estimates = estimate_staffing(setup, created, target, capacity)
    agents = {e.team: min(e.agents, max_agents) for e in estimates}
    evaluations = 0

    def evaluate(counts: dict[str, int]) -> Evaluation:
        nonlocal evaluations
        evaluations += 1
        plan = _plan(counts, capacity, rates)
        runs = run_replications([replace(setup, staffing=plan)], created, settings)
        summaries = runs[setup.name]
        shares = _segment_shares(summaries)
        met = all(share >= target.share for share in shares.values())
        shown = ", ".join(f"{t}={n}" for t, n in counts.items())
        progress(f"tried {shown}: " + ("meets the goal" if met else "misses it"))
        return met, shares, summaries

    met, shares, summaries = evaluate(agents)
    while not met:
        misses = _misses(summaries)
        grow = [team for team in agents if misses.get(team, 0) > 0] or list(agents)
        if all(agents[team] >= max_agents for team in grow):
            break
        for team in grow:
            agents[team] = min(
                max_agents, max(agents[team] + 1, math.ceil(agents[team] * GROWTH))
            )
        met, shares, summaries = evaluate(agents)
    if met:
        # Lowering one team can make room at another (fewer returns from a
        # smaller team downstream), so passes repeat while any team shrinks.
        for _ in range(PASSES):
            before = dict(agents)
            for team in list(agents):
                agents[team] = _fewest(team, agents, evaluate)
            if agents == before:
                break
        met, shares, summaries = evaluate(agents)
    return SearchResult(
        plan=_plan(agents, capacity, rates),
        estimates=estimates,
        shares=shares,
        met=met,
        evaluations=evaluations,
        summaries=summaries,
    )


def _fewest(
    team: str,
    agents: dict[str, int],
    evaluate: Callable[[dict[str, int]], Evaluation],
) -> int:
    """Bisect the fewest agents of `team` that meet the goal, the others fixed."""
    low, high = 1, agents[team]
    while low < high:
        middle = (low + high) // 2
        met, _, _ = evaluate({**agents, team: middle})
        if met:
            high = middle
        else:
            low = middle + 1
    return high


def _plan(
    counts: dict[str, int], capacity: dict[str, int], rates: dict[str, float]
) -> StaffingPlan:
    return StaffingPlan(
        id="searched",
        description="Minimum agents found by tierdesk staffing find.",
        teams={
            team: TeamStaffing(
                agents=count,
                capacity=capacity.get(team, 1),
                cost_per_agent_hour=rates.get(team),
            )
            for team, count in counts.items()
        },
    )


def _segment_shares(summaries: list[RunSummary]) -> dict[str, float]:
    """Return each segment's share within the goal, pooled over the runs."""
    within: dict[str, int] = {}
    total: dict[str, int] = {}
    for summary in summaries:
        for segment, (count, tickets) in summary.segment_within.items():
            within[segment] = within.get(segment, 0) + count
            total[segment] = total.get(segment, 0) + tickets
    return {s: within[s] / total[s] for s in total if total[s]}


def _misses(summaries: list[RunSummary]) -> dict[str, int]:
    result: dict[str, int] = {}
    for summary in summaries:
        for team, count in summary.misses_by_team.items():
            result[team] = result.get(team, 0) + count
    return result
