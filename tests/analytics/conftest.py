"""A hand-built metrics table and policy whose figures the tests derive by hand.

Ten tickets: four `password` (routed to the in-house specialists), three
`billing` (routed to the vendor), two `outage` (the default rule, specialists)
and one `refund`, a type the policy does not know. Costs: vendor 5,
specialists 20, product 50.
"""

from __future__ import annotations

import itertools
import json

import pandas as pd
import pytest

from tierdesk.analytics.frame import TicketFrame, prepare_tickets
from tierdesk.policy import parse_policy
from tierdesk.policy.model import Policy

HOUR = 3600.0

POLICY_TEXT = """
id: analytics-test
name: Analytics test
version: 3
segments:
  - {id: enterprise, name: Enterprise}
  - {id: smb, name: SMB}
segment_rules:
  - {id: everyone, segment: smb}
inquiry_types:
  - id: password
    name: Password reset
    complexity: simple
    help_center_articles: [kb-reset-password]
  - {id: billing, name: Billing, complexity: simple}
  - {id: outage, name: Outage, complexity: complex}
tiers:
  - {id: frontline, name: Frontline, rank: 1}
  - {id: escalation, name: Escalation, rank: 2}
teams:
  - {id: vendor, name: Vendor, tier: frontline, kind: vendor,
     timezone: UTC, cost_per_ticket: 5}
  - {id: specialists, name: Specialists, tier: frontline, kind: in_house,
     timezone: UTC, cost_per_ticket: 20}
  - {id: product, name: Product, tier: escalation, kind: in_house,
     timezone: UTC, cost_per_ticket: 50}
sla_policies:
  - id: standard
    name: Standard
    targets:
      - {first_response: 8h, resolution: 24h}
routing:
  rules:
    - {id: password-rule, when: {inquiry_type: password},
       then: {team: specialists, sla_policy: standard}}
    - {id: billing-rule, when: {inquiry_type: billing},
       then: {team: vendor, sla_policy: standard}}
    - {id: default, then: {team: specialists, sla_policy: standard}}
escalation_paths:
  - {id: main, teams: [vendor, specialists, product]}
recommendations:
  min_tickets: 3
  move_down_min_one_touch: 0.6
  stay_min_one_touch: 0.5
  stay_min_csat: 0.5
  min_csat_responses: 2
  deflection_min_one_touch: 0.6
"""

RANK = {"vendor": 1.0, "specialists": 1.0, "product": 2.0}
TIER = {"vendor": "frontline", "specialists": "frontline", "product": "escalation"}


def _ticket(
    ticket_id: str,
    inquiry_type: str,
    segment: str,
    teams: list[str],
    *,
    first_response_h: float,
    resolution_h: float | None,
    one_touch: bool,
    csat: float | None = None,
    reopens: int = 0,
    ping_pong: bool = False,
    open_h: float | None = None,
    day: int = 1,
) -> dict:
    solved = resolution_h is not None
    tiers = [TIER[team] for team in teams]
    merged = [tier for i, tier in enumerate(tiers) if i == 0 or tiers[i - 1] != tier]
    escalations = sum(1 for a, b in itertools.pairwise(teams) if RANK[b] > RANK[a])
    return {
        "ticket_id": ticket_id,
        "created_at": f"2024-03-{day:02d}T09:00:00+01:00",
        "created_month": "2024-03",
        "inquiry_type": inquiry_type,
        "segment": segment,
        "priority": "normal",
        "channel": "email",
        "first_team": teams[0],
        "first_tier": TIER[teams[0]],
        "final_team": teams[-1],
        "final_tier": TIER[teams[-1]],
        "status": "solved" if solved else "open",
        "first_response_s": first_response_h * HOUR,
        "final_resolution_s": resolution_h * HOUR if solved else None,
        "open_s": (open_h if open_h is not None else resolution_h) * HOUR,
        "paused_s": 0.0,
        "handle_time_s": None,
        "public_replies": 1,
        "reopens": reopens,
        "solved": solved,
        "one_touch": one_touch,
        "teams_visited": json.dumps(teams),
        "transfers": len(teams) - 1,
        "ping_pong": ping_pong,
        "tiers_visited": json.dumps(merged),
        "highest_tier_rank": max(RANK[team] for team in teams),
        "escalations": escalations,
        "csat": csat,
    }


def hand_built_rows() -> list[dict]:
    return [
        _ticket(
            "P1",
            "password",
            "enterprise",
            ["specialists"],
            first_response_h=1,
            resolution_h=2,
            one_touch=True,
            csat=5,
        ),
        _ticket(
            "P2",
            "password",
            "enterprise",
            ["specialists"],
            first_response_h=2,
            resolution_h=30,
            one_touch=True,
            csat=4,
        ),
        _ticket(
            "P3",
            "password",
            "smb",
            ["specialists"],
            first_response_h=10,
            resolution_h=20,
            one_touch=True,
            csat=2,
        ),
        _ticket(
            "P4",
            "password",
            "smb",
            ["specialists", "product"],
            first_response_h=3,
            resolution_h=50,
            one_touch=False,
            reopens=1,
        ),
        _ticket(
            "B1",
            "billing",
            "enterprise",
            ["vendor", "specialists"],
            first_response_h=1,
            resolution_h=5,
            one_touch=False,
            csat=1,
        ),
        _ticket(
            "B2",
            "billing",
            "smb",
            ["vendor", "specialists", "vendor"],
            first_response_h=9,
            resolution_h=40,
            one_touch=False,
            csat=2,
            ping_pong=True,
        ),
        _ticket(
            "B3",
            "billing",
            "smb",
            ["vendor"],
            first_response_h=0.5,
            resolution_h=1,
            one_touch=True,
            csat=5,
        ),
        _ticket(
            "O1",
            "outage",
            "enterprise",
            ["specialists", "product"],
            first_response_h=2,
            resolution_h=None,
            one_touch=False,
            open_h=100,
        ),
        _ticket(
            "O2",
            "outage",
            "smb",
            ["specialists"],
            first_response_h=4,
            resolution_h=10,
            one_touch=True,
        ),
        _ticket(
            "R1",
            "refund",
            "smb",
            ["vendor"],
            first_response_h=1,
            resolution_h=3,
            one_touch=True,
        ),
    ]


@pytest.fixture
def policy() -> Policy:
    return parse_policy(POLICY_TEXT, "analytics-test.yaml").policy


@pytest.fixture
def metrics_table() -> pd.DataFrame:
    return pd.DataFrame(hand_built_rows())


@pytest.fixture
def tickets(metrics_table: pd.DataFrame, policy: Policy) -> TicketFrame:
    return prepare_tickets(metrics_table, policy=policy)
