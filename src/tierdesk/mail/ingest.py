"""Incoming e-mail: a new ticket, or a reply threaded onto an existing one.

A message threads onto a ticket when its In-Reply-To or References name a
Message-ID the service has received or sent for that ticket, or else when its
subject holds the ticket reference `[T-...]`. A reply from the ticket's own
requester resumes a pending ticket and reopens a solved one within the reopen
window. A reply from anyone else is added as a comment only. A reply to a
closed ticket, or to one solved longer ago than the window, opens a follow-up
ticket. Every outcome is one transaction, so a rejected message writes nothing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tierdesk.events import EventKind, TicketStatus
from tierdesk.mail.parse import IncomingEmail, parse_email
from tierdesk.service.actor import REQUESTER, Actor, Role
from tierdesk.service.assignment import assign_waiting
from tierdesk.service.audit import record_audit
from tierdesk.service.context import ServiceContext
from tierdesk.service.history import record_event
from tierdesk.service.intake import NewTicket, create_ticket
from tierdesk.service.lifecycle import change_status_locked
from tierdesk.service.policies import load_active
from tierdesk.service.requesters import RequesterInput, upsert_requester
from tierdesk.service.transactions import read_session, write_session
from tierdesk.store.history import CommentRow
from tierdesk.store.mail import EmailMessageRow
from tierdesk.store.people import RequesterRow
from tierdesk.store.schema import TicketRow

logger = logging.getLogger(__name__)

# The actor of tickets created from e-mail; its role may create tickets.
EMAIL = Actor(name="email", role=Role.INTEGRATION)
TICKET_REFERENCE = re.compile(r"\[(T-[0-9a-f]{12})\]")


@dataclass(frozen=True)
class IngestResult:
    """The outcome of one message: `created`, `replied`, `follow_up` or `duplicate`."""

    outcome: str
    ticket_id: str
    status: str


def ingest_email(context: ServiceContext, raw: bytes, now: datetime) -> IngestResult:
    """Create a ticket from one message, or add it to the ticket it replies to.

    Raises EmailRejected (or another ServiceError, such as
    inquiry_type_required without a model) and stores nothing when the message
    cannot be taken. A message whose Message-ID was already taken is reported as
    a duplicate and changes nothing.
    """
    message = parse_email(raw, max_bytes=context.config.mail.max_bytes)
    duplicate = _find_duplicate(context, message)
    if duplicate is not None:
        return duplicate
    with read_session(context.engine) as session:
        thread = find_thread(session, message)
    follow_up_of = None
    if thread is not None:
        try:
            replied = _add_reply(context, message, thread, now)
        except IntegrityError as exc:
            return _duplicate_or_raise(context, message, exc)
        if replied is not None:
            return replied
        follow_up_of = thread
    try:
        return _create(context, message, now, follow_up_of)
    except IntegrityError as exc:
        return _duplicate_or_raise(context, message, exc)


def find_thread(session: Session, message: IncomingEmail) -> str | None:
    """Return the id of the ticket the message replies to, if any."""
    if message.references:
        rows = session.execute(
            select(EmailMessageRow.message_id, TicketRow.external_id)
            .join(TicketRow, TicketRow.id == EmailMessageRow.ticket_id)
            .where(EmailMessageRow.message_id.in_(message.references))
        ).all()
        by_message = dict(rows)  # type: ignore[arg-type]
        for reference in message.references:
            if reference in by_message:
                return str(by_message[reference])
    found = TICKET_REFERENCE.search(message.subject)
    if found:
        return session.scalar(
            select(TicketRow.external_id).where(TicketRow.external_id == found.group(1))
        )
    return None


def _find_duplicate(
    context: ServiceContext, message: IncomingEmail
) -> IngestResult | None:
    with read_session(context.engine) as session:
        row = session.execute(
            select(TicketRow.external_id, TicketRow.status)
            .join(EmailMessageRow, EmailMessageRow.ticket_id == TicketRow.id)
            .where(EmailMessageRow.message_id == message.message_id)
        ).first()
    if row is None:
        return None
    return IngestResult("duplicate", row[0], row[1])


def _duplicate_or_raise(
    context: ServiceContext, message: IncomingEmail, error: IntegrityError
) -> IngestResult:
    # A concurrent delivery of the same message may have committed first.
    duplicate = _find_duplicate(context, message)
    if duplicate is None:
        raise error
    return duplicate


def _create(
    context: ServiceContext,
    message: IncomingEmail,
    now: datetime,
    follow_up_of: str | None,
) -> IngestResult:
    with read_session(context.engine) as session:
        channels = load_active(context, session).policy.channels
    draft = NewTicket(
        subject=message.subject,
        body=message.text,
        channel="email" if "email" in channels else None,
        requester=RequesterInput(email=message.sender, name=message.sender_name),
    )

    def add_email_rows(session: Session, ticket: TicketRow) -> None:
        if follow_up_of is not None:
            _note(session, ticket, f"Follow-up to ticket {follow_up_of}.", now)
        _record_message(session, ticket, ticket.requester_id, message, "ticket", now)

    created = create_ticket(context, EMAIL, draft, now, on_write=add_email_rows)
    outcome = "created" if follow_up_of is None else "follow_up"
    logger.info("e-mail %s ticket %s", outcome, created.ticket.id)
    return IngestResult(outcome, created.ticket.id, created.ticket.status)


def _add_reply(
    context: ServiceContext, message: IncomingEmail, ticket_id: str, now: datetime
) -> IngestResult | None:
    with read_session(context.engine) as session:
        revision = load_active(context, session)
    window = context.config.reopen_window
    with write_session(context.engine) as session:
        ticket = session.scalar(
            select(TicketRow)
            .where(TicketRow.external_id == ticket_id)
            .with_for_update()
        )
        assert ticket is not None
        expired = (
            ticket.status == TicketStatus.SOLVED
            and ticket.solved_at is not None
            and now - ticket.solved_at > window
        )
        if ticket.status == TicketStatus.CLOSED or expired:
            return None
        sender = _sender_row(session, message, now)
        event = record_event(session, ticket, EventKind.PUBLIC_REPLY, REQUESTER, now)
        session.add(
            CommentRow(
                ticket_id=ticket.id,
                sequence=event.sequence,
                author=sender.external_id,
                public=True,
                body=message.text,
                created_at=now,
            )
        )
        previous = ticket.status
        if sender.id == ticket.requester_id and previous in (
            TicketStatus.PENDING,
            TicketStatus.SOLVED,
        ):
            change_status_locked(
                session,
                context,
                revision,
                ticket,
                TicketStatus.OPEN,
                REQUESTER,
                now,
                reason="requester replied by e-mail",
            )
        _record_message(session, ticket, sender.id, message, "reply", now)
        record_audit(
            session,
            REQUESTER,
            "ticket.email_reply",
            "ticket",
            ticket_id,
            now,
            previous=previous,
            status=ticket.status,
        )
        status, team = ticket.status, ticket.team
    logger.info(
        "e-mail reply added to ticket %s (%s -> %s)", ticket_id, previous, status
    )
    if status != previous and team is not None:
        assign_waiting(context, team, now)
    return IngestResult("replied", ticket_id, status)


def _sender_row(
    session: Session, message: IncomingEmail, now: datetime
) -> RequesterRow:
    # A known requester keeps their stored name; a new one takes the From name.
    existing = session.scalar(
        select(RequesterRow).where(RequesterRow.email == message.sender)
    )
    if existing is not None:
        return existing
    return upsert_requester(
        session, RequesterInput(email=message.sender, name=message.sender_name), now
    )


def _record_message(
    session: Session,
    ticket: TicketRow,
    requester_id: int | None,
    message: IncomingEmail,
    purpose: str,
    now: datetime,
) -> None:
    session.add(
        EmailMessageRow(
            message_id=message.message_id,
            direction="in",
            purpose=purpose,
            ticket_id=ticket.id,
            requester_id=requester_id,
            attachments=message.attachments,
            truncated=message.truncated,
            at=now,
        )
    )
    if message.attachments:
        listed = "; ".join(
            f"{item['filename'] or 'unnamed'} ({item['content_type']}, "
            f"{item['size']} bytes)"
            for item in message.attachments
        )
        _note(session, ticket, f"E-mail attachments, not stored: {listed}.", now)
    if message.truncated:
        _note(session, ticket, "The e-mail text was cut to 100,000 characters.", now)
    session.flush()


def _note(session: Session, ticket: TicketRow, text: str, now: datetime) -> None:
    event = record_event(session, ticket, EventKind.INTERNAL_NOTE, EMAIL, now)
    session.add(
        CommentRow(
            ticket_id=ticket.id,
            sequence=event.sequence,
            author=EMAIL.name,
            public=False,
            body=text,
            created_at=now,
        )
    )
