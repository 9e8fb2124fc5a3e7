"""The staffing file: forms it accepts, errors with lines, shifts over time."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from tierdesk.calendar import BusinessCalendar
from tierdesk.errors import PolicyErrors
from tierdesk.policy.model import Policy
from tierdesk.simulate.shifts import ShiftSchedule, policy_team_calendar
from tierdesk.simulate.staffing import (
    StaffingError,
    load_staffing,
    parse_staffing,
    render_staffing,
)

from .conftest import at

SHIFTS = """\
id: weekdays
teams:
  desk:
    capacity: 3
    shifts:
      - {days: [mon, tue, wed, thu, fri], hours: "08:00-13:00", agents: 4}
      - {days: [mon, tue, wed, thu, fri], hours: "12:00-20:00", agents: 2}
  experts:
    groups:
      - {agents: 2}
      - {agents: 1, level: 2, skills: [bug], capacity: 1}
    cost_per_agent_hour: 45
"""


def test_inline_team_is_one_group() -> None:
    plan = parse_staffing("teams: {desk: {agents: 5, capacity: 2}}")
    groups = plan.teams["desk"].agent_groups()
    assert len(groups) == 1
    assert groups[0].agents == 5
    assert groups[0].capacity == 2


def test_groups_keep_their_capacity() -> None:
    groups = parse_staffing(SHIFTS).teams["experts"].agent_groups()
    assert [g.capacity for g in groups] == [1, 1]
    assert groups[1].level == 2


def test_most_agents_on_shift_adds_shifts() -> None:
    plan = parse_staffing(SHIFTS)
    assert plan.max_agents_on_shift("desk") == 6
    assert plan.max_agents_on_shift("experts") == 3
    assert plan.max_agents_on_shift("nobody") == 0


def test_rendered_plan_reads_back_equal() -> None:
    plan = parse_staffing(SHIFTS)
    assert parse_staffing(render_staffing(plan, "# written by a test\n")) == plan


def test_agents_and_shifts_together_rejected() -> None:
    text = 'teams: {desk: {agents: 2, shifts: [{hours: "09:00-12:00", agents: 1}]}}'
    with pytest.raises(PolicyErrors, match="not both"):
        parse_staffing(text, "s.yaml")


def test_team_without_staff_rejected() -> None:
    with pytest.raises(PolicyErrors, match="missing staff"):
        parse_staffing("teams: {desk: {capacity: 2}}", "s.yaml")


def test_error_names_file_line_and_field() -> None:
    text = "teams:\n  desk:\n    agents: 2\n    capacty: 3\n"
    with pytest.raises(PolicyErrors) as caught:
        parse_staffing(text, "s.yaml")
    assert str(caught.value) == "s.yaml:4: teams.desk.capacty: unknown key 'capacty'"


def test_bad_shift_hours_rejected() -> None:
    text = 'teams: {desk: {shifts: [{hours: "9-17", agents: 1}]}}'
    with pytest.raises(PolicyErrors, match="invalid opening interval '9-17'"):
        parse_staffing(text, "s.yaml")


def test_missing_file_named(tmp_path) -> None:
    with pytest.raises(StaffingError, match="staffing file not found"):
        load_staffing(tmp_path / "absent.yaml")


def test_shift_steps_follow_shifts_and_calendar(policy: Policy) -> None:
    plan = parse_staffing(SHIFTS)
    calendar = policy_team_calendar(policy, "desk")
    window = calendar.window(at(4, 0).timestamp(), at(12, 0).timestamp())
    schedule = ShiftSchedule(
        plan.teams["desk"].agent_groups()[0], window, ZoneInfo("UTC")
    )
    steps = schedule.steps(at(4, 0).timestamp(), at(5, 0).timestamp())
    # The office opens at 09:00 and closes at 17:00; shifts give 4, then 6
    # from 12:00, then 2 from 13:00.
    assert steps == [
        (at(4, 0).timestamp(), 0),
        (at(4, 9).timestamp(), 4),
        (at(4, 12).timestamp(), 6),
        (at(4, 13).timestamp(), 2),
        (at(4, 17).timestamp(), 0),
    ]


def test_agent_seconds_over_a_week(policy: Policy) -> None:
    plan = parse_staffing(SHIFTS)
    window = policy_team_calendar(policy, "desk").window(
        at(4, 0).timestamp(), at(11, 0).timestamp()
    )
    schedule = ShiftSchedule(
        plan.teams["desk"].agent_groups()[0], window, ZoneInfo("UTC")
    )
    seconds = schedule.agent_seconds(at(4, 0).timestamp(), at(11, 0).timestamp())
    # Per weekday: 4 agents 09-12, 6 agents 12-13, 2 agents 13-17 = 26 hours.
    assert seconds == 5 * 26 * 3600


def test_always_open_team_steps_once() -> None:
    calendar = BusinessCalendar.always_open("UTC")
    window = calendar.window(at(4, 0).timestamp(), at(6, 0).timestamp())
    group = parse_staffing("teams: {desk: {agents: 3}}").teams["desk"].agent_groups()[0]
    steps = ShiftSchedule(group, window, ZoneInfo("UTC")).steps(
        at(4, 0).timestamp(), at(6, 0).timestamp()
    )
    assert steps == [(at(4, 0).timestamp(), 3)]
