"""Checks before a run: every team the tickets can reach must have agents on shift.

A team without staff would hold its queue forever, so such a plan is rejected
with the team names before any run starts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from tierdesk.errors import InputError
from tierdesk.simulate.behaviour import ENTRY, LATER
from tierdesk.simulate.moves import destination_team, translate_team
from tierdesk.simulate.setup import PolicySetup
from tierdesk.simulate.shifts import ShiftSchedule, team_calendar
from tierdesk.simulate.stints import CLOSED, MOVED, SOLVED


@dataclass(frozen=True)
class Reach:
    """Teams the tickets can reach under one setup, and how many start at each."""

    teams: set[str]
    first: Counter[str]


def reachable_teams(setup: PolicySetup) -> Reach:
    """Follow routing, then every move and reopen the learned stints can make.

    Raises ValueError when history moves tickets to a team the policy cannot
    name, not even by its tier.
    """
    behaviour = setup.behaviour
    policy = setup.policy
    first = Counter(setup.routed.team)
    starts = {
        (int(setup.ticket_keys[index]), team)
        for index, team in enumerate(setup.routed.team)
    }
    seen: set[tuple[int, str, str]] = set()
    frontier = [(key, team, ENTRY) for key, team in starts]
    teams: set[str] = set()
    stints = behaviour.stints
    while frontier:
        state = frontier.pop()
        if state in seen:
            continue
        seen.add(state)
        key, team, phase = state
        teams.add(team)
        fallback = policy.teams_by_id[team].assignment.fallback_team
        if fallback is not None:
            teams.add(fallback)
        pool, _ = behaviour.pool(
            behaviour.keys[key], team, policy.teams_by_id[team].tier, phase
        )
        followers: set[str] = set()
        for stint in pool.tolist():
            outcome = int(stints.outcome[stint])
            if outcome == MOVED:
                followers.add(destination_team(policy, behaviour, team, stint))
            elif outcome in (SOLVED, CLOSED) and stints.reopen_team[stint] is not None:
                found = translate_team(policy, behaviour, stints.reopen_team[stint])
                followers.add(found or team)
        frontier.extend((key, follower, LATER) for follower in followers)
    return Reach(teams, first)


def check_staffed(
    setup: PolicySetup,
    span: tuple[float, float],
    *,
    policy_file: str,
    staffing_file: str,
) -> None:
    """Raise InputError naming every reachable team without agents on shift."""
    try:
        reach = reachable_teams(setup)
    except ValueError as exc:
        raise InputError(str(exc), file=policy_file) from None
    problems = []
    for team_id in sorted(reach.teams):
        team = setup.policy.teams_by_id[team_id]
        staffing = setup.staffing.teams.get(team_id)
        routed = reach.first.get(team_id, 0)
        why = f"{routed:,} tickets are routed to it" if routed else "tickets move to it"
        if staffing is None or setup.staffing.max_agents_on_shift(team_id) == 0:
            problems.append(
                f"team {team_id!r} has no agents in {staffing_file} ({why})"
            )
            continue
        spec = setup.policy.calendars_by_id[team.calendar] if team.calendar else None
        window = team_calendar(team.timezone, spec).window(*span)
        seconds = sum(
            ShiftSchedule(group, window, ZoneInfo(team.timezone)).agent_seconds(
                span[0], max(span[1], span[0] + 7 * 86_400)
            )
            for group in staffing.agent_groups()
        )
        if seconds == 0:
            problems.append(
                f"team {team_id!r} has no agents on shift while its calendar "
                f"{team.calendar or '24x7'!r} is open during the history ({why}); "
                "check the shifts' days and hours"
            )
    if problems:
        raise InputError(
            f"policy {setup.policy.version_label} cannot be simulated with this "
            "staffing, because tickets would wait forever: " + "; ".join(problems),
            file=staffing_file,
        )
