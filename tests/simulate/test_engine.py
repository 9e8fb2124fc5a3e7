"""The engine on a hand-built history: one agent, two-hour tickets, office hours.

Every learned stint is the same (no wait, reply at pickup, two business hours
of work, solved), so the replay is determined and worked out below by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from tierdesk.policy.model import Policy
from tierdesk.simulate.arrivals import Arrivals
from tierdesk.simulate.engine import run_once
from tierdesk.simulate.history import setup_policy
from tierdesk.simulate.outcome import summarise_run
from tierdesk.simulate.replications import backlog_grid
from tierdesk.simulate.setup import RunOptions
from tierdesk.simulate.staffing import StaffingPlan, parse_staffing
from tierdesk.simulate.stints import SOLVED, WORK

from .conftest import at, prepare, worked_ticket

HOUR = 3600.0


def _arrivals(*moments: float) -> Arrivals:
    return Arrivals(
        source=np.zeros(len(moments), dtype=np.int64),
        at=np.array(moments),
        copy=np.arange(len(moments), dtype=np.int64),
    )


def test_learned_stint_is_two_hours(policy: Policy, two_hour_history) -> None:
    stints = prepare(two_hour_history, policy).behaviour.stints
    assert len(stints) == 3
    assert stints.latency.tolist() == [0.0, 0.0, 0.0]
    assert stints.reply_offset.tolist() == [0.0, 0.0, 0.0]
    assert stints.segment_kind.tolist() == [WORK, WORK, WORK]
    assert stints.segment_seconds.tolist() == [2 * HOUR] * 3
    assert stints.outcome.tolist() == [SOLVED] * 3


def test_one_agent_queue_by_hand(
    policy: Policy, one_agent: StaffingPlan, two_hour_history
) -> None:
    # T1 arrives Mon 08:00 before opening: picked up at 09:00, done 11:00.
    # T2 arrives 09:30, waits for the agent until 11:00, done 13:00.
    # T3 arrives 10:00, picked up 13:00, done 15:00.
    # T4 arrives Fri 16:00: one hour that day, one on Monday, done Mon 11th 10:00.
    history = prepare(two_hour_history, policy)
    setup = setup_policy("current", policy, one_agent, history)
    arrivals = _arrivals(
        at(4, 8).timestamp(),
        at(4, 9.5).timestamp(),
        at(4, 10).timestamp(),
        at(8, 16).timestamp(),
    )
    raw = run_once(setup, arrivals, np.random.default_rng(0), RunOptions())

    assert raw.hold_start.tolist() == [
        at(4, 9).timestamp(),
        at(4, 11).timestamp(),
        at(4, 13).timestamp(),
        at(8, 16).timestamp(),
    ]
    assert raw.hold_end.tolist() == [
        at(4, 11).timestamp(),
        at(4, 13).timestamp(),
        at(4, 15).timestamp(),
        at(11, 10).timestamp(),
    ]

    span = (at(4, 8).timestamp(), at(8, 17).timestamp())
    summary = summarise_run(raw, setup, backlog_grid(span), span)
    values = summary.values
    # First responses in business hours: 0, 1.5, 3 and 0; the target is 1h.
    assert values["first_response_within_target"] == 0.5
    assert values["first_response_business_median_h"] == pytest.approx(0.75)
    # Resolution in business hours: 2, 3.5, 5 and 2; all within 8h.
    assert values["resolved_within_target"] == 1.0
    assert values["resolution_business_median_h"] == pytest.approx(2.75)
    # T4 took 66 calendar hours, from Friday 16:00 to Monday 10:00.
    assert values["resolution_calendar_p90_h"] == pytest.approx(
        np.percentile([3, 3.5, 5, 66], 90)
    )
    # Held 09:00-15:00 Monday and 16:00-17:00 Friday of 40 open hours.
    assert values["utilisation:desk"] == pytest.approx(7 / 40)
    assert values["agent_hours:desk"] == pytest.approx(40)
    assert values["cost_per_ticket"] == 10
    assert values["highest_tier_share:frontline"] == 1.0
    assert values["vendor_routed_share"] == 1.0
    assert values["unresolved_at_end"] == 0


def test_waiting_and_open_tickets_over_time(
    policy: Policy, one_agent: StaffingPlan, two_hour_history
) -> None:
    history = prepare(two_hour_history, policy)
    setup = setup_policy("current", policy, one_agent, history)
    arrivals = _arrivals(at(4, 9.5).timestamp(), at(4, 10).timestamp())
    raw = run_once(setup, arrivals, np.random.default_rng(0), RunOptions())
    grid = np.array([at(4, h).timestamp() for h in (9, 10.5, 11.5, 12)])
    span = (at(4, 9).timestamp(), at(4, 17).timestamp())
    summary = summarise_run(raw, setup, grid, span)
    assert summary.backlog.tolist() == [0, 2, 1, 1]
    assert summary.waiting["desk"].tolist() == [0, 1, 0, 0]


def test_two_agents_take_two_tickets_at_once(policy: Policy, two_hour_history) -> None:
    history = prepare(two_hour_history, policy)
    staffing = parse_staffing("teams: {desk: {agents: 2}, experts: {agents: 1}}")
    setup = setup_policy("current", policy, staffing, history)
    arrivals = _arrivals(at(4, 9.5).timestamp(), at(4, 10).timestamp())
    raw = run_once(setup, arrivals, np.random.default_rng(0), RunOptions())
    assert raw.hold_start.tolist() == [at(4, 9.5).timestamp(), at(4, 10).timestamp()]


def test_capacity_lets_one_agent_hold_two(policy: Policy, two_hour_history) -> None:
    history = prepare(two_hour_history, policy)
    staffing = parse_staffing(
        "teams: {desk: {agents: 1, capacity: 2}, experts: {agents: 1}}"
    )
    setup = setup_policy("current", policy, staffing, history)
    arrivals = _arrivals(*(at(4, h).timestamp() for h in (9.5, 10, 10.5)))
    raw = run_once(setup, arrivals, np.random.default_rng(0), RunOptions())
    # Two places: the third ticket waits until the first ends at 11:30.
    assert raw.hold_start.tolist() == [
        at(4, 9.5).timestamp(),
        at(4, 10).timestamp(),
        at(4, 11.5).timestamp(),
    ]


def test_shift_limits_agents_to_afternoons(policy: Policy, two_hour_history) -> None:
    history = prepare(two_hour_history, policy)
    staffing = parse_staffing(
        """
