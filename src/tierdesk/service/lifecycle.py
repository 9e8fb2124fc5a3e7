"""Ticket status changes: the allowed transitions, reopening within the window,
and closing solved tickets once the window has passed."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tierdesk.events import EventKind, TicketStatus
from tierdesk.jobs.names import CLOSE_TICKET, SEND_SURVEY
from tierdesk.jobs.queue import enqueue
from tierdesk.service.actor import SYSTEM, Actor
from tierdesk.service.assignment import assign_waiting
from tierdesk.service.audit import record_audit
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import Conflict
from tierdesk.service.escalation import apply_escalation_rules
from tierdesk.service.fields import InputModel
from tierdesk.service.history import record_event
from tierdesk.service.permissions import require
from tierdesk.service.policies import load_active
from tierdesk.service.policy_cache import PolicyRevision
from tierdesk.service.ticket_access import find_ticket
from tierdesk.service.ticket_views import TicketView, load_view
from tierdesk.service.transactions import read_session, write_session
from tierdesk.store.history import EventRow
from tierdesk.store.schema import TicketRow
from tierdesk.webhooks.publish import publish_events

logger = logging.getLogger(__name__)

_WORKING = {TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD}
# Statuses a ticket may move to from each status; `new` is only ever the first.
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.NEW: frozenset({*_WORKING, TicketStatus.SOLVED}),
    TicketStatus.OPEN: frozenset({*_WORKING, TicketStatus.SOLVED}),
    TicketStatus.PENDING: frozenset({*_WORKING, TicketStatus.SOLVED}),
    TicketStatus.ON_HOLD: frozenset({*_WORKING, TicketStatus.SOLVED}),
    TicketStatus.SOLVED: frozenset({*_WORKING, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset(),
}


class StatusInput(InputModel):
    status: TicketStatus


def change_status_locked(
    session: Session,
    context: ServiceContext,
    revision: PolicyRevision,
    ticket: TicketRow,
    status: TicketStatus,
    actor: Actor,
    now: datetime,
    **attributes: object,
) -> bool:
    """Move a locked ticket to `status` and record the event; False if unchanged.

    Raises Conflict for a transition the lifecycle does not allow, and for a
    reopen after the reopen window.
    """
    current = TicketStatus(ticket.status)
    if status == current:
        return False
    if status not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none"
        raise Conflict(
            "invalid_transition",
            f"ticket {ticket.external_id!r} cannot go from {current} to {status}; "
            f"allowed: {allowed}",
            field="status",
        )
    ticket.status = status.value
    ticket.updated_at = now
    if status == TicketStatus.SOLVED:
        ticket.solved_at = now
        record_event(session, ticket, EventKind.SOLVED, actor, now, **attributes)
        _after_solve(session, context, revision, ticket, now)
    elif status == TicketStatus.CLOSED:
        ticket.closed_at = now
        record_event(session, ticket, EventKind.CLOSED, actor, now, **attributes)
    elif current == TicketStatus.SOLVED:
        _reopen(session, context, revision, ticket, actor, now, attributes)
    else:
        record_event(
            session, ticket, EventKind.STATUS_CHANGED, actor, now, **attributes
        )
    return True


def solve_count(session: Session, ticket: TicketRow) -> int:
    """Return how often the ticket has been solved; the latest solve has this number."""
    return (
        session.scalar(
            select(func.count())
            .select_from(EventRow)
            .where(EventRow.ticket_id == ticket.id, EventRow.kind == EventKind.SOLVED)
        )
        or 0
    )


def _after_solve(
    session: Session,
    context: ServiceContext,
    revision: PolicyRevision,
    ticket: TicketRow,
    now: datetime,
) -> None:
    # The jobs name the solve they belong to, so a job of a solve that was
    # reopened since finds a newer solve and does nothing.
    solve = solve_count(session, ticket)
    enqueue(
        session,
        CLOSE_TICKET,
        now,
        run_at=now + context.config.reopen_window,
        ticket=ticket.id,
        solve=solve,
    )
    if context.config.mail.sends_surveys and ticket.requester_id is not None:
        enqueue(
            session,
            SEND_SURVEY,
            now,
            run_at=now + context.config.mail.survey_delay,
            ticket=ticket.id,
            solve=solve,
        )
    publish_events(session, revision, ticket, now, [("ticket.solved", {})])


def _reopen(
    session: Session,
    context: ServiceContext,
    revision: PolicyRevision,
    ticket: TicketRow,
    actor: Actor,
    now: datetime,
    attributes: dict[str, object],
) -> None:
    window = context.config.reopen_window
    if ticket.solved_at is not None and now - ticket.solved_at > window:
        raise Conflict(
            "reopen_window_expired",
            f"ticket {ticket.external_id!r} was solved more than {window} ago and "
            "can no longer be reopened; create a follow-up ticket",
            field="status",
        )
    ticket.reopen_count += 1
    ticket.solved_at = None
    record_event(session, ticket, EventKind.REOPENED, actor, now, **attributes)
    apply_escalation_rules(
        session, revision, ticket, "reopened", now, reopens=ticket.reopen_count
    )


def change_status(
    context: ServiceContext,
    actor: Actor,
    ticket_id: str,
    data: StatusInput,
    now: datetime,
) -> TicketView:
    require(actor, "ticket.status")
    with read_session(context.engine) as session:
        revision = load_active(context, session)
    with write_session(context.engine) as session:
        ticket = find_ticket(session, actor, ticket_id, lock=True)
        previous = ticket.status
        changed = change_status_locked(
            session, context, revision, ticket, data.status, actor, now
        )
        if changed:
            record_audit(
                session,
                actor,
                "ticket.status",
                "ticket",
                ticket_id,
                now,
                previous=previous,
                status=ticket.status,
            )
        team = ticket.team
    if changed and team is not None:
        # A solved ticket frees its agent's capacity; a reopened or escalated
        # one may need an agent.
        assign_waiting(context, team, now)
    # A second reopen may escalate the ticket out of the actor's teams.
    return load_view(context, actor, ticket_id, moved=True)


def close_solved_tickets(
    context: ServiceContext, now: datetime, *, limit: int = 1000
) -> int:
    """Close tickets solved longer ago than the reopen window; return how many."""
    cutoff = now - context.config.reopen_window
    with read_session(context.engine) as session:
        revision = load_active(context, session)
    with write_session(context.engine) as session:
        tickets = session.scalars(
            select(TicketRow)
            .where(TicketRow.status == "solved", TicketRow.solved_at <= cutoff)
            .order_by(TicketRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for ticket in tickets:
            change_status_locked(
                session,
                context,
                revision,
                ticket,
                TicketStatus.CLOSED,
                SYSTEM,
                now,
                reason="reopen window passed",
            )
    if tickets:
        logger.info("closed %d solved tickets", len(tickets))
    return len(tickets)


def close_after_window(
    context: ServiceContext, args: dict[str, Any], now: datetime
) -> None:
    """Close one ticket once the reopen window of its solve has passed (a job).

    Does nothing when the ticket was reopened, solved again or closed since.
    """
    with read_session(context.engine) as session:
        revision = load_active(context, session)
    with write_session(context.engine) as session:
        ticket = session.scalar(
            select(TicketRow).where(TicketRow.id == args["ticket"]).with_for_update()
        )
        if ticket is None or ticket.status != TicketStatus.SOLVED:
            return
        if solve_count(session, ticket) != args["solve"]:
            return
        window = context.config.reopen_window
        if ticket.solved_at is None or now - ticket.solved_at < window:
            return
        change_status_locked(
            session,
            context,
            revision,
            ticket,
            TicketStatus.CLOSED,
            SYSTEM,
            now,
            reason="reopen window passed",
        )
    logger.info("closed ticket %s after its reopen window", ticket.external_id)
