"""`team_patterns`: policy teams for the team names of imported event logs."""

from __future__ import annotations

import pytest

from tierdesk.errors import PolicyError, PolicyErrors
from tierdesk.policy import parse_policy

PATTERNS = """\
team_patterns:
  - {pattern: "3rd", team: product}
  - {pattern: "^Desk", team: specialists}
"""


def _with_patterns(policy_text: str, patterns: str = PATTERNS) -> str:
    return policy_text.replace("sla_policies:\n", patterns + "sla_policies:\n", 1)


def test_team_named_by_id_before_patterns(small_policy_text: str) -> None:
    policy = parse_policy(_with_patterns(small_policy_text)).policy
    team = policy.team_named("vendor")
    assert team is not None
    assert team.id == "vendor"


def test_team_named_by_first_matching_pattern(small_policy_text: str) -> None:
    policy = parse_policy(_with_patterns(small_policy_text)).policy
    first = policy.team_named("Desk 3rd")
    second = policy.team_named("Desk north")
    assert first is not None
    assert first.id == "product"
    assert second is not None
    assert second.id == "specialists"
    assert policy.team_named("V30") is None


def test_pattern_naming_unknown_team(small_policy_text: str) -> None:
    text = _with_patterns(
        small_policy_text, "team_patterns:\n  - {pattern: x, team: nobody}\n"
    )
    with pytest.raises(PolicyErrors) as caught:
        parse_policy(text, "policy.yaml")
    error = caught.value.errors[0]
    assert error.path == "team_patterns[0].team"
    assert "unknown team 'nobody'" in error.detail


def test_invalid_pattern_is_rejected(small_policy_text: str) -> None:
    text = _with_patterns(
        small_policy_text, "team_patterns:\n  - {pattern: '(', team: vendor}\n"
    )
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "policy.yaml")
    assert "team_patterns[0].pattern" in str(caught.value)
    assert "invalid regular expression '('" in str(caught.value)
