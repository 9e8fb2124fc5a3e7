"""The staffing search on a queue worked out by hand.

Eight one-hour tickets arrive together on Monday at 09:00. With N agents the
k-th batch of N is answered after k hours, so within 2 business hours come
min(8, 3N) tickets: 2 agents answer 6 of 8 (75%), 3 agents all 8.
"""

from __future__ import annotations

from tierdesk.policy.model import Policy
from tierdesk.simulate.history import setup_policy
from tierdesk.simulate.outcome import Target
from tierdesk.simulate.replications import Settings
from tierdesk.simulate.search import find_staffing
from tierdesk.simulate.staffing import StaffingPlan, TeamStaffing

from .conftest import at, prepare, worked_ticket


def _search(policy: Policy, share: float, max_agents: int = 50):  # type: ignore[no-untyped-def]
    histories = {f"S{n}": worked_ticket(f"S{n}", at(4, 9), 1) for n in range(8)}
    history = prepare(histories, policy)
    empty = StaffingPlan(teams={"desk": TeamStaffing(agents=0)})
    setup = setup_policy("current", policy, empty, history)
    return find_staffing(
        setup,
        history.created,
        Target(clock="first_response", within=2 * 3600, share=share),
        Settings(runs=1, workers=1),
        capacity={},
        rates={"desk": 30.0},
        max_agents=max_agents,
    )


def test_search_finds_three_agents(policy: Policy) -> None:
    result = _search(policy, 0.8)
    assert result.met
    assert result.plan.teams["desk"].agents == 3
    assert result.shares == {"all": 1.0}


def test_search_keeps_rates_and_capacity(policy: Policy) -> None:
    plan = _search(policy, 0.8).plan
    assert plan.teams["desk"].cost_per_agent_hour == 30.0
    assert plan.teams["desk"].capacity == 1


def test_erlang_estimate_comes_first(policy: Policy) -> None:
    result = _search(policy, 0.8)
    (estimate,) = result.estimates
    assert estimate.team == "desk"
    assert estimate.hold_hours == 1.0
    assert estimate.agents >= 1


def test_search_reports_unreachable_goal(policy: Policy) -> None:
    result = _search(policy, 0.99, max_agents=2)
    assert not result.met
    assert result.plan.teams["desk"].agents == 2
