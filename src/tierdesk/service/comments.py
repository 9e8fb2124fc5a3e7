"""Public replies and internal notes on a ticket."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, StrictBool
from sqlalchemy import select

from tierdesk.events import EventKind, TicketStatus
from tierdesk.service.actor import Actor
from tierdesk.service.assignment import assign_waiting
from tierdesk.service.audit import record_audit
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import Conflict
from tierdesk.service.fields import InputModel
from tierdesk.service.history import record_event
from tierdesk.service.lifecycle import change_status_locked
from tierdesk.service.masking import mask_text
from tierdesk.service.permissions import require
from tierdesk.service.policies import load_active
from tierdesk.service.ticket_access import find_ticket
from tierdesk.service.ticket_views import requester_names
from tierdesk.service.transactions import read_session, write_session
from tierdesk.store.history import CommentRow


class CommentInput(InputModel):
    """A comment; `status`, when given, is set in the same transaction."""

    body: str = Field(min_length=1, max_length=100_000)
    public: StrictBool
    status: TicketStatus | None = None


class CommentView(BaseModel):
    id: int
    author: str
    public: bool
    body: str
    created_at: datetime


def add_comment(
    context: ServiceContext,
    actor: Actor,
    ticket_id: str,
    data: CommentInput,
    now: datetime,
) -> CommentView:
    """Add a public reply or an internal note.

    A public reply to a new ticket opens it, unless `status` sets another status.
    """
    require(actor, "ticket.comment")
    with read_session(context.engine) as session:
        revision = load_active(context, session)
    with write_session(context.engine) as session:
        ticket = find_ticket(session, actor, ticket_id, lock=True)
        if ticket.status == TicketStatus.CLOSED:
            raise Conflict(
                "ticket_closed",
                f"ticket {ticket_id!r} is closed; create a follow-up ticket",
                field="ticket_id",
            )
        kind = EventKind.PUBLIC_REPLY if data.public else EventKind.INTERNAL_NOTE
        event = record_event(session, ticket, kind, actor, now)
        comment = CommentRow(
            ticket_id=ticket.id,
            sequence=event.sequence,
            author=actor.name,
            public=data.public,
            body=data.body,
            created_at=now,
        )
        session.add(comment)
        status = data.status
        if status is None and data.public and ticket.status == TicketStatus.NEW:
            status = TicketStatus.OPEN
        changed = False
        if status is not None:
            changed = change_status_locked(
                session, context, revision, ticket, status, actor, now
            )
        record_audit(
            session,
            actor,
            "ticket.comment",
            "ticket",
            ticket_id,
            now,
            public=data.public,
            status=ticket.status,
        )
        session.flush()
        view = _view(comment, actor, requester_names(session, ticket))
        team = ticket.team
    if changed and team is not None:
        assign_waiting(context, team, now)
    return view


def list_comments(
    context: ServiceContext, actor: Actor, ticket_id: str
) -> list[CommentView]:
    require(actor, "ticket.read")
    with read_session(context.engine) as session:
        ticket = find_ticket(session, actor, ticket_id)
        names = requester_names(session, ticket)
        rows = session.scalars(
            select(CommentRow)
            .where(CommentRow.ticket_id == ticket.id)
            .order_by(CommentRow.sequence)
        )
        return [_view(row, actor, names) for row in rows]


def _view(row: CommentRow, actor: Actor, names: list[str]) -> CommentView:
    body = mask_text(row.body, names) if actor.masks_personal_data else row.body
    return CommentView(
        id=row.id,
        author=row.author,
        public=row.public,
        body=body,
        created_at=row.created_at,
    )
