"""Validation of the service sections: team assignment, escalation paths and rules."""

from __future__ import annotations

import pytest

from tierdesk.errors import PolicyError, PolicyErrors
from tierdesk.policy import parse_policy

from ..service.conftest import SERVICE_POLICY


def _errors(text: str) -> list[PolicyError]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "policy.yaml")
    error = caught.value
    return error.errors if isinstance(error, PolicyErrors) else [error]


def test_service_policy_loads() -> None:
    policy = parse_policy(SERVICE_POLICY, "policy.yaml").policy
    assert policy.teams_by_id["product"].assignment.mode == "skills_first"
    assert policy.teams_by_id["vendor"].assignment.mode == "round_robin"
    assert policy.teams_by_id["triage"].assignment.mode == "least_loaded"
    assert policy.segments_by_id["enterprise"].min_agent_level == 2
    assert policy.next_escalation_team == {
        "vendor": "specialists",
        "specialists": "product",
        "triage": "specialists",
    }


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_unknown_assignment_mode() -> None:
    text = SERVICE_POLICY.replace("mode: round_robin", "mode: random")
    error = _errors(text)[0]
    assert error.path == "teams[0].assignment.mode"
    assert error.line == _line_of(text, "mode: random")


def test_unknown_fallback_team() -> None:
    text = SERVICE_POLICY.replace("fallback_team: specialists", "fallback_team: night")
    error = _errors(text)[0]
    assert error.path == "teams[2].assignment.fallback_team"
    assert "unknown team 'night'" in error.detail


def test_team_cannot_fall_back_on_itself() -> None:
    text = SERVICE_POLICY.replace(
        "fallback_team: specialists", "fallback_team: product"
    )
    assert _errors(text)[0].path == "teams[2].assignment.fallback_team"


def test_path_with_unknown_team() -> None:
    text = SERVICE_POLICY.replace(
        "teams: [vendor, specialists, product]", "teams: [vendor, experts]"
    )
    error = _errors(text)[0]
    assert error.path == "escalation_paths[0].teams[1]"
    assert "unknown team 'experts'" in error.detail


def test_path_going_down_a_tier() -> None:
    text = SERVICE_POLICY.replace(
        "teams: [vendor, specialists, product]", "teams: [product, specialists]"
    )
    error = _errors(text)[0]
    assert error.path == "escalation_paths[0].teams[1]"
    assert "never goes down a tier" in error.detail


def test_team_with_two_next_teams() -> None:
    text = SERVICE_POLICY.replace(
        "teams: [triage, specialists]", "teams: [vendor, product]"
    )
    error = _errors(text)[0]
    assert error.path == "escalation_paths[1].teams[1]"
    assert "give each team one next team" in error.detail


def test_rule_needs_threshold() -> None:
    text = SERVICE_POLICY.replace(
        "trigger: reopened, min_reopens: 2", "trigger: reopened"
    )
    error = _errors(text)[0]
    assert error.path == "escalation_rules[0]"
    assert "min_reopens" in error.detail


def test_rules_need_paths() -> None:
    start = SERVICE_POLICY.index("escalation_paths:")
    end = SERVICE_POLICY.index("escalation_rules:")
    text = SERVICE_POLICY[:start] + SERVICE_POLICY[end:]
    error = _errors(text)[0]
    assert error.path == "escalation_rules"


def test_minimum_level_must_be_positive() -> None:
    text = SERVICE_POLICY.replace("min_agent_level: 2", "min_agent_level: 0")
    assert _errors(text)[0].path == "segments[0].min_agent_level"
