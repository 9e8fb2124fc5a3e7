"""Staffing read from a history: agents per team from the log's resources.

An event log records who acted but not who was on shift, so this is an
estimate. The agents of a team are the maximum number of distinct agents that
acted for it in one week (Monday to Sunday, UTC), on shift whenever the team's
calendar is open. The capacity is the minimum number of open tickets per agent
at which those agents could have held the maximum number of tickets the team
held at once in the history.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from tierdesk._sla_timeline import NOT_AGENTS
from tierdesk.events import Event
from tierdesk.policy.model import Policy
from tierdesk.simulate.behaviour import BehaviourModel
from tierdesk.simulate.staffing import StaffingPlan, TeamStaffing

WEEK = 7 * 86_400
_MONDAY = 4 * 86_400


@dataclass(frozen=True)
class InferredTeam:
    """The evidence behind one team's inferred staffing."""

    team: str
    agents: int
    busiest_week: str
    max_held: int
    capacity: int


def infer_staffing(
    histories: Mapping[str, Sequence[Event]],
    policy: Policy,
    behaviour: BehaviourModel,
) -> tuple[StaffingPlan, list[InferredTeam]]:
    """Infer agents and capacity per policy team; teams without acting agents are
    left out."""
    weekly: dict[tuple[str, int], set[str]] = defaultdict(set)
    resolved: dict[str, str | None] = {}
    for events in histories.values():
        for event in events:
            person = event.actor if event.actor not in NOT_AGENTS else event.agent
            if person is None or person in NOT_AGENTS or event.team is None:
                continue
            if event.team not in resolved:
                found = policy.team_named(event.team)
                resolved[event.team] = found.id if found is not None else None
            team = resolved[event.team]
            if team is None:
                continue
            week = int((event.at.timestamp() - _MONDAY) // WEEK)
            weekly[(team, week)].add(person)
    max_held = _max_held(behaviour)
    teams: dict[str, TeamStaffing] = {}
    evidence = []
    for team in policy.teams:
        counts = {week: len(p) for (name, week), p in weekly.items() if name == team.id}
        if not counts:
            continue
        week, agents = max(counts.items(), key=lambda item: (item[1], -item[0]))
        held = max_held.get(team.id, 0)
        capacity = max(1, math.ceil(held / agents))
        teams[team.id] = TeamStaffing(agents=agents, capacity=capacity)
        start = np.datetime64(int(week * WEEK + _MONDAY), "s").astype("datetime64[D]")
        evidence.append(InferredTeam(team.id, agents, str(start), held, capacity))
    plan = StaffingPlan(
        id=f"inferred-{policy.id}",
        description="Inferred from the history by tierdesk staffing infer.",
        teams=teams,
    )
    return plan, evidence


def _max_held(behaviour: BehaviourModel) -> dict[str, int]:
    """Return, per team, the most tickets held (picked up, not yet left) at once."""
    stints = behaviour.stints
    result: dict[str, int] = {}
    teams = np.array(stints.team, dtype=object)
    starts = stints.pickup_at
    ends = stints.end_at
    for team in dict.fromkeys(stints.team):
        chosen = teams == team
        moments = np.concatenate([starts[chosen], ends[chosen]])
        steps = np.concatenate([np.ones(chosen.sum()), -np.ones(chosen.sum())])
        # At equal times, ends come first, so a hand-over does not count twice.
        order = np.lexsort((steps, moments))
        result[str(team)] = int(np.cumsum(steps[order]).max()) if len(order) else 0
    return result
