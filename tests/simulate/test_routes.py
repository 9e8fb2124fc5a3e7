"""Historical tickets routed with `Router`: stand-in types, priorities, and the
teams of the history."""

from __future__ import annotations

from tierdesk.policy.model import Policy
from tierdesk.simulate.routes import ReplayTicket, route_replay

from .conftest import at


def _ticket(ticket: str, inquiry_type: str | None, **fields: object) -> ReplayTicket:
    values: dict[str, object] = {
        "ticket_id": ticket,
        "created": at(4, 9).timestamp(),
        "inquiry_type": inquiry_type,
        "segment": None,
        "priority": None,
        "channel": None,
        "language": None,
    }
    values.update(fields)
    return ReplayTicket(**values)  # type: ignore[arg-type]


def test_known_types_follow_rules(policy: Policy) -> None:
    routed = route_replay([_ticket("A", "bug"), _ticket("B", "question")], policy)
    assert routed.team == ["experts", "desk"]
    assert routed.stand_in is None


def test_unknown_types_route_as_stand_in(policy: Policy) -> None:
    routed = route_replay(
        [_ticket("A", "PROD9"), _ticket("B", None), _ticket("C", "bug")], policy
    )
    assert routed.stand_in == "other"
    assert routed.inquiry_type == ["other", "other", "bug"]
    # No rule names the stand-in, so the default rule decides.
    assert routed.team == ["desk", "desk", "experts"]
    assert routed.unknown_inquiry_types == {"PROD9": 1, "(none)": 1}


def test_priority_matched_ignoring_case(policy: Policy) -> None:
    routed = route_replay(
        [_ticket("A", "bug", priority="URGENT"), _ticket("B", "bug", priority="odd")],
        policy,
    )
    ranks = {p: r for r, p in enumerate(policy.priorities)}
    assert routed.priority_rank == [ranks["urgent"], ranks["normal"]]
    assert routed.unknown_priorities == {"odd": 1}


def test_history_teams_replace_decided_team(policy: Policy) -> None:
    tickets = [
        _ticket("A", "question", first_team="experts"),
        _ticket("B", "question", first_team="unknown-team"),
    ]
    routed = route_replay(tickets, policy, history_teams=True)
    assert routed.team == ["experts", "desk"]


def test_targets_come_from_decided_sla(policy: Policy) -> None:
    routed = route_replay([_ticket("A", "bug")], policy)
    assert routed.sla_policy == ["standard"]
    assert routed.target[0].first_response.total_seconds() == 3600
