"""Escalation along paths, automatic rules, bug links and CSAT."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tierdesk.events import EventKind
from tierdesk.service.bugs import (
    BugGroupInput,
    BugInput,
    BugStateInput,
    link_bug,
    park_on_bug,
    set_bug_state,
)
from tierdesk.service.context import ServiceContext
from tierdesk.service.csat import Gone, RatingInput, issue_csat_link, rate
from tierdesk.service.errors import Conflict, InvalidInput, NotFound
from tierdesk.service.escalation import EscalationInput, escalate_ticket
from tierdesk.service.intake import NewTicket, create_ticket
from tierdesk.service.lifecycle import StatusInput, change_status
from tierdesk.service.tickets import get_events, get_ticket

from .conftest import ADMIN, WEDNESDAY


def _new(context: ServiceContext, inquiry_type: str = "cards") -> str:
    draft = NewTicket(subject="help", inquiry_type=inquiry_type)
    return create_ticket(context, ADMIN, draft, WEDNESDAY).ticket.id


def _status(
    context: ServiceContext, ticket_id: str, status: str, minutes: int = 0
) -> None:
    now = WEDNESDAY + timedelta(minutes=minutes)
    change_status(context, ADMIN, ticket_id, StatusInput(status=status), now)  # type: ignore[arg-type]


def test_escalation_follows_path(context: ServiceContext) -> None:
    ticket_id = _new(context)
    first = escalate_ticket(context, ADMIN, ticket_id, EscalationInput(), WEDNESDAY)
    second = escalate_ticket(context, ADMIN, ticket_id, EscalationInput(), WEDNESDAY)
    assert first.team == "specialists"
    assert second.team == "product"
    assert second.tier == "escalation"
    with pytest.raises(Conflict) as caught:
        escalate_ticket(context, ADMIN, ticket_id, EscalationInput(), WEDNESDAY)
    assert caught.value.code == "no_escalation_path"
    escalated = [
        e
        for e in get_events(context, ADMIN, ticket_id)
        if e.kind == EventKind.ESCALATED
    ]
    assert [(e.attributes["from_team"], e.team) for e in escalated] == [
        ("vendor", "specialists"),
        ("specialists", "product"),
    ]


def test_escalation_may_skip_up_the_path(context: ServiceContext) -> None:
    ticket_id = _new(context)
    skipped = escalate_ticket(
        context, ADMIN, ticket_id, EscalationInput(to_team="product"), WEDNESDAY
    )
    assert skipped.team == "product"


def test_escalation_never_goes_down(context: ServiceContext) -> None:
    ticket_id = _new(context)
    escalate_ticket(context, ADMIN, ticket_id, EscalationInput(), WEDNESDAY)
    with pytest.raises(InvalidInput) as caught:
        escalate_ticket(
            context, ADMIN, ticket_id, EscalationInput(to_team="vendor"), WEDNESDAY
        )
    assert caught.value.code == "invalid_escalation"
    assert caught.value.field == "to_team"


def test_second_reopen_escalates(context: ServiceContext) -> None:
    ticket_id = _new(context)
    _status(context, ticket_id, "solved")
    _status(context, ticket_id, "open", 10)
    assert get_ticket(context, ADMIN, ticket_id).team == "vendor"
    _status(context, ticket_id, "solved", 20)
    _status(context, ticket_id, "open", 30)
    ticket = get_ticket(context, ADMIN, ticket_id)
    assert ticket.team == "specialists"
    escalated = [
        e
        for e in get_events(context, ADMIN, ticket_id)
        if e.kind == EventKind.ESCALATED
    ]
    assert escalated[0].attributes["rule"] == "reopened-twice"
    assert escalated[0].actor == "system"


def test_csat_link_and_rating(context: ServiceContext) -> None:
    ticket_id = _new(context)
    with pytest.raises(Conflict) as caught:
        issue_csat_link(context, ADMIN, ticket_id, WEDNESDAY)
    assert caught.value.code == "ticket_not_solved"
    _status(context, ticket_id, "solved")
    link = issue_csat_link(context, ADMIN, ticket_id, WEDNESDAY)
    assert link.url.endswith(link.token)
    result = rate(context, link.token, RatingInput(score=5), WEDNESDAY)
    assert result.escalated is False
    with pytest.raises(Conflict) as caught:
        rate(context, link.token, RatingInput(score=4), WEDNESDAY)
    assert caught.value.code == "already_rated"
    last = get_events(context, ADMIN, ticket_id)[-1]
    assert last.kind == EventKind.CSAT_RATED
    assert last.attributes["score"] == 5
    assert last.actor == "requester"


def test_low_rating_reopens_and_escalates(context: ServiceContext) -> None:
    ticket_id = _new(context)
    _status(context, ticket_id, "solved")
    link = issue_csat_link(context, ADMIN, ticket_id, WEDNESDAY)
    result = rate(context, link.token, RatingInput(score=2, comment="slow"), WEDNESDAY)
    assert result.escalated is True
    ticket = get_ticket(context, ADMIN, ticket_id)
    assert ticket.status == "open"
    assert ticket.team == "specialists"
    kinds = [e.kind for e in get_events(context, ADMIN, ticket_id)][-4:]
    assert kinds == [
        EventKind.CSAT_RATED,
        EventKind.REOPENED,
        EventKind.ESCALATED,
        EventKind.TEAM_ASSIGNED,
    ]


def test_rating_link_expires(context: ServiceContext) -> None:
    ticket_id = _new(context)
    _status(context, ticket_id, "solved")
    link = issue_csat_link(context, ADMIN, ticket_id, WEDNESDAY)
    late = link.expires_at + timedelta(seconds=1)
    with pytest.raises(Gone) as caught:
        rate(context, link.token, RatingInput(score=4), late)
    assert caught.value.code == "csat_link_expired"
    with pytest.raises(NotFound):
        rate(context, "not-a-token", RatingInput(score=4), WEDNESDAY)


def test_reissued_link_replaces_old(context: ServiceContext) -> None:
    ticket_id = _new(context)
    _status(context, ticket_id, "solved")
    old = issue_csat_link(context, ADMIN, ticket_id, WEDNESDAY)
    new = issue_csat_link(context, ADMIN, ticket_id, WEDNESDAY)
    with pytest.raises(NotFound):
        rate(context, old.token, RatingInput(score=4), WEDNESDAY)
    assert rate(context, new.token, RatingInput(score=4), WEDNESDAY).score == 4


def test_bug_parks_and_releases_tickets(context: ServiceContext) -> None:
    tickets = [_new(context, "identity") for _ in range(3)]
    bug = BugInput(external_id="BUG-7", url="https://bugs.example/7", title="login")
    link_bug(context, ADMIN, tickets[0], bug, WEDNESDAY)
    parked = park_on_bug(
        context, ADMIN, "BUG-7", BugGroupInput(ticket_ids=tickets), WEDNESDAY
    )
    assert sorted(parked.tickets) == sorted(tickets)
    assert {get_ticket(context, ADMIN, t).status for t in tickets} == {"on_hold"}
    assert get_ticket(context, ADMIN, tickets[1]).bugs == ["BUG-7"]
    fixed = set_bug_state(
        context, ADMIN, "BUG-7", BugStateInput(state="fixed"), WEDNESDAY
    )
    assert fixed.state == "fixed"
    assert {get_ticket(context, ADMIN, t).status for t in tickets} == {"open"}


def test_bug_group_is_all_or_nothing(context: ServiceContext) -> None:
    ticket_id = _new(context, "identity")
    closed_id = _new(context, "identity")
    _status(context, closed_id, "solved")
    _status(context, closed_id, "closed")
    link_bug(
        context,
        ADMIN,
        ticket_id,
        BugInput(external_id="B-1", url="https://b/1"),
        WEDNESDAY,
    )
    with pytest.raises(Conflict) as caught:
        park_on_bug(
            context,
            ADMIN,
            "B-1",
            BugGroupInput(ticket_ids=[ticket_id, closed_id]),
            WEDNESDAY,
        )
    assert caught.value.code == "invalid_transition"
    assert get_ticket(context, ADMIN, ticket_id).status != "on_hold"
    with pytest.raises(NotFound) as missing:
        park_on_bug(
            context,
            ADMIN,
            "B-1",
            BugGroupInput(ticket_ids=[ticket_id, "T-nope"]),
            WEDNESDAY,
        )
    assert missing.value.field == "ticket_ids[1]"


def test_bug_url_must_match(context: ServiceContext) -> None:
    ticket_id = _new(context)
    link_bug(
        context,
        ADMIN,
        ticket_id,
        BugInput(external_id="B-2", url="https://b/2"),
        WEDNESDAY,
    )
    with pytest.raises(Conflict) as caught:
        link_bug(
            context,
            ADMIN,
            ticket_id,
            BugInput(external_id="B-2", url="https://b/3"),
            WEDNESDAY,
        )
    assert caught.value.code == "bug_url_mismatch"
