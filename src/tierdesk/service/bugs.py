"""Bug links: product specialists attach tracker bugs to tickets and park groups
of tickets on hold until the bug is fixed.

The event model has no kind for a link, so linking is recorded as an
internal_note event with `change: bug` and the bug's tracker id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from tierdesk.events import EventKind, TicketStatus
from tierdesk.service.actor import Actor
from tierdesk.service.audit import record_audit
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import Conflict, not_found
from tierdesk.service.fields import InputModel
from tierdesk.service.history import record_event
from tierdesk.service.lifecycle import change_status_locked
from tierdesk.service.permissions import require
from tierdesk.service.policies import load_active
from tierdesk.service.ticket_access import find_ticket
from tierdesk.service.transactions import read_session, write_session
from tierdesk.store.escalation import BugRow, TicketBugRow
from tierdesk.store.schema import TicketRow

# Tickets one request may park on a bug.
MAX_GROUP = 500


class BugInput(InputModel):
    external_id: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=1, max_length=2000)
    title: str = Field(default="", max_length=500)

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("expected an http or https URL of the bug")
        return value


class BugGroupInput(InputModel):
    """Tickets to link to a bug and put on hold until it is fixed."""

    ticket_ids: list[str] = Field(min_length=1, max_length=MAX_GROUP)


class BugStateInput(InputModel):
    state: Literal["open", "fixed", "closed"]


class BugView(BaseModel):
    id: str
    url: str
    title: str
    state: str
    tickets: list[str]
    created_at: datetime
    resolved_at: datetime | None


def _view(session: Session, actor: Actor, bug: BugRow) -> BugView:
    linked = session.execute(
        select(TicketRow.external_id, TicketRow.team)
        .join(TicketBugRow, TicketBugRow.ticket_id == TicketRow.id)
        .where(TicketBugRow.bug_id == bug.id)
        .order_by(TicketRow.id)
    ).all()
    return BugView(
        id=bug.external_id,
        url=bug.url,
        title=bug.title,
        state=bug.state,
        tickets=[ticket for ticket, team in linked if actor.sees_team(team)],
        created_at=bug.created_at,
        resolved_at=bug.resolved_at,
    )


def _find_bug(session: Session, bug_id: str, *, lock: bool = False) -> BugRow | None:
    statement = select(BugRow).where(BugRow.external_id == bug_id)
    if lock:
        statement = statement.with_for_update()
    return session.scalar(statement)


def _link(
    session: Session, actor: Actor, ticket: TicketRow, bug: BugRow, now: datetime
) -> bool:
    exists = session.get(TicketBugRow, (ticket.id, bug.id))
    if exists is not None:
        return False
    session.add(
        TicketBugRow(
            ticket_id=ticket.id, bug_id=bug.id, linked_at=now, linked_by=actor.name
        )
    )
    record_event(
        session,
        ticket,
        EventKind.INTERNAL_NOTE,
        actor,
        now,
        change="bug",
        bug=bug.external_id,
    )
    return True


def link_bug(
    context: ServiceContext, actor: Actor, ticket_id: str, data: BugInput, now: datetime
) -> BugView:
    """Attach a bug to a ticket, recording the bug on first use of its tracker id."""
    require(actor, "bug.write")
    with write_session(context.engine) as session:
        ticket = find_ticket(session, actor, ticket_id, lock=True)
        bug = _find_bug(session, data.external_id, lock=True)
        if bug is None:
            bug = BugRow(
                external_id=data.external_id,
                url=data.url,
                title=data.title,
                state="open",
                created_at=now,
                created_by=actor.name,
            )
            session.add(bug)
            session.flush()
        elif bug.url != data.url:
            raise Conflict(
                "bug_url_mismatch",
                f"bug {data.external_id!r} is stored with another URL",
                field="url",
            )
        if _link(session, actor, ticket, bug, now):
            ticket.updated_at = now
            record_audit(
                session,
                actor,
                "ticket.link_bug",
                "ticket",
                ticket_id,
                now,
                bug=bug.external_id,
            )
        return _view(session, actor, bug)


def park_on_bug(
    context: ServiceContext,
    actor: Actor,
    bug_id: str,
    data: BugGroupInput,
    now: datetime,
) -> BugView:
    """Link every ticket to the bug and put it on hold; all or none of them."""
    require(actor, "bug.write")
    with read_session(context.engine) as session:
        revision = load_active(context, session)
    with write_session(context.engine) as session:
        bug = _find_bug(session, bug_id, lock=True)
        if bug is None:
            raise not_found("bug", bug_id, "bug_id")
        ids = sorted(set(data.ticket_ids))
        # Locked in primary-key order, as every statement that waits for several
        # ticket locks is, so two such statements cannot deadlock.
        tickets = session.scalars(
            select(TicketRow)
            .where(TicketRow.external_id.in_(ids))
            .order_by(TicketRow.id)
            .with_for_update()
        ).all()
        found = {ticket.external_id: ticket for ticket in tickets}
        for index, ticket_id in enumerate(data.ticket_ids):
            ticket = found.get(ticket_id)
            if ticket is None or not actor.sees_team(ticket.team):
                raise not_found("ticket", ticket_id, f"ticket_ids[{index}]")
        for ticket in tickets:
            _link(session, actor, ticket, bug, now)
            change_status_locked(
                session,
                context,
                revision,
                ticket,
                TicketStatus.ON_HOLD,
                actor,
                now,
                bug=bug.external_id,
            )
        record_audit(session, actor, "bug.park", "bug", bug_id, now, tickets=ids)
        return _view(session, actor, bug)


def set_bug_state(
    context: ServiceContext,
    actor: Actor,
    bug_id: str,
    data: BugStateInput,
    now: datetime,
) -> BugView:
    """Change a bug's state; when fixed, its tickets on hold reopen to `open`."""
    require(actor, "bug.write")
    with read_session(context.engine) as session:
        revision = load_active(context, session)
    with write_session(context.engine) as session:
        bug = _find_bug(session, bug_id, lock=True)
        if bug is None:
            raise not_found("bug", bug_id, "bug_id")
        previous = bug.state
        bug.state = data.state
        bug.resolved_at = now if data.state != "open" else None
        resumed: list[str] = []
        if data.state == "fixed" and previous != "fixed":
            tickets = session.scalars(
                select(TicketRow)
                .join(TicketBugRow, TicketBugRow.ticket_id == TicketRow.id)
                .where(TicketBugRow.bug_id == bug.id, TicketRow.status == "on_hold")
                .order_by(TicketRow.id)
                .with_for_update(of=TicketRow)
            ).all()
            for ticket in tickets:
                change_status_locked(
                    session,
                    context,
                    revision,
                    ticket,
                    TicketStatus.OPEN,
                    actor,
                    now,
                    bug=bug.external_id,
                )
                resumed.append(ticket.external_id)
        record_audit(
            session,
            actor,
            "bug.state",
            "bug",
            bug_id,
            now,
            state=data.state,
            tickets=resumed,
        )
        return _view(session, actor, bug)


def get_bug(context: ServiceContext, actor: Actor, bug_id: str) -> BugView:
    require(actor, "bug.read")
    with read_session(context.engine) as session:
        bug = _find_bug(session, bug_id)
        if bug is None:
            raise not_found("bug", bug_id, "bug_id")
        return _view(session, actor, bug)
