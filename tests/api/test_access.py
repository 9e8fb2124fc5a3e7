"""The authorization matrix: every role against every endpoint, on tickets of
the caller's own team and of another team."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tierdesk.service.accounts import AccountInput, put_account
from tierdesk.service.bugs import BugInput, link_bug
from tierdesk.service.intake import NewTicket, create_ticket
from tierdesk.service.lifecycle import StatusInput, change_status
from tierdesk.service.requesters import RequesterInput

from ..service.conftest import ADMIN, SERVICE_POLICY, WEDNESDAY
from .conftest import Api

ALL = {"admin", "ops_analyst", "agent", "vendor_agent", "integration"}
STAFF = {"admin", "ops_analyst", "agent", "vendor_agent"}
WORKERS = {"admin", "agent", "vendor_agent"}
IN_HOUSE = {"admin", "agent"}
ANALYSTS = {"admin", "ops_analyst"}
# The team each scoped role works in; the other scope uses the other team.
OWN_TEAM = {"agent": "specialists", "vendor_agent": "vendor"}
OTHER_TEAM = {"agent": "vendor", "vendor_agent": "specialists"}
OWN_AGENT = {"agent": "sam", "vendor_agent": "vera"}
OTHER_AGENT = {"agent": "vera", "vendor_agent": "sam"}


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    roles: set[str]
    success: int = 200
    body: Any = None
    # Whether the path names a team's ticket, team or agent, so scoped roles
    # are checked on their own team and on another.
    scoped: bool = False
    solved: bool = False
    content_type: str | None = None


CASES = [
    Case(
        "POST",
        "/tickets",
        {"admin", "agent", "integration"},
        201,
        {"subject": "x", "inquiry_type": "cards"},
    ),
    Case("GET", "/tickets", STAFF),
    Case("GET", "/tickets/{ticket}", STAFF, scoped=True),
    Case("PATCH", "/tickets/{ticket}", WORKERS, body={"priority": "high"}, scoped=True),
    Case("GET", "/tickets/{ticket}/decision", ALL, scoped=True),
    Case("GET", "/tickets/{ticket}/events", STAFF, scoped=True),
    Case("GET", "/tickets/{ticket}/comments", STAFF, scoped=True),
    Case(
        "POST",
        "/tickets/{ticket}/comments",
        WORKERS,
        201,
        {"body": "noted", "public": False},
        scoped=True,
    ),
    Case(
        "POST",
        "/tickets/{ticket}/status",
        WORKERS,
        body={"status": "pending"},
        scoped=True,
    ),
    Case(
        "POST",
        "/tickets/{ticket}/assign",
        WORKERS,
        body={"agent_id": None},
        scoped=True,
    ),
    Case("POST", "/tickets/{ticket}/escalate", WORKERS, body={}, scoped=True),
    Case(
        "POST",
        "/tickets/{ticket}/bugs",
        IN_HOUSE,
        201,
        {"external_id": "BUG-1", "url": "https://bugs.example/1"},
        scoped=True,
    ),
    Case("POST", "/tickets/{ticket}/csat-link", WORKERS, 201, scoped=True, solved=True),
    Case("GET", "/bugs/BUG-1", STAFF),
    Case(
        "POST",
        "/bugs/BUG-1/tickets",
        IN_HOUSE,
        body={"ticket_ids": ["{ticket}"]},
        scoped=True,
    ),
    Case("PATCH", "/bugs/BUG-1", IN_HOUSE, body={"state": "fixed"}),
    Case("GET", "/teams", STAFF),
    Case("POST", "/teams/{team}/assign", WORKERS, scoped=True),
    Case("GET", "/agents", STAFF),
    Case("GET", "/agents/{agent}", STAFF, scoped=True),
    Case(
        "POST",
        "/agents",
        {"admin"},
        201,
        {"id": "new-agent", "name": "New", "teams": ["vendor"]},
    ),
    Case("PATCH", "/agents/{agent}", {"admin"}, body={"capacity": 3}, scoped=True),
    Case(
        "PUT",
        "/agents/{agent}/presence",
        WORKERS,
        body={"presence": "away"},
        scoped=True,
    ),
    Case("PUT", "/accounts/ACME", {"admin"}, body={"attributes": {"plan": "pro"}}),
    Case("GET", "/accounts/ACME", STAFF),
    Case("POST", "/requesters", IN_HOUSE, 201, {"email": "new@example.com"}),
    Case("GET", "/requesters/{requester}", STAFF, scoped=True),
    Case(
        "PATCH", "/requesters/{requester}", IN_HOUSE, body={"name": "Ana"}, scoped=True
    ),
    Case("GET", "/policy", STAFF),
    Case("GET", "/policy/versions", ANALYSTS),
    Case("GET", "/policy/versions/1", ANALYSTS),
    Case(
        "PUT",
        "/policy",
        {"admin"},
        body=SERVICE_POLICY,
        content_type="application/yaml",
    ),
    Case("POST", "/policy/versions/1/activate", {"admin"}),
    Case(
        "POST",
        "/routing/dry-run",
        {"admin", "ops_analyst", "integration"},
        body={"subject": "x", "inquiry_type": "cards"},
    ),
    Case("GET", "/exports/corrections.csv", ANALYSTS),
    Case("GET", "/audit", {"admin"}),
]


def _setup(api: Api) -> dict[str, str]:
    """Create one solved-or-open ticket per team; return ticket ids by team."""
    context = api.context
    put_account(
        context,
        ADMIN,
        "ACME",
        AccountInput(attributes={"plan": "enterprise"}),
        WEDNESDAY,
    )
    vendor = create_ticket(
        context,
        ADMIN,
        NewTicket(
            subject="a",
            inquiry_type="cards",
            requester=RequesterInput(email="vendor-customer@example.com"),
        ),
        WEDNESDAY,
    ).ticket.id
    specialists = create_ticket(
        context,
        ADMIN,
        NewTicket(
            subject="b",
            inquiry_type="cards",
            account_id="ACME",
            requester=RequesterInput(email="specialists-customer@example.com"),
        ),
        WEDNESDAY,
    ).ticket.id
    link_bug(
        context,
        ADMIN,
        vendor,
        BugInput(external_id="BUG-1", url="https://bugs.example/1"),
        WEDNESDAY,
    )
    return {"vendor": vendor, "specialists": specialists}


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, list):
        return [_fill(item, names) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, names) for key, item in value.items()}
    return value


def _call(api: Api, role: str, case: Case, team: str) -> int:
    tickets = _setup(api)
    ticket = tickets[team]
    if case.solved:
        change_status(
            api.context, ADMIN, ticket, StatusInput(status="solved"), WEDNESDAY
        )
    agent = "vera" if team == "vendor" else "sam"
    requester = api.request("GET", f"/tickets/{ticket}").json()["requester"]["id"]
    names = {"ticket": ticket, "team": team, "agent": agent, "requester": requester}
    kwargs: dict[str, Any] = {}
    if case.content_type is not None:
        kwargs["content"] = case.body.encode()
        kwargs["headers"] = {"Content-Type": case.content_type}
    elif case.body is not None:
        kwargs["json"] = _fill(case.body, names)
    response = api.request(case.method, _fill(case.path, names), role, **kwargs)
    return response.status_code


@pytest.mark.parametrize("role", sorted(ALL))
def test_access_matrix(api: Api, role: str) -> None:
    """Allowed roles succeed on their own team, get 404 on another, 403 if forbidden."""
    failures = []
    for case in CASES:
        scoped_role = role in OWN_TEAM
        teams = [OWN_TEAM.get(role, "vendor")]
        if case.scoped and scoped_role:
            teams.append(OTHER_TEAM[role])
        for team in teams:
            if role not in case.roles:
                expected = 403
            elif scoped_role and case.scoped and team == OTHER_TEAM[role]:
                expected = 404
            else:
                expected = case.success
            got = _call(api, role, case, team)
            if got != expected:
                failures.append(
                    f"{case.method} {case.path} on {team}: {got}, expected {expected}"
                )
    assert failures == []


def test_scoped_listing_shows_own_team_only(api: Api) -> None:
    tickets = _setup(api)
    for role, team in OWN_TEAM.items():
        listed = api.request("GET", "/tickets", role).json()["tickets"]
        assert [t["id"] for t in listed] == [tickets[team]], role
        other = api.request("GET", "/tickets", role, params={"team": OTHER_TEAM[role]})
        assert other.json()["tickets"] == [], role


def test_writes_are_audited(api: Api) -> None:
    tickets = _setup(api)
    api.request(
        "POST",
        f"/tickets/{tickets['specialists']}/status",
        "agent",
        json={"status": "pending"},
    )
    entries = api.request("GET", "/audit").json()
    last = entries[-1]
    assert last["action"] == "ticket.status"
    assert last["actor"] == "sam"
    assert last["role"] == "agent"
    assert last["object_id"] == tickets["specialists"]
    assert last["at"] == "2024-05-08T10:00:00Z"
    assert {"ticket.create", "account.put", "ticket.link_bug"} <= {
        e["action"] for e in entries
    }
