"""A small hand-built log, its mapping and policy, shared by the metrics tests.

T1 is answered after an hour and solved after three. T2 is escalated to the
second line, waits on the customer for two hours, is solved, then reopened
and solved again by the first team. T3 has no creation row, an unknown status,
and is still open. All times are UTC, which is Dublin time in March 2025;
3 March 2025 is a Monday.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

LOG = """\
ticket,time,status,team,agent,priority
T1,2025-03-03T09:00:00Z,New,Desk,customer,normal
T1,2025-03-03T10:00:00Z,Working,Desk,A1,normal
T1,2025-03-03T12:00:00Z,Solved,Desk,A1,normal
T2,2025-03-03T09:00:00Z,New,Desk,customer,normal
T2,2025-03-03T09:30:00Z,Working,Desk,A1,normal
T2,2025-03-03T11:00:00Z,Working,Desk 2nd,A2,normal
T2,2025-03-03T12:00:00Z,Waiting for customer,Desk 2nd,A2,normal
T2,2025-03-03T14:00:00Z,Working,Desk 2nd,A2,normal
T2,2025-03-03T15:00:00Z,Solved,Desk 2nd,A2,normal
T2,2025-03-04T10:00:00Z,Working,Desk,A1,normal
T2,2025-03-04T11:00:00Z,Solved,Desk,A1,normal
T3,2025-03-03T16:00:00Z,Working,Desk,A3,Normal
T3,2025-03-03T16:30:00Z,Parked,Desk,A3,Normal
"""

MAPPING = """\
columns:
  case_id: ticket
  timestamp: time
  status: status
  team: team
  agent: agent
  attributes: {priority: priority}
statuses:
  New: {status: new, kind: created}
  Working: open
  Waiting for customer: pending
  Closed: closed
pause_statuses: [Waiting for customer]
first_response: {statuses: [Working, Solved]}
resolution: {statuses: [Solved]}
tiers:
  - {pattern: "2nd", tier: escalation}
  - {pattern: ".", tier: frontline}
actors: {requester: [customer]}
"""

POLICY = """\
id: small-log
name: Small log
version: 1
calendars:
  - id: office
    name: Dublin office
    timezone: Europe/Dublin
    hours: {mon: "09:00-17:00", tue: "09:00-17:00", wed: "09:00-17:00",
            thu: "09:00-17:00", fri: "09:00-17:00"}
segments: [{id: all, name: All}]
segment_rules: [{id: all, segment: all}]
inquiry_types: [{id: question, name: Question, complexity: simple}]
tiers:
  - {id: frontline, name: Frontline, rank: 1}
  - {id: escalation, name: Second line, rank: 2}
teams:
  - {id: desk, name: Desk, tier: frontline, kind: vendor, timezone: Europe/Dublin,
     calendar: office, cost_per_ticket: 1}
  - {id: second-line, name: Second line, tier: escalation, kind: in_house,
     timezone: Europe/Dublin, calendar: office, cost_per_ticket: 1}
team_patterns:
  - {pattern: "2nd", team: second-line}
  - {pattern: ".", team: desk}
sla_policies:
  - id: standard
    name: Standard
    targets: [{first_response: 1h, next_response: 2h, resolution: 4h}]
    tier_targets:
      - {tier: frontline, held: 2h}
      - {tier: escalation, held: 2h}
routing:
  rules: [{id: default, then: {team: desk, sla_policy: standard}}]
"""

# Tuesday 11:00, when T2 is solved the second time; T3 is still open.
NOW = datetime(2025, 3, 4, 11, tzinfo=UTC)


@pytest.fixture
def small_log(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "log": tmp_path / "log.csv",
        "mapping": tmp_path / "mapping.yaml",
        "policy": tmp_path / "policy.yaml",
    }
    paths["log"].write_text(LOG, encoding="utf-8")
    paths["mapping"].write_text(MAPPING, encoding="utf-8")
    paths["policy"].write_text(POLICY, encoding="utf-8")
    return paths
