"""Reading and listing tickets, and reading their events and decisions."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from pydantic import Field
from sqlalchemy import Select, select

from tierdesk.events import Event, TicketStatus
from tierdesk.service.actor import Actor
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import InvalidInput, not_found
from tierdesk.service.fields import InputModel, UtcDatetime
from tierdesk.service.history import ticket_history
from tierdesk.service.permissions import require
from tierdesk.service.ticket_access import find_ticket
from tierdesk.service.ticket_views import (
    DecisionView,
    TicketView,
    decision_view,
    ticket_view,
    ticket_views,
)
from tierdesk.service.transactions import read_session
from tierdesk.store.people import AgentRow, RequesterRow
from tierdesk.store.schema import DecisionRow, TicketRow

MAX_PAGE = 200
# Row ids are 32-bit integers on PostgreSQL.
MAX_ROW_ID = 2**31 - 1


class TicketFilters(InputModel):
    """Filters of a ticket listing; every filter given must hold."""

    status: list[TicketStatus] = Field(default_factory=list)
    team: str | None = None
    agent_id: str | None = None
    unassigned: bool | None = None
    inquiry_type: str | None = None
    segment: str | None = None
    priority: str | None = None
    account_id: str | None = None
    requester_id: str | None = None
    created_after: UtcDatetime | None = None
    created_before: UtcDatetime | None = None


@dataclass(frozen=True)
class TicketPage:
    tickets: list[TicketView]
    next_cursor: str | None


def encode_cursor(row_id: int) -> str:
    return base64.urlsafe_b64encode(f"t:{row_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        prefix, value = text.split(":", 1)
        row_id = int(value)
        if prefix != "t" or not 0 < row_id <= MAX_ROW_ID:
            raise ValueError(prefix)
        return row_id
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput(
            "invalid_field",
            "invalid cursor; pass the next_cursor of a previous page unchanged",
            field="cursor",
        ) from None


def get_ticket(context: ServiceContext, actor: Actor, ticket_id: str) -> TicketView:
    require(actor, "ticket.read")
    with read_session(context.engine) as session:
        return ticket_view(session, find_ticket(session, actor, ticket_id), actor)


def list_tickets(
    context: ServiceContext,
    actor: Actor,
    filters: TicketFilters,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> TicketPage:
    """Return one page of tickets, newest first, and the cursor of the next page."""
    require(actor, "ticket.read")
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(
            "invalid_field",
            f"limit must be 1 to {MAX_PAGE}, got {limit}",
            field="limit",
        )
    statement = select(TicketRow).order_by(TicketRow.id.desc()).limit(limit + 1)
    if cursor is not None:
        statement = statement.where(TicketRow.id < decode_cursor(cursor))
    if actor.team_scoped:
        statement = statement.where(TicketRow.team.in_(sorted(actor.teams)))
    statement = _filtered(statement, filters)

    with read_session(context.engine) as session:
        rows = session.scalars(statement).all()
        page = rows[:limit]
        views = ticket_views(session, page, actor)
        next_cursor = encode_cursor(page[-1].id) if len(rows) > limit else None
    return TicketPage(views, next_cursor)


def _filtered(statement: Select[tuple[TicketRow]], filters: TicketFilters) -> Any:
    equal = {
        "team": TicketRow.team,
        "inquiry_type": TicketRow.inquiry_type,
        "segment": TicketRow.segment,
        "priority": TicketRow.priority,
        "account_id": TicketRow.account_external_id,
    }
    for name, column in equal.items():
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(column == value)
    if filters.status:
        statuses = [status.value for status in filters.status]
        statement = statement.where(TicketRow.status.in_(statuses))
    if filters.agent_id is not None:
        statement = statement.join(AgentRow, AgentRow.id == TicketRow.agent_id)
        statement = statement.where(AgentRow.external_id == filters.agent_id)
    if filters.requester_id is not None:
        statement = statement.join(
            RequesterRow, RequesterRow.id == TicketRow.requester_id
        )
        statement = statement.where(RequesterRow.external_id == filters.requester_id)
    if filters.unassigned is not None:
        waiting = TicketRow.agent_id.is_(None)
        statement = statement.where(waiting if filters.unassigned else ~waiting)
    if filters.created_after is not None:
        statement = statement.where(TicketRow.created_at >= filters.created_after)
    if filters.created_before is not None:
        statement = statement.where(TicketRow.created_at < filters.created_before)
    return statement


def get_decision(context: ServiceContext, actor: Actor, ticket_id: str) -> DecisionView:
    """Return the ticket's routing decision; integrations may read any ticket's."""
    require(actor, "decision.read")
    with read_session(context.engine) as session:
        ticket = find_ticket(session, actor, ticket_id)
        row = (
            session.get(DecisionRow, ticket.decision_id) if ticket.decision_id else None
        )
        if row is None:
            raise not_found("decision of ticket", ticket_id, "ticket_id")
        return decision_view(row)


def get_events(context: ServiceContext, actor: Actor, ticket_id: str) -> list[Event]:
    require(actor, "ticket.read")
    with read_session(context.engine) as session:
        return ticket_history(session, find_ticket(session, actor, ticket_id))