teams:
  desk:
    shifts: [{days: [mon, tue, wed, thu, fri], hours: "13:00-20:00", agents: 1}]
  experts: {agents: 1}
"""
    )
    setup = setup_policy("current", policy, staffing, history)
    raw = run_once(
        setup, _arrivals(at(4, 9).timestamp()), np.random.default_rng(0), RunOptions()
    )
    # The shift starts at 13:00; the calendar closes at 17:00, so two hours of
    # work end at 15:00.
    assert raw.hold_start.tolist() == [at(4, 13).timestamp()]
    assert raw.hold_end.tolist() == [at(4, 15).timestamp()]


def test_routing_sends_bugs_to_experts(policy: Policy, one_agent) -> None:
    histories = {
        "Q1": worked_ticket("Q1", at(4, 9), 1),
        "B1": worked_ticket("B1", at(4, 10), 3, team="experts", inquiry_type="bug"),
    }
    setup = setup_policy("current", policy, one_agent, prepare(histories, policy))
    assert setup.routed.team == ["desk", "experts"]
    assert setup.routed.inquiry_type == ["question", "bug"]
    arrivals = Arrivals(
        source=np.array([0, 1]),
        at=np.array([at(4, 9).timestamp(), at(4, 10).timestamp()]),
        copy=np.zeros(2, dtype=np.int64),
    )
    raw = run_once(setup, arrivals, np.random.default_rng(0), RunOptions())
    # Each team's own stints: one hour at the desk, three with the experts.
    assert raw.hold_end.tolist() == [at(4, 10).timestamp(), at(4, 13).timestamp()]
    assert raw.hold_team.tolist() == [0, 1]
