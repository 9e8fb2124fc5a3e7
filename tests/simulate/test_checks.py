"""Bad plans are rejected before any run, naming the teams."""

from __future__ import annotations

import pytest

from tierdesk.errors import InputError, PolicyErrors
from tierdesk.events import Event, EventKind
from tierdesk.policy import parse_policy
from tierdesk.policy.model import Policy
from tierdesk.simulate.checks import check_staffed, reachable_teams
from tierdesk.simulate.history import setup_policy
from tierdesk.simulate.staffing import check_staffing, parse_staffing

from .conftest import POLICY, at, prepare, worked_ticket


def _candidate(text: str) -> Policy:
    return parse_policy(text, "candidate.yaml").policy


NEW_VENDOR = POLICY.replace(
    "  - {id: experts,",
    "  - {id: vendor-b, name: Vendor B, tier: frontline, kind: vendor,\n"
    "     timezone: UTC, cost_per_ticket: 3}\n  - {id: experts,",
).replace(
    "then: {team: desk, sla_policy: standard}",
    "then: {team: vendor-b, sla_policy: standard}",
)


def _span() -> tuple[float, float]:
    return at(4, 9).timestamp(), at(5, 17).timestamp()


def test_candidate_team_without_staff_rejected(
    policy: Policy, two_hour_history
) -> None:
    history = prepare(two_hour_history, policy)
    staffing = parse_staffing("teams: {desk: {agents: 2}, experts: {agents: 1}}")
    setup = setup_policy("candidate", _candidate(NEW_VENDOR), staffing, history)
    with pytest.raises(InputError) as caught:
        check_staffed(
            setup, _span(), policy_file="candidate.yaml", staffing_file="s.yaml"
        )
    message = str(caught.value)
    assert "team 'vendor-b' has no agents in s.yaml" in message
    assert "3 tickets are routed to it" in message


def test_zero_agents_rejected(policy: Policy, two_hour_history) -> None:
    history = prepare(two_hour_history, policy)
    staffing = parse_staffing("teams: {desk: {agents: 0}, experts: {agents: 1}}")
    setup = setup_policy("current", policy, staffing, history)
    with pytest.raises(InputError, match="team 'desk' has no agents"):
        check_staffed(setup, _span(), policy_file="p.yaml", staffing_file="s.yaml")


def test_shifts_outside_open_hours_rejected(policy: Policy, two_hour_history) -> None:
    history = prepare(two_hour_history, policy)
    staffing = parse_staffing(
        """
teams:
  desk:
    shifts: [{days: [sat, sun], hours: "09:00-17:00", agents: 4}]
  experts: {agents: 1}
"""
    )
    setup = setup_policy("current", policy, staffing, history)
    with pytest.raises(InputError, match="team 'desk' has no agents on shift while"):
        check_staffed(setup, _span(), policy_file="p.yaml", staffing_file="s.yaml")


def test_team_reached_only_by_moves_checked(policy: Policy) -> None:
    # The desk hands the ticket to the experts instead of solving it.
    moved = [
        *worked_ticket("M1", at(4, 9), 1)[:-1],
        Event(
            "M1",
            at(4, 10),
            EventKind.TEAM_ASSIGNED,
            actor="A1",
            team="experts",
            agent="A1",
            status="open",
            sequence=3,
        ),
        Event(
            "M1",
            at(4, 12),
            EventKind.SOLVED,
            actor="B1",
            team="experts",
            agent="B1",
            status="solved",
            sequence=4,
        ),
    ]
    history = prepare({"M1": moved}, policy)
    staffing = parse_staffing("teams: {desk: {agents: 1}}")
    setup = setup_policy("current", policy, staffing, history)
    assert reachable_teams(setup).teams == {"desk", "experts"}
    with pytest.raises(InputError, match=r"team 'experts' has no agents .*move to it"):
        check_staffed(setup, _span(), policy_file="p.yaml", staffing_file="s.yaml")


def test_enough_staff_passes(policy: Policy, two_hour_history) -> None:
    history = prepare(two_hour_history, policy)
    staffing = parse_staffing("teams: {desk: {agents: 1}}")
    setup = setup_policy("current", policy, staffing, history)
    check_staffed(setup, _span(), policy_file="p.yaml", staffing_file="s.yaml")


def test_staffing_unknown_teams_named(policy: Policy) -> None:
    plan = parse_staffing(
        "teams: {desk: {agents: 1}, vendr: {agents: 3}, nights: {agents: 1}}"
    )
    with pytest.raises(PolicyErrors) as caught:
        check_staffing(plan, policy, "s.yaml")
    message = str(caught.value)
    assert "unknown teams vendr, nights" in message
    assert "expected teams of the policy: desk, experts" in message


def test_staffing_unknown_skill_named(policy: Policy) -> None:
    plan = parse_staffing("teams: {desk: {groups: [{agents: 1, skills: [billing]}]}}")
    with pytest.raises(PolicyErrors, match="skills billing are not inquiry types"):
        check_staffing(plan, policy, "s.yaml")
