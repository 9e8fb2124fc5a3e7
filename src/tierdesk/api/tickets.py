"""Ticket routes: create (idempotent), list, read, update, decision and events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response, status
from pydantic import BaseModel

from tierdesk.api.deps import Context, CurrentActor, Now
from tierdesk.api.json_body import StrictJsonRoute
from tierdesk.events import TicketStatus
from tierdesk.service.fields import UtcDatetime
from tierdesk.service.intake import NewTicket, create_ticket
from tierdesk.service.sla_watch import SlaView, ticket_sla
from tierdesk.service.ticket_updates import TicketUpdate, update_ticket
from tierdesk.service.ticket_views import DecisionView, TicketView
from tierdesk.service.tickets import (
    MAX_PAGE,
    TicketFilters,
    get_decision,
    get_events,
    get_ticket,
    list_tickets,
)

router = APIRouter(prefix="/tickets", tags=["tickets"], route_class=StrictJsonRoute)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Any unique string; a retry with the same key and body returns "
        "the ticket the first request created instead of creating another.",
    ),
]


class TicketPageView(BaseModel):
    tickets: list[TicketView]
    next_cursor: str | None


class EventView(BaseModel):
    sequence: int
    at: datetime
    kind: str
    actor: str | None
    team: str | None
    tier: str | None
    agent: str | None
    status: str | None
    attributes: dict[str, Any]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TicketView)
def post_ticket(
    draft: NewTicket,
    context: Context,
    actor: CurrentActor,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Route and store a ticket; the decision, its reason and the policy come back."""
    created = create_ticket(context, actor, draft, now, idempotency_key=idempotency_key)
    # Serialised here: the view is already valid, and FastAPI would validate it
    # against the response model again.
    if created.replayed:
        return Response(
            created.ticket.model_dump_json(),
            status_code=status.HTTP_200_OK,
            headers={"Idempotent-Replayed": "true"},
            media_type="application/json",
        )
    return Response(
        created.ticket.model_dump_json(),
        status_code=status.HTTP_201_CREATED,
        media_type="application/json",
    )


@router.get("", response_model=TicketPageView)
def get_tickets(
    context: Context,
    actor: CurrentActor,
    status_: Annotated[list[TicketStatus] | None, Query(alias="status")] = None,
    team: str | None = None,
    agent_id: str | None = None,
    unassigned: bool | None = None,
    inquiry_type: str | None = None,
    segment: str | None = None,
    priority: str | None = None,
    account_id: str | None = None,
    requester_id: str | None = None,
    created_after: UtcDatetime | None = None,
    created_before: UtcDatetime | None = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> TicketPageView:
    """List tickets newest first; send `next_cursor` as `cursor` for the next page."""
    filters = TicketFilters(
        status=status_ or [],
        team=team,
        agent_id=agent_id,
        unassigned=unassigned,
        inquiry_type=inquiry_type,
        segment=segment,
        priority=priority,
        account_id=account_id,
        requester_id=requester_id,
        created_after=created_after,
        created_before=created_before,
    )
    page = list_tickets(context, actor, filters, cursor=cursor, limit=limit)
    return TicketPageView(tickets=page.tickets, next_cursor=page.next_cursor)


@router.get("/{ticket_id}", response_model=TicketView)
def get_one_ticket(ticket_id: str, context: Context, actor: CurrentActor) -> TicketView:
    return get_ticket(context, actor, ticket_id)


@router.patch("/{ticket_id}", response_model=TicketView)
def patch_ticket(
    ticket_id: str,
    changes: TicketUpdate,
    context: Context,
    actor: CurrentActor,
    now: Now,
) -> TicketView:
    """Change priority, language or inquiry type; a corrected type re-routes triage."""
    return update_ticket(context, actor, ticket_id, changes, now)


@router.get("/{ticket_id}/decision", response_model=DecisionView)
def get_ticket_decision(
    ticket_id: str, context: Context, actor: CurrentActor
) -> DecisionView:
    return get_decision(context, actor, ticket_id)


@router.get("/{ticket_id}/events", response_model=list[EventView])
def get_ticket_events(
    ticket_id: str, context: Context, actor: CurrentActor
) -> list[EventView]:
    """Return the ticket's events, the history every metric is computed from."""
    return [
        EventView(
            sequence=event.sequence,
            at=event.at,
            kind=event.kind.value,
            actor=event.actor,
            team=event.team,
            tier=event.tier,
            agent=event.agent,
            status=event.status,
            attributes=dict(event.attributes),
        )
        for event in get_events(context, actor, ticket_id)
    ]


@router.get("/{ticket_id}/sla", response_model=SlaView)
def get_ticket_sla(
    ticket_id: str, context: Context, actor: CurrentActor, now: Now
) -> SlaView:
    """Return the ticket's SLA clocks now: status, remaining time and due times."""
    return ticket_sla(context, actor, ticket_id, now)
