"""Destinations of learned moves and reopens under the policy being simulated.

History names the current policy's teams; a candidate may rename or drop them,
and may define escalation paths that decide where escalations go.
"""

from __future__ import annotations

from tierdesk.policy.model import Policy
from tierdesk.simulate.behaviour import BehaviourModel


def translate_team(
    policy: Policy, behaviour: BehaviourModel, learned: str | None
) -> str | None:
    """Return the policy's team for a team of the history: the same id, else the
    first team of the same tier, else None."""
    if learned is None:
        return None
    if learned in policy.teams_by_id:
        return learned
    tier = behaviour.team_tier.get(learned)
    return next((team.id for team in policy.teams if team.tier == tier), None)


def destination_team(
    policy: Policy, behaviour: BehaviourModel, team: str, stint: int
) -> str:
    """Return where a stint that ended by moving sends the ticket under `policy`.

    An escalation follows the policy's escalation path from `team` when it has
    one; otherwise the ticket goes where it went in history.
    """
    if behaviour.escalated(stint):
        following = policy.next_escalation_team.get(team)
        if following is not None:
            return following
    learned = behaviour.stints.destination[stint]
    found = translate_team(policy, behaviour, learned)
    if found is None:
        raise ValueError(
            f"history moves tickets to team {learned!r}, and policy "
            f"{policy.version_label} has no team of its tier"
        )
    return found
