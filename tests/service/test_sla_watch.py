"""Live SLA clocks: warnings and breaches recorded once, and at-risk escalation."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tierdesk.events import EventKind
from tierdesk.service import sla_watch
from tierdesk.service.comments import CommentInput, add_comment
from tierdesk.service.context import ServiceContext
from tierdesk.service.intake import NewTicket, create_ticket
from tierdesk.service.jobs import sweep
from tierdesk.service.sla_watch import check_sla, ticket_sla
from tierdesk.service.tickets import get_events, get_ticket
from tierdesk.store.history import SlaAlertRow

from .conftest import ADMIN, WEDNESDAY

# Standard tickets have 8 hours to first response and 2 days to resolution,
# counted 24x7 for the vendor team, with a warning at 75% of each.
FIRST_RESPONSE_WARNING = WEDNESDAY + timedelta(hours=6)
FIRST_RESPONSE_DUE = WEDNESDAY + timedelta(hours=8)


def _new(context: ServiceContext) -> str:
    draft = NewTicket(subject="help", inquiry_type="cards")
    return create_ticket(context, ADMIN, draft, WEDNESDAY).ticket.id


def _alerts(context: ServiceContext) -> list[tuple[str, str]]:
    with context.engine.connect() as connection:
        rows = connection.execute(
            select(SlaAlertRow.clock, SlaAlertRow.kind).order_by(SlaAlertRow.id)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_clocks_of_new_ticket(context: ServiceContext) -> None:
    ticket_id = _new(context)
    view = ticket_sla(context, ADMIN, ticket_id, WEDNESDAY + timedelta(hours=1))
    first = view.clocks[0]
    assert view.sla_policy == "standard"
    assert first.name == "first_response"
    assert first.status == "running"
    assert first.remaining_minutes == 420
    assert first.due_at == FIRST_RESPONSE_DUE


def test_warning_escalates_once(context: ServiceContext) -> None:
    ticket_id = _new(context)
    assert check_sla(context, FIRST_RESPONSE_WARNING - timedelta(minutes=1)) == 0
    assert check_sla(context, FIRST_RESPONSE_WARNING) == 1
    assert _alerts(context) == [("first_response", "warning")]
    ticket = get_ticket(context, ADMIN, ticket_id)
    assert ticket.team == "specialists"
    escalated = [
        e
        for e in get_events(context, ADMIN, ticket_id)
        if e.kind == EventKind.ESCALATED
    ]
    assert escalated[0].attributes["rule"] == "at-risk"
    assert check_sla(context, FIRST_RESPONSE_WARNING + timedelta(minutes=30)) == 0


def test_breach_recorded_after_warning(context: ServiceContext) -> None:
    _new(context)
    check_sla(context, FIRST_RESPONSE_WARNING)
    assert check_sla(context, FIRST_RESPONSE_DUE + timedelta(minutes=1)) == 1
    assert _alerts(context) == [
        ("first_response", "warning"),
        ("first_response", "breach"),
    ]


def test_reply_stops_first_response_clock(context: ServiceContext) -> None:
    ticket_id = _new(context)
    reply = CommentInput(body="on it", public=True)
    add_comment(context, ADMIN, ticket_id, reply, WEDNESDAY + timedelta(hours=1))
    assert check_sla(context, FIRST_RESPONSE_DUE + timedelta(hours=1)) == 0


def test_parallel_checks_record_once(context: ServiceContext) -> None:
    for _ in range(5):
        _new(context)
    barrier = threading.Barrier(3)
    counts: list[int] = []

    def run() -> None:
        barrier.wait()
        counts.append(check_sla(context, FIRST_RESPONSE_DUE + timedelta(minutes=1)))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 10
    assert len(_alerts(context)) == 10


def test_sweep_reports_alerts(context: ServiceContext) -> None:
    _new(context)
    result = sweep(context, FIRST_RESPONSE_WARNING)
    assert result.sla_alerts == 1


def test_sweep_skips_later_tickets(context: ServiceContext) -> None:
    _new(context)
    # Created while a sweep whose clock was read earlier is still scanning.
    later = NewTicket(subject="later", inquiry_type="cards")
    create_ticket(context, ADMIN, later, FIRST_RESPONSE_WARNING + timedelta(hours=1))
    assert check_sla(context, FIRST_RESPONSE_WARNING) == 1
    assert _alerts(context) == [("first_response", "warning")]


def test_sweep_survives_failed_ticket(
    context: ServiceContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _new(context)
    _new(context)
    real = sla_watch._check_ticket

    def failing(context: ServiceContext, ticket_id: int, now: datetime) -> int:
        if ticket_id == 1:
            raise ValueError("no events applied yet")
        return real(context, ticket_id, now)

    monkeypatch.setattr(sla_watch, "_check_ticket", failing)
    assert check_sla(context, FIRST_RESPONSE_WARNING) == 1
    assert first
