"""Checks of the service sections: team assignment, escalation paths and rules.

Problems are (field path, message) pairs; `validate.check_policy` turns them into
its `Problem` values, which this module cannot import without a cycle.
"""

from __future__ import annotations

from itertools import pairwise

from tierdesk.policy._yaml import Path, format_path
from tierdesk.policy.model import Policy

Problem = tuple[Path, str]


def check_service_sections(policy: Policy) -> list[Problem]:
    """Return the problems of fallback teams, escalation paths and escalation rules."""
    errors: list[Problem] = []
    _check_fallback_teams(policy, errors)
    _check_paths(policy, errors)
    _check_rules(policy, errors)
    return errors


def _check_fallback_teams(policy: Policy, errors: list[Problem]) -> None:
    team_ids = ", ".join(team.id for team in policy.teams)
    for i, team in enumerate(policy.teams):
        fallback = team.assignment.fallback_team
        path = ("teams", i, "assignment", "fallback_team")
        if fallback is None:
            continue
        if fallback not in policy.teams_by_id:
            errors.append(
                (path, f"unknown team {fallback!r}; expected one of: {team_ids}")
            )
        elif fallback == team.id:
            errors.append(
                (
                    path,
                    f"team {team.id!r} cannot be its own fallback team; name another "
                    "team, or omit fallback_team so that tickets wait",
                )
            )


def _check_paths(policy: Policy, errors: list[Problem]) -> None:
    teams = policy.teams_by_id
    seen_ids: dict[str, int] = {}
    # The next team of each team, and the path that first set it.
    following: dict[str, tuple[str, str]] = {}
    for i, escalation_path in enumerate(policy.escalation_paths):
        base = ("escalation_paths", i)
        if escalation_path.id in seen_ids:
            errors.append(
                (
                    (*base, "id"),
                    f"duplicate id {escalation_path.id!r}, already used by "
                    f"escalation_paths[{seen_ids[escalation_path.id]}]; ids must be "
                    "unique",
                )
            )
        seen_ids.setdefault(escalation_path.id, i)
        invalid_teams = False
        for j, team_id in enumerate(escalation_path.teams):
            if team_id not in teams:
                invalid_teams = True
                errors.append(
                    (
                        (*base, "teams", j),
                        f"unknown team {team_id!r}; expected one of: "
                        f"{', '.join(teams)}",
                    )
                )
            elif team_id in escalation_path.teams[:j]:
                invalid_teams = True
                errors.append(
                    (
                        (*base, "teams", j),
                        f"team {team_id!r} appears twice on escalation path "
                        f"{escalation_path.id!r}; a path climbs each team once",
                    )
                )
        if invalid_teams:
            continue
        for j, (lower, upper) in enumerate(pairwise(escalation_path.teams)):
            tier_low = policy.tiers_by_id.get(teams[lower].tier)
            tier_up = policy.tiers_by_id.get(teams[upper].tier)
            # An unknown tier is reported by the reference checks.
            rank_low = tier_low.rank if tier_low else None
            rank_up = tier_up.rank if tier_up else None
            if rank_low is not None and rank_up is not None and rank_up < rank_low:
                errors.append(
                    (
                        (*base, "teams", j + 1),
                        f"team {upper!r} (tier {teams[upper].tier!r}, rank {rank_up}) "
                        f"is below team {lower!r} (tier {teams[lower].tier!r}, rank "
                        f"{rank_low}); an escalation path never goes down a tier",
                    )
                )
            earlier = following.get(lower)
            if earlier is not None and earlier[0] != upper:
                errors.append(
                    (
                        (*base, "teams", j + 1),
                        f"team {lower!r} escalates to {upper!r} here but to "
                        f"{earlier[0]!r} on path {earlier[1]!r}; give each team one "
                        "next team",
                    )
                )
            following.setdefault(lower, (upper, escalation_path.id))


def _check_rules(policy: Policy, errors: list[Problem]) -> None:
    seen_ids: dict[str, int] = {}
    for i, rule in enumerate(policy.escalation_rules):
        path = ("escalation_rules", i)
        if rule.id in seen_ids:
            earlier = format_path(("escalation_rules", seen_ids[rule.id]))
            errors.append(
                (
                    (*path, "id"),
                    f"duplicate id {rule.id!r}, already used by {earlier}; ids must "
                    "be unique",
                )
            )
        seen_ids.setdefault(rule.id, i)
    if policy.escalation_rules and not policy.escalation_paths:
        errors.append(
            (
                ("escalation_rules",),
                "escalation rules need escalation_paths to say where a ticket goes; "
                "add escalation_paths or remove the rules",
            )
        )
