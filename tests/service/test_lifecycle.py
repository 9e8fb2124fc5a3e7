"""Ticket lifecycle through the service: create, assign, reply, solve, reopen, close."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tierdesk.events import EventKind
from tierdesk.service.comments import CommentInput, add_comment
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import Conflict
from tierdesk.service.intake import NewTicket, create_ticket
from tierdesk.service.lifecycle import StatusInput, change_status, close_solved_tickets
from tierdesk.service.tickets import get_events, get_ticket

from .conftest import ADMIN, WEDNESDAY, add_agent


def _kinds(context: ServiceContext, ticket_id: str) -> list[str]:
    return [event.kind.value for event in get_events(context, ADMIN, ticket_id)]


def test_full_lifecycle_writes_events(context: ServiceContext) -> None:
    add_agent(context, "ana", ["vendor"])
    now = WEDNESDAY
    created = create_ticket(
        context,
        ADMIN,
        NewTicket(subject="card not here", inquiry_type="cards", channel="email"),
        now,
    ).ticket
    assert created.team == "vendor"
    assert created.agent_id == "ana"
    assert created.status == "open"
    assert created.decision is not None
    assert created.decision.rule == "default"
    assert created.policy_version == "service-test@1"

    now += timedelta(minutes=5)
    add_comment(
        context, ADMIN, created.id, CommentInput(body="On its way", public=True), now
    )
    now += timedelta(minutes=5)
    change_status(context, ADMIN, created.id, StatusInput(status="pending"), now)
    now += timedelta(hours=1)
    change_status(context, ADMIN, created.id, StatusInput(status="solved"), now)
    now += timedelta(days=1)
    reopened = change_status(
        context, ADMIN, created.id, StatusInput(status="open"), now
    )
    assert reopened.reopen_count == 1
    now += timedelta(hours=1)
    change_status(context, ADMIN, created.id, StatusInput(status="solved"), now)
    now += timedelta(minutes=1)
    closed = change_status(
        context, ADMIN, created.id, StatusInput(status="closed"), now
    )
    assert closed.status == "closed"
    assert _kinds(context, created.id) == [
        EventKind.CREATED,
        EventKind.TEAM_ASSIGNED,
        EventKind.AGENT_ASSIGNED,
        EventKind.STATUS_CHANGED,
        EventKind.PUBLIC_REPLY,
        EventKind.STATUS_CHANGED,
        EventKind.SOLVED,
        EventKind.REOPENED,
        EventKind.SOLVED,
        EventKind.CLOSED,
    ]


def test_events_hold_state_after_change(context: ServiceContext) -> None:
    add_agent(context, "ana", ["vendor"])
    ticket = create_ticket(
        context, ADMIN, NewTicket(subject="x", inquiry_type="cards"), WEDNESDAY
    ).ticket
    events = get_events(context, ADMIN, ticket.id)
    assert [e.sequence for e in events] == list(range(len(events)))
    assert events[0].team is None
    assert events[1].team == "vendor"
    assert events[1].tier == "frontline"
    assert events[2].agent == "ana"
    assert events[2].status == "new"
    assert events[3].status == "open"
    assert all(e.actor == "admin-test" for e in events[:2])
    assert all(e.at == WEDNESDAY for e in events)


def test_closed_ticket_rejects_changes(context: ServiceContext) -> None:
    ticket = create_ticket(
        context, ADMIN, NewTicket(subject="x", inquiry_type="cards"), WEDNESDAY
    ).ticket
    change_status(context, ADMIN, ticket.id, StatusInput(status="solved"), WEDNESDAY)
    change_status(context, ADMIN, ticket.id, StatusInput(status="closed"), WEDNESDAY)
    with pytest.raises(Conflict) as caught:
        change_status(context, ADMIN, ticket.id, StatusInput(status="open"), WEDNESDAY)
    assert caught.value.code == "invalid_transition"
    with pytest.raises(Conflict) as caught:
        add_comment(
            context, ADMIN, ticket.id, CommentInput(body="hi", public=True), WEDNESDAY
        )
    assert caught.value.code == "ticket_closed"


def test_reopen_after_window_is_rejected(context: ServiceContext) -> None:
    ticket = create_ticket(
        context, ADMIN, NewTicket(subject="x", inquiry_type="cards"), WEDNESDAY
    ).ticket
    change_status(context, ADMIN, ticket.id, StatusInput(status="solved"), WEDNESDAY)
    later = WEDNESDAY + context.config.reopen_window + timedelta(seconds=1)
    with pytest.raises(Conflict) as caught:
        change_status(context, ADMIN, ticket.id, StatusInput(status="open"), later)
    assert caught.value.code == "reopen_window_expired"
    assert get_ticket(context, ADMIN, ticket.id).status == "solved"


def test_worker_closes_after_window(context: ServiceContext) -> None:
    ticket = create_ticket(
        context, ADMIN, NewTicket(subject="x", inquiry_type="cards"), WEDNESDAY
    ).ticket
    change_status(context, ADMIN, ticket.id, StatusInput(status="solved"), WEDNESDAY)
    assert close_solved_tickets(context, WEDNESDAY + timedelta(days=1)) == 0
    later = WEDNESDAY + context.config.reopen_window + timedelta(minutes=1)
    assert close_solved_tickets(context, later) == 1
    events = get_events(context, ADMIN, ticket.id)
    assert events[-1].kind == EventKind.CLOSED
    assert events[-1].actor == "system"
    assert get_ticket(context, ADMIN, ticket.id).status == "closed"


def test_new_cannot_be_set_again(context: ServiceContext) -> None:
    ticket = create_ticket(
        context, ADMIN, NewTicket(subject="x", inquiry_type="cards"), WEDNESDAY
    ).ticket
    change_status(context, ADMIN, ticket.id, StatusInput(status="open"), WEDNESDAY)
    with pytest.raises(Conflict) as caught:
        change_status(context, ADMIN, ticket.id, StatusInput(status="new"), WEDNESDAY)
    assert caught.value.code == "invalid_transition"
