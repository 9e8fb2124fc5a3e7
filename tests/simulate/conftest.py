"""A small policy and hand-built histories whose replay can be worked out by hand.

The desk calendar is open Monday to Friday 09:00-17:00 UTC. Times in the
tests are in March 2024: Monday the 4th, Friday the 8th, Monday the 11th.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from tierdesk.events import Event, EventKind
from tierdesk.policy import parse_policy
from tierdesk.policy.model import Policy
from tierdesk.simulate.behaviour import LearningOptions
from tierdesk.simulate.history import HistoryInput, prepare_history
from tierdesk.simulate.routes import ReplayFields
from tierdesk.simulate.staffing import StaffingPlan, parse_staffing

POLICY = """\
id: tiny
name: Tiny desk
version: 1
calendars:
  - id: office
    name: Office hours
    timezone: UTC
    hours: {mon: "09:00-17:00", tue: "09:00-17:00", wed: "09:00-17:00",
            thu: "09:00-17:00", fri: "09:00-17:00"}
segments: [{id: all, name: All}]
segment_rules: [{id: all, segment: all}]
inquiry_types:
  - {id: question, name: Question, complexity: simple}
  - {id: bug, name: Bug, complexity: complex}
tiers:
  - {id: frontline, name: Frontline, rank: 1}
  - {id: escalation, name: Escalation, rank: 2}
teams:
  - {id: desk, name: Desk, tier: frontline, kind: vendor, timezone: UTC,
     calendar: office, cost_per_ticket: 10}
  - {id: experts, name: Experts, tier: escalation, kind: in_house, timezone: UTC,
     calendar: office, cost_per_ticket: 50}
sla_policies:
  - id: standard
    name: Standard
    targets: [{first_response: 1h, resolution: 8h}]
routing:
  rules:
    - id: bugs
      when: {inquiry_type: bug}
      then: {team: experts, sla_policy: standard}
    - id: default
      then: {team: desk, sla_policy: standard}
"""

ONE_AGENT = """\
teams:
  desk: {agents: 1}
  experts: {agents: 1}
"""


def at(day: int, hour: float) -> datetime:
    """Return the instant on a day of March 2024, in UTC."""
    return datetime(2024, 3, day, tzinfo=UTC) + timedelta(hours=hour)


def worked_ticket(
    ticket: str,
    created: datetime,
    hours: float,
    *,
    team: str = "desk",
    inquiry_type: str = "question",
) -> list[Event]:
    """Return a history picked up at creation, answered then, solved `hours` later."""
    attributes = {"inquiry_type": inquiry_type}
    return [
        Event(
            ticket,
            created,
            EventKind.CREATED,
            actor="requester",
            team=team,
            status="new",
            attributes=attributes,
        ),
        Event(
            ticket,
            created,
            EventKind.AGENT_ASSIGNED,
            actor="A1",
            team=team,
            agent="A1",
            status="open",
            sequence=1,
            attributes=attributes,
        ),
        Event(
            ticket,
            created,
            EventKind.PUBLIC_REPLY,
            actor="A1",
            team=team,
            agent="A1",
            sequence=2,
            attributes=attributes,
        ),
        Event(
            ticket,
            created + timedelta(hours=hours),
            EventKind.SOLVED,
            actor="A1",
            team=team,
            agent="A1",
            status="solved",
            sequence=3,
            attributes=attributes,
        ),
    ]


@pytest.fixture
def policy() -> Policy:
    return parse_policy(POLICY, "tiny.yaml").policy


@pytest.fixture
def one_agent() -> StaffingPlan:
    return parse_staffing(ONE_AGENT, "one-agent.yaml")


def prepare(
    histories: dict[str, Sequence[Event]], policy: Policy, *, min_samples: int = 1
) -> HistoryInput:
    return prepare_history(
        histories, policy, ReplayFields(), LearningOptions(min_samples=min_samples)
    )


@pytest.fixture
def two_hour_history() -> dict[str, list[Event]]:
    """Three tickets, each worked for two business hours as soon as it arrived."""
    return {
        "H1": worked_ticket("H1", at(4, 9), 2),
        "H2": worked_ticket("H2", at(4, 13), 2),
        "H3": worked_ticket("H3", at(5, 9), 2),
    }
