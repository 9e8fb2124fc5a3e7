"""Ticket events: written beside every change, read back as `tierdesk.events.Event`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tierdesk.events import Event, EventKind
from tierdesk.service.actor import Actor
from tierdesk.store.history import EventRow
from tierdesk.store.people import AgentRow
from tierdesk.store.schema import TicketRow

# Key of `Session.info` that maps ticket row ids to their next event sequence.
_NEXT_SEQUENCE = "tierdesk.next_event_sequence"


def record_event(
    session: Session,
    ticket: TicketRow,
    kind: EventKind,
    actor: Actor | str,
    now: datetime,
    **attributes: Any,
) -> EventRow:
    """Add an event with the ticket's state after the change.

    The caller holds the ticket's row lock (or created the ticket), so the
    next sequence number cannot be taken twice. The first event of a ticket in
    a session reads the ticket's last sequence; later ones count on from it.
    The row is inserted at the session's next flush.
    """
    if ticket.id is None:
        session.flush()
    sequences = session.info.setdefault(_NEXT_SEQUENCE, {})
    sequence = sequences.get(ticket.id)
    if sequence is None:
        last = session.scalar(
            select(func.max(EventRow.sequence)).where(EventRow.ticket_id == ticket.id)
        )
        sequence = 0 if last is None else last + 1
    sequences[ticket.id] = sequence + 1
    agent = session.get(AgentRow, ticket.agent_id) if ticket.agent_id else None
    row = EventRow(
        ticket_id=ticket.id,
        sequence=sequence,
        at=now,
        kind=kind.value,
        actor=actor if isinstance(actor, str) else actor.name,
        team=ticket.team,
        tier=ticket.tier,
        agent=agent.external_id if agent else None,
        status=ticket.status,
        attributes=attributes,
    )
    session.add(row)
    return row


def start_history(session: Session, ticket: TicketRow) -> None:
    """Note that `ticket` was created in this session, so it has no events yet."""
    session.info.setdefault(_NEXT_SEQUENCE, {})[ticket.id] = 0


def to_event(row: EventRow, ticket_external_id: str) -> Event:
    return Event(
        ticket_id=ticket_external_id,
        at=row.at,
        kind=EventKind(row.kind),
        actor=row.actor,
        team=row.team,
        tier=row.tier,
        agent=row.agent,
        status=row.status,
        source_status=row.source_status,
        attributes=row.attributes or {},
        sequence=row.sequence,
    )


def ticket_history(session: Session, ticket: TicketRow) -> list[Event]:
    """Return the ticket's events in order."""
    rows = session.scalars(
        select(EventRow)
        .where(EventRow.ticket_id == ticket.id)
        .order_by(EventRow.sequence)
    )
    return [to_event(row, ticket.external_id) for row in rows]
