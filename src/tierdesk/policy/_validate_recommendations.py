"""Checks of the `recommendations` section and of help-center coverage.

Problems are (field path, message) pairs, as in `_validate_escalation`.
"""

from __future__ import annotations

from tierdesk.policy._yaml import Path
from tierdesk.policy.model import Policy

Problem = tuple[Path, str]


def check_recommendation_sections(policy: Policy) -> list[Problem]:
    """Return the problems of the recommendation teams and help-center articles."""
    errors: list[Problem] = []
    settings = policy.recommendations
    for name, kind in (("vendor_team", "vendor"), ("in_house_team", "in_house")):
        team_id = getattr(settings, name)
        if team_id is None:
            continue
        path = ("recommendations", name)
        team = policy.teams_by_id.get(team_id)
        if team is None:
            known = ", ".join(policy.teams_by_id)
            errors.append((path, f"unknown team {team_id!r}; expected one of: {known}"))
        elif team.kind != kind:
            errors.append(
                (
                    path,
                    f"team {team_id!r} is of kind {team.kind!r}, but {name} must name "
                    f"a team of kind {kind!r}",
                )
            )
    for i, inquiry_type in enumerate(policy.inquiry_types):
        seen: set[str] = set()
        for j, article in enumerate(inquiry_type.help_center_articles):
            path = ("inquiry_types", i, "help_center_articles", j)
            if not article.strip():
                errors.append((path, "empty article; give its id or URL"))
            elif article in seen:
                errors.append((path, f"duplicate article {article!r}"))
            seen.add(article)
    return errors
